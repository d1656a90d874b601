// xensnd-backend as a process on the loopback platform: it signals readiness, takes a vsnd
// device the toolstack attaches to InitWait, and on SIGTERM closes it (backend state Closed)
// and exits 0. Start-up errors give one line and exit 1; a bad command line exits 2.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "coro/reactor.hpp"
#include "loopback/daemon_process.hpp"
#include "loopback/toolstack/store_io.hpp"
#include "loopback/toolstack/xenstore_connection.hpp"

using namespace xensnd;
using namespace std::chrono_literals;

namespace {

constexpr platform::DomId kGuest = 1;
// Bounds on waits so that a broken daemon fails the test instead of hanging it.
constexpr auto kLimit = 15s;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct TempDir {
    std::string path;
    TempDir() {
        char name[] = "/tmp/xensnd-backend-test-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        path = name;
    }
    ~TempDir() {
        std::string cmd = "rm -rf '" + path + "'";
        (void)std::system(cmd.c_str());
    }
    std::string file(const std::string& name, std::string_view content) const {
        std::string p = path + "/" + name;
        std::ofstream(p) << content;
        return p;
    }
};

// A child process with its stdout and stderr in files and, optionally, a readiness pipe on
// descriptor 3.
class Child {
  public:
    Child(const std::vector<std::string>& args, const std::vector<std::string>& env,
          const TempDir& dir, bool ready_pipe) {
        static int counter = 0;
        ++counter;
        out_path_ = dir.path + "/out" + std::to_string(counter);
        err_path_ = dir.path + "/err" + std::to_string(counter);
        int pipefd[2] = {-1, -1};
        if (ready_pipe) REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (out < 0 || err < 0) ::_exit(120);
            ::dup2(out, STDOUT_FILENO);
            ::dup2(err, STDERR_FILENO);
            if (ready_pipe) {
                if (::dup2(pipefd[1], 3) < 0) ::_exit(121);
            }
            for (const auto& e : env)
                ::putenv(const_cast<char*>(e.c_str()));
            std::vector<char*> argv;
            for (const auto& a : args)
                argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        if (ready_pipe) {
            ::close(pipefd[1]);
            ready_fd_ = pipefd[0];
        }
    }
    ~Child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (ready_fd_ >= 0) ::close(ready_fd_);
    }

    // The readiness line, or what came instead ("" at end of file or timeout).
    std::string wait_ready() {
        std::string got;
        auto deadline = std::chrono::steady_clock::now() + kLimit;
        while (got.find('\n') == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms) break;
            pollfd p{ready_fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            char buf[64];
            ssize_t n = ::read(ready_fd_, buf, sizeof buf);
            if (n <= 0) break;
            got.append(buf, static_cast<std::size_t>(n));
        }
        return got;
    }

    // The exit status, or nullopt if it did not exit in time (or was killed by a signal).
    std::optional<int> wait_exit() {
        auto deadline = std::chrono::steady_clock::now() + kLimit;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                pid_ = -1;
                if (WIFEXITED(status)) return WEXITSTATUS(status);
                return std::nullopt;
            }
            std::this_thread::sleep_for(10ms);
        }
        return std::nullopt;
    }

    void signal(int sig) { REQUIRE(::kill(pid_, sig) == 0); }
    bool running() {
        int status = 0;
        return ::waitpid(pid_, &status, WNOHANG) == 0;
    }
    // Waits until stderr holds `part` (signals sent in a row may merge into one delivery, so a
    // test waits for each to be handled before sending the next).
    bool wait_err(std::string_view part) {
        auto deadline = std::chrono::steady_clock::now() + kLimit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (err().find(part) != std::string::npos) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }
    std::string out() const { return read_file(out_path_); }
    std::string err() const { return read_file(err_path_); }

  private:
    pid_t pid_ = -1;
    int ready_fd_ = -1;
    std::string out_path_;
    std::string err_path_;
};

std::vector<std::string> backend_args(std::vector<std::string> more) {
    std::vector<std::string> args{XENSND_BACKEND_BIN};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

// Runs xensnd-xl against domain 0's socket; its exit status.
int xl(const loopback::DaemonProcess& daemon, const TempDir& dir,
       std::vector<std::string> command) {
    std::vector<std::string> args{XENSND_XL_BIN, "--xenstore", daemon.xenstore_socket(0)};
    args.insert(args.end(), command.begin(), command.end());
    Child c(args, {}, dir, false);
    auto status = c.wait_exit();
    INFO("xensnd-xl stderr: " << c.err());
    REQUIRE(status.has_value());
    return *status;
}

std::optional<std::string> read_node(const loopback::DaemonProcess& daemon,
                                     const std::string& path) {
    auto xs = loopback::toolstack::connect_xenstore(daemon.xenstore_socket(0));
    REQUIRE(xs.ok());
    auto v = loopback::toolstack::read_if_present(xs->get(), XBT_NULL, path);
    REQUIRE(v);
    return *v;
}

struct Platform {
    std::unique_ptr<loopback::DaemonProcess> daemon;
    Platform() {
        std::string why;
        auto d = loopback::DaemonProcess::start(XENSND_LOOPBACK_BIN, {kGuest}, &why);
        INFO(why);
        REQUIRE(d);
        daemon = std::move(*d);
    }
    std::string env() const { return "XENSTORED_PATH=" + daemon->xenstore_socket(0); }
};

}  // namespace

TEST_CASE("--help and --version print and exit 0; a bad option exits 2 naming it") {
    TempDir dir;
    Child help(backend_args({"--help"}), {}, dir, false);
    CHECK(help.wait_exit() == std::optional<int>(0));
    CHECK(contains(help.out(), "--ready-fd"));
    CHECK(contains(help.out(), "--platform"));

    Child version(backend_args({"--version"}), {}, dir, false);
    CHECK(version.wait_exit() == std::optional<int>(0));
    CHECK(contains(version.out(), "xensnd-backend "));

    Child bad(backend_args({"--log-level", "loud"}), {}, dir, false);
    CHECK(bad.wait_exit() == std::optional<int>(2));
    CHECK(contains(bad.err(), "--log-level: 'loud'"));
}

TEST_CASE("a bad configuration file: exit 1 with the file and line on stderr") {
    TempDir dir;
    std::string path = dir.file("bad.toml",
                                "[backend]\nlog-level = \"info\"\n\n[[route]]\n"
                                "domain = 3\nendpoint = \"nonsense:1\"\n");
    Child c(backend_args({"--config", path, "--platform", "loopback"}), {}, dir, false);
    CHECK(c.wait_exit() == std::optional<int>(1));
    std::string err = c.err();
    INFO(err);
    CHECK(contains(err, path + ":6:12: route #1: endpoint: bad endpoint 'nonsense:1'"));
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);

    Child missing(backend_args({"--config", dir.path + "/none.toml"}), {}, dir, false);
    CHECK(missing.wait_exit() == std::optional<int>(1));
    CHECK(contains(missing.err(), "none.toml: cannot open"));
}

TEST_CASE("--check-config reports a good file's routing and exits 0") {
    TempDir dir;
    std::string path = dir.file("good.toml",
                                "[routing]\ndefault = \"null\"\n[[route]]\n"
                                "domain = 3\nendpoint = \"sine:880\"\n");
    Child c(backend_args({"--config", path, "--check-config"}), {}, dir, false);
    CHECK(c.wait_exit() == std::optional<int>(0));
    std::string out = c.out();
    INFO(out);
    CHECK(contains(out, path + ": ok"));
    CHECK(contains(out, "route #1 (" + path + ":3): domain=3 -> sine"));
    CHECK(contains(out, "default -> null"));
}

TEST_CASE("no loopback daemon behind XENSTORED_PATH: exit 1 with one line") {
    TempDir dir;
    Child c(backend_args({"--platform", "loopback"}),
            {"XENSTORED_PATH=" + dir.path + "/xenstore/domain-0.sock"}, dir, false);
    CHECK(c.wait_exit() == std::optional<int>(1));
    std::string err = c.err();
    INFO(err);
    CHECK(contains(err, "loopback"));
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
}

TEST_CASE("serves an attached device to InitWait; SIGTERM closes it and exits 0") {
    Platform platform;
    TempDir dir;
    std::string config = dir.file("b.toml", "[routing]\ndefault = \"null\"\n");
    Child backend(backend_args({"--platform", "loopback", "--config", config, "--ready-fd", "3"}),
                  {platform.env()}, dir, true);
    REQUIRE(backend.wait_ready() == "ready\n");

    // xensnd-xl succeeds only once the backend has moved the device to InitWait.
    CHECK(xl(*platform.daemon, dir,
             {"vsnd-attach", std::to_string(kGuest), "card, short-name=Virt", "pcm, name=Main",
              "stream, unique-id=0, type=p", "stream, unique-id=1, type=c"}) == 0);
    std::string state_path = "/local/domain/0/backend/vsnd/1/0/state";
    CHECK(read_node(*platform.daemon, state_path) == std::optional<std::string>("2"));

    backend.signal(SIGTERM);
    CHECK(backend.wait_exit() == std::optional<int>(0));
    INFO(backend.err());
    CHECK(read_node(*platform.daemon, state_path) == std::optional<std::string>("6"));
    CHECK(contains(backend.err(), "stopping on SIGTERM"));
}

TEST_CASE("SIGHUP reloads the file; a broken file is refused and the daemon goes on") {
    Platform platform;
    TempDir dir;
    std::string config = dir.file("b.toml", "[routing]\ndefault = \"null\"\n");
    Child backend(backend_args({"--platform", "loopback", "--config", config, "--ready-fd", "3"}),
                  {platform.env()}, dir, true);
    REQUIRE(backend.wait_ready() == "ready\n");

    dir.file("b.toml", "[routing]\ndefault = \"sine\"\n");
    backend.signal(SIGHUP);
    CHECK(backend.wait_err("reloaded " + config));
    dir.file("b.toml", "[routing]\ndefault = 3\n");
    backend.signal(SIGHUP);
    CHECK(backend.wait_err("keeping the running configuration"));
    // Still serving: a device attached now reaches InitWait.
    CHECK(xl(*platform.daemon, dir,
             {"vsnd-attach", std::to_string(kGuest), "card, short-name=Virt", "pcm, name=Main",
              "stream, unique-id=0, type=p"}) == 0);
    backend.signal(SIGINT);
    CHECK(backend.wait_exit() == std::optional<int>(0));
    std::string err = backend.err();
    INFO(err);
    CHECK(contains(err, config + ":2:11: routing.default: expected a string"));
}

int main(int argc, char** argv) {
    std::string why;
    if (!xensnd::coro::Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
