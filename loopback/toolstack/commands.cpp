#include "loopback/toolstack/commands.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "core/config/vsnd_config.hpp"
#include "core/config/xl_vsnd.hpp"
#include "loopback/toolstack/device_state.hpp"
#include "loopback/toolstack/seconds.hpp"
#include "loopback/toolstack/vsnd_devices.hpp"
#include "loopback/toolstack/xenstore_connection.hpp"
#include "loopback/toolstack/xl_cfg_file.hpp"

namespace xensnd::loopback::toolstack {

namespace {

void report(std::FILE* err, const char* command, const ToolstackError& e) {
    std::string hint;
    if (e.code == errno_code(EACCES) || e.code == errno_code(EPERM))
        hint = " (is XENSTORED_PATH / --xenstore the domain-0 socket?)";
    std::fprintf(err, "xensnd-xl %s: %s%s\n", command, e.message.c_str(), hint.c_str());
}

void warn(std::FILE* err, const std::vector<std::string>& warnings) {
    for (const auto& w : warnings)
        std::fprintf(err, "xensnd-xl: warning: %s\n", w.c_str());
}

// The file's bytes, or an error message naming it. Bounded: it is only an xl.cfg file.
std::optional<std::string> read_file(const std::string& path, std::string& error) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = path + ": " + errno_code(errno).message();
        return std::nullopt;
    }
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t got = ::read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            error = path + ": " + errno_code(errno).message();
            break;
        }
        if (got == 0) break;
        text.append(buf, static_cast<std::size_t>(got));
        if (text.size() > kMaxXlCfgBytes) {
            error = path + ": larger than " + std::to_string(kMaxXlCfgBytes) +
                    " bytes; not an xl.cfg file";
            break;
        }
    }
    ::close(fd);
    if (!error.empty()) return std::nullopt;
    return text;
}

// The cards to add, from the items or the file; nullopt after printing why not.
std::optional<std::vector<config::VsndDeviceSpec>> device_specs(const CommandLine& cl,
                                                                std::FILE* err) {
    if (!cl.config_file) {
        auto card = config::parse_xl_vsnd_card(cl.items);
        warn(err, card.warnings());
        if (!card) {
            std::fprintf(err, "xensnd-xl vsnd-attach: %s\n", card.error().message().c_str());
            return std::nullopt;
        }
        return std::vector<config::VsndDeviceSpec>{std::move(*card)};
    }

    const std::string& path = *cl.config_file;
    std::string error;
    auto text = read_file(path, error);
    if (!text) {
        std::fprintf(err, "xensnd-xl vsnd-attach: %s\n", error.c_str());
        return std::nullopt;
    }
    auto specs = parse_xl_cfg_vsnd(*text);
    warn(err, specs.warnings());
    if (!specs) {
        std::fprintf(err, "xensnd-xl vsnd-attach: %s: %s\n", path.c_str(),
                     specs.error().message().c_str());
        return std::nullopt;
    }
    if (specs->empty()) {
        std::fprintf(err, "xensnd-xl vsnd-attach: %s: vsnd= lists no card\n", path.c_str());
        return std::nullopt;
    }
    return std::move(*specs);
}

// Refuses a device the frontend would refuse (real xl writes it and the guest fails later).
bool frontend_accepts(const std::vector<config::VsndDeviceSpec>& specs, std::FILE* err) {
    for (std::size_t c = 0; c < specs.size(); ++c) {
        auto effective = config::effective_config(specs[c], "vsnd[" + std::to_string(c) + "]");
        warn(err, effective.warnings());
        if (!effective) {
            std::fprintf(err,
                         "xensnd-xl vsnd-attach: %s (a frontend would refuse this device; "
                         "--unchecked writes it anyway)\n",
                         effective.error().message().c_str());
            return false;
        }
    }
    return true;
}

int attach(const CommandLine& cl, std::FILE* out, std::FILE* err) {
    auto specs = device_specs(cl, err);
    if (!specs) return kExitUsage;
    if (!cl.unchecked && !frontend_accepts(*specs, err)) return kExitUsage;

    auto xs = connect_xenstore(cl.xenstore_socket);
    if (!xs) {
        report(err, "vsnd-attach", xs.error());
        return kExitFailed;
    }

    // Write every device first, then wait for their backends, as xl create does; all or none.
    std::vector<config::VsndDeviceAddress> added;
    auto undo = [&] {
        for (const auto& a : added) {
            if (auto r = remove_vsnd(xs->get(), a); !r) report(err, "vsnd-attach", r.error());
        }
    };
    for (const auto& spec : *specs) {
        auto address = attach_vsnd(xs->get(), cl.domid, spec, AttachOptions{std::nullopt});
        if (!address) {
            report(err, "vsnd-attach", address.error());
            undo();
            return kExitFailed;
        }
        added.push_back(*address);
    }
    if (cl.wait_backend) {
        for (const auto& a : added) {
            auto ready = wait_for_backend(xs->get(), a, *cl.wait_backend);
            if (!ready) {
                report(err, "vsnd-attach", ready.error());
                undo();
                std::fprintf(err, "xensnd-xl vsnd-attach: removed the device%s again\n",
                             added.size() > 1 ? "s" : "");
                return kExitFailed;
            }
        }
    }
    for (const auto& a : added)
        std::fprintf(out, "%u\n", a.devid);
    return 0;
}

int detach(const CommandLine& cl, std::FILE* err) {
    auto xs = connect_xenstore(cl.xenstore_socket);
    if (!xs) {
        report(err, "vsnd-detach", xs.error());
        return kExitFailed;
    }
    auto detached = detach_vsnd(xs->get(), cl.domid, cl.devid, DetachOptions{cl.close_timeout});
    if (!detached) {
        // "no such device" because there is no such domain says the latter. A dead domain's
        // leftover devices can still be detached, so the domain is not required up front.
        auto domain = require_domain(xs->get(), cl.domid);
        report(err, "vsnd-detach",
               detached.error().code == errno_code(ENOENT) && !domain ? domain.error()
                                                                      : detached.error());
        return kExitFailed;
    }
    if (detached->backend == Detached::Backend::TimedOut)
        std::fprintf(err,
                     "xensnd-xl vsnd-detach: backend domain %u did not close vsnd device %u of "
                     "domain %u within %s (its state is %s); removed the device anyway\n",
                     detached->address.backend_domid, cl.devid, cl.domid,
                     seconds_text(cl.close_timeout).c_str(),
                     describe_state(detached->backend_state).c_str());
    return 0;
}

int list(const CommandLine& cl, std::FILE* out, std::FILE* err) {
    auto xs = connect_xenstore(cl.xenstore_socket);
    if (!xs) {
        report(err, "vsnd-list", xs.error());
        return kExitFailed;
    }
    auto devices = list_vsnd(xs->get(), cl.domid);
    if (!devices) {
        report(err, "vsnd-list", devices.error());
        return kExitFailed;
    }
    std::fputs(format_vsnd_list(*devices).c_str(), out);
    return 0;
}

}  // namespace

int run_command(const CommandLine& cl, std::FILE* out, std::FILE* err) {
    if (!cl.command) return kExitUsage;
    switch (*cl.command) {
        case Command::Attach:
            return attach(cl, out, err);
        case Command::Detach:
            return detach(cl, err);
        case Command::List:
            return list(cl, out, err);
    }
    return kExitUsage;
}

}  // namespace xensnd::loopback::toolstack
