// Properties both fuzz targets check on whatever the parsers accept: the effective config is
// self-consistent, and writing a spec the way libxl does and reading it back gives the same
// effective config.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/config/vsnd_config.hpp"
#include "core/config/vsnd_store_layout.hpp"

namespace fuzz {

inline void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

inline void check_hw(const xensnd::config::PcmHwConfig& hw) {
    require(hw.channels.min >= 1 && hw.channels.min <= hw.channels.max, "channels");
    require(hw.channels.max <= xensnd::config::kMaxChannels, "channels max");
    if (!hw.rates.continuous) {
        const auto& l = hw.rates.list;
        require(!l.empty(), "rate list empty");
        for (std::size_t i = 1; i < l.size(); ++i)
            require(l[i - 1] < l[i], "rates sorted");
        require(hw.rates.range.min == l.front() && hw.rates.range.max == l.back(), "rate range");
        require(l.front() >= 1, "rate 0");
    }
    require(hw.formats != 0, "no formats");
    require(hw.buffer_bytes >= 1, "buffer");
}

inline void check_config(const xensnd::config::VsndDeviceConfig& config) {
    check_hw(config.card.hw);
    require(!config.card.pcm_devices.empty(), "no pcm");
    unsigned ring = 0;
    for (std::size_t p = 0; p < config.card.pcm_devices.size(); ++p) {
        const auto& pcm = config.card.pcm_devices[p];
        require(pcm.index == p, "pcm index");
        check_hw(pcm.hw);
        for (std::size_t s = 0; s < pcm.streams.size(); ++s) {
            const auto& stream = pcm.streams[s];
            require(stream.index == s && stream.pcm_index == p, "stream index");
            require(stream.ring_index == ring, "ring order");
            require(config.stream_by_ring(ring) == &stream, "stream_by_ring");
            ++ring;
            check_hw(stream.hw);
        }
    }
    require(config.stream_count() == ring, "stream count");
    require(ring <= xensnd::config::kMaxStreams, "stream cap");
}

// libxl writes no node for a PCM device that sets nothing and has no stream, so such a spec
// cannot survive a round trip through XenStore (its successors would leave a gap).
inline bool every_level_written(const xensnd::config::VsndDeviceSpec& spec) {
    for (const auto& pcm : spec.pcms)
        if (pcm.streams.empty() && !pcm.name && pcm.hw.empty()) return false;
    return true;
}

inline void check_round_trip(const xensnd::config::VsndDeviceSpec& spec) {
    using namespace xensnd::config;
    const VsndDeviceAddress address{0, 7, 1};
    const std::string fe = address.frontend_path();
    auto direct = effective_config(spec, fe);
    if (!direct) {
        require(!direct.error().message().empty(), "message");
        return;
    }
    check_config(*direct);
    if (!every_level_written(spec)) return;
    const VsndDeviceNodes nodes = libxl_device_nodes(spec, address);
    auto reread = parse_vsnd_tree(subtree(nodes.written, fe), fe);
    if (!reread) std::fprintf(stderr, "%s\n", reread.error().message().c_str());
    require(reread.ok(), "written spec does not read back");
    require(*reread == *direct, "round trip changed the config");
}

}  // namespace fuzz
