// xensnd-xl vsnd-attach against the loopback daemon, checked with the stock xenstore-* tools:
// libxl's exact layout, device indices, refused specifications, the wait for the backend.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "loopback/toolstack/vsnd_attach.hpp"
#include "loopback/toolstack/xenstore_connection.hpp"
#include "test_toolstack_fixture.hpp"

using namespace xensnd::loopback::testing;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A file in the daemon's run directory, removed with the test.
struct TempFile {
    std::string path;
    TempFile(const Daemon& d, const std::string& text) : path(d.rundir() + "/guest.cfg") {
        FILE* f = std::fopen(path.c_str(), "w");
        REQUIRE(f != nullptr);
        std::fputs(text.c_str(), f);
        std::fclose(f);
    }
    ~TempFile() { ::unlink(path.c_str()); }
};

}  // namespace

TEST_CASE("vsnd-attach writes exactly libxl's nodes, values and permissions") {
    Daemon d("1");
    auto before = ls(d);
    auto e = xl(d, attach_args({"--no-wait"}, 1));
    REQUIRE_MESSAGE(e.status == 0, e.err);
    CHECK(e.out == "0\n");
    CHECK(e.err.empty());

    // XENSTORE-LAYOUT.md's example for D = 1, B = 0, N = 0: each side owns its directory and
    // its peer may read it; libxl's record is dom0's alone; no version(s).
    const std::vector<std::string> backend = {
        "/local/domain/0/backend = \"\" (n0)",
        "/local/domain/0/backend/vsnd = \"\" (n0)",
        "/local/domain/0/backend/vsnd/1 = \"\" (n0)",
        "/local/domain/0/backend/vsnd/1/0 = \"\" (n0,r1)",
        "/local/domain/0/backend/vsnd/1/0/frontend = \"/local/domain/1/device/vsnd/0\" (n0,r1)",
        "/local/domain/0/backend/vsnd/1/0/frontend-id = \"1\" (n0,r1)",
        "/local/domain/0/backend/vsnd/1/0/online = \"1\" (n0,r1)",
        "/local/domain/0/backend/vsnd/1/0/state = \"1\" (n0,r1)",
    };
    const std::vector<std::string> frontend = {
        "/local/domain/1/device = \"\" (n1)",
        "/local/domain/1/device/vsnd = \"\" (n1)",
        "/local/domain/1/device/vsnd/0 = \"\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/0 = \"\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/0/0 = \"\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/0/0/type = \"p\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/0/0/unique-id = \"0\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/0/1 = \"\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/0/1/type = \"c\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/0/1/unique-id = \"1\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/0/name = \"Main\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/backend = \"/local/domain/0/backend/vsnd/1/0\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/backend-id = \"0\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/channels-max = \"2\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/channels-min = \"1\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/long-name = \"Virtual card\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/sample-formats = \"s16_le\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/sample-rates = \"44100,48000\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/short-name = \"Virt\" (n1,r0)",
        "/local/domain/1/device/vsnd/0/state = \"1\" (n1,r0)",
    };
    const std::vector<std::string> record = {
        "/libxl = \"\" (n0)",
        "/libxl/1 = \"\" (n0)",
        "/libxl/1/device = \"\" (n0)",
        "/libxl/1/device/vsnd = \"\" (n0)",
        "/libxl/1/device/vsnd/0 = \"\" (n0)",
        "/libxl/1/device/vsnd/0/backend = \"/local/domain/0/backend/vsnd/1/0\" (n0)",
        "/libxl/1/device/vsnd/0/frontend = \"/local/domain/1/device/vsnd/0\" (n0)",
        "/libxl/1/device/vsnd/0/frontend-id = \"1\" (n0)",
        "/libxl/1/device/vsnd/0/online = \"1\" (n0)",
        "/libxl/1/device/vsnd/0/state = \"1\" (n0)",
    };
    CHECK(ls_under(d, "/local/domain/0/backend") == backend);
    CHECK(ls_under(d, "/local/domain/1/device") == frontend);
    CHECK(ls_under(d, "/libxl") == record);

    // Nothing else changed.
    std::vector<std::string> expected = before;
    expected.insert(expected.end(), backend.begin(), backend.end());
    expected.insert(expected.end(), frontend.begin(), frontend.end());
    expected.insert(expected.end(), record.begin(), record.end());
    std::sort(expected.begin(), expected.end());
    CHECK(ls(d) == expected);
}

TEST_CASE("each attach takes the next index; a guest's own directories do not steer it") {
    Daemon d("1");
    CHECK(xl(d, attach_args({"--no-wait"}, 1)).out == "0\n");
    auto second = xl(d, attach_args({"--no-wait"}, 1, {"stream, type=p"}));
    REQUIRE_MESSAGE(second.status == 0, second.err);
    CHECK(second.out == "1\n");
    CHECK(read(d, "/local/domain/1/device/vsnd/1/backend") == "/local/domain/0/backend/vsnd/1/1");
    CHECK(read(d, "/local/domain/1/device/vsnd/1/0/0/type") == "p");
    CHECK(read(d, "/local/domain/1/device/vsnd/0/0/name") == "Main");

    // libxl numbers from its own record, not from what the guest writes in its directory; a
    // stale frontend directory at the chosen index is replaced, not merged.
    REQUIRE(run_as(d, 1,
                   {"xenstore-write", "device/vsnd/99999999999/x", "1", "device/vsnd/2/junk", "1"})
                .status == 0);
    auto third = xl(d, attach_args({"--no-wait"}, 1, {"stream, type=c"}));
    REQUIRE_MESSAGE(third.status == 0, third.err);
    CHECK(third.out == "2\n");
    CHECK(!exists(d, "/local/domain/1/device/vsnd/2/junk"));
    CHECK(read(d, "/local/domain/1/device/vsnd/2/0/0/type") == "c");
}

TEST_CASE("concurrent attaches to one domain get distinct indices") {
    Daemon d("1");
    std::vector<std::unique_ptr<ChildProcess>> runs;
    for (int i = 0; i < 6; ++i) {
        auto args = attach_args({"--no-wait"}, 1);
        args.insert(args.begin(), xensnd_xl_path());
        runs.push_back(std::make_unique<ChildProcess>(args, std::vector<std::string>{d.env(0)}));
    }
    std::set<std::string> indices;
    for (auto& run : runs) {
        auto e = run->finish();
        CHECK_MESSAGE(e.status == 0, e.err);
        indices.insert(e.out);
    }
    CHECK(indices == std::set<std::string>{"0\n", "1\n", "2\n", "3\n", "4\n", "5\n"});
    for (int i = 0; i < 6; ++i)
        CHECK(read(d, "/libxl/1/device/vsnd/" + std::to_string(i) + "/frontend") ==
              "/local/domain/1/device/vsnd/" + std::to_string(i));
}

TEST_CASE("a bad specification fails with core/config's message and writes nothing") {
    Daemon d("1");
    auto before = ls(d);

    auto id = xl(d, attach_args({"--no-wait"}, 1, {"pcm, name=Main", "stream, id=0, type=p"}));
    CHECK(id.status == 2);
    CHECK(contains(id.err, "vsnd[0][1] stream/id"));
    CHECK(contains(id.err, "unique-id"));

    auto type = xl(d, attach_args({"--no-wait"}, 1, {"stream, type=x"}));
    CHECK(type.status == 2);
    CHECK(contains(type.err, "vsnd[0][0] stream/type: \"x\": stream type must be p or c"));

    auto backend = xl(d, attach_args({"--no-wait"}, 1, {"pcm, backend=0", "stream, type=p"}));
    CHECK(backend.status == 2);
    CHECK(contains(backend.err, "backend= is allowed only on the card item"));

    // Parsed fine, but a frontend would refuse it: refused unless --unchecked, as a Linux guest
    // would fail on it only much later.
    auto channels = xl(d, attach_args({"--no-wait"}, 1,
                                      {"card, channels-min=2, channels-max=1", "stream, type=p"}));
    CHECK(channels.status == 2);
    CHECK(contains(channels.err, "channels-m"));
    CHECK(contains(channels.err, "--unchecked"));
    CHECK(ls(d) == before);

    auto unchecked = xl(d, attach_args({"--no-wait", "--unchecked"}, 1,
                                       {"card, channels-min=2, channels-max=1", "stream, type=p"}));
    CHECK_MESSAGE(unchecked.status == 0, unchecked.err);
    CHECK(read(d, "/local/domain/1/device/vsnd/0/channels-min") == "2");
}

TEST_CASE("xl's warnings are passed on without stopping the attach") {
    Daemon d("1");
    auto e =
        xl(d, attach_args({"--no-wait"}, 1, {"card, sample-formats=float_le", "stream, type=p"}));
    CHECK_MESSAGE(e.status == 0, e.err);
    CHECK(contains(e.err, "warning:"));
    CHECK(contains(e.err, "f32_le"));
    CHECK(read(d, "/local/domain/1/device/vsnd/0/sample-formats") == "f32_le");
}

TEST_CASE("without a backend, --wait-backend fails after its time and leaves nothing behind") {
    Daemon d("1");
    auto before = ls(d);
    const auto start = std::chrono::steady_clock::now();
    auto e = xl(d, attach_args({"--wait-backend", "1"}, 1));
    const double took = seconds_since(start);
    CHECK(e.status == 1);
    CHECK(e.out.empty());
    CHECK(contains(e.err, "did not move vsnd device 0 of domain 1 to InitWait within 1 s"));
    CHECK(contains(e.err, "its state is Initialising"));
    CHECK(took >= 0.9);
    CHECK(took < 5.0);
    CHECK(ls(d) == before);
}

TEST_CASE("with a backend, the attach returns as soon as it reaches InitWait") {
    Daemon d("1");
    FakeBackend backend(d);
    const auto start = std::chrono::steady_clock::now();
    auto e = xl(d, attach_args({}, 1));  // the default wait: 10 s
    CHECK_MESSAGE(e.status == 0, e.err);
    CHECK(e.out == "0\n");
    CHECK(seconds_since(start) < 5.0);
    CHECK(read(d, "/local/domain/0/backend/vsnd/1/0/state") == "2");
}

TEST_CASE("backend= names the backend domain by id or by name") {
    Daemon d("1,2");
    REQUIRE(run_as(d, 0, {"xenstore-write", "/local/domain/2/name", "sound-dom"}).status == 0);

    auto by_name =
        xl(d, attach_args({"--no-wait"}, 1, {"card, backend=sound-dom", "stream, type=p"}));
    REQUIRE_MESSAGE(by_name.status == 0, by_name.err);
    CHECK(read(d, "/local/domain/1/device/vsnd/0/backend-id") == "2");
    CHECK(read(d, "/local/domain/2/backend/vsnd/1/0/frontend-id") == "1");
    CHECK(ls_under(d, "/local/domain/2/backend/vsnd/1/0/state") ==
          std::vector<std::string>{"/local/domain/2/backend/vsnd/1/0/state = \"1\" (n2,r1)"});

    auto by_id = xl(d, attach_args({"--no-wait"}, 1, {"card, backend=2", "stream, type=p"}));
    REQUIRE_MESSAGE(by_id.status == 0, by_id.err);
    CHECK(read(d, "/libxl/1/device/vsnd/1/backend") == "/local/domain/2/backend/vsnd/1/1");

    auto before = ls(d);
    auto unknown = xl(d, attach_args({"--no-wait"}, 1, {"card, backend=nobody", "stream, type=p"}));
    CHECK(unknown.status == 1);
    CHECK(contains(unknown.err, "no domain is named 'nobody'"));
    auto absent = xl(d, attach_args({"--no-wait"}, 1, {"card, backend=7", "stream, type=p"}));
    CHECK(absent.status == 1);
    CHECK(contains(absent.err, "domain 7 does not exist"));
    CHECK(ls(d) == before);
}

TEST_CASE("--config reads the vsnd= setting of an xl.cfg file; one device per card") {
    Daemon d("1");
    TempFile cfg(d,
                 "# a guest\n"
                 "name = \"guest\"\n"
                 "memory = 512\n"
                 "vsnd = [ [ 'card, short-name=Virt, sample-rates=44100;48000',\n"
                 "           'pcm, name=Main', 'stream, unique-id=0, type=p' ],\n"
                 "         [ 'card, short-name=Second', 'stream, type=c' ] ]\n"
                 "disk = [ 'file:/x,xvda,w' ]\n");
    auto e = xl(d, {"vsnd-attach", "1", "--no-wait", "--config", cfg.path});
    REQUIRE_MESSAGE(e.status == 0, e.err);
    CHECK(e.out == "0\n1\n");
    CHECK(read(d, "/local/domain/1/device/vsnd/0/short-name") == "Virt");
    CHECK(read(d, "/local/domain/1/device/vsnd/0/0/0/unique-id") == "0");
    CHECK(read(d, "/local/domain/1/device/vsnd/1/short-name") == "Second");
    CHECK(read(d, "/local/domain/1/device/vsnd/1/0/0/type") == "c");
}

TEST_CASE("--config errors name the file and its line; a failed wait removes every card") {
    Daemon d("1");
    auto before = ls(d);
    {
        TempFile cfg(d, "name = \"guest\"\n\nvsnd = [ [ 'stream, type=q' ] ]\n");
        auto e = xl(d, {"vsnd-attach", "1", "--no-wait", "--config", cfg.path});
        CHECK(e.status == 2);
        CHECK(contains(e.err, cfg.path + ": vsnd[0][0] stream/type"));
    }
    {
        TempFile cfg(d, "name = \"guest\"\nvsnd = [ [ 'stream, type=p' ]\n");
        auto e = xl(d, {"vsnd-attach", "1", "--no-wait", "--config", cfg.path});
        CHECK(e.status == 2);
        CHECK(contains(e.err, "line 2"));
    }
    auto missing = xl(d, {"vsnd-attach", "1", "--config", d.rundir() + "/absent.cfg"});
    CHECK(missing.status == 2);
    CHECK(contains(missing.err, "absent.cfg: No such file or directory"));
    {
        TempFile cfg(d, "vsnd = [ [ 'stream, type=p' ], [ 'stream, type=c' ] ]\n");
        auto e = xl(d, {"vsnd-attach", "1", "--wait-backend", "0.3", "--config", cfg.path});
        CHECK(e.status == 1);
        CHECK(contains(e.err, "removed the devices again"));
    }
    CHECK(ls(d) == before);
}

TEST_CASE("command-line mistakes and a missing daemon get clear errors") {
    Daemon d("1");
    auto no_items = xl(d, attach_args({"--no-wait"}, 1, {}));
    CHECK(no_items.status == 2);
    CHECK(contains(no_items.err, "no device given"));

    auto letters = xl(d, {"vsnd-attach", "one", "stream, type=p"});
    CHECK(letters.status == 2);
    CHECK(contains(letters.err, "'one' is not a domain id"));

    auto no_domain = xl(d, attach_args({"--no-wait"}, 7));
    CHECK(no_domain.status == 1);
    CHECK(contains(no_domain.err, "domain 7 does not exist"));

    auto no_env = xl_with_env(attach_args({"--no-wait"}, 1), {"XENSTORED_PATH"});
    CHECK(no_env.status == 1);
    CHECK(contains(no_env.err, "XENSTORED_PATH"));
    CHECK(contains(no_env.err, "--xenstore"));

    auto gone =
        xl_with_env({"--xenstore", d.rundir() + "/xenstore/domain-9.sock", "vsnd-list", "1"},
                    {"XENSTORED_PATH"});
    CHECK(gone.status == 1);
    CHECK(contains(gone.err, "domain-9.sock: No such file or directory"));

    // --xenstore works without XENSTORED_PATH.
    auto explicit_socket =
        xl_with_env({"--xenstore", d.socket(0), "vsnd-attach", "--no-wait", "1", "stream, type=p"},
                    {"XENSTORED_PATH"});
    CHECK_MESSAGE(explicit_socket.status == 0, explicit_socket.err);

    // A guest's socket is not the toolstack's.
    auto guest = xl_with_env(attach_args({"--no-wait"}, 1), {d.env(1)});
    CHECK(guest.status == 1);
    CHECK(contains(guest.err, "domain-0 socket"));
}

TEST_CASE("the library: attach_vsnd as a backend's tests would call it") {
    using namespace xensnd::loopback::toolstack;
    Daemon d("1");
    auto xs = connect_xenstore(d.socket(0));
    unsetenv("XENSTORED_PATH");
    REQUIRE_MESSAGE(xs.ok(), xs.error().message);

    xensnd::config::VsndDeviceSpec spec;
    spec.short_name = "Lib";
    spec.pcms.push_back({});
    spec.pcms[0].streams.push_back({"s0", xensnd::config::StreamType::Playback, {}});

    auto written = attach_vsnd(xs->get(), 1, spec, AttachOptions{std::nullopt});
    REQUIRE_MESSAGE(written.ok(), written.error().message);
    CHECK(written->devid == 0);
    CHECK(written->backend_domid == 0);
    CHECK(read(d, "/local/domain/1/device/vsnd/0/0/0/unique-id") == "s0");

    // With a wait and no backend: ETIMEDOUT, and the device is gone again.
    const auto start = std::chrono::steady_clock::now();
    auto waited = attach_vsnd(xs->get(), 1, spec, AttachOptions{std::chrono::milliseconds(300)});
    REQUIRE(!waited.ok());
    CHECK(waited.error().code == std::errc::timed_out);
    CHECK(contains(waited.error().message, "the device was removed"));
    CHECK(seconds_since(start) >= 0.25);
    CHECK(!exists(d, "/local/domain/1/device/vsnd/1"));
    CHECK(!exists(d, "/libxl/1/device/vsnd/1"));

    {
        FakeBackend backend(d);
        auto ready = attach_vsnd(xs->get(), 1, spec);
        REQUIRE_MESSAGE(ready.ok(), ready.error().message);
        CHECK(ready->devid == 1);
    }

    auto missing = attach_vsnd(xs->get(), 9, spec, AttachOptions{std::nullopt});
    REQUIRE(!missing.ok());
    CHECK(missing.error().code == std::errc::no_such_file_or_directory);
    CHECK(missing.error().message == "domain 9 does not exist (no /local/domain/9)");
}
