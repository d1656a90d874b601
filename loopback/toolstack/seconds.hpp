// Time limits as people write them on a command line ("10", "0.5") and read them in messages
// ("10 s", "0.5 s"). Millisecond resolution is what poll() offers and all a toolstack needs.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace xensnd::loopback::toolstack {

// The longest limit accepted: a day. A longer wait is a typo, not a plan.
inline constexpr std::chrono::milliseconds kMaxLimit{86'400'000};

// Decimal seconds with at most three fraction digits: "10", "0.5", "1.250". Nothing else
// (no sign, exponent, units or spaces) and nothing over kMaxLimit.
std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text);

// "10 s", "0.5 s", "1.25 s".
std::string seconds_text(std::chrono::milliseconds limit);

}  // namespace xensnd::loopback::toolstack
