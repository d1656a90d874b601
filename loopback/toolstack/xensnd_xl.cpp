// xensnd-xl: the loopback platform's toolstack command (see README.md and --help).
#include <cstdio>
#include <span>
#include <string>

#include "loopback/toolstack/command_line.hpp"
#include "loopback/toolstack/commands.hpp"

using namespace xensnd::loopback::toolstack;

int main(int argc, char** argv) {
    const auto parsed = parse_command_line(
        std::span<const char* const>(argv + 1, static_cast<std::size_t>(argc - 1)));
    if (!parsed.ok()) {
        const auto command = parsed.command_line.command;
        std::fprintf(stderr, "xensnd-xl: %s\nTry 'xensnd-xl %s%s--help'.\n", parsed.error.c_str(),
                     command ? std::string(command_name(*command)).c_str() : "",
                     command ? " " : "");
        return kExitUsage;
    }
    const CommandLine& cl = parsed.command_line;
    if (cl.help) {
        std::fputs(usage(cl.command).c_str(), stdout);
        return 0;
    }
    return run_command(cl, stdout, stderr);
}
