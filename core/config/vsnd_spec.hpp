// VsndDeviceSpec: a vsnd device as one level-by-level description, before inheritance and
// defaults: what an xl.cfg `vsnd=` card describes, and what one frontend XenStore directory
// holds. Every field is optional because both libxl and XenStore leave unset things out.
// effective_config() (vsnd_config.hpp) turns a spec into the typed tree both halves use.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace xensnd::config {

enum class StreamType { Playback, Capture };

// The parameters that every level may set and the levels below inherit (sndif "PCM settings").
struct HwSpec {
    std::optional<unsigned> channels_min;
    std::optional<unsigned> channels_max;
    std::optional<std::vector<unsigned>> sample_rates;  // as listed: order and duplicates kept
    // Format names as listed. Either spelling of the floats (float_le or f32_le); the xl.cfg
    // parser stores libxl's spelling, as libxl's enum would.
    std::optional<std::vector<std::string>> sample_formats;
    std::optional<unsigned> buffer_size;  // bytes

    bool empty() const {
        return !channels_min && !channels_max && !sample_rates && !sample_formats && !buffer_size;
    }
    bool operator==(const HwSpec&) const = default;
};

struct StreamSpec {
    std::optional<std::string> unique_id;
    std::optional<StreamType> type;
    HwSpec hw;
    bool operator==(const StreamSpec&) const = default;
};

struct PcmSpec {
    std::optional<std::string> name;
    HwSpec hw;
    std::vector<StreamSpec> streams;
    bool operator==(const PcmSpec&) const = default;
};

struct VsndDeviceSpec {
    // xl's backend= (a domain name or id); only the toolstack resolves it, it is never written.
    std::optional<std::string> backend;
    std::optional<std::string> short_name;
    std::optional<std::string> long_name;
    HwSpec hw;
    std::vector<PcmSpec> pcms;
    bool operator==(const VsndDeviceSpec&) const = default;
};

// Hard limits on what a spec or a XenStore tree may hold. A hostile frontend writes its own
// device directory, so everything is bounded before anything is allocated for it. Linux itself
// reads at most 8 PCM devices and 8 streams per device; more are accepted with a warning.
inline constexpr unsigned kMaxPcmDevices = 64;
inline constexpr unsigned kMaxStreamsPerPcm = 64;
inline constexpr unsigned kMaxStreams = 256;  // over the whole device
inline constexpr unsigned kMaxListEntries = 64;
inline constexpr std::size_t kMaxNameBytes = 255;      // names and unique-id
inline constexpr std::size_t kMaxValueBytes = 4096;    // XenStore's payload limit
inline constexpr unsigned kLinuxMaxPcmDevices = 8;     // SNDRV_PCM_DEVICES
inline constexpr unsigned kLinuxMaxStreamsPerPcm = 8;  // VSND_MAX_STREAM
inline constexpr unsigned kMaxChannels = 255;          // sndif: channels are uint8_t

}  // namespace xensnd::config
