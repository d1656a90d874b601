// Percentiles of a set of latency samples, and the floor-relative report every latency
// benchmark prints (these machines are shared and noisy: a figure means something only
// beside a reference measured in the same run).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace xensnd::bench {

struct Percentiles {
    double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
    std::size_t samples = 0;
};

inline Percentiles percentiles(std::vector<std::int64_t> ns) {
    Percentiles p;
    p.samples = ns.size();
    if (ns.empty()) return p;
    std::sort(ns.begin(), ns.end());
    auto at = [&](double q) {
        auto i = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1));
        return static_cast<double>(ns[i]) / 1000.0;
    };
    p.p50_us = at(0.50);
    p.p99_us = at(0.99);
    p.p999_us = at(0.999);
    p.max_us = static_cast<double>(ns.back()) / 1000.0;
    return p;
}

inline void print_header() {
    std::printf("%-34s %9s %9s %9s %9s %8s %8s\n", "path", "p50 us", "p99 us", "p99.9 us", "max us",
                "p50 x", "p99 x");
}

inline void print_row(const std::string& name, const Percentiles& p, const Percentiles* floor) {
    double r50 = floor && floor->p50_us > 0 ? p.p50_us / floor->p50_us : 1.0;
    double r99 = floor && floor->p99_us > 0 ? p.p99_us / floor->p99_us : 1.0;
    std::printf("%-34s %9.2f %9.2f %9.2f %9.2f %8.2f %8.2f\n", name.c_str(), p.p50_us, p.p99_us,
                p.p999_us, p.max_us, r50, r99);
}

inline std::string json_entry(const std::string& name, const Percentiles& p) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "\"%s\": {\"p50_us\": %.3f, \"p99_us\": %.3f, \"p999_us\": %.3f, "
                  "\"max_us\": %.3f, \"samples\": %zu}",
                  name.c_str(), p.p50_us, p.p99_us, p.p999_us, p.max_us, p.samples);
    return buf;
}

// The performance target for wake-up paths: p50 <= 1.2x and p99 <= 1.5x the floor.
inline bool meets_wakeup_target(const Percentiles& p, const Percentiles& floor) {
    return p.p50_us <= 1.2 * floor.p50_us && p.p99_us <= 1.5 * floor.p99_us;
}

}  // namespace xensnd::bench
