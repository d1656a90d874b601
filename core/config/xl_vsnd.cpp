#include "core/config/xl_vsnd.hpp"

#include <optional>

extern "C" {
#include <xen/io/sndif.h>
}

#include "core/config/decimal.hpp"
#include "core/config/format_names.hpp"

namespace xensnd::config {

namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

enum class ItemKind { Card, Pcm, Stream };

const char* kind_name(ItemKind kind) {
    switch (kind) {
        case ItemKind::Card:
            return "card";
        case ItemKind::Pcm:
            return "pcm";
        case ItemKind::Stream:
            return "stream";
    }
    return "?";
}

// Splits on `sep` and skips empty pieces, as strtok does in xl.
std::vector<std::string_view> tokens(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(sep, start);
        if (end == std::string_view::npos) end = text.size();
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

class CardParser {
  public:
    explicit CardParser(unsigned card_index) : card_index_(card_index) {}

    std::optional<ConfigError> item(std::string_view text, unsigned item_index) {
        item_index_ = item_index;
        bool first = true;
        for (std::string_view token : tokens(text, ',')) {
            // xl drops leading spaces only: trailing ones stay part of the value.
            while (!token.empty() && token.front() == ' ')
                token.remove_prefix(1);
            if (first) {
                first = false;
                if (auto e = start_item(token)) return e;
                continue;
            }
            if (auto e = parameter(token)) return e;
        }
        return std::nullopt;
    }

    VsndDeviceSpec finish(std::vector<std::string>& warnings) {
        for (std::size_t p = 0; p < spec_.pcms.size(); ++p) {
            for (std::size_t s = 0; s < spec_.pcms[p].streams.size(); ++s) {
                const StreamSpec& stream = spec_.pcms[p].streams[s];
                if (!stream.unique_id && !stream.type && stream.hw.empty())
                    warnings.push_back(
                        item_path(stream_items_[p][s], ItemKind::Stream) +
                        ": the stream sets nothing, so libxl writes no node for it and it does "
                        "not exist");
            }
        }
        if (spec_.pcms.empty())
            warnings.push_back("vsnd[" + std::to_string(card_index_) +
                               "]: no pcm or stream item: Linux refuses a card without PCM "
                               "devices");
        return std::move(spec_);
    }

  private:
    std::string item_path(unsigned item, ItemKind kind) const {
        return "vsnd[" + std::to_string(card_index_) + "][" + std::to_string(item) + "] " +
               kind_name(kind);
    }

    ConfigError item_error(std::string_view value, std::string reason) const {
        return config_error(item_path(item_index_, kind_), value, std::move(reason));
    }

    ConfigError key_error(std::string_view key, std::string_view value, std::string reason) const {
        return config_error(item_path(item_index_, kind_) + "/" + std::string(key), value,
                            std::move(reason));
    }

    std::optional<ConfigError> start_item(std::string_view kind) {
        if (equal_ignoring_case(kind, "card")) {
            kind_ = ItemKind::Card;
        } else if (equal_ignoring_case(kind, "pcm")) {
            kind_ = ItemKind::Pcm;
            if (spec_.pcms.size() == kMaxPcmDevices)
                return item_error(kind,
                                  "more than " + std::to_string(kMaxPcmDevices) + " PCM devices");
            spec_.pcms.emplace_back();
            stream_items_.emplace_back();
        } else if (equal_ignoring_case(kind, "stream")) {
            kind_ = ItemKind::Stream;
            if (spec_.pcms.empty()) {
                spec_.pcms.emplace_back();
                stream_items_.emplace_back();
            }
            if (spec_.pcms.back().streams.size() == kMaxStreamsPerPcm)
                return item_error(kind, "more than " + std::to_string(kMaxStreamsPerPcm) +
                                            " streams in one PCM device");
            if (streams_ == kMaxStreams)
                return item_error(
                    kind, "more than " + std::to_string(kMaxStreams) + " streams in a card");
            ++streams_;
            spec_.pcms.back().streams.emplace_back();
            stream_items_.back().push_back(item_index_);
        } else {
            return config_error(
                "vsnd[" + std::to_string(card_index_) + "][" + std::to_string(item_index_) + "]",
                kind, "unknown item: an item starts with card, pcm or stream");
        }
        return std::nullopt;
    }

    HwSpec& hw() {
        switch (kind_) {
            case ItemKind::Card:
                return spec_.hw;
            case ItemKind::Pcm:
                return spec_.pcms.back().hw;
            case ItemKind::Stream:
                return spec_.pcms.back().streams.back().hw;
        }
        return spec_.hw;
    }

    std::optional<ConfigError> parameter(std::string_view token) {
        const auto eq = token.find('=');
        if (eq == std::string_view::npos) return item_error(token, "a parameter must be key=value");
        const std::string_view key = token.substr(0, eq);
        const std::string_view value = token.substr(eq + 1);

        if (key == XENSND_FIELD_SAMPLE_RATES) return rates(key, value, hw().sample_rates);
        if (key == XENSND_FIELD_SAMPLE_FORMATS) return formats(key, value, hw().sample_formats);
        if (key == XENSND_FIELD_CHANNELS_MIN) return channels(key, value, hw().channels_min);
        if (key == XENSND_FIELD_CHANNELS_MAX) return channels(key, value, hw().channels_max);
        if (key == XENSND_FIELD_BUFFER_SIZE) return number(key, value, hw().buffer_size);

        switch (kind_) {
            case ItemKind::Card:
                if (key == "backend") {
                    if (value.empty()) return key_error(key, value, "empty backend domain");
                    return text(key, value, spec_.backend);
                }
                if (key == XENSND_FIELD_VCARD_SHORT_NAME) return text(key, value, spec_.short_name);
                if (key == XENSND_FIELD_VCARD_LONG_NAME) return text(key, value, spec_.long_name);
                break;
            case ItemKind::Pcm:
                if (key == XENSND_FIELD_DEVICE_NAME)
                    return text(key, value, spec_.pcms.back().name);
                break;
            case ItemKind::Stream: {
                StreamSpec& stream = spec_.pcms.back().streams.back();
                if (key == XENSND_FIELD_STREAM_UNIQUE_ID) return text(key, value, stream.unique_id);
                if (key == XENSND_FIELD_TYPE) return type(key, value, stream.type);
                if (key == "id")
                    return key_error(key, value,
                                     "unknown key: xl accepts unique-id=, not id= (the man "
                                     "page's example is wrong)");
                break;
            }
        }
        if (key == "backend")
            return key_error(key, value, "backend= is allowed only on the card item");
        return key_error(key, value,
                         std::string("unknown key for a ") + kind_name(kind_) + " item");
    }

    std::optional<ConfigError> text(std::string_view key, std::string_view value,
                                    std::optional<std::string>& out) const {
        if (value.size() > kMaxNameBytes)
            return key_error(key, value, "longer than " + std::to_string(kMaxNameBytes) + " bytes");
        out = std::string(value);
        return std::nullopt;
    }

    std::optional<ConfigError> number(std::string_view key, std::string_view value,
                                      std::optional<unsigned>& out) const {
        unsigned n = 0;
        if (const char* why = detail::parse_decimal(value, n)) return key_error(key, value, why);
        if (n == 0) return key_error(key, value, "must not be 0 (libxl would leave it unset)");
        out = n;
        return std::nullopt;
    }

    std::optional<ConfigError> channels(std::string_view key, std::string_view value,
                                        std::optional<unsigned>& out) const {
        std::optional<unsigned> n;
        if (auto e = number(key, value, n)) return e;
        if (*n > kMaxChannels)
            return key_error(key, value, "channels must be 1.." + std::to_string(kMaxChannels));
        out = n;
        return std::nullopt;
    }

    std::optional<ConfigError> list(std::string_view key, std::string_view value,
                                    std::vector<std::string_view>& entries) const {
        entries = tokens(value, ';');
        if (entries.empty()) return key_error(key, value, "empty list");
        if (entries.size() > kMaxListEntries)
            return key_error(key, value,
                             "more than " + std::to_string(kMaxListEntries) + " entries");
        return std::nullopt;
    }

    std::optional<ConfigError> rates(std::string_view key, std::string_view value,
                                     std::optional<std::vector<unsigned>>& out) const {
        std::vector<std::string_view> entries;
        if (auto e = list(key, value, entries)) return e;
        std::vector<unsigned> rates;
        for (std::string_view entry : entries) {
            unsigned rate = 0;
            if (const char* why = detail::parse_decimal(entry, rate))
                return key_error(key, value, "rate \"" + std::string(entry) + "\": " + why);
            if (rate == 0) return key_error(key, value, "a sample rate of 0");
            rates.push_back(rate);
        }
        out = std::move(rates);
        return std::nullopt;
    }

    std::optional<ConfigError> formats(std::string_view key, std::string_view value,
                                       std::optional<std::vector<std::string>>& out) {
        std::vector<std::string_view> entries;
        if (auto e = list(key, value, entries)) return e;
        std::vector<std::string> names;
        for (std::string_view entry : entries) {
            auto format = detail::format_from_name(entry);
            if (!format)
                return key_error(
                    key, value,
                    "unknown sample format \"" + std::string(entry.substr(0, 32)) + "\"");
            if (!detail::xl_accepts_format_name(entry))
                warnings_.push_back(item_path(item_index_, kind_) + "/" + std::string(key) +
                                    ": real xl refuses \"" + std::string(entry) + "\"; write " +
                                    std::string(detail::libxl_format_name(*format)));
            names.emplace_back(detail::libxl_format_name(*format));
        }
        out = std::move(names);
        return std::nullopt;
    }

    std::optional<ConfigError> type(std::string_view key, std::string_view value,
                                    std::optional<StreamType>& out) const {
        if (equal_ignoring_case(value, XENSND_STREAM_TYPE_PLAYBACK))
            out = StreamType::Playback;
        else if (equal_ignoring_case(value, XENSND_STREAM_TYPE_CAPTURE))
            out = StreamType::Capture;
        else
            return key_error(key, value, "stream type must be p or c");
        return std::nullopt;
    }

  public:
    std::vector<std::string>& warnings() { return warnings_; }

  private:
    std::vector<std::string> warnings_;
    unsigned card_index_;
    unsigned item_index_ = 0;
    ItemKind kind_ = ItemKind::Card;
    unsigned streams_ = 0;
    VsndDeviceSpec spec_;
    std::vector<std::vector<unsigned>> stream_items_;  // [pcm][stream] -> item index
};

// ---- xl.cfg value syntax (libxlu's lexer and grammar, the part a vsnd= value uses) ----

struct XlValue {
    bool is_list = false;
    std::string text;  // a string atom
    std::vector<XlValue> items;
};

class XlReader {
  public:
    explicit XlReader(std::string_view text) : text_(text) {}

    std::optional<ConfigError> read(XlValue& out) {
        skip_blank();
        if (peek_ident()) {
            std::string_view ident = ident_at();
            if (ident != "vsnd") return error("the setting is vsnd=, not " + std::string(ident));
            pos_ += ident.size();
            skip_blank();
            if (!take('=')) return error("expected = after vsnd");
            skip_blank();
        }
        if (auto e = value(out, 0)) return e;
        skip_blank();
        take(';');
        skip_blank();
        if (pos_ != text_.size()) return error("unexpected text after the vsnd value");
        return std::nullopt;
    }

  private:
    // A list of cards holds lists of strings: anything deeper is not a vsnd value.
    static constexpr unsigned kMaxDepth = 2;

    ConfigError error(std::string reason) const {
        unsigned line = 1, column = 1;
        for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
            if (text_[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        std::string_view near = text_.substr(std::min(pos_, text_.size()), 24);
        return config_error(
            "vsnd (line " + std::to_string(line) + ", column " + std::to_string(column) + ")", near,
            std::move(reason));
    }

    bool take(char c) {
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void skip_blank() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++pos_;
            } else if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n')
                    ++pos_;
            } else {
                break;
            }
        }
    }

    bool peek_ident() const {
        return pos_ < text_.size() && text_[pos_] >= 'a' && text_[pos_] <= 'z';
    }

    std::string_view ident_at() const {
        std::size_t end = pos_;
        auto ident_char = [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
        };
        while (end < text_.size() && ident_char(text_[end]))
            ++end;
        return text_.substr(pos_, end - pos_);
    }

    std::optional<ConfigError> value(XlValue& out, unsigned depth) {
        if (pos_ >= text_.size()) return error("unexpected end: expected a list or a string");
        const char c = text_[pos_];
        if (c == '\'' || c == '"') return string(out.text);
        if (c != '[') return error("expected a list [ ... ] or a quoted string");
        if (depth == kMaxDepth) return error("lists nested too deeply for a vsnd value");
        ++pos_;
        out.is_list = true;
        skip_blank();
        if (take(']')) return std::nullopt;
        for (;;) {
            XlValue& item = out.items.emplace_back();
            if (auto e = value(item, depth + 1)) return e;
            skip_blank();
            if (take(']')) return std::nullopt;
            if (!take(',')) return error("expected , or ] in a list");
            skip_blank();
            if (take(']')) return std::nullopt;  // a trailing comma is allowed
        }
    }

    std::optional<ConfigError> string(std::string& out) {
        const char quote = text_[pos_++];
        for (;;) {
            if (pos_ >= text_.size() || text_[pos_] == '\n') return error("unterminated string");
            char c = text_[pos_++];
            if (c == quote) return std::nullopt;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= text_.size()) return error("unterminated string");
            switch (char e = text_[pos_++]) {
                case '\'':
                case '"':
                case '\\':
                    out += e;
                    break;
                case 'a':
                    out += '\a';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'v':
                    out += '\v';
                    break;
                default:
                    --pos_;
                    // libxlu's numeric escapes do not work either; refuse them plainly.
                    return error("unsupported escape in a quoted string");
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

ConfigResult<VsndDeviceSpec> parse_xl_vsnd_card(std::span<const std::string> items,
                                                unsigned card_index) {
    CardParser parser(card_index);
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (auto e = parser.item(items[i], static_cast<unsigned>(i))) {
            ConfigResult<VsndDeviceSpec> failed(std::move(*e));
            failed.warnings() = std::move(parser.warnings());
            return failed;
        }
    }
    std::vector<std::string> warnings = std::move(parser.warnings());
    VsndDeviceSpec spec = parser.finish(warnings);
    ConfigResult<VsndDeviceSpec> result(std::move(spec));
    result.warnings() = std::move(warnings);
    return result;
}

ConfigResult<std::vector<VsndDeviceSpec>> parse_xl_vsnd(std::string_view text) {
    XlValue top;
    if (auto e = XlReader(text).read(top)) return std::move(*e);
    if (!top.is_list)
        return config_error("vsnd", top.text, "vsnd= must be a list of cards: [ [ '...' ] ]");

    // A list of strings is one card's items; a list of lists is a list of cards.
    std::vector<std::vector<std::string>> cards;
    bool strings = false, lists = false;
    for (auto& item : top.items)
        (item.is_list ? lists : strings) = true;
    if (strings && lists)
        return config_error("vsnd", "", "mixes cards [ ... ] and item strings in one list");
    if (strings) {
        auto& card = cards.emplace_back();
        for (auto& item : top.items)
            card.push_back(std::move(item.text));
    } else {
        if (top.items.size() > kMaxXlCards)
            return config_error("vsnd", "", "more than " + std::to_string(kMaxXlCards) + " cards");
        for (std::size_t c = 0; c < top.items.size(); ++c) {
            auto& card = cards.emplace_back();
            for (auto& item : top.items[c].items) {
                if (item.is_list)
                    return config_error("vsnd[" + std::to_string(c) + "]", "",
                                        "a card is a list of item strings, not of lists");
                card.push_back(std::move(item.text));
            }
        }
    }

    std::vector<VsndDeviceSpec> specs;
    std::vector<std::string> warnings;
    for (std::size_t c = 0; c < cards.size(); ++c) {
        auto card = parse_xl_vsnd_card(cards[c], static_cast<unsigned>(c));
        warnings.insert(warnings.end(), card.warnings().begin(), card.warnings().end());
        if (!card) {
            ConfigResult<std::vector<VsndDeviceSpec>> failed(card.error());
            failed.warnings() = std::move(warnings);
            return failed;
        }
        specs.push_back(std::move(*card));
    }
    ConfigResult<std::vector<VsndDeviceSpec>> result(std::move(specs));
    result.warnings() = std::move(warnings);
    return result;
}

}  // namespace xensnd::config
