// The daemon's command line.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "loopback/xenstore/ids.hpp"

namespace xensnd::loopback {

struct Options {
    std::string rundir;                       // sockets go below it
    std::vector<xenstore::DomId> domains{0};  // created at start; always includes 0
    bool trace = false;                       // log every XenStore request
    bool help = false;
};

struct ParsedOptions {
    Options options;
    std::string error;  // empty when the command line was fine

    bool ok() const { return error.empty(); }
};

// `args` excludes the program name.
ParsedOptions parse_options(std::span<const char* const> args);

std::string usage(const char* program);

}  // namespace xensnd::loopback
