// The xl.cfg `vsnd=` syntax, read with xl's rules (tools/xl/xl_parse.c, parse_vsnd_item):
//
//   vsnd = [ [ 'card, short-name=Virt, sample-rates=44100;48000, sample-formats=s16_le',
//              'pcm, name=Main', 'stream, unique-id=0, type=p', 'stream, unique-id=1, type=c' ] ]
//
// Each card is a list of item strings. An item is comma-separated: first the item kind (card,
// pcm or stream, any case), then key=value parameters (keys case-sensitive, leading spaces
// dropped, empty tokens skipped). pcm starts a PCM device, stream starts a stream of the last
// one (creating PCM device 0 if there is none), card parameters go to the card wherever the item
// stands. Common keys: sample-rates, sample-formats (lists separated by ';'), channels-min,
// channels-max, buffer-size; card adds backend, short-name, long-name; pcm adds name; stream adds
// unique-id and type (p or c). `id=` is refused, as xl refuses it.
//
// Stricter than xl where xl would silently write nonsense: numbers are plain decimal and
// non-zero (xl's strtoul turns junk into 0, which then means "unset"), lists must not be empty
// (xl crashes on one), channels are 1..255. Format names may use either float spelling; they are
// stored in libxl's (f32_le), with a warning for the spelling xl itself rejects (float_le).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config_error.hpp"
#include "core/config/vsnd_spec.hpp"

namespace xensnd::config {

// One card from its item strings; `card_index` only numbers error paths ("vsnd[0][2] stream").
ConfigResult<VsndDeviceSpec> parse_xl_vsnd_card(std::span<const std::string> items,
                                                unsigned card_index = 0);

// The value of the `vsnd=` setting, with or without the leading `vsnd =`: a list of cards
// ("[ [ '...', ... ], ... ]"), or a single card's list of item strings ("[ '...', ... ]").
// Strings use xl.cfg's quoting ('...' or "...", backslash escapes), '#' starts a comment.
ConfigResult<std::vector<VsndDeviceSpec>> parse_xl_vsnd(std::string_view text);

// The most cards one vsnd= setting may describe.
inline constexpr unsigned kMaxXlCards = 64;

}  // namespace xensnd::config
