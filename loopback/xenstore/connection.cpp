#include "loopback/xenstore/connection.hpp"

#include <algorithm>

#include "loopback/xenstore/path.hpp"

namespace xensnd::loopback::xenstore {

void OutputQueue::push_reply(std::string message) {
    bytes_ += message.size();
    ++replies_;
    queue_.push_back({std::move(message), false});
}

OutputQueue::EventOutcome OutputQueue::push_event(std::string message, bool deduplicate) {
    if (deduplicate) {
        for (const auto& m : queue_) {
            if (m.event && m.bytes == message) return EventOutcome::kDuplicate;
        }
    }
    if (bytes_ + message.size() > byte_limit_) return EventOutcome::kOverLimit;
    bytes_ += message.size();
    queue_.push_back({std::move(message), true});
    return EventOutcome::kQueued;
}

std::string_view OutputQueue::front() const {
    if (queue_.empty()) return {};
    return std::string_view(queue_.front().bytes).substr(sent_);
}

void OutputQueue::consume(std::size_t n) {
    while (n > 0 && !queue_.empty()) {
        auto& m = queue_.front();
        std::size_t take = std::min(n, m.bytes.size() - sent_);
        sent_ += take;
        bytes_ -= take;
        n -= take;
        if (sent_ == m.bytes.size()) {
            if (!m.event) --replies_;
            queue_.pop_front();
            sent_ = 0;
        }
    }
}

Connection::Connection(ConnectionId id, DomId domid, std::size_t output_byte_limit)
    : id_(id), domid_(domid), home_(domain_path(domid)), output_(output_byte_limit) {}

void Connection::consume_input(std::size_t n) {
    input_start_ += n;
    if (input_start_ >= input_.size()) {
        input_.clear();
        input_start_ = 0;
    } else if (input_start_ > 4096 && input_start_ * 2 > input_.size()) {
        input_.erase(0, input_start_);
        input_start_ = 0;
    }
}

Transaction* Connection::transaction(std::uint32_t id) {
    auto it = transactions_.find(id);
    return it == transactions_.end() ? nullptr : &it->second;
}

Transaction& Connection::start_transaction(std::uint64_t generation) {
    // Ids are never 0 (that means "no transaction") nor one still open.
    while (next_transaction_id_ == 0 || transactions_.count(next_transaction_id_) != 0) {
        ++next_transaction_id_;
    }
    std::uint32_t id = next_transaction_id_++;
    return transactions_.emplace(id, Transaction(id, generation)).first->second;
}

std::optional<Transaction> Connection::take_transaction(std::uint32_t id) {
    auto it = transactions_.find(id);
    if (it == transactions_.end()) return std::nullopt;
    std::optional<Transaction> out(std::move(it->second));
    transactions_.erase(it);
    return out;
}

}  // namespace xensnd::loopback::xenstore
