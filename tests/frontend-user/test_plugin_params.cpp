// The asoundrc parameters of pcm.xen: defaults, every parameter read, and a clear error naming
// an unknown parameter or a bad value.
#include <doctest/doctest.h>

#include <string>

#include "frontend-user/plugin_params.hpp"

using namespace xensnd::frontend;

namespace {

struct Parsed {
    int err = 0;
    PluginParams params;
    std::string why;
};

Parsed parse(const std::string& body) {
    const std::string text = "x { " + body + " }";
    snd_config_t* top = nullptr;
    snd_input_t* in = nullptr;
    REQUIRE(snd_config_top(&top) == 0);
    REQUIRE(snd_input_buffer_open(&in, text.data(), static_cast<ssize_t>(text.size())) == 0);
    REQUIRE(snd_config_load(top, in) == 0);
    snd_input_close(in);
    snd_config_t* node = nullptr;
    REQUIRE(snd_config_search(top, "x", &node) == 0);
    Parsed p;
    p.err = parse_plugin_params(node, true, p.params, p.why);
    snd_config_delete(top);
    return p;
}

}  // namespace

TEST_CASE("defaults: device 0, first stream of the direction, platform by environment, 3 s") {
    Parsed p = parse("type xen");
    REQUIRE(p.err == 0);
    CHECK(p.params.device == 0);
    CHECK(!p.params.pcm);
    CHECK(!p.params.stream);
    CHECK(!p.params.platform);
    CHECK(p.params.timeout == std::chrono::milliseconds(3000));
}

TEST_CASE("every parameter is read, numbers also as strings") {
    Parsed p = parse("type xen device 2 pcm \"1\" stream 0 platform loopback timeout_ms 250");
    REQUIRE(p.err == 0);
    CHECK(p.params.device == 2);
    CHECK(p.params.pcm == 1u);
    CHECK(p.params.stream == 0u);
    CHECK(p.params.platform == xensnd::platform::PlatformKind::Loopback);
    CHECK(p.params.timeout == std::chrono::milliseconds(250));
}

TEST_CASE("an unknown parameter is an error naming it") {
    Parsed p = parse("type xen devce 1");
    CHECK(p.err == -EINVAL);
    CHECK(p.why.find("unknown parameter 'devce'") != std::string::npos);
}

TEST_CASE("bad values are errors naming the parameter") {
    for (const char* body :
         {"device -1", "device abc", "platform kvm", "timeout_ms 0", "pcm 300", "stream x"}) {
        CAPTURE(body);
        Parsed p = parse(body);
        CHECK(p.err == -EINVAL);
        const std::string key = std::string(body).substr(0, std::string(body).find(' '));
        CHECK(p.why.find("'" + key + "'") != std::string::npos);
    }
}
