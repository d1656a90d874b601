// Several guests at once through one xensnd-backend on the loopback platform: three domains,
// one vsnd device each with a playback and a capture stream, all six streams running together
// with real audio. Every WAV sink must hold its guest's signal bit-exact and every guest must
// capture its WAV source bit-exact: no stream may disturb another.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "backend/audio/wav_file.hpp"
#include "coro/coro.hpp"
#include "guest_signal.hpp"
#include "running_backend.hpp"
#include "tests/backend/hostile/scripted_guest.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace std::chrono_literals;
using test::ScriptedGuest;

namespace {

constexpr auto kLimit = 10s;
constexpr std::size_t kFrames = 24000;  // half a second at 48 kHz
const std::vector<platform::DomId> kGuests = {1, 2, 3};

// A guest's whole session: plays and captures at once on its two streams.
Task<Result<std::vector<std::byte>>> play_and_capture(ScriptedGuest* g,
                                                      std::vector<std::byte> signal,
                                                      std::size_t capture_bytes) {
    auto playing = g->play(0, std::move(signal), kLimit);
    auto capturing = g->capture(1, capture_bytes, kLimit);
    auto [played, captured] = co_await when_all(std::move(playing), std::move(capturing));
    if (!played) co_return Err(played.error());
    if (!captured) co_return Err(captured.error());
    co_return std::move(*captured);
}

}  // namespace

TEST_CASE("three guests play and capture at once, every stream bit-exact") {
    test::RunningBackend backend(kGuests);
    auto reactor = Reactor::create();
    REQUIRE(reactor.ok());

    std::vector<std::unique_ptr<ScriptedGuest>> guests;
    std::vector<std::vector<std::byte>> plays, sources;
    for (platform::DomId dom : kGuests) {
        const unsigned devid = backend.attach(
            dom, {"card, sample-formats=s16_le, sample-rates=48000", "pcm, name=Main",
                  "stream, unique-id=p, type=p", "stream, unique-id=c, type=c"});
        plays.push_back(test::s16_signal(kFrames, 2, 100 + dom));
        // Each source is longer than what its guest captures, and different from every other.
        sources.push_back(test::s16_signal(2 * kFrames, 2, 200 + dom));
        const backend::audio::WavFormat format{XENSND_PCM_FORMAT_S16_LE, 48000, 2};
        std::string why;
        REQUIRE_MESSAGE(backend::audio::write_wav(backend.wav_path(dom, devid, 0, 1, 'c'), format,
                                                  sources.back(), &why)
                            .ok(),
                        why);
        auto g = ScriptedGuest::open(**reactor, backend.rundir(), dom, devid);
        REQUIRE(g.ok());
        auto connected = block_on(**reactor, (*g)->connect({"0/0", "0/1"}, kLimit));
        REQUIRE_MESSAGE(connected.ok(), connected.error().message());
        for (std::size_t s = 0; s < 2; ++s) {
            auto opened = block_on(**reactor, (*g)->open_pcm(s, test::PcmShape{}));
            REQUIRE_MESSAGE(opened.ok(), "OPEN: " << opened.error().message() << backend.err());
        }
        guests.push_back(std::move(*g));
    }

    std::vector<Task<Result<std::vector<std::byte>>>> sessions;
    for (std::size_t i = 0; i < guests.size(); ++i)
        sessions.push_back(play_and_capture(guests[i].get(), plays[i], kFrames * 4));
    auto outcomes = block_on(**reactor, when_all(std::move(sessions)));

    for (std::size_t i = 0; i < guests.size(); ++i) {
        const platform::DomId dom = kGuests[i];
        CAPTURE(dom);
        REQUIRE_MESSAGE(outcomes[i].ok(), outcomes[i].error().message() << "\n" << backend.err());
        CHECK(*outcomes[i] ==
              std::vector<std::byte>(sources[i].begin(), sources[i].begin() + kFrames * 4));
        for (std::size_t s = 0; s < 2; ++s) {
            auto closed =
                block_on(**reactor, guests[i]->status(s, test::rw_request(XENSND_OP_CLOSE, 0, 0)));
            CHECK(closed.value_or(-1) == 0);
        }
        auto wav = backend::audio::read_wav(backend.wav_path(dom, guests[i]->devid(), 0, 0, 'p'));
        REQUIRE(wav.ok());
        REQUIRE(wav->data.size() >= plays[i].size());
        CHECK(std::equal(plays[i].begin(), plays[i].end(), wav->data.begin()));
        CHECK(std::all_of(wav->data.begin() + static_cast<std::ptrdiff_t>(plays[i].size()),
                          wav->data.end(), [](std::byte b) { return b == std::byte{0}; }));
    }
    guests.clear();
    CHECK(backend.stop() == std::optional<int>(0));
    std::string err = backend.err();
    INFO(err);
    CHECK(err.find("Sanitizer") == std::string::npos);
    CHECK(err.find("error") == std::string::npos);
}

int main(int argc, char** argv) {
    std::string why;
    if (!Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
