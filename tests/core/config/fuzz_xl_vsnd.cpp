// libFuzzer target: arbitrary text through the xl.cfg vsnd= parser, and every card it accepts
// through libxl's writer and back through the XenStore reader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/config/xl_vsnd.hpp"
#include "fuzz_invariants.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace xensnd::config;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto cards = parse_xl_vsnd(text);
    if (!cards) {
        fuzz::require(cards.error().path.rfind("vsnd", 0) == 0, "error path");
        fuzz::require(!cards.error().message().empty(), "message");
        return 0;
    }
    fuzz::require(cards->size() <= kMaxXlCards, "card cap");
    for (const auto& spec : *cards) {
        fuzz::require(spec.pcms.size() <= kMaxPcmDevices, "pcm cap");
        fuzz::check_round_trip(spec);
    }
    return 0;
}
