#include "backend/stream/refusal_log.hpp"

#include <algorithm>

namespace xensnd::backend::stream {

bool RefusalLog::refused(std::string_view line) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refill_ >= kRefill) {
        const auto periods = static_cast<std::uint64_t>((now - last_refill_) / kRefill);
        tokens_ = static_cast<unsigned>(std::min<std::uint64_t>(kBurst, tokens_ + periods));
        last_refill_ = now;
    }
    if (tokens_ == 0) {
        ++suppressed_;
        ++suppressed_total_;
        return false;
    }
    --tokens_;
    if (suppressed_ > 0)
        log_.warning("{} ({} more refused requests not logged)", line, suppressed_);
    else
        log_.warning("{}", line);
    suppressed_ = 0;
    return true;
}

}  // namespace xensnd::backend::stream
