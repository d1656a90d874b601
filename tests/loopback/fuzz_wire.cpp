// libFuzzer target: the wire parser. Arbitrary bytes as a client's stream: framed into
// messages, each payload decoded as its type says. Nothing may read outside the input, and
// whatever is accepted must be what the header announced.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "loopback/xenstore/request.hpp"
#include "loopback/xenstore/wire.hpp"

using namespace xensnd::loopback::xenstore;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view stream(reinterpret_cast<const char*>(data), size);
    while (!stream.empty()) {
        auto frame = parse_frame(stream);
        if (!frame || !*frame) break;  // a bogus length ends the stream, as it does a connection
        const Frame& f = **frame;
        if (f.payload.size() != f.header.len || f.payload.size() > kPayloadMax) std::abort();
        if (f.payload.data() != stream.data() + kHeaderSize) std::abort();
        auto request = decode_request(f.header.type, f.payload);
        if (request) {
            std::visit(
                [&](const auto& r) {
                    // Every string view handed out lies inside the payload.
                    auto inside = [&](std::string_view s) {
                        if (!s.empty() &&
                            (s.data() < f.payload.data() ||
                             s.data() + s.size() > f.payload.data() + f.payload.size())) {
                            std::abort();
                        }
                    };
                    using R = std::decay_t<decltype(r)>;
                    if constexpr (requires { r.path; }) inside(r.path);
                    if constexpr (requires { r.token; }) inside(r.token);
                    if constexpr (std::is_same_v<R, request::Write>) inside(r.value);
                },
                *request);
        }
        stream.remove_prefix(f.size());
    }
    return 0;
}
