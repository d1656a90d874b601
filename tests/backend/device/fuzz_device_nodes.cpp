// Fuzzes the checks of the nodes a vsnd backend reads from peers: backend entry names, the
// frontend link, the frontend's version and a stream's four channel nodes. None may crash, read
// out of bounds or accept a value that does not parse back to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "backend/device/device_nodes.hpp"

using namespace xensnd;
using namespace xensnd::backend::device;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    // Up to five values separated by '\n': frontend link, frontend-id, and channel nodes.
    std::string_view parts[5];
    for (auto& part : parts) {
        std::size_t nl = input.find('\n');
        part = input.substr(0, nl);
        input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    }
    if (auto n = parse_store_number(parts[0]); n && std::to_string(*n) != parts[0])
        __builtin_trap();
    (void)parse_frontend_entry(parts[0]);
    (void)parse_device_entry(parts[1]);
    (void)is_online(parts[2]);

    const std::string bdir = backend_dir_of(0, 7, 3);
    auto link = check_frontend_link(7, 3, bdir, parts[0], parts[1]);
    if (link && *link != frontend_dir_of(7, 3)) __builtin_trap();
    if (!link) (void)link.error().message();

    config::StoreTree tree{{"version", std::string(parts[4])},
                           {"0/0/ring-ref", std::string(parts[0])},
                           {"0/0/event-channel", std::string(parts[1])},
                           {"0/0/evt-ring-ref", std::string(parts[2])},
                           {"0/0/evt-event-channel", std::string(parts[3])}};
    auto version = check_frontend_version(tree, frontend_dir_of(7, 3));
    if (!version) (void)version.error().message();
    auto channels = read_stream_channels(tree, "0/0", frontend_dir_of(7, 3));
    if (channels) {
        if (channels->ring_port == 0 || channels->evt_port == 0) __builtin_trap();
        if (std::to_string(channels->ring_ref) != parts[0]) __builtin_trap();
    } else {
        (void)channels.error().message();
    }
    return 0;
}
