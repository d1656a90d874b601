// Endpoint names as the daemon's routing spells them, and WAV path templates.
#include <doctest/doctest.h>

#include "backend/audio/endpoint.hpp"

using namespace xensnd::backend::audio;

TEST_CASE("parse_endpoint: every spelling") {
    auto alsa = parse_endpoint("alsa:hw:0,0");
    REQUIRE(alsa);
    CHECK(alsa->kind == EndpointSpec::Kind::Alsa);
    CHECK(alsa->target == "hw:0,0");

    auto wav = parse_endpoint("wav:/tmp/out-{domid}.wav");
    REQUIRE(wav);
    CHECK(wav->kind == EndpointSpec::Kind::Wav);
    CHECK(wav->target == "/tmp/out-{domid}.wav");

    auto null = parse_endpoint("null");
    REQUIRE(null);
    CHECK(null->kind == EndpointSpec::Kind::Null);

    auto sine = parse_endpoint("sine");
    REQUIRE(sine);
    CHECK(sine->kind == EndpointSpec::Kind::Sine);
    CHECK(sine->sine_hz == 440.0);

    auto sine1k = parse_endpoint("sine:1000.5");
    REQUIRE(sine1k);
    CHECK(sine1k->sine_hz == 1000.5);
}

TEST_CASE("parse_endpoint: errors say what is wrong") {
    std::string why;
    CHECK(parse_endpoint("alsa:", &why).errno_value() == EINVAL);
    CHECK(why.find("empty ALSA") != std::string::npos);
    CHECK(parse_endpoint("wav:", &why).errno_value() == EINVAL);
    CHECK(why.find("empty WAV") != std::string::npos);
    for (const char* bad : {"sine:", "sine:abc", "sine:-5", "sine:0", "sine:nan", "sine:inf",
                            "sine:1e9", "sine:440Hz"}) {
        CAPTURE(bad);
        CHECK(parse_endpoint(bad, &why).errno_value() == EINVAL);
        CHECK(why.find("bad sine frequency") != std::string::npos);
    }
    for (const char* bad : {"", "pulse", "alsa", "NULL", "null:", "oss:/dev/dsp"}) {
        CAPTURE(bad);
        CHECK(parse_endpoint(bad, &why).errno_value() == EINVAL);
        CHECK(why.find("unknown endpoint") != std::string::npos);
    }
    CHECK(!parse_endpoint(std::string_view("alsa:a\0b", 8)));
}

TEST_CASE("to_string parses back to the same endpoint") {
    for (const char* text :
         {"alsa:default", "wav:/x/{unique-id}.wav", "null", "sine", "sine:1000", "sine:0.1"}) {
        auto spec = parse_endpoint(text);
        REQUIRE(spec);
        CHECK(to_string(*spec) == text);
        auto again = parse_endpoint(to_string(*spec));
        REQUIRE(again);
        CHECK(*again == *spec);
    }
    EndpointSpec odd{EndpointSpec::Kind::Sine, "", 1.0 / 3};
    auto back = parse_endpoint(to_string(odd));
    REQUIRE(back);
    CHECK(back->sine_hz == odd.sine_hz);
}

TEST_CASE("expand_wav_path fills every placeholder") {
    StreamNames names{5, 1, 2, 3, "vm-5-id", Direction::Capture};
    auto p = expand_wav_path("/var/x/{domid}-{device}-{pcm}-{stream}-{dir}-{unique-id}.wav", names);
    REQUIRE(p);
    CHECK(*p == "/var/x/5-1-2-3-c-vm-5-id.wav");
    names.direction = Direction::Playback;
    CHECK(*expand_wav_path("{dir}", names) == "p");
    CHECK(*expand_wav_path("/plain/path.wav", names) == "/plain/path.wav");
}

TEST_CASE("expand_wav_path: unknown or unclosed placeholders are errors") {
    std::string why;
    StreamNames names;
    CHECK(expand_wav_path("/x/{home}.wav", names, &why).errno_value() == EINVAL);
    CHECK(why.find("{home}") != std::string::npos);
    CHECK(expand_wav_path("/x/{domid.wav", names, &why).errno_value() == EINVAL);
    CHECK(why.find("unclosed") != std::string::npos);
}

TEST_CASE("a hostile unique-id cannot leave the directory") {
    StreamNames names;
    for (const char* id :
         {"..", "../../etc/passwd", "/etc/passwd", ".", "...", "a/../../b", "..\\..", "x\ny", ""}) {
        CAPTURE(id);
        names.unique_id = id;
        auto p = expand_wav_path("/var/lib/xensnd/{unique-id}/out.wav", names);
        REQUIRE(p);
        std::string component = p->substr(16, p->size() - 16 - 8);
        CHECK(p->rfind("/var/lib/xensnd/", 0) == 0);
        CHECK(component.find('/') == std::string::npos);
        CHECK(component.find("..") == std::string::npos);
        CHECK(!component.empty());
        CHECK(component[0] != '.');
    }
    CHECK(sanitize_unique_id(std::string(1000, 'a')).size() == 64);
    CHECK(sanitize_unique_id("plain-ID_1.2") == "plain-ID_1.2");
}
