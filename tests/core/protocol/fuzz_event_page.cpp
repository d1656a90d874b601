// The event page producer and consumer over one page. In a hostile run the peer rewrites
// in_prod, in_cons and slots between calls; in an honest run nothing does, and the consumer
// must then see every posted event exactly once, with consecutive ids and non-decreasing
// positions. The page is a 4096-byte heap block, so ASan reports any access beyond it.
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "core/protocol/event_page.hpp"
#include "tests/core/protocol/fuzz_input.hpp"

using namespace xensnd::sndif;
using xensnd::sndif::test::FuzzInput;

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    std::unique_ptr<void, decltype(&std::free)> page(std::aligned_alloc(4096, 4096), &std::free);
    EventPageConsumer consumer(page.get());
    auto* words = static_cast<std::uint32_t*>(page.get());
    auto* bytes = static_cast<std::uint8_t*>(page.get());
    const bool hostile = in.take<std::uint8_t>() & 1;
    if (hostile) {
        words[0] = in.take<std::uint32_t>();
        words[1] = in.take<std::uint32_t>();
    }
    EventPageProducer producer(page.get());

    std::uint64_t position = 0;
    std::uint16_t expected_id = 0;
    std::uint64_t last_position = 0;
    std::array<Event, 70> events{};
    for (int step = 0; step < 4096 && !in.empty(); ++step) {
        const std::uint8_t op = in.take<std::uint8_t>();
        const bool producer_broken = producer.broken();
        const bool consumer_broken = consumer.broken();
        switch (op % 8) {
            case 0:
                if (hostile) words[0] = in.take<std::uint32_t>();
                break;
            case 1:
                if (hostile) words[1] = in.take<std::uint32_t>();
                break;
            case 2:
                if (hostile) bytes[in.take<std::uint16_t>() % 4096] = in.take<std::uint8_t>();
                break;
            case 3: {
                position += in.take<std::uint8_t>();
                auto r = producer.post_cur_pos(position);
                if (producer_broken) require(r.errno_value() == EPROTO);
                if (!r.ok()) require(r.errno_value() == EPROTO && producer.broken());
                if (r.ok() && !*r) require(producer.pending_position() == position);
                break;
            }
            case 4: {
                const std::uint16_t before = producer.next_id();
                auto r = producer.post(make_cur_pos_event(position));
                if (producer_broken) require(r.errno_value() == EPROTO);
                if (r.ok()) require(std::uint16_t(*r + 1) == producer.next_id());
                if (!r.ok() && r.errno_value() == EAGAIN)
                    require(producer.next_id() - before <= 1);  // at most the held one went out
                break;
            }
            case 5: {
                auto r = producer.flush();
                if (producer_broken) require(r.errno_value() == EPROTO);
                break;
            }
            case 6:
                producer.drop_pending();
                break;
            case 7: {
                const std::size_t want = in.take<std::uint8_t>() % (events.size() + 1);
                auto n = consumer.consume(std::span(events).first(want));
                if (consumer_broken) require(n.errno_value() == EPROTO);
                if (!n.ok()) {
                    require(n.errno_value() == EPROTO && consumer.broken());
                    break;
                }
                require(*n <= want && *n <= EventPageConsumer::kSize);
                if (!hostile) {
                    for (std::size_t i = 0; i < *n; ++i) {
                        require(events[i].id == expected_id++);
                        require(events[i].type == XENSND_EVT_CUR_POS);
                        require(events[i].op.cur_pos.position >= last_position);
                        last_position = events[i].op.cur_pos.position;
                    }
                }
                break;
            }
        }
        if (!hostile) require(!producer.broken() && !consumer.broken());
    }
    return 0;
}
