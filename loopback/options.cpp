#include "loopback/options.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace xensnd::loopback {

namespace {

bool parse_domains(std::string_view list, std::vector<xenstore::DomId>& out, std::string& error) {
    out.assign({xenstore::kPrivilegedDomain});
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        xenstore::DomId domid = 0;
        auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), domid, 10);
        if (item.empty() || ec != std::errc{} || end != item.data() + item.size()) {
            error = "--domains: '" + std::string(item) + "' is not a domain id";
            return false;
        }
        if (domid >= xenstore::kFirstReservedDomain) {
            error = "--domains: " + std::string(item) + " is a reserved domain id (the limit is " +
                    std::to_string(xenstore::kFirstReservedDomain - 1) + ")";
            return false;
        }
        if (std::find(out.begin(), out.end(), domid) == out.end()) out.push_back(domid);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
        if (list.empty()) {
            error = "--domains: trailing ','";
            return false;
        }
    }
    return true;
}

}  // namespace

ParsedOptions parse_options(std::span<const char* const> args) {
    ParsedOptions parsed;
    Options& o = parsed.options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        std::string_view value;
        bool has_value = false;
        if (auto eq = arg.find('='); arg.substr(0, 2) == "--" && eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        auto take_value = [&]() -> bool {
            if (has_value) return true;
            if (i + 1 >= args.size()) {
                parsed.error = std::string(arg) + " needs a value";
                return false;
            }
            value = args[++i];
            return true;
        };
        if (arg == "-h" || arg == "--help") {
            o.help = true;
        } else if (arg == "-v" || arg == "--verbose") {
            o.trace = true;
        } else if (arg == "--rundir") {
            if (!take_value()) return parsed;
            if (value.empty()) {
                parsed.error = "--rundir: empty path";
                return parsed;
            }
            o.rundir = std::string(value);
        } else if (arg == "--domains") {
            if (!take_value()) return parsed;
            if (!parse_domains(value, o.domains, parsed.error)) return parsed;
        } else {
            parsed.error = "unknown argument '" + std::string(args[i]) + "'";
            return parsed;
        }
    }
    if (!o.help && o.rundir.empty()) parsed.error = "--rundir is required";
    return parsed;
}

std::string usage(const char* program) {
    return std::string("Usage: ") + program +
           " --rundir DIR [--domains LIST] [--verbose]\n"
           "\n"
           "The loopback hypervisor: serves XenStore to processes playing Xen domains on this\n"
           "host, so that libxenstore and the xenstore-* tools work with no Xen underneath.\n"
           "\n"
           "  --rundir DIR      where the sockets live (created if missing):\n"
           "                    DIR/xenstore/domain-<id>.sock is domain <id>'s XenStore;\n"
           "                    point a client at it with XENSTORED_PATH=<that path>\n"
           "  --domains LIST    domains to create at start, comma-separated ids (default: 0).\n"
           "                    Domain 0 is the privileged toolstack domain and always exists;\n"
           "                    each gets /local/domain/<id>, owned by itself. More domains\n"
           "                    can be introduced later by dom0 (XS_INTRODUCE).\n"
           "  -v, --verbose     log every XenStore request to stderr\n"
           "  -h, --help        this text\n"
           "\n"
           "SIGTERM or SIGINT stops the daemon; it removes its sockets on the way out.\n"
           "Once every socket listens it prints 'ready' on stdout.\n";
}

}  // namespace xensnd::loopback
