// Reading a vsnd device's frontend XenStore directory into a VsndDeviceSpec. Pure: the input is
// the flat map that walking /local/domain/D/device/vsnd/N yields (relative path -> value), the
// output says what each level sets. Syntax is checked here (numbers, lists, stream type,
// contiguous numbering, sizes); meaning (ranges, format names, inheritance) in effective_config().
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/config/config_error.hpp"
#include "core/config/vsnd_spec.hpp"

namespace xensnd::config {

// A device directory: relative path -> value, e.g. "sample-rates" -> "44100,48000",
// "0/name" -> "Main", "0/1/type" -> "c". Directory nodes may be present (any value) or only
// implied by their children.
using StoreTree = std::map<std::string, std::string, std::less<>>;

// Keys this reader does not know (state, backend, ring-ref, ...) are ignored; known keys are
// validated. base_path (e.g. "/local/domain/5/device/vsnd/0") only prefixes error paths.
ConfigResult<VsndDeviceSpec> read_vsnd_spec(const StoreTree& tree, std::string_view base_path);

}  // namespace xensnd::config
