// INTERNAL to core/config: the names of the sndif sample formats as they appear in XenStore and
// in xl.cfg. core/protocol keeps its own format table; the two are to be merged later, so nothing
// outside this folder includes this header.
//
// Two spellings exist for the float formats: the sndif header writes float_le, float_be,
// float64_le, float64_be (and Linux knows only those); libxl's enum writes f32_le, f32_be,
// f64_le, f64_be (and xl accepts only those). Both name the same format here.
#pragma once

#include <optional>
#include <string_view>

namespace xensnd::config::detail {

// XENSND_PCM_FORMAT_* of a name in either spelling, compared case-insensitively as Linux and
// libxl both do; nullopt for an unknown name.
std::optional<unsigned> format_from_name(std::string_view name);

// Whether a Linux guest recognises this spelling (Linux ignores names it does not know).
bool linux_knows_format_name(std::string_view name);

// Whether xl's parser accepts this spelling (libxl's enum names only).
bool xl_accepts_format_name(std::string_view name);

// The spelling libxl writes to XenStore for a format; empty for a number that is not a format.
std::string_view libxl_format_name(unsigned format);

// The sndif header's spelling of a format; empty for a number that is not a format.
std::string_view header_format_name(unsigned format);

// How many XENSND_PCM_FORMAT_* values exist (they are 0 .. count-1).
unsigned format_count();

}  // namespace xensnd::config::detail
