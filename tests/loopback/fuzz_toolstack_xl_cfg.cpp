// libFuzzer target: arbitrary bytes as an xl.cfg file for `xensnd-xl vsnd-attach --config`.
// Finding the vsnd= setting must never crash, hang or read out of bounds, and every error must
// be one printable line (the file's text is echoed in it).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "loopback/toolstack/xl_cfg_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto specs = xensnd::loopback::toolstack::parse_xl_cfg_vsnd(text);
    if (!specs) {
        const std::string message = specs.error().message();
        if (message.empty() || message.size() > 4096) std::abort();
        for (char c : message)
            if (static_cast<unsigned char>(c) < 0x20) std::abort();
        return 0;
    }
    for (const auto& spec : *specs)
        if (spec.pcms.size() > xensnd::config::kMaxPcmDevices) std::abort();
    return 0;
}
