// XenStore framing: what a peer's bytes become, and the error names clients decode.
#include <cerrno>
#include <cstring>
#include <string>

#include <xen/io/xs_wire.h>

#include <doctest/doctest.h>

#include "loopback/xenstore/wire.hpp"

using namespace xensnd::loopback::xenstore;

TEST_CASE("a frame is parsed only once all of it has arrived") {
    std::string bytes = encode(XS_READ, 7, 3, std::string("/a\0", 3));
    REQUIRE(bytes.size() == kHeaderSize + 3);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        auto partial = parse_frame(std::string_view(bytes).substr(0, n));
        REQUIRE(partial.ok());
        CHECK_FALSE(partial->has_value());
    }
    const std::string stream = bytes + "trailing";  // the frame points into it
    auto whole = parse_frame(stream);
    REQUIRE(whole.ok());
    REQUIRE(whole->has_value());
    const Frame& f = **whole;
    CHECK(f.header.type == XS_READ);
    CHECK(f.header.req_id == 7);
    CHECK(f.header.tx_id == 3);
    CHECK(f.payload == std::string_view("/a\0", 3));
    CHECK(f.size() == bytes.size());
}

TEST_CASE("the header is xs_wire.h's struct in native byte order") {
    std::string bytes = encode(XS_WRITE, 0x01020304, 9, "xy");
    xsd_sockmsg raw;
    std::memcpy(&raw, bytes.data(), sizeof raw);
    CHECK(raw.type == XS_WRITE);
    CHECK(raw.req_id == 0x01020304);
    CHECK(raw.tx_id == 9);
    CHECK(raw.len == 2);
    CHECK(bytes.substr(kHeaderSize) == "xy");
}

TEST_CASE("an empty payload is a complete frame") {
    const std::string bytes = encode(XS_TRANSACTION_START, 1, 0, "");
    auto f = parse_frame(bytes);
    REQUIRE(f.ok());
    REQUIRE(f->has_value());
    CHECK((*f)->payload.empty());
}

TEST_CASE("a payload longer than XENSTORE_PAYLOAD_MAX is refused from the header alone") {
    std::string ok_max = encode(XS_WRITE, 1, 0, std::string(kPayloadMax, 'a'));
    auto f = parse_frame(ok_max);
    REQUIRE(f.ok());
    CHECK(f->has_value());

    xsd_sockmsg raw{XS_WRITE, 1, 0, static_cast<std::uint32_t>(kPayloadMax + 1)};
    std::string header(reinterpret_cast<const char*>(&raw), sizeof raw);
    auto too_long = parse_frame(header);
    CHECK(too_long.errno_value() == E2BIG);

    raw.len = 0xffffffffu;
    header.assign(reinterpret_cast<const char*>(&raw), sizeof raw);
    CHECK(parse_frame(header).errno_value() == E2BIG);
}

TEST_CASE("error names are xsd_errors' and unknown errnos go out as EINVAL") {
    CHECK(error_name(ENOENT) == "ENOENT");
    CHECK(error_name(EACCES) == "EACCES");
    CHECK(error_name(EAGAIN) == "EAGAIN");
    CHECK(error_name(E2BIG) == "E2BIG");
    CHECK(error_name(EPERM) == "EPERM");
    CHECK(error_name(EDOM) == "EINVAL");
    CHECK(error_from_name("EISDIR") == EISDIR);
    CHECK(error_from_name("NOT-AN-ERROR") == EINVAL);
}

TEST_CASE("type names follow xs_wire.h and unknown types are named so") {
    CHECK(type_name(XS_DIRECTORY_PART) == "DIRECTORY_PART");
    CHECK(type_name(XS_RESET_WATCHES) == "RESET_WATCHES");
    CHECK(type_name(XS_SET_TARGET + 1) == "UNKNOWN");  // the removed XS_RESTRICT
    CHECK(type_name(XS_TYPE_COUNT) == "UNKNOWN");
    CHECK(type_name(XS_INVALID) == "UNKNOWN");
}
