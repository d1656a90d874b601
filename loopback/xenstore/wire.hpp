// The XenStore wire format of xs_wire.h: a 16-byte native-endian header (type, req_id, tx_id,
// len) followed by `len` payload bytes. Framing only; what a payload means per operation is
// request.hpp's job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coro/result.hpp"

namespace xensnd::loopback::xenstore {

struct Header {
    std::uint32_t type = 0;
    std::uint32_t req_id = 0;
    std::uint32_t tx_id = 0;
    std::uint32_t len = 0;
};

inline constexpr std::size_t kHeaderSize = 16;
// xs_wire.h: "Violating this is very bad": a larger payload is a protocol violation and
// xenstored drops the connection rather than answering.
inline constexpr std::size_t kPayloadMax = 4096;
inline constexpr std::size_t kAbsPathMax = 3072;
inline constexpr std::size_t kRelPathMax = 2048;

// One complete message. `payload` points into the buffer given to parse_frame().
struct Frame {
    Header header;
    std::string_view payload;

    std::size_t size() const { return kHeaderSize + payload.size(); }
};

// Looks for one complete message at the start of `bytes`. nullopt: not all of it has
// arrived yet. Error E2BIG: the header announces a payload larger than kPayloadMax, after
// which the stream cannot be trusted (the caller drops the connection). Pure: no state, no I/O.
Result<std::optional<Frame>> parse_frame(std::string_view bytes);

// A message ready to send.
std::string encode(std::uint32_t type, std::uint32_t req_id, std::uint32_t tx_id,
                   std::string_view payload);

// XS_ERROR carries the errno's symbolic name ("ENOENT") from xs_wire.h's xsd_errors table,
// NUL-terminated. An errno the table lacks is sent as EINVAL, as xenstored does.
std::string_view error_name(int errnum);
// The reverse, as libxenstore decodes it: an unknown name is EINVAL.
int error_from_name(std::string_view name);

// "READ", "WATCH_EVENT", ...; "UNKNOWN" for a type xs_wire.h does not define.
std::string_view type_name(std::uint32_t type);

}  // namespace xensnd::loopback::xenstore
