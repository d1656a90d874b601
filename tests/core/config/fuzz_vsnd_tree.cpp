// libFuzzer target: arbitrary frontend XenStore directories through the tree reader.
//
// The input is a list of records separated by '\n'. The first byte of a record picks how the
// rest is read, so the fuzzer reaches the known keys quickly while still trying arbitrary ones:
//   0: "key=value" verbatim
//   1: card field   [field] value
//   2: pcm field    [pcm][field] value
//   3: stream field [pcm][stream][field] value
// A value whose first byte is below the number of typical values is that typical value, and an
// input whose first byte is even starts from the smallest valid device (0/0/type = p): most
// inputs then get past the first error and reach the inheritance and the round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_invariants.hpp"

namespace {

constexpr const char* kFields[] = {
    "channels-min", "channels-max", "sample-rates", "sample-formats", "buffer-size", "short-name",
    "long-name",    "name",         "type",         "unique-id",      "ring-ref",    "",
};
constexpr std::size_t kFieldCount = sizeof(kFields) / sizeof(kFields[0]);

// Index 10 is '\n', the record separator, so it can never be picked: it holds nothing useful.
constexpr const char* kValues[] = {
    "p",
    "c",
    "P",
    "x",
    "0",
    "1",
    "2",
    "8",
    "255",
    "256",
    "(unreachable)",
    "44100,48000",
    "88200,8000",
    "0x10",
    "",
    "s16_le",
    "float_le,f32_be",
    "u8,s24_le",
    "44100",
    "65536",
    "4294967296",
    "44100,,48000",
    "100",
    "5512,192000",
};
constexpr std::size_t kValueCount = sizeof(kValues) / sizeof(kValues[0]);

void add_record(xensnd::config::StoreTree& tree, std::string_view r) {
    if (r.empty()) return;
    auto byte = [&](std::size_t i) { return i < r.size() ? static_cast<unsigned char>(r[i]) : 0u; };
    auto rest = [&](std::size_t from) {
        if (byte(from) < kValueCount && from < r.size()) return std::string(kValues[byte(from)]);
        return std::string(r.substr(std::min(from, r.size())));
    };
    // Indices 0..11 so that gaps and Linux's limit of 8 are both reached.
    auto index = [&](std::size_t i) { return std::to_string(byte(i) % 12) + "/"; };
    auto field = [&](std::size_t i) { return std::string(kFields[byte(i) % kFieldCount]); };
    switch (byte(0) % 4) {
        case 0: {
            std::string_view kv = r.substr(1);
            auto eq = kv.find('=');
            tree[std::string(kv.substr(0, eq))] =
                eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1));
            break;
        }
        case 1:
            tree[field(1)] = rest(2);
            break;
        case 2:
            tree[index(1) + field(2)] = rest(3);
            break;
        case 3:
            tree[index(1) + index(2) + field(3)] = rest(4);
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace xensnd::config;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    StoreTree tree;
    if (!input.empty() && (data[0] & 1) == 0) tree["0/0/type"] = "p";
    while (!input.empty()) {
        auto nl = input.find('\n');
        add_record(tree, input.substr(0, nl));
        if (nl == std::string_view::npos) break;
        input.remove_prefix(nl + 1);
    }

    const std::string base = "/local/domain/7/device/vsnd/1";
    auto spec = read_vsnd_spec(tree, base);
    if (!spec) {
        fuzz::require(spec.error().path.rfind(base, 0) == 0, "error path outside the device");
        fuzz::require(!spec.error().message().empty(), "message");
        return 0;
    }
    auto config = parse_vsnd_tree(tree, base);
    fuzz::require(config.ok() == effective_config(*spec, base).ok(), "parse != read + resolve");
    if (config)
        fuzz::check_config(*config);
    else
        fuzz::require(config.error().path.rfind(base, 0) == 0, "error path outside the device");
    fuzz::check_round_trip(*spec);
    return 0;
}
