// RefusalLog: one log line per refused request, so an operator sees what the guest got wrong,
// but rate-limited so that a guest flooding bad requests cannot fill the log: a burst of
// lines, then one line per second at most, each saying how many were left out before it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/log/log.hpp"

namespace xensnd::backend::stream {

class RefusalLog {
  public:
    static constexpr unsigned kBurst = 10;
    static constexpr std::chrono::seconds kRefill{1};

    explicit RefusalLog(log::Logger log) : log_(std::move(log)) {}

    // Logs `line` (a warning) unless the budget is spent; true when it was written.
    bool refused(std::string_view line);
    std::uint64_t suppressed_total() const { return suppressed_total_; }

  private:
    log::Logger log_;
    unsigned tokens_ = kBurst;
    std::chrono::steady_clock::time_point last_refill_ = std::chrono::steady_clock::now();
    std::uint64_t suppressed_ = 0;  // since the last line written
    std::uint64_t suppressed_total_ = 0;
};

}  // namespace xensnd::backend::stream
