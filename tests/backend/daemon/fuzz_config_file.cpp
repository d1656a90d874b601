// Fuzzes the daemon's configuration reader with arbitrary file contents: any input gives a
// configuration or one error line, never a crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "backend/daemon/config_file.hpp"
#include "endpoint_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const xensnd::backend::daemon::EndpointParser parser = xensnd::test::parse_endpoint_text;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string why;
    auto r = xensnd::backend::daemon::parse_config(text, "fuzz.toml", parser, &why);
    if (!r && why.empty()) __builtin_trap();
    if (r) {
        for (const auto& rule : r->routing.rules) {
            if (rule.origin.empty()) __builtin_trap();
        }
    }
    return 0;
}
