// The vsnd configuration model: a card, its PCM devices and their streams, each stream with the
// hardware parameters in effect after inheritance (card -> pcm -> stream) and Linux's defaults.
// Both halves use it: the backend to know what to serve, the frontend to know what to publish.
//
// Inheritance follows what Linux does, not what the sndif header says: a lower level copies its
// parent and overrides whatever it sets, even when that widens the parent (a warning then).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config_error.hpp"
#include "core/config/vsnd_spec.hpp"
#include "core/config/vsnd_tree.hpp"

namespace xensnd::config {

struct Range {
    unsigned min = 0;
    unsigned max = 0;
    bool contains(unsigned v) const { return v >= min && v <= max; }
    bool operator==(const Range&) const = default;
};

// What Linux's frontend uses for anything no level sets (sound/xen, SND_DRV_PCM_HW_DEFAULT).
namespace linux_default {
inline constexpr Range kChannels{1, 2};
inline constexpr Range kRates{5512, 48000};                           // continuous
inline constexpr std::uint64_t kFormats = (1ull << 1) | (1ull << 2);  // U8, S16_LE
inline constexpr unsigned kBufferBytes = 64 * 1024;
inline constexpr unsigned kPeriodBytesMin = 64;
inline constexpr unsigned kPeriodsMin = 2;
}  // namespace linux_default

// Sample rates: either a continuous range (Linux's default when no level lists rates: any rate
// in 5512..48000) or the listed rates, sorted and without duplicates.
struct SampleRates {
    bool continuous = true;
    Range range = linux_default::kRates;  // for a list: {smallest, largest}
    std::vector<unsigned> list;           // empty when continuous

    static SampleRates from_list(std::vector<unsigned> rates);
    bool contains(unsigned rate) const;
    bool operator==(const SampleRates&) const = default;
};

struct PcmHwConfig {
    Range channels = linux_default::kChannels;
    SampleRates rates;
    std::uint64_t formats = linux_default::kFormats;  // bit (1 << XENSND_PCM_FORMAT_*)
    unsigned buffer_bytes = linux_default::kBufferBytes;

    bool has_format(unsigned format) const { return format < 64 && (formats >> format) & 1; }
    // The period limits Linux derives from the buffer size.
    unsigned period_bytes_min() const { return linux_default::kPeriodBytesMin; }
    unsigned period_bytes_max() const { return buffer_bytes; }
    unsigned periods_min() const { return linux_default::kPeriodsMin; }
    unsigned periods_max() const { return buffer_bytes / linux_default::kPeriodBytesMin; }
    bool operator==(const PcmHwConfig&) const = default;
};

struct StreamConfig {
    unsigned pcm_index = 0;   // the PCM device it belongs to: XenStore directory P/S
    unsigned index = 0;       // S: its index within the PCM device
    unsigned ring_index = 0;  // order of appearance over all PCM devices, as Linux numbers rings
    StreamType type = StreamType::Playback;
    std::string unique_id;  // empty when absent (Linux never reads it)
    PcmHwConfig hw;         // in effect for this stream

    // "P/S", the stream's directory relative to the device (where ring-ref etc. go).
    std::string relative_dir() const;
    bool operator==(const StreamConfig&) const = default;
};

struct PcmDeviceConfig {
    unsigned index = 0;
    std::string name;  // empty when absent
    PcmHwConfig hw;    // the device level, which its streams inherit
    std::vector<StreamConfig> streams;
    bool operator==(const PcmDeviceConfig&) const = default;
};

struct CardConfig {
    std::string short_name;  // empty when absent (Linux never reads the names)
    std::string long_name;
    PcmHwConfig hw;  // the card level, which its PCM devices inherit
    std::vector<PcmDeviceConfig> pcm_devices;
    bool operator==(const CardConfig&) const = default;
};

struct VsndDeviceConfig {
    CardConfig card;

    unsigned stream_count() const;
    // The stream with this ring index, or nullptr. Pointers stay valid while the config lives
    // unmodified.
    const StreamConfig* stream_by_ring(unsigned ring_index) const;
    // The first stream with this unique-id, or nullptr.
    const StreamConfig* stream_by_unique_id(std::string_view unique_id) const;
    bool operator==(const VsndDeviceConfig&) const = default;
};

// Applies inheritance and Linux's defaults and checks what each level sets: channels 1..255 and
// min <= max, rates >= 1, known format names, buffer >= 1, a type on every stream, at least one
// PCM device, the hard limits of vsnd_spec.hpp. Errors and warnings name the XenStore path the
// value is (or would be) at, under base_path.
ConfigResult<VsndDeviceConfig> effective_config(const VsndDeviceSpec& spec,
                                                std::string_view base_path);

// read_vsnd_spec() then effective_config(): a frontend directory to the typed model.
ConfigResult<VsndDeviceConfig> parse_vsnd_tree(const StoreTree& tree, std::string_view base_path);

// The sample rates Linux has names for (5512 ... 192000); it ignores any other listed rate.
bool linux_knows_rate(unsigned rate);

}  // namespace xensnd::config
