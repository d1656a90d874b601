// One client: the domain it speaks for (fixed by the socket it came in on), the bytes it has
// sent that are not processed yet, the replies and watch events it has not read yet, its
// open transactions and its watches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "loopback/xenstore/ids.hpp"
#include "loopback/xenstore/transaction.hpp"
#include "loopback/xenstore/watch.hpp"

namespace xensnd::loopback::xenstore {

// Messages waiting to be sent, oldest first. Replies are always queued (the server stops
// reading requests while too many wait, which bounds them); watch events are dropped rather
// than queued past the byte limit, and an event identical to one still waiting is not queued
// twice (xenstored drops such duplicates too).
class OutputQueue {
  public:
    explicit OutputQueue(std::size_t byte_limit) : byte_limit_(byte_limit) {}

    enum class EventOutcome { kQueued, kDuplicate, kOverLimit };

    void push_reply(std::string message);
    // `deduplicate`: drop it if an identical event is still waiting.
    EventOutcome push_event(std::string message, bool deduplicate);

    bool empty() const { return queue_.empty(); }
    // The unsent bytes of the oldest message.
    std::string_view front() const;
    // `n` bytes of front() went out.
    void consume(std::size_t n);

    std::size_t replies() const { return replies_; }
    std::size_t bytes() const { return bytes_; }
    std::size_t byte_limit() const { return byte_limit_; }

  private:
    struct Message {
        std::string bytes;
        bool event;
    };
    std::deque<Message> queue_;
    std::size_t sent_ = 0;  // of queue_.front()
    std::size_t replies_ = 0;
    std::size_t bytes_ = 0;  // unsent, over all messages
    std::size_t byte_limit_;
};

class Connection {
  public:
    Connection(ConnectionId id, DomId domid, std::size_t output_byte_limit);

    ConnectionId id() const { return id_; }
    DomId domid() const { return domid_; }
    // /local/domain/<domid>, where relative paths point.
    const std::string& home() const { return home_; }

    // Received bytes not yet taken apart into messages.
    void append_input(std::string_view bytes) { input_.append(bytes); }
    std::string_view pending_input() const { return std::string_view(input_).substr(input_start_); }
    void consume_input(std::size_t n);

    OutputQueue& output() { return output_; }
    const OutputQueue& output() const { return output_; }

    // Transactions, by the id the client uses in each request header.
    Transaction* transaction(std::uint32_t id);
    Transaction& start_transaction(std::uint64_t generation);
    // Removes it from the connection; the caller commits or drops it.
    std::optional<Transaction> take_transaction(std::uint32_t id);
    std::size_t transaction_count() const { return transactions_.size(); }
    void drop_transactions() { transactions_.clear(); }

    WatchList& watches() { return watches_; }
    const WatchList& watches() const { return watches_; }

    // A connection being closed processes nothing more and hears no more events.
    bool closing() const { return closing_; }
    void set_closing() { closing_ = true; }

    // Whether the server has told the I/O side about new output since it last asked.
    bool output_noted = false;
    std::uint64_t dropped_events = 0;

  private:
    ConnectionId id_;
    DomId domid_;
    std::string home_;
    std::string input_;
    std::size_t input_start_ = 0;
    OutputQueue output_;
    std::map<std::uint32_t, Transaction> transactions_;
    std::uint32_t next_transaction_id_ = 1;
    WatchList watches_;
    bool closing_ = false;
};

}  // namespace xensnd::loopback::xenstore
