// Fuzz target: the values a peer writes into XenStore that this part parses (a XenBus state,
// a domain id). Nothing may crash, and whatever parses must format back to the same text:
// two spellings of one value would let a peer slip past a comparison.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/platform/domain.hpp"
#include "core/platform/xenbus_state.hpp"

using namespace xensnd::platform;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto s = parse_xenbus_state(text); s.ok()) {
        if (format_xenbus_state(*s) != text) std::abort();
        if (to_string(*s) == "(invalid)") std::abort();
    }
    if (auto id = parse_domid(text); id.ok()) {
        if (std::to_string(*id) != text || *id >= kFirstReservedDomId) std::abort();
    }
    return 0;
}
