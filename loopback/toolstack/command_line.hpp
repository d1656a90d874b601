// xensnd-xl's command line: xl's device subcommands (vsnd-attach, vsnd-detach, vsnd-list) with
// their options, parsed without touching anything, and the help texts.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loopback/toolstack/domain_id.hpp"
#include "loopback/toolstack/vsnd_attach.hpp"
#include "loopback/toolstack/vsnd_detach.hpp"

namespace xensnd::loopback::toolstack {

enum class Command { Attach, Detach, List };

// Exit statuses: 0 done; 1 the operation failed; 2 the command line or the device
// specification is wrong, and nothing was changed.
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct CommandLine {
    std::optional<Command> command;              // nullopt only with help for the whole tool
    bool help = false;                           // print the help (of `command` if set) and stop
    std::optional<std::string> xenstore_socket;  // --xenstore; else $XENSTORED_PATH

    DomId domid = 0;
    unsigned devid = 0;  // vsnd-detach

    // vsnd-attach: one card's items as xl vsnd-attach takes them, or an xl.cfg file.
    std::vector<std::string> items;
    std::optional<std::string> config_file;
    std::optional<std::chrono::milliseconds> wait_backend = kBackendInitWait;  // nullopt: --no-wait
    bool unchecked = false;  // write the device even if a frontend would refuse it

    std::chrono::milliseconds close_timeout = kBackendCloseWait;  // vsnd-detach --timeout
};

struct ParsedCommandLine {
    CommandLine command_line;
    std::string error;  // empty when the command line was fine

    bool ok() const { return error.empty(); }
};

// "vsnd-attach", ...
std::string_view command_name(Command command);

// `args` excludes the program name.
ParsedCommandLine parse_command_line(std::span<const char* const> args);

// The tool's help, or one command's.
std::string usage(std::optional<Command> command);

}  // namespace xensnd::loopback::toolstack
