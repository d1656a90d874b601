// libFuzzer target: the XenStore engine driven by arbitrary sequences of client actions from
// three connections (the toolstack and two guests): well-framed requests with fuzzed types,
// transaction ids and path-like payloads, raw bytes, reading output, hanging up. Whatever
// happens, every byte the server sends must be a well-formed message and the tree must keep
// its root and its invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <xen/io/xs_wire.h>

#include "loopback/xenstore/server.hpp"
#include "loopback/xenstore/wire.hpp"

using namespace xensnd::loopback::xenstore;

namespace {

class Input {
  public:
    Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool empty() const { return pos_ >= size_; }
    std::uint8_t byte() { return empty() ? 0 : data_[pos_++]; }
    std::string bytes(std::size_t n) {
        std::string out;
        while (n-- > 0 && !empty())
            out += static_cast<char>(data_[pos_++]);
        return out;
    }

  private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

// Payload bytes mapped mostly onto what paths, tokens and permissions are made of, so that
// requests get past decoding and into the engine.
std::string pathish(Input& in, std::size_t n) {
    static constexpr char kAlphabet[] = "/ab0\0/1rnwb@-_/local/domain/12\0TF";
    std::string out;
    while (n-- > 0 && !in.empty()) {
        std::uint8_t b = in.byte();
        out += (b & 0x80) != 0 ? static_cast<char>(b) : kAlphabet[b % (sizeof kAlphabet - 1)];
    }
    return out;
}

void drain_and_check(Server& server, ConnectionId id, std::string& carry) {
    Connection* conn = server.connection(id);
    if (conn == nullptr) return;
    while (!conn->output().empty()) {
        auto bytes = conn->output().front();
        carry.append(bytes);
        conn->output().consume(bytes.size());
    }
    for (;;) {
        auto frame = parse_frame(carry);
        if (!frame) std::abort();  // the server sent an oversized message
        if (!*frame) break;
        std::uint32_t type = (*frame)->header.type;
        if (type == XS_WATCH_EVENT || type == XS_ERROR) {
            // NUL-terminated strings
            if ((*frame)->payload.empty() || (*frame)->payload.back() != '\0') std::abort();
        }
        carry.erase(0, (*frame)->size());
    }
    server.resume(id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Limits limits;
    limits.nodes_per_domain = 40;
    limits.watches_per_domain = 6;
    limits.transactions_per_connection = 3;
    limits.nodes_per_transaction = 30;
    limits.outstanding_replies = 8;
    limits.output_bytes = 4096;
    limits.domains = 8;
    Server server(limits);
    if (!server.create_domain(1) || !server.create_domain(2)) std::abort();

    struct Client {
        DomId domid;
        ConnectionId id = 0;
        std::string carry;
    };
    Client clients[3] = {{0, 0, {}}, {1, 0, {}}, {2, 0, {}}};
    for (auto& c : clients)
        c.id = *server.connect(c.domid);

    Input in(data, size);
    for (int step = 0; step < 400 && !in.empty(); ++step) {
        std::uint8_t action = in.byte();
        Client& c = clients[action % 3];
        switch ((action >> 2) % 8) {
            case 0:
            case 1:
            case 2:
            case 3: {  // a framed request
                std::uint32_t type = in.byte() % (XS_TYPE_COUNT + 2);
                std::uint32_t tx = in.byte() % 4;
                std::size_t len = in.byte() % 96;
                server.receive(
                    c.id, encode(type, static_cast<std::uint32_t>(step), tx, pathish(in, len)));
                break;
            }
            case 4:  // raw bytes, possibly a broken frame
                server.receive(c.id, in.bytes(in.byte() % 40));
                break;
            case 5:
            case 6:
                drain_and_check(server, c.id, c.carry);
                break;
            case 7: {  // hang up and come back (if the domain still exists)
                server.disconnect(c.id);
                c.carry.clear();
                auto id = server.connect(c.domid);
                if (!id) {
                    if (!server.create_domain(c.domid)) break;
                    id = server.connect(c.domid);
                }
                c.id = id ? *id : 0;
                break;
            }
        }
        (void)server.take_notices();
    }
    for (auto& c : clients)
        drain_and_check(server, c.id, c.carry);

    // Invariants: the root exists, and every node's parent lists it.
    const Store& store = server.store();
    if (store.find("/") == nullptr) std::abort();
    store.for_each([&](const std::string& path, const Node&) {
        if (path == "/") return;
        auto slash = path.rfind('/');
        std::string parent = slash == 0 ? "/" : path.substr(0, slash);
        const Node* p = store.find(parent);
        if (p == nullptr) std::abort();
        std::string base = path.substr(slash + 1);
        bool listed = false;
        for (const auto& child : p->children)
            listed = listed || child == base;
        if (!listed) std::abort();
    });
    return 0;
}
