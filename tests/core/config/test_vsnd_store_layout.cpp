// The XenStore nodes of a vsnd device, exactly as libxl writes them for an xl.cfg vsnd= line,
// and the round trip spec -> nodes -> frontend directory -> effective config.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/config/vsnd_config.hpp"
#include "core/config/vsnd_store_layout.hpp"
#include "core/config/xl_vsnd.hpp"

using namespace xensnd::config;

namespace {

// The example line of XENSTORE-LAYOUT.md.
const char* const kExampleLine =
    "vsnd = [ [ 'card, short-name=Virt, long-name=Virtual card, sample-rates=44100;48000, "
    "sample-formats=s16_le, channels-min=1, channels-max=2',\n"
    "           'pcm, name=Main',\n"
    "           'stream, unique-id=0, type=p',\n"
    "           'stream, unique-id=1, type=c' ] ]\n";

VsndDeviceSpec example_spec() {
    auto cards = parse_xl_vsnd(kExampleLine);
    REQUIRE(cards);
    REQUIRE(cards->size() == 1);
    return (*cards)[0];
}

struct Expected {
    std::string path;
    std::string value;
    std::string perms;
};

void check_nodes(const VsndDeviceNodes& nodes, const std::vector<Expected>& expected) {
    REQUIRE(nodes.written.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("node " << i << ": " << nodes.written[i].path);
        CHECK(nodes.written[i].path == expected[i].path);
        CHECK(nodes.written[i].value == expected[i].value);
        CHECK(nodes.written[i].perms.to_string() == expected[i].perms);
    }
}

}  // namespace

TEST_CASE("the example line gives exactly libxl's nodes, in libxl's order") {
    const VsndDeviceNodes nodes = libxl_device_nodes(example_spec(), {0, 5, 0});
    const std::string fe = "/local/domain/5/device/vsnd/0";
    const std::string be = "/local/domain/0/backend/vsnd/5/0";
    const std::string lx = "/libxl/5/device/vsnd/0";
    CHECK(nodes.removed == std::vector<std::string>{lx, fe, be});
    check_nodes(nodes, {
                           {lx + "/frontend", fe, "n0"},
                           {lx + "/backend", be, "n0"},
                           {fe, "", "n5,r0"},
                           {fe + "/backend", be, "n5,r0"},
                           {fe + "/backend-id", "0", "n5,r0"},
                           {fe + "/state", "1", "n5,r0"},
                           {fe + "/long-name", "Virtual card", "n5,r0"},
                           {fe + "/short-name", "Virt", "n5,r0"},
                           {fe + "/sample-rates", "44100,48000", "n5,r0"},
                           {fe + "/sample-formats", "s16_le", "n5,r0"},
                           {fe + "/channels-min", "1", "n5,r0"},
                           {fe + "/channels-max", "2", "n5,r0"},
                           {fe + "/0/name", "Main", "n5,r0"},
                           {fe + "/0/0/unique-id", "0", "n5,r0"},
                           {fe + "/0/0/type", "p", "n5,r0"},
                           {fe + "/0/1/unique-id", "1", "n5,r0"},
                           {fe + "/0/1/type", "c", "n5,r0"},
                           {be, "", "n0,r5"},
                           {be + "/frontend", fe, "n0,r5"},
                           {be + "/frontend-id", "5", "n0,r5"},
                           {be + "/online", "1", "n0,r5"},
                           {be + "/state", "1", "n0,r5"},
                           {lx + "/frontend-id", "5", "n0"},
                           {lx + "/online", "1", "n0"},
                           {lx + "/state", "1", "n0"},
                       });
}

TEST_CASE("frontend and backend point at each other and each side owns its own directory") {
    const VsndDeviceAddress address{3, 7, 2};
    CHECK(address.frontend_path() == "/local/domain/7/device/vsnd/2");
    CHECK(address.backend_path() == "/local/domain/3/backend/vsnd/7/2");
    CHECK(address.libxl_path() == "/libxl/7/device/vsnd/2");
    const VsndDeviceNodes nodes = libxl_device_nodes(example_spec(), address);

    const StoreNode* fe_backend = nodes.find(address.frontend_path() + "/backend");
    const StoreNode* be_frontend = nodes.find(address.backend_path() + "/frontend");
    REQUIRE(fe_backend);
    REQUIRE(be_frontend);
    CHECK(fe_backend->value == address.backend_path());
    CHECK(be_frontend->value == address.frontend_path());
    CHECK(nodes.find(address.frontend_path() + "/backend-id")->value == "3");
    CHECK(nodes.find(address.backend_path() + "/frontend-id")->value == "7");

    const StorePerms fe_perms{7, StoreAccess::None, {{3, StoreAccess::Read}}};
    const StorePerms be_perms{3, StoreAccess::None, {{7, StoreAccess::Read}}};
    for (const auto& node : nodes.written) {
        INFO(node.path);
        if (node.path.rfind(address.frontend_path(), 0) == 0)
            CHECK(node.perms == fe_perms);
        else if (node.path.rfind(address.backend_path(), 0) == 0)
            CHECK(node.perms == be_perms);
        else
            CHECK(node.perms == StorePerms{0, StoreAccess::None, {}});
    }
}

TEST_CASE("libxl writes optional nodes only when set, and never a version") {
    VsndDeviceSpec spec;
    spec.pcms.resize(1);
    spec.pcms[0].streams.resize(2);
    spec.pcms[0].streams[0].type = StreamType::Playback;     // no unique-id
    spec.pcms[0].streams[1].unique_id.emplace("u");          // no type
    spec.pcms[0].streams[1].hw.channels_max = 0;             // zero counts as unset
    spec.pcms[0].hw.sample_rates = std::vector<unsigned>{};  // empty counts as unset
    const VsndDeviceAddress address{0, 1, 0};
    const VsndDeviceNodes nodes = libxl_device_nodes(spec, address);
    const StoreTree fe = subtree(nodes.written, address.frontend_path());
    CHECK(fe == StoreTree{{"backend", address.backend_path()},
                          {"backend-id", "0"},
                          {"state", "1"},
                          {"0/0/type", "p"},
                          {"0/1/unique-id", "u"}});
    const StoreTree be = subtree(nodes.written, address.backend_path());
    CHECK(be == StoreTree{{"frontend", address.frontend_path()},
                          {"frontend-id", "1"},
                          {"online", "1"},
                          {"state", "1"}});
    // libxl's private copy has the links and the backend keys, not the card.
    const StoreTree lx = subtree(nodes.written, address.libxl_path());
    CHECK(lx == StoreTree{{"frontend", address.frontend_path()},
                          {"backend", address.backend_path()},
                          {"frontend-id", "1"},
                          {"online", "1"},
                          {"state", "1"}});
}

TEST_CASE("formats are written in libxl's spelling, lists in the order given") {
    VsndDeviceSpec spec;
    spec.hw.sample_formats = std::vector<std::string>{"FLOAT_LE", "s16_le", "float64_be"};
    spec.hw.sample_rates = std::vector<unsigned>{48000, 44100, 48000};
    spec.hw.buffer_size = 8192;
    const VsndDeviceNodes nodes = libxl_device_nodes(spec, {0, 1, 0});
    const StoreTree fe = subtree(nodes.written, "/local/domain/1/device/vsnd/0");
    CHECK(fe.at("sample-formats") == "f32_le,s16_le,f64_be");
    CHECK(fe.at("sample-rates") == "48000,44100,48000");
    CHECK(fe.at("buffer-size") == "8192");
}

TEST_CASE("round trip: spec -> nodes -> frontend directory -> the spec's effective config") {
    const std::string fe = "/local/domain/5/device/vsnd/0";
    auto check_round_trip = [&](const VsndDeviceSpec& spec) {
        const VsndDeviceNodes nodes = libxl_device_nodes(spec, {0, 5, 0});
        auto read = read_vsnd_spec(subtree(nodes.written, fe), fe);
        REQUIRE(read);
        auto parsed = effective_config(*read, fe);
        auto expected = effective_config(spec, fe);
        REQUIRE(parsed);
        REQUIRE(expected);
        CHECK(*parsed == *expected);
        CHECK(parsed.warnings() == expected.warnings());
    };

    check_round_trip(example_spec());

    auto rich = parse_xl_vsnd(
        "[ 'card, short-name=A, long-name=B C, channels-max=8, buffer-size=131072, "
        "sample-formats=s16_le;f32_le',"
        "  'stream, unique-id=x, type=p, sample-rates=96000;44100',"
        "  'pcm, name=Second, channels-min=2, sample-rates=88200',"
        "  'stream, type=C, channels-max=4, sample-formats=s24_le;float_be',"
        "  'stream, type=p, unique-id=, buffer-size=8192' ]");
    REQUIRE(rich);
    REQUIRE(rich->size() == 1);
    check_round_trip((*rich)[0]);
}
