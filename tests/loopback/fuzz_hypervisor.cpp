// Fuzz target: the event channel and grant hypervisor (parser, port table, grant table,
// dispatch) driven by arbitrary request sequences from four connections of two domains, with
// connections dropping and coming back. Every answer must be a well-formed reply with the
// descriptors its op promises, and a dropped connection must give back all it held.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/platform/loopback_wire.hpp"
#include "loopback/hypervisor.hpp"

using namespace xensnd::loopback;
namespace wire = xensnd::platform::loopback_wire;

namespace {

void require(bool promise) {
    if (!promise) std::abort();
}

void check_answer(const Hypervisor::Answer& a) {
    wire::ReplyHeader h;
    require(wire::read_at(std::span<const std::byte>(a.reply), 0, h));
    require(h.header.magic == wire::kMagic && h.header.length == a.reply.size());
    require((h.header.op & wire::kReplyBit) != 0);
    require(h.error >= 0 && h.error < 4096);
    if (h.error != 0) {
        require(a.reply.size() == sizeof h && a.fds.empty());
        return;
    }
    auto op = static_cast<wire::Op>(h.header.op & ~wire::kReplyBit);
    switch (op) {
        case wire::Op::AllocUnbound:
        case wire::Op::BindInterdomain:
            require(a.reply.size() == sizeof(wire::PortReply) && a.fds.size() == 3);
            break;
        case wire::Op::Share: {
            wire::ShareReply r;
            require(wire::read_at(std::span<const std::byte>(a.reply), 0, r));
            require(a.reply.size() == sizeof r + r.count * 4 && a.fds.size() == 1);
            break;
        }
        case wire::Op::Map: {
            wire::MapReply r;
            require(wire::read_at(std::span<const std::byte>(a.reply), 0, r));
            require(a.reply.size() == sizeof r + r.count * sizeof(wire::MapSlot));
            require(r.fds == a.fds.size() && r.fds >= 1 && r.fds <= wire::kMaxFds);
            for (std::uint32_t i = 0; i < r.count; ++i) {
                wire::MapSlot slot;
                require(wire::read_at(std::span<const std::byte>(a.reply),
                                      sizeof r + i * sizeof slot, slot));
                require(slot.fd < r.fds);
            }
            break;
        }
        default:
            require(a.fds.empty());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Hypervisor hv;
    hv.add_domain(0);
    hv.add_domain(1);
    hv.add_domain(2);
    struct Client {
        DomId domid;
        HypercallFamily family;
        ConnectionId id;
    };
    std::vector<Client> clients{{1, HypercallFamily::EventChannels, 0},
                                {2, HypercallFamily::EventChannels, 0},
                                {1, HypercallFamily::Grants, 0},
                                {2, HypercallFamily::Grants, 0}};
    for (auto& c : clients)
        c.id = *hv.connect(c.domid, c.family);

    // Each message: [selector][length][body...]. Selector bits 0-1 pick the client; bit 2
    // drops and reconnects it instead; bit 3 writes a valid header over the body, so the
    // fuzzer spends its time in the tables rather than on the magic number.
    std::size_t at = 0;
    while (at + 2 <= size) {
        std::uint8_t selector = data[at];
        std::size_t length = data[at + 1] * 4u;
        at += 2;
        Client& c = clients[selector & 3];
        if ((selector & 4) != 0) {
            hv.disconnect(c.id);
            c.id = *hv.connect(c.domid, c.family);
            continue;
        }
        length = std::min(length, size - at);
        std::vector<std::byte> message(reinterpret_cast<const std::byte*>(data + at),
                                       reinterpret_cast<const std::byte*>(data + at + length));
        at += length;
        if ((selector & 8) != 0 && message.size() >= sizeof(wire::Header)) {
            std::uint16_t op = static_cast<std::uint16_t>(selector >> 4);
            static const std::uint16_t kOps[] = {1, 2, 3, 16, 17, 18, 19, 32};
            wire::Header h = wire::make_header(static_cast<wire::Op>(kOps[op % 8]), message.size());
            std::memcpy(message.data(), &h, sizeof h);
        }
        check_answer(hv.handle(c.id, message, false, 0));
    }

    for (auto& c : clients)
        hv.disconnect(c.id);
    // Everything held by a connection went with it.
    for (DomId d : {0u, 1u, 2u}) {
        require(hv.ports().ports(d) == 0);
        auto usage = hv.grants().usage(d);
        require(usage.grants == 0 && usage.grant_pages == 0 && usage.mapped_pages == 0);
    }
    return 0;
}
