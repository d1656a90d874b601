// libFuzzer target: arbitrary bytes split at NULs as xensnd-xl's arguments. Parsing must never
// crash, and an error message must never carry control characters from the arguments to the
// terminal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "loopback/toolstack/command_line.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> words(1);
    for (size_t i = 0; i < size && words.size() <= 64; ++i) {
        if (data[i] == 0)
            words.emplace_back();
        else
            words.back() += static_cast<char>(data[i]);
    }
    std::vector<const char*> args;
    for (const auto& w : words)
        args.push_back(w.c_str());
    const auto parsed = xensnd::loopback::toolstack::parse_command_line(args);
    for (char c : parsed.error)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
    if (parsed.ok() && !parsed.command_line.help && !parsed.command_line.command) std::abort();
    return 0;
}
