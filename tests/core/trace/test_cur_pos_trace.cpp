// CUR_POS traces: what is recorded reaches the file, in order, as "<ns> <stream> <position>".
#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/trace/cur_pos_trace.hpp"

using namespace xensnd;

namespace {
std::string temp_path(const char* name) {
    return "/tmp/xensnd-test-" + std::to_string(::getpid()) + "-" + name;
}
std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
}  // namespace

TEST_CASE("stream keys name domain, device, pcm and stream without spaces") {
    CHECK(trace::stream_key(5, 0, 1, 2) == "dom5-vsnd0-1.2");
}

TEST_CASE("recorded positions reach the file in order, also past the flush threshold") {
    std::string path = temp_path("trace");
    ::unlink(path.c_str());
    {
        auto t = trace::CurPosTrace::open(path);
        REQUIRE(t.ok());
        for (std::uint64_t i = 0; i < 10000; ++i)
            (*t)->record("dom1-vsnd0-0.0", i * 192, 1000 + static_cast<std::int64_t>(i));
    }
    std::istringstream lines(slurp(path));
    std::string line;
    std::uint64_t n = 0;
    while (std::getline(lines, line)) {
        CHECK(line == std::to_string(1000 + n) + " dom1-vsnd0-0.0 " + std::to_string(n * 192));
        ++n;
    }
    CHECK(n == 10000);
    ::unlink(path.c_str());
}

TEST_CASE("a trace file that cannot be created is an error naming it") {
    std::string why;
    auto t = trace::CurPosTrace::open("/nonexistent-dir/trace", &why);
    CHECK_FALSE(t.ok());
    CHECK(why.find("/nonexistent-dir/trace") != std::string::npos);
}
