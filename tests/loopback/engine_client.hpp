// A XenStore client talking to a xenstore::Server in the same process, with no socket: it
// encodes requests, feeds them to the server and decodes what the server queued for it.
// Replies are returned; watch events are kept until events() takes them.
#pragma once

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xen/io/xs_wire.h>

#include <doctest/doctest.h>

#include "loopback/xenstore/server.hpp"
#include "loopback/xenstore/wire.hpp"

namespace xensnd::loopback::xenstore::testing {

struct Message {
    std::uint32_t type = 0;
    std::uint32_t req_id = 0;
    std::uint32_t tx_id = 0;
    std::string payload;

    bool is_error() const { return type == XS_ERROR; }
    // "ENOENT" for an error reply, "" otherwise.
    std::string error() const {
        if (!is_error() || payload.empty()) return "";
        return payload.substr(0, payload.size() - 1);
    }
    // The NUL-terminated strings of the payload.
    std::vector<std::string> strings() const {
        std::vector<std::string> out;
        std::size_t start = 0;
        while (start < payload.size()) {
            auto nul = payload.find('\0', start);
            if (nul == std::string::npos) break;
            out.push_back(payload.substr(start, nul - start));
            start = nul + 1;
        }
        return out;
    }
    // A reply's payload without its NUL terminator (for ids and paths).
    std::string text() const {
        return !payload.empty() && payload.back() == '\0' ? payload.substr(0, payload.size() - 1)
                                                          : payload;
    }
};

struct Event {
    std::string path;
    std::string token;
    bool operator==(const Event&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Event& e) {
    return os << "{" << e.path << ", " << e.token << "}";
}

inline std::string nul_joined(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) {
        out.append(p);
        out += '\0';
    }
    return out;
}

class EngineClient {
  public:
    EngineClient(Server& server, DomId domid) : server_(server) {
        auto id = server.connect(domid);
        REQUIRE(id.ok());
        id_ = *id;
    }

    ConnectionId id() const { return id_; }

    // Sends raw bytes and collects whatever the server queued in answer.
    void send_bytes(std::string_view bytes) {
        server_.receive(id_, bytes);
        collect();
    }

    // One request; the reply (CHECK-fails when none came).
    Message request(std::uint32_t type, std::string_view payload, std::uint32_t tx = 0) {
        std::uint32_t req = next_req_++;
        send_bytes(encode(type, req, tx, payload));
        for (auto it = replies_.begin(); it != replies_.end(); ++it) {
            if (it->req_id == req) {
                Message m = std::move(*it);
                replies_.erase(it);
                return m;
            }
        }
        FAIL_CHECK("no reply to request " << req);
        return Message{XS_ERROR, req, tx, std::string("NOREPLY\0", 8)};
    }

    Message read(std::string_view path, std::uint32_t tx = 0) {
        return request(XS_READ, nul_joined({path}), tx);
    }
    Message write(std::string_view path, std::string_view value, std::uint32_t tx = 0) {
        std::string payload(path);
        payload += '\0';
        payload.append(value);
        return request(XS_WRITE, payload, tx);
    }
    Message mkdir(std::string_view path, std::uint32_t tx = 0) {
        return request(XS_MKDIR, nul_joined({path}), tx);
    }
    Message rm(std::string_view path, std::uint32_t tx = 0) {
        return request(XS_RM, nul_joined({path}), tx);
    }
    Message directory(std::string_view path, std::uint32_t tx = 0) {
        return request(XS_DIRECTORY, nul_joined({path}), tx);
    }
    Message get_perms(std::string_view path, std::uint32_t tx = 0) {
        return request(XS_GET_PERMS, nul_joined({path}), tx);
    }
    Message set_perms(std::string_view path, std::initializer_list<std::string_view> perms,
                      std::uint32_t tx = 0) {
        std::string payload(path);
        payload += '\0';
        for (auto p : perms) {
            payload.append(p);
            payload += '\0';
        }
        return request(XS_SET_PERMS, payload, tx);
    }
    Message watch(std::string_view path, std::string_view token) {
        return request(XS_WATCH, nul_joined({path, token}));
    }
    Message unwatch(std::string_view path, std::string_view token) {
        return request(XS_UNWATCH, nul_joined({path, token}));
    }
    // A new transaction's id (0 and a failed CHECK if refused).
    std::uint32_t start() {
        Message m = request(XS_TRANSACTION_START, std::string_view("\0", 1));
        CHECK_MESSAGE(!m.is_error(), m.error());
        return m.is_error() ? 0 : static_cast<std::uint32_t>(std::stoul(m.text()));
    }
    Message end(std::uint32_t tx, bool commit) {
        return request(XS_TRANSACTION_END, nul_joined({commit ? "T" : "F"}), tx);
    }

    // Watch events queued since the last call (the server sent them in this order).
    std::vector<Event> events() {
        collect();
        std::vector<Event> out(events_.begin(), events_.end());
        events_.clear();
        return out;
    }

    // Takes everything the server queued for this connection.
    void collect() {
        Connection* conn = server_.connection(id_);
        if (conn == nullptr) return;
        auto& out = conn->output();
        while (!out.empty()) {
            auto bytes = out.front();
            pending_.append(bytes);
            out.consume(bytes.size());
        }
        for (;;) {
            auto frame = parse_frame(pending_);
            REQUIRE(frame.ok());
            if (!*frame) break;
            const Frame& f = **frame;
            Message m{f.header.type, f.header.req_id, f.header.tx_id, std::string(f.payload)};
            pending_.erase(0, f.size());
            if (m.type == XS_WATCH_EVENT) {
                auto s = m.strings();
                REQUIRE(s.size() == 2);
                events_.push_back({s[0], s[1]});
            } else {
                replies_.push_back(std::move(m));
            }
        }
        server_.resume(id_);
    }

  private:
    Server& server_;
    ConnectionId id_ = 0;
    std::uint32_t next_req_ = 1;
    std::string pending_;
    std::deque<Message> replies_;
    std::deque<Event> events_;
};

// A server with domains 1 and 2 created, as the daemon does with --domains 1,2.
inline Server server_with_domains(std::initializer_list<DomId> domains = {1, 2},
                                  Limits limits = {}) {
    Server server(limits);
    REQUIRE(server.create_domain(0).ok());
    for (DomId d : domains)
        REQUIRE(server.create_domain(d).ok());
    (void)server.take_notices();
    return server;
}

}  // namespace xensnd::loopback::xenstore::testing
