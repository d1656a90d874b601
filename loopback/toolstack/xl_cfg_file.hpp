// The vsnd= setting of an xl.cfg file, as `xl create` would read it: the file may be a whole
// guest configuration (name=, memory=, disk=, ... are skipped) or just the vsnd= line. The
// value is parsed by core/config's parse_xl_vsnd, with xl's rules; error positions are the
// file's own lines and columns.
#pragma once

#include <string_view>
#include <vector>

#include "core/config/config_error.hpp"
#include "core/config/vsnd_spec.hpp"

namespace xensnd::loopback::toolstack {

// The largest file read: xl.cfg files are a few KiB.
inline constexpr std::size_t kMaxXlCfgBytes = 1 << 20;

// The cards of the file's vsnd= setting. Errors: no vsnd= setting, more than one, a file whose
// settings cannot be told apart (an unterminated string or list), and parse_xl_vsnd's own.
config::ConfigResult<std::vector<config::VsndDeviceSpec>> parse_xl_cfg_vsnd(
    std::string_view file_text);

}  // namespace xensnd::loopback::toolstack
