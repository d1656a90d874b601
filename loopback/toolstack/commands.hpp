// What each xensnd-xl command does, given its parsed command line: reading the device
// specification, talking to XenStore through the toolstack library, and telling the person at
// the terminal what happened (results on `out`, errors and warnings on `err`).
#pragma once

#include <cstdio>

#include "loopback/toolstack/command_line.hpp"

namespace xensnd::loopback::toolstack {

// Runs a parsed, valid command line (without help); returns the exit status.
int run_command(const CommandLine& command_line, std::FILE* out, std::FILE* err);

}  // namespace xensnd::loopback::toolstack
