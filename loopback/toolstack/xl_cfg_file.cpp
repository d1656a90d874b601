#include "loopback/toolstack/xl_cfg_file.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "core/config/xl_vsnd.hpp"

namespace xensnd::loopback::toolstack {

namespace {

struct Position {
    unsigned line = 1;
    unsigned column = 1;
};

// Walks the settings of an xl.cfg file (`name = value`, ended by a newline or ';' outside any
// list) just far enough to find where each one starts and ends. Values are not interpreted.
class SettingScanner {
  public:
    explicit SettingScanner(std::string_view text) : text_(text) {
        line_starts_.push_back(0);
        for (std::size_t i = 0; i < text_.size(); ++i)
            if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }

    struct Setting {
        std::string_view name;
        std::size_t start = 0;  // of the name
        std::size_t end = 0;    // just past the value
        Position at;            // of the name
    };

    // The next setting, nullopt at the end; a ConfigError when the file is not xl.cfg syntax.
    std::optional<config::ConfigError> next(std::optional<Setting>& out) {
        out.reset();
        skip_between_settings();
        if (pos_ == text_.size()) return std::nullopt;
        Setting s;
        s.start = pos_;
        s.at = here();
        if (!name_start(text_[pos_])) return error("expected a setting name");
        while (pos_ < text_.size() && name_char(text_[pos_]))
            ++pos_;
        s.name = text_.substr(s.start, pos_ - s.start);
        skip_spaces();
        if (pos_ < text_.size() && text_[pos_] == '+') ++pos_;  // xl's `name += value`
        if (pos_ == text_.size() || text_[pos_] != '=')
            return error("expected = after " + std::string(s.name.substr(0, 32)));
        ++pos_;
        if (auto e = skip_value()) return e;
        s.end = pos_;
        out = s;
        return std::nullopt;
    }

    Position position_of(std::size_t offset) const {
        // The last line starting at or before offset.
        auto line = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
        const std::size_t index = static_cast<std::size_t>(line - line_starts_.begin()) - 1;
        return {static_cast<unsigned>(index + 1),
                static_cast<unsigned>(offset - line_starts_[index] + 1)};
    }

  private:
    static bool name_start(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }
    static bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '.'; }

    Position here() const { return position_of(pos_); }

    config::ConfigError error(std::string reason) const {
        const Position p = here();
        return config::config_error(
            "xl.cfg (line " + std::to_string(p.line) + ", column " + std::to_string(p.column) + ")",
            text_.substr(pos_, 24), std::move(reason));
    }

    void skip_comment() {
        while (pos_ < text_.size() && text_[pos_] != '\n')
            ++pos_;
    }

    void skip_spaces() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
            ++pos_;
    }

    void skip_between_settings() {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';') {
                ++pos_;
            } else if (c == '#') {
                skip_comment();
            } else {
                break;
            }
        }
    }

    std::optional<config::ConfigError> skip_string() {
        const std::size_t start = pos_;
        const char quote = text_[pos_++];
        while (pos_ < text_.size() && text_[pos_] != '\n') {
            const char c = text_[pos_++];
            if (c == quote) return std::nullopt;
            if (c == '\\' && pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        }
        pos_ = start;
        return error("unterminated string");
    }

    std::optional<config::ConfigError> skip_value() {
        std::size_t depth = 0;
        std::size_t list_start = 0;
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '\'' || c == '"') {
                if (auto e = skip_string()) return e;
                continue;
            }
            if (c == '#') {
                skip_comment();
                continue;
            }
            if ((c == '\n' || c == ';') && depth == 0) return std::nullopt;
            if (c == '[') {
                if (depth++ == 0) list_start = pos_;
            } else if (c == ']') {
                if (depth == 0) return error("] without a matching [");
                --depth;
            }
            ++pos_;
        }
        if (depth != 0) {
            pos_ = list_start;
            return error("unterminated list: no matching ]");
        }
        return std::nullopt;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::vector<std::size_t> line_starts_;
};

}  // namespace

config::ConfigResult<std::vector<config::VsndDeviceSpec>> parse_xl_cfg_vsnd(
    std::string_view file_text) {
    if (file_text.size() > kMaxXlCfgBytes)
        return config::config_error("xl.cfg", "",
                                    "larger than " + std::to_string(kMaxXlCfgBytes) + " bytes");
    SettingScanner scanner(file_text);
    std::optional<SettingScanner::Setting> vsnd;
    for (;;) {
        std::optional<SettingScanner::Setting> setting;
        if (auto e = scanner.next(setting)) return std::move(*e);
        if (!setting) break;
        if (setting->name != "vsnd") continue;
        if (vsnd)
            return config::config_error(
                "xl.cfg (line " + std::to_string(setting->at.line) + ")", "",
                "vsnd= is set twice (first on line " + std::to_string(vsnd->at.line) + ")");
        vsnd = setting;
    }
    if (!vsnd) return config::config_error("xl.cfg", "", "no vsnd= setting");

    // Padding before the setting keeps parse_xl_vsnd's line and column numbers the file's.
    std::string text(vsnd->at.line - 1, '\n');
    text.append(vsnd->at.column - 1, ' ');
    text.append(file_text.substr(vsnd->start, vsnd->end - vsnd->start));
    return config::parse_xl_vsnd(text);
}

}  // namespace xensnd::loopback::toolstack
