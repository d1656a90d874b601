#include "loopback/toolstack/command_line.hpp"

#include <string_view>

#include "loopback/toolstack/seconds.hpp"

namespace xensnd::loopback::toolstack {

namespace {

struct CommandName {
    std::string_view name;
    Command command;
};
constexpr CommandName kCommands[] = {
    {"vsnd-attach", Command::Attach},
    {"vsnd-detach", Command::Detach},
    {"vsnd-list", Command::List},
};

std::optional<Command> command_named(std::string_view name) {
    for (const auto& c : kCommands)
        if (c.name == name) return c.command;
    return std::nullopt;
}

std::string_view name_of(Command command) {
    for (const auto& c : kCommands)
        if (c.command == command) return c.name;
    return "?";
}

// An argument as it may appear in a message: bounded, control characters replaced.
std::string shown(std::string_view arg) {
    constexpr std::size_t kShown = 64;
    std::string out;
    for (char c : arg.substr(0, kShown))
        out += (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) ? c : '?';
    if (arg.size() > kShown) out += "...";
    return "'" + out + "'";
}

class Parser {
  public:
    explicit Parser(std::span<const char* const> args) : args_(args) {}

    ParsedCommandLine run() {
        ParsedCommandLine out;
        out.error = parse(out.command_line);
        return out;
    }

  private:
    std::string parse(CommandLine& cl) {
        std::vector<std::string_view> positional;
        bool options_done = false;
        while (next_ < args_.size()) {
            const std::string_view arg = args_[next_++];
            // "-1" is a (bad) domain id, not an option.
            if (options_done || arg.size() < 2 || arg[0] != '-' ||
                (arg[1] >= '0' && arg[1] <= '9')) {
                if (!cl.command && positional.empty()) {
                    if (arg == "help") {
                        cl.help = true;
                        continue;
                    }
                    cl.command = command_named(arg);
                    if (!cl.command)
                        return "unknown command " + shown(arg) +
                               " (commands: vsnd-attach, vsnd-detach, vsnd-list)";
                    continue;
                }
                positional.push_back(arg);
                continue;
            }
            if (arg == "--") {
                options_done = true;
                continue;
            }
            if (auto e = option(cl, arg); !e.empty()) return e;
        }
        if (cl.help) return {};
        if (!cl.command) return "no command given (commands: vsnd-attach, vsnd-detach, vsnd-list)";
        return positionals(cl, positional);
    }

    // The value of `--name VALUE` or `--name=VALUE`, or nullopt (and an error) if missing.
    std::optional<std::string_view> value(std::string_view arg, std::string_view name,
                                          std::string& error) {
        if (arg.size() > name.size() && arg[name.size()] == '=') return arg.substr(name.size() + 1);
        if (next_ < args_.size()) return std::string_view(args_[next_++]);
        error = std::string(name) + " needs a value";
        return std::nullopt;
    }

    static bool is(std::string_view arg, std::string_view name) {
        return arg == name || (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
                               arg[name.size()] == '=');
    }

    std::string option(CommandLine& cl, std::string_view arg) {
        std::string error;
        if (arg == "-h" || arg == "--help") {
            cl.help = true;
            return {};
        }
        if (is(arg, "--xenstore")) {
            auto v = value(arg, "--xenstore", error);
            if (!v) return error;
            if (v->empty()) return "--xenstore: empty socket path";
            cl.xenstore_socket = std::string(*v);
            return {};
        }
        const std::optional<Command> command = cl.command;
        if (command == Command::Attach) {
            if (is(arg, "--config")) {
                auto v = value(arg, "--config", error);
                if (!v) return error;
                if (v->empty()) return "--config: empty file name";
                cl.config_file = std::string(*v);
                return {};
            }
            if (is(arg, "--wait-backend")) {
                auto v = value(arg, "--wait-backend", error);
                if (!v) return error;
                if (no_wait_) return "--wait-backend and --no-wait exclude each other";
                auto limit = parse_seconds(*v);
                if (!limit)
                    return "--wait-backend: " + shown(*v) +
                           " is not a number of seconds (like 10 or 0.5, at most 86400)";
                cl.wait_backend = *limit;
                wait_given_ = true;
                return {};
            }
            if (arg == "--no-wait") {
                if (wait_given_) return "--wait-backend and --no-wait exclude each other";
                cl.wait_backend.reset();
                no_wait_ = true;
                return {};
            }
            if (arg == "--unchecked") {
                cl.unchecked = true;
                return {};
            }
        }
        if (command == Command::Detach && is(arg, "--timeout")) {
            auto v = value(arg, "--timeout", error);
            if (!v) return error;
            auto limit = parse_seconds(*v);
            if (!limit)
                return "--timeout: " + shown(*v) +
                       " is not a number of seconds (like 10 or 0.5, at most 86400)";
            cl.close_timeout = *limit;
            return {};
        }
        if (!command) return "unknown option " + shown(arg) + " before the command";
        return "unknown option " + shown(arg) + " for " + std::string(name_of(*command));
    }

    static std::string domid(CommandLine& cl, std::string_view arg) {
        auto d = parse_domid(arg);
        if (!d)
            return shown(arg) + " is not a domain id (a decimal number below " +
                   std::to_string(kFirstReservedDomain) + ")";
        cl.domid = *d;
        return {};
    }

    static std::string positionals(CommandLine& cl, const std::vector<std::string_view>& args) {
        const std::string command(name_of(*cl.command));
        if (args.empty()) return command + ": no domain id given";
        if (auto e = domid(cl, args[0]); !e.empty()) return command + ": " + e;
        switch (*cl.command) {
            case Command::Attach:
                for (std::size_t i = 1; i < args.size(); ++i)
                    cl.items.emplace_back(args[i]);
                if (cl.config_file && !cl.items.empty())
                    return command + ": give the device either as items or with --config, not both";
                if (!cl.config_file && cl.items.empty())
                    return command +
                           ": no device given: add its items ('card, ...' 'pcm, ...' "
                           "'stream, ...') or --config FILE";
                return {};
            case Command::Detach: {
                if (args.size() < 2) return command + ": no device index given";
                if (args.size() > 2) return command + ": unexpected argument " + shown(args[2]);
                auto devid = parse_index(args[1], kMaxDevid);
                if (!devid)
                    return command + ": " + shown(args[1]) +
                           " is not a device index (a decimal number, as vsnd-list shows)";
                cl.devid = *devid;
                return {};
            }
            case Command::List:
                if (args.size() > 1) return command + ": unexpected argument " + shown(args[1]);
                return {};
        }
        return {};
    }

    std::span<const char* const> args_;
    std::size_t next_ = 0;
    bool wait_given_ = false;
    bool no_wait_ = false;
};

constexpr std::string_view kToolUsage =
    R"(Usage: xensnd-xl [--xenstore SOCKET] COMMAND [OPTIONS] ARGS

The loopback platform's toolstack: creates and removes vsnd (para-virtual sound) devices
by writing XenStore exactly as libxl does for `xl create` with vsnd=, `xl vsnd-attach`
and `xl vsnd-detach`. It speaks to XenStore as domain 0.

Commands:
  vsnd-attach DOMID ITEM...       add a vsnd device to a domain
  vsnd-attach DOMID --config FILE add the devices of FILE's vsnd= setting
  vsnd-detach DOMID DEVID         remove a vsnd device
  vsnd-list DOMID                 show a domain's vsnd devices
  help [COMMAND]                  this text, or a command's

Options:
  --xenstore SOCKET  the XenStore socket of domain 0, e.g.
                     <rundir>/xenstore/domain-0.sock of xensnd-loopback;
                     without it, $XENSTORED_PATH names it
  -h, --help         help (after a command: that command's)

Exit status: 0 done, 1 the operation failed, 2 the command line or the device
specification is wrong (nothing was changed).
)";

constexpr std::string_view kAttachUsage = R"(Usage: xensnd-xl vsnd-attach [OPTIONS] DOMID ITEM...
       xensnd-xl vsnd-attach [OPTIONS] DOMID --config FILE

Adds a vsnd device to domain DOMID as libxl does: the next free device index,
the frontend and backend directories and libxl's record written in one XenStore
transaction, then a wait for the backend to reach InitWait (as `xl create` waits);
if no backend does in time, the device is removed again and the command fails.
Prints the index of each device it added, one per line.

ITEM... is one card in xl's vsnd syntax, one item per argument:
  xensnd-xl vsnd-attach 1 'card, short-name=Virt, sample-rates=44100;48000' \
      'pcm, name=Main' 'stream, unique-id=0, type=p' 'stream, unique-id=1, type=c'
Items are card (backend=, short-name=, long-name=), pcm (name=) and stream
(unique-id=, type=p|c); each may set sample-rates=, sample-formats= (lists
separated by ';'), channels-min=, channels-max=, buffer-size=. backend= (a domain
id or name) picks the backend domain; domain 0 by default.

Options:
  --config FILE         read the devices from FILE's vsnd = [ [ ... ], ... ] setting
                        (an xl.cfg file; other settings in it are ignored); each card
                        becomes a device, and if one fails none is kept
  --wait-backend SECS   how long to wait for the backend (default 10, as xl create)
  --no-wait             do not wait for the backend
  --unchecked           write the device even if a frontend would refuse it (channels-min
                        above channels-max, no stream, ...), as real xl does
)";

constexpr std::string_view kDetachUsage =
    R"(Usage: xensnd-xl vsnd-detach [--timeout SECS] DOMID DEVID

Removes vsnd device DEVID from domain DOMID as libxl does: sets the backend's
online to 0 and its state to Closing (5), waits for the backend to reach Closed (6),
then deletes the frontend directory, the backend directory and libxl's record. If
the backend does not close in time, the device is removed anyway and a warning
says so (the exit status is still 0: the device is gone).

Options:
  --timeout SECS   how long to wait for the backend to close (default 10, as libxl)
)";

constexpr std::string_view kListUsage = R"(Usage: xensnd-xl vsnd-list DOMID

Shows domain DOMID's vsnd devices: index, backend domain, the state of the
frontend and of the backend (Initialising, InitWait, Connected, ...; '-' when the
node is missing) and the number of streams.
)";

}  // namespace

std::string_view command_name(Command command) {
    return name_of(command);
}

ParsedCommandLine parse_command_line(std::span<const char* const> args) {
    return Parser(args).run();
}

std::string usage(std::optional<Command> command) {
    if (!command) return std::string(kToolUsage);
    switch (*command) {
        case Command::Attach:
            return std::string(kAttachUsage);
        case Command::Detach:
            return std::string(kDetachUsage);
        case Command::List:
            return std::string(kListUsage);
    }
    return std::string(kToolUsage);
}

}  // namespace xensnd::loopback::toolstack
