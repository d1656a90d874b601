#include "core/config/vsnd_config.hpp"

#include <algorithm>
#include <array>
#include <optional>

extern "C" {
#include <xen/io/sndif.h>
}

#include "core/config/format_names.hpp"
#include "core/config/store_path.hpp"

namespace xensnd::config {

static_assert(linux_default::kFormats ==
              ((1ull << XENSND_PCM_FORMAT_U8) | (1ull << XENSND_PCM_FORMAT_S16_LE)));

namespace {

using detail::join_path;
using detail::level_dir;

constexpr std::array<unsigned, 12> kLinuxRates{5512,  8000,  11025, 16000, 22050,  32000,
                                               44100, 48000, 64000, 96000, 176400, 192000};

// Linux truncates a PCM device name to its char[80].
constexpr std::size_t kLinuxNameBytes = 79;

// A level's parameters as inherited, and whether each came from some level that set it (as
// opposed to Linux's defaults): widening a default is normal, widening a setting is suspect.
struct Level {
    PcmHwConfig hw;
    std::string channels_min_from;  // path of the node that set it, empty for a default
    std::string channels_max_from;
    bool rates_set = false;
    bool formats_set = false;
    bool buffer_set = false;
};

std::string list_text(const std::vector<unsigned>& v) {
    std::string out;
    for (unsigned x : v) {
        if (!out.empty()) out += ',';
        out += std::to_string(x);
    }
    return out;
}

std::string list_text(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) {
        if (!out.empty()) out += ',';
        out += x;
    }
    return out;
}

class Resolver {
  public:
    explicit Resolver(std::string_view base) : base_(base) {}

    std::optional<ConfigError> resolve(const VsndDeviceSpec& spec, VsndDeviceConfig& out) {
        CardConfig& card = out.card;
        if (auto e = check_name(XENSND_FIELD_VCARD_SHORT_NAME, spec.short_name, card.short_name))
            return e;
        if (auto e = check_name(XENSND_FIELD_VCARD_LONG_NAME, spec.long_name, card.long_name))
            return e;

        Level card_level;
        if (auto e = apply("", spec.hw, card_level)) return e;
        card.hw = card_level.hw;

        if (spec.pcms.empty())
            return config_error(std::string(base_), "",
                                "no PCM devices (node 0 is missing): Linux refuses such a card");
        if (spec.pcms.size() > kMaxPcmDevices)
            return error(std::to_string(kMaxPcmDevices), "",
                         "more than " + std::to_string(kMaxPcmDevices) + " PCM devices");
        if (spec.pcms.size() > kLinuxMaxPcmDevices)
            warn(std::to_string(kLinuxMaxPcmDevices), "Linux guests see only the first " +
                                                          std::to_string(kLinuxMaxPcmDevices) +
                                                          " PCM devices");

        unsigned ring = 0;
        card.pcm_devices.reserve(spec.pcms.size());
        for (std::size_t p = 0; p < spec.pcms.size(); ++p) {
            const PcmSpec& ps = spec.pcms[p];
            const std::string dir = level_dir(static_cast<int>(p));
            PcmDeviceConfig& pcm = card.pcm_devices.emplace_back();
            pcm.index = static_cast<unsigned>(p);
            if (auto e = check_name(dir + XENSND_FIELD_DEVICE_NAME, ps.name, pcm.name)) return e;
            if (pcm.name.size() > kLinuxNameBytes)
                warn(dir + XENSND_FIELD_DEVICE_NAME,
                     "Linux guests cut the name to " + std::to_string(kLinuxNameBytes) + " bytes");

            Level pcm_level = card_level;
            if (auto e = apply(dir, ps.hw, pcm_level)) return e;
            pcm.hw = pcm_level.hw;

            if (ps.streams.empty()) warn(dir, "PCM device has no streams");
            if (ps.streams.size() > kMaxStreamsPerPcm)
                return error(dir + std::to_string(kMaxStreamsPerPcm), "",
                             "more than " + std::to_string(kMaxStreamsPerPcm) +
                                 " streams in one PCM device");
            if (ps.streams.size() > kLinuxMaxStreamsPerPcm)
                warn(dir + std::to_string(kLinuxMaxStreamsPerPcm),
                     "Linux guests see only the first " + std::to_string(kLinuxMaxStreamsPerPcm) +
                         " streams of a PCM device");

            pcm.streams.reserve(ps.streams.size());
            for (std::size_t s = 0; s < ps.streams.size(); ++s) {
                const StreamSpec& ss = ps.streams[s];
                const std::string sdir = level_dir(static_cast<int>(p), static_cast<int>(s));
                if (ring == kMaxStreams)
                    return error(
                        sdir, "",
                        "more than " + std::to_string(kMaxStreams) + " streams in one device");
                StreamConfig& stream = pcm.streams.emplace_back();
                stream.pcm_index = pcm.index;
                stream.index = static_cast<unsigned>(s);
                stream.ring_index = ring++;
                if (!ss.type)
                    return error(sdir + XENSND_FIELD_TYPE, "",
                                 "stream type is missing (p or c): Linux refuses the card");
                stream.type = *ss.type;
                if (auto e = check_name(sdir + XENSND_FIELD_STREAM_UNIQUE_ID, ss.unique_id,
                                        stream.unique_id))
                    return e;
                Level stream_level = pcm_level;
                if (auto e = apply(sdir, ss.hw, stream_level)) return e;
                stream.hw = stream_level.hw;
            }
        }
        return std::nullopt;
    }

    std::vector<std::string> take_warnings() { return std::move(warnings_); }

  private:
    std::string path(std::string_view rel) const { return join_path(base_, rel); }

    ConfigError error(std::string_view rel, std::string_view value, std::string reason) const {
        return config_error(path(rel), value, std::move(reason));
    }

    void warn(std::string_view rel, std::string_view what) {
        warnings_.push_back(path(rel) + ": " + std::string(what));
    }

    std::optional<ConfigError> check_name(const std::string& rel,
                                          const std::optional<std::string>& in, std::string& out) {
        if (!in) return std::nullopt;
        if (in->size() > kMaxNameBytes)
            return error(rel, *in, "longer than " + std::to_string(kMaxNameBytes) + " bytes");
        out = *in;
        return std::nullopt;
    }

    std::optional<ConfigError> check_channels(const std::string& rel, unsigned v) const {
        if (v < 1 || v > kMaxChannels)
            return error(rel, std::to_string(v),
                         "channels must be 1.." + std::to_string(kMaxChannels));
        return std::nullopt;
    }

    // Copies the parent (already in `level`) and overrides what this level sets, as Linux does.
    std::optional<ConfigError> apply(const std::string& dir, const HwSpec& spec, Level& level) {
        PcmHwConfig& hw = level.hw;
        const std::string min_rel = dir + XENSND_FIELD_CHANNELS_MIN;
        const std::string max_rel = dir + XENSND_FIELD_CHANNELS_MAX;
        if (spec.channels_min) {
            const unsigned v = *spec.channels_min;
            if (auto e = check_channels(min_rel, v)) return e;
            if (!level.channels_min_from.empty() && v < hw.channels.min)
                warn(min_rel, "widens the inherited channels-min " +
                                  std::to_string(hw.channels.min) + " to " + std::to_string(v));
            hw.channels.min = v;
            level.channels_min_from = path(min_rel);
        }
        if (spec.channels_max) {
            const unsigned v = *spec.channels_max;
            if (auto e = check_channels(max_rel, v)) return e;
            if (!level.channels_max_from.empty() && v > hw.channels.max)
                warn(max_rel, "widens the inherited channels-max " +
                                  std::to_string(hw.channels.max) + " to " + std::to_string(v));
            hw.channels.max = v;
            level.channels_max_from = path(max_rel);
        }
        if (hw.channels.min > hw.channels.max) {
            // Linux would quietly cut min down to max; name the node to fix instead.
            auto origin = [](const std::string& from) {
                return from.empty() ? std::string("Linux's default") : from;
            };
            if (spec.channels_min)
                return error(min_rel, std::to_string(hw.channels.min),
                             "channels-min is above channels-max " +
                                 std::to_string(hw.channels.max) + " (from " +
                                 origin(level.channels_max_from) + ")");
            return error(max_rel, std::to_string(hw.channels.max),
                         "channels-max is below channels-min " + std::to_string(hw.channels.min) +
                             " (from " + origin(level.channels_min_from) + ")");
        }

        if (spec.sample_rates) {
            const std::string rel = dir + XENSND_FIELD_SAMPLE_RATES;
            const auto& rates = *spec.sample_rates;
            if (rates.empty()) return error(rel, "", "empty list");
            if (rates.size() > kMaxListEntries)
                return error(rel, list_text(rates),
                             "more than " + std::to_string(kMaxListEntries) + " entries");
            std::string unknown_to_linux;
            std::string widened;
            for (unsigned r : rates) {
                if (r == 0) return error(rel, list_text(rates), "a sample rate of 0");
                if (!linux_knows_rate(r))
                    unknown_to_linux += (unknown_to_linux.empty() ? "" : ",") + std::to_string(r);
                if (level.rates_set && !hw.rates.contains(r))
                    widened += (widened.empty() ? "" : ",") + std::to_string(r);
            }
            if (!unknown_to_linux.empty())
                warn(rel,
                     "Linux guests ignore the rates they have no name for: " + unknown_to_linux);
            if (!widened.empty()) warn(rel, "widens the inherited sample-rates with " + widened);
            hw.rates = SampleRates::from_list(rates);
            level.rates_set = true;
        }

        if (spec.sample_formats) {
            const std::string rel = dir + XENSND_FIELD_SAMPLE_FORMATS;
            const auto& names = *spec.sample_formats;
            if (names.empty()) return error(rel, "", "empty list");
            if (names.size() > kMaxListEntries)
                return error(rel, list_text(names),
                             "more than " + std::to_string(kMaxListEntries) + " entries");
            std::uint64_t mask = 0;
            std::string unknown_to_linux;
            for (const auto& name : names) {
                auto format = detail::format_from_name(name);
                if (!format)
                    return error(rel, list_text(names),
                                 "unknown sample format \"" + name.substr(0, 32) + "\"");
                mask |= 1ull << *format;
                if (!detail::linux_knows_format_name(name))
                    unknown_to_linux += (unknown_to_linux.empty() ? "" : ",") + name +
                                        " (Linux knows " +
                                        std::string(detail::header_format_name(*format)) + ")";
            }
            if (!unknown_to_linux.empty())
                warn(rel, "Linux guests ignore these spellings: " + unknown_to_linux);
            if (level.formats_set && (mask & ~hw.formats) != 0)
                warn(rel, "widens the inherited sample-formats");
            hw.formats = mask;
            level.formats_set = true;
        }

        if (spec.buffer_size) {
            const std::string rel = dir + XENSND_FIELD_BUFFER_SIZE;
            const unsigned v = *spec.buffer_size;
            if (v == 0) return error(rel, "0", "a buffer size of 0");
            if (level.buffer_set && v > hw.buffer_bytes)
                warn(rel, "widens the inherited buffer-size " + std::to_string(hw.buffer_bytes) +
                              " to " + std::to_string(v));
            if (v < linux_default::kPeriodsMin * linux_default::kPeriodBytesMin)
                warn(rel, "Linux guests need room for 2 periods of 64 bytes");
            hw.buffer_bytes = v;
            level.buffer_set = true;
        }
        return std::nullopt;
    }

    std::string_view base_;
    std::vector<std::string> warnings_;
};

}  // namespace

SampleRates SampleRates::from_list(std::vector<unsigned> rates) {
    std::sort(rates.begin(), rates.end());
    rates.erase(std::unique(rates.begin(), rates.end()), rates.end());
    SampleRates out;
    out.continuous = false;
    out.range = rates.empty() ? Range{} : Range{rates.front(), rates.back()};
    out.list = std::move(rates);
    return out;
}

bool SampleRates::contains(unsigned rate) const {
    if (continuous) return range.contains(rate);
    return std::binary_search(list.begin(), list.end(), rate);
}

std::string StreamConfig::relative_dir() const {
    return std::to_string(pcm_index) + "/" + std::to_string(index);
}

unsigned VsndDeviceConfig::stream_count() const {
    unsigned n = 0;
    for (const auto& pcm : card.pcm_devices)
        n += static_cast<unsigned>(pcm.streams.size());
    return n;
}

const StreamConfig* VsndDeviceConfig::stream_by_ring(unsigned ring_index) const {
    for (const auto& pcm : card.pcm_devices)
        for (const auto& s : pcm.streams)
            if (s.ring_index == ring_index) return &s;
    return nullptr;
}

const StreamConfig* VsndDeviceConfig::stream_by_unique_id(std::string_view unique_id) const {
    for (const auto& pcm : card.pcm_devices)
        for (const auto& s : pcm.streams)
            if (s.unique_id == unique_id) return &s;
    return nullptr;
}

bool linux_knows_rate(unsigned rate) {
    return std::find(kLinuxRates.begin(), kLinuxRates.end(), rate) != kLinuxRates.end();
}

ConfigResult<VsndDeviceConfig> effective_config(const VsndDeviceSpec& spec,
                                                std::string_view base_path) {
    Resolver resolver(base_path);
    VsndDeviceConfig config;
    auto error = resolver.resolve(spec, config);
    ConfigResult<VsndDeviceConfig> result = error
                                                ? ConfigResult<VsndDeviceConfig>(std::move(*error))
                                                : ConfigResult<VsndDeviceConfig>(std::move(config));
    result.warnings() = resolver.take_warnings();
    return result;
}

ConfigResult<VsndDeviceConfig> parse_vsnd_tree(const StoreTree& tree, std::string_view base_path) {
    auto spec = read_vsnd_spec(tree, base_path);
    if (!spec) return spec.error();
    return effective_config(*spec, base_path);
}

}  // namespace xensnd::config
