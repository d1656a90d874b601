// SET_VOLUME, GET_VOLUME, MUTE and UNMUTE end to end: a guest drives them through the real
// xensnd-backend on the loopback platform and plays a known signal; the WAV sink shows what
// a listener would hear. Volume values travel in the stream's shared buffer (sndif: int32
// milli-dB per channel, one flag byte per channel for MUTE/UNMUTE), before the audio.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
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

constexpr platform::DomId kGuest = 1;
constexpr auto kLimit = 10s;
// -6.02 dB is a gain of 0.50003: even samples within +-8000 come out exactly halved.
constexpr std::int32_t kHalf = -6020;
constexpr std::size_t kFrames = 9600;  // 0.2 s at 48 kHz

struct Rig {
    test::RunningBackend backend{{kGuest}};
    std::unique_ptr<Reactor> reactor;
    std::unique_ptr<ScriptedGuest> guest;
    unsigned devid = 0;

    Rig() {
        auto r = Reactor::create();
        REQUIRE(r.ok());
        reactor = std::move(*r);
        devid = backend.attach(kGuest, {"card, sample-formats=s16_le, sample-rates=48000",
                                        "pcm, name=Main", "stream, unique-id=p, type=p"});
        auto g = ScriptedGuest::open(*reactor, backend.rundir(), kGuest, devid);
        REQUIRE(g.ok());
        guest = std::move(*g);
        REQUIRE(run(guest->connect({"0/0"}, kLimit)).ok());
    }

    template <class T>
    T run(Task<T> task) {
        return block_on(*reactor, std::move(task));
    }

    void open() {
        test::PcmShape shape;
        auto opened = run(guest->open_pcm(0, shape));
        REQUIRE_MESSAGE(opened.ok(), opened.error().message());
    }

    // A volume request with its values written at the start of the buffer.
    std::int32_t request(std::uint8_t op, const void* values, std::uint32_t length) {
        std::memcpy(guest->buffer(0).data(), values, length);
        auto st = run(guest->status(0, test::rw_request(op, 0, length)));
        REQUIRE(st.ok());
        return *st;
    }

    std::array<std::int32_t, 2> get_volume() {
        std::memset(guest->buffer(0).data(), 0x5a, 8);
        auto st = run(guest->status(0, test::rw_request(XENSND_OP_GET_VOLUME, 0, 8)));
        REQUIRE(st.ok());
        CHECK(*st == 0);
        std::array<std::int32_t, 2> v;
        std::memcpy(v.data(), guest->buffer(0).data(), 8);
        return v;
    }

    // Plays the signal and closes; what the WAV sink holds of it (as many bytes as played).
    std::vector<std::byte> play_and_close(const std::vector<std::byte>& signal) {
        auto played = run(guest->play(0, signal, kLimit));
        REQUIRE_MESSAGE(played.ok(), played.error().message());
        REQUIRE(played->bytes == signal.size());
        REQUIRE(run(guest->status(0, test::rw_request(XENSND_OP_CLOSE, 0, 0))).value_or(-1) == 0);
        auto wav = backend::audio::read_wav(backend.wav_path(kGuest, devid, 0, 0, 'p'));
        REQUIRE(wav.ok());
        REQUIRE(wav->data.size() >= signal.size());
        // Beyond the signal only the drain's silence.
        CHECK(std::all_of(wav->data.begin() + static_cast<std::ptrdiff_t>(signal.size()),
                          wav->data.end(), [](std::byte b) { return b == std::byte{0}; }));
        wav->data.resize(signal.size());
        return wav->data;
    }
};

// Left channel halved, right bit-exact.
void check_left_halved(const std::vector<std::byte>& in, const std::vector<std::byte>& out) {
    std::size_t wrong_left = 0, wrong_right = 0;
    for (std::size_t f = 0; f < kFrames; ++f) {
        if (test::s16_at(out, 2 * f) != test::s16_at(in, 2 * f) / 2) ++wrong_left;
        if (test::s16_at(out, 2 * f + 1) != test::s16_at(in, 2 * f + 1)) ++wrong_right;
    }
    CHECK(wrong_left == 0);
    CHECK(wrong_right == 0);
}

}  // namespace

TEST_CASE("-6.02 dB on the left channel halves it in the WAV sink; GET_VOLUME reads it back") {
    Rig r;
    const auto signal = test::s16_signal(kFrames, 2, 5, 8000);
    r.open();
    const std::array<std::int32_t, 2> volume{kHalf, 0};
    CHECK(r.request(XENSND_OP_SET_VOLUME, volume.data(), 8) == 0);
    CHECK(r.get_volume() == volume);
    check_left_halved(signal, r.play_and_close(signal));

    // MUTE gives zeros on both channels, whatever the volume.
    r.open();
    CHECK(r.request(XENSND_OP_SET_VOLUME, volume.data(), 8) == 0);
    const std::array<std::uint8_t, 2> both{1, 1};
    CHECK(r.request(XENSND_OP_MUTE, both.data(), 2) == 0);
    auto muted = r.play_and_close(signal);
    CHECK(std::all_of(muted.begin(), muted.end(), [](std::byte b) { return b == std::byte{0}; }));

    // UNMUTE restores the volume that was set, not 0 dB.
    r.open();
    CHECK(r.request(XENSND_OP_SET_VOLUME, volume.data(), 8) == 0);
    CHECK(r.request(XENSND_OP_MUTE, both.data(), 2) == 0);
    CHECK(r.request(XENSND_OP_UNMUTE, both.data(), 2) == 0);
    CHECK(r.get_volume() == volume);
    check_left_halved(signal, r.play_and_close(signal));

    // Muting one channel leaves the other bit-exact.
    r.open();
    const std::array<std::uint8_t, 2> right{0, 1};
    CHECK(r.request(XENSND_OP_MUTE, right.data(), 2) == 0);
    auto half_muted = r.play_and_close(signal);
    std::size_t wrong = 0;
    for (std::size_t f = 0; f < kFrames; ++f) {
        if (test::s16_at(half_muted, 2 * f) != test::s16_at(signal, 2 * f)) ++wrong;
        if (test::s16_at(half_muted, 2 * f + 1) != 0) ++wrong;
    }
    CHECK(wrong == 0);

    CHECK(r.backend.stop() == std::optional<int>(0));
    std::string err = r.backend.err();
    INFO(err);
    CHECK(err.find("Sanitizer") == std::string::npos);
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
