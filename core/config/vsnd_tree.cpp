#include "core/config/vsnd_tree.hpp"

#include <optional>
#include <vector>

extern "C" {
#include <xen/io/sndif.h>
}

#include "core/config/decimal.hpp"
#include "core/config/store_path.hpp"

namespace xensnd::config {

namespace {

using detail::join_path;
using detail::level_dir;

// Index segments are at most this long; anything longer is out of range anyway.
constexpr std::size_t kMaxIndexDigits = 9;

enum class Segment { Other, Index, IndexOutOfRange };

// Linux finds children by printing "0", "1", ...: only that spelling is a child. "01" or "x"
// are keys of no meaning here and are ignored like any unknown key.
Segment classify(std::string_view seg, unsigned cap, unsigned& index) {
    if (seg.empty() || (seg.size() > 1 && seg[0] == '0')) return Segment::Other;
    for (char c : seg)
        if (c < '0' || c > '9') return Segment::Other;
    if (seg.size() > kMaxIndexDigits) return Segment::IndexOutOfRange;
    unsigned v = 0;
    if (detail::parse_decimal(seg, v) != nullptr) return Segment::Other;
    index = v;
    return v < cap ? Segment::Index : Segment::IndexOutOfRange;
}

std::string_view first_segment(std::string_view path, std::string_view& rest) {
    auto slash = path.find('/');
    if (slash == std::string_view::npos) {
        rest = {};
        return path;
    }
    rest = path.substr(slash + 1);
    return path.substr(0, slash);
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? char(a[i] - 'A' + 'a') : a[i];
        if (x != b[i]) return false;
    }
    return true;
}

class TreeReader {
  public:
    TreeReader(const StoreTree& tree, std::string_view base) : tree_(tree), base_(base) {}

    std::optional<ConfigError> read(VsndDeviceSpec& spec) {
        Layout layout;
        if (auto e = discover(layout)) return e;
        if (auto e = check_contiguous(layout)) return e;

        if (auto e = read_name(XENSND_FIELD_VCARD_SHORT_NAME, spec.short_name)) return e;
        if (auto e = read_name(XENSND_FIELD_VCARD_LONG_NAME, spec.long_name)) return e;
        if (auto e = read_hw("", spec.hw)) return e;

        spec.pcms.resize(layout.pcms.size());
        for (std::size_t p = 0; p < spec.pcms.size(); ++p) {
            PcmSpec& pcm = spec.pcms[p];
            const std::string dir = level_dir(static_cast<int>(p));
            if (auto e = read_name(dir + XENSND_FIELD_DEVICE_NAME, pcm.name)) return e;
            if (auto e = read_hw(dir, pcm.hw)) return e;
            pcm.streams.resize(layout.streams[p].size());
            for (std::size_t s = 0; s < pcm.streams.size(); ++s) {
                if (auto e = read_stream(level_dir(static_cast<int>(p), static_cast<int>(s)),
                                         pcm.streams[s]))
                    return e;
            }
        }
        return std::nullopt;
    }

  private:
    std::string path(std::string_view rel) const { return join_path(base_, rel); }

    const std::string* find(const std::string& rel) const {
        auto it = tree_.find(rel);
        return it == tree_.end() ? nullptr : &it->second;
    }

    ConfigError error(std::string_view rel, std::string_view value, std::string reason) const {
        return config_error(path(rel), value, std::move(reason));
    }

    // Which PCM devices and streams exist, from the keys alone (a directory may be implied by
    // its children only). Indices are bounded before anything is sized by them.
    struct Layout {
        std::vector<bool> pcms;                  // [pcm] present
        std::vector<std::vector<bool>> streams;  // [pcm][stream] present
    };

    std::optional<ConfigError> discover(Layout& layout) const {
        layout.pcms.assign(kMaxPcmDevices, false);
        layout.streams.assign(kMaxPcmDevices, {});
        for (const auto& [key, value] : tree_) {
            std::string_view rest;
            std::string_view seg = first_segment(key, rest);
            unsigned p = 0;
            Segment kind = classify(seg, kMaxPcmDevices, p);
            if (kind == Segment::Other) continue;
            if (kind == Segment::IndexOutOfRange)
                return error(seg, "",
                             "PCM device index beyond the limit of " +
                                 std::to_string(kMaxPcmDevices) + " devices");
            layout.pcms[p] = true;
            if (rest.empty()) continue;
            std::string_view tail;
            seg = first_segment(rest, tail);
            unsigned s = 0;
            kind = classify(seg, kMaxStreamsPerPcm, s);
            if (kind == Segment::Other) continue;
            if (kind == Segment::IndexOutOfRange)
                return error(std::to_string(p) + "/" + std::string(seg), "",
                             "stream index beyond the limit of " +
                                 std::to_string(kMaxStreamsPerPcm) + " streams per PCM device");
            auto& streams = layout.streams[p];
            if (streams.size() <= s) streams.resize(s + 1, false);
            streams[s] = true;
        }
        std::size_t count = 0;
        for (std::size_t p = 0; p < layout.pcms.size(); ++p)
            if (layout.pcms[p]) count = p + 1;
        layout.pcms.resize(count);
        layout.streams.resize(count);
        return std::nullopt;
    }

    // Linux stops at the first missing index and silently ignores the rest: refuse gaps so that
    // nobody configures a device the guest never sees.
    std::optional<ConfigError> check_contiguous(const Layout& layout) const {
        const std::size_t pcms = layout.pcms.size();
        for (std::size_t p = 0; p < pcms; ++p) {
            if (!layout.pcms[p])
                return error(std::to_string(p), "",
                             "PCM device " + std::to_string(p) + " is missing but PCM device " +
                                 std::to_string(pcms - 1) +
                                 " exists: devices must be numbered 0, 1, ... without gaps");
        }
        unsigned total = 0;
        for (std::size_t p = 0; p < pcms; ++p) {
            const auto& streams = layout.streams[p];
            for (std::size_t s = 0; s < streams.size(); ++s) {
                const std::string dir = std::to_string(p) + "/" + std::to_string(s);
                if (!streams[s])
                    return error(dir, "",
                                 "stream " + std::to_string(s) + " is missing but stream " +
                                     std::to_string(streams.size() - 1) +
                                     " exists: streams must be numbered 0, 1, ... without gaps");
                if (++total > kMaxStreams)
                    return error(
                        dir, "",
                        "more than " + std::to_string(kMaxStreams) + " streams in one device");
            }
        }
        return std::nullopt;
    }

    std::optional<ConfigError> read_name(const std::string& rel, std::optional<std::string>& out) {
        const std::string* v = find(rel);
        if (!v) return std::nullopt;
        if (v->size() > kMaxNameBytes)
            return error(rel, *v, "longer than " + std::to_string(kMaxNameBytes) + " bytes");
        out = *v;
        return std::nullopt;
    }

    std::optional<ConfigError> read_number(const std::string& rel, std::optional<unsigned>& out) {
        const std::string* v = find(rel);
        if (!v) return std::nullopt;
        unsigned n = 0;
        if (const char* why = detail::parse_decimal(*v, n)) return error(rel, *v, why);
        out = n;
        return std::nullopt;
    }

    // A XENSND_LIST_SEPARATOR list: non-empty, no empty entries, at most kMaxListEntries.
    std::optional<ConfigError> split_list(const std::string& rel, const std::string& value,
                                          std::vector<std::string_view>& entries) const {
        if (value.size() > kMaxValueBytes)
            return error(rel, value, "longer than " + std::to_string(kMaxValueBytes) + " bytes");
        if (value.empty()) return error(rel, value, "empty list");
        std::string_view rest = value;
        for (;;) {
            auto comma = rest.find(XENSND_LIST_SEPARATOR[0]);
            std::string_view entry = rest.substr(0, comma);
            if (entry.empty()) return error(rel, value, "empty entry in list");
            if (entries.size() == kMaxListEntries)
                return error(rel, value,
                             "more than " + std::to_string(kMaxListEntries) + " entries");
            entries.push_back(entry);
            if (comma == std::string_view::npos) break;
            rest = rest.substr(comma + 1);
        }
        return std::nullopt;
    }

    std::optional<ConfigError> read_hw(const std::string& dir, HwSpec& hw) {
        if (auto e = read_number(dir + XENSND_FIELD_CHANNELS_MIN, hw.channels_min)) return e;
        if (auto e = read_number(dir + XENSND_FIELD_CHANNELS_MAX, hw.channels_max)) return e;
        if (auto e = read_number(dir + XENSND_FIELD_BUFFER_SIZE, hw.buffer_size)) return e;

        const std::string rates_rel = dir + XENSND_FIELD_SAMPLE_RATES;
        if (const std::string* v = find(rates_rel)) {
            std::vector<std::string_view> entries;
            if (auto e = split_list(rates_rel, *v, entries)) return e;
            std::vector<unsigned> rates;
            rates.reserve(entries.size());
            for (std::string_view entry : entries) {
                unsigned rate = 0;
                if (const char* why = detail::parse_decimal(entry, rate))
                    return error(rates_rel, *v, "rate \"" + std::string(entry) + "\": " + why);
                rates.push_back(rate);
            }
            hw.sample_rates = std::move(rates);
        }

        const std::string formats_rel = dir + XENSND_FIELD_SAMPLE_FORMATS;
        if (const std::string* v = find(formats_rel)) {
            std::vector<std::string_view> entries;
            if (auto e = split_list(formats_rel, *v, entries)) return e;
            hw.sample_formats.emplace(entries.begin(), entries.end());
        }
        return std::nullopt;
    }

    std::optional<ConfigError> read_stream(const std::string& dir, StreamSpec& stream) {
        if (auto e = read_name(dir + XENSND_FIELD_STREAM_UNIQUE_ID, stream.unique_id)) return e;
        const std::string type_rel = dir + XENSND_FIELD_TYPE;
        if (const std::string* v = find(type_rel)) {
            // Linux compares the whole value case-insensitively with "p" and "c".
            if (equal_ignoring_case(*v, XENSND_STREAM_TYPE_PLAYBACK))
                stream.type = StreamType::Playback;
            else if (equal_ignoring_case(*v, XENSND_STREAM_TYPE_CAPTURE))
                stream.type = StreamType::Capture;
            else
                return error(type_rel, *v, "stream type must be p or c");
        }
        return read_hw(dir, stream.hw);
    }

    const StoreTree& tree_;
    std::string_view base_;
};

}  // namespace

ConfigResult<VsndDeviceSpec> read_vsnd_spec(const StoreTree& tree, std::string_view base_path) {
    VsndDeviceSpec spec;
    TreeReader reader(tree, base_path);
    if (auto e = reader.read(spec)) return std::move(*e);
    return spec;
}

}  // namespace xensnd::config
