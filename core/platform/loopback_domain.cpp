// Which loopback domain this process speaks for, from XENSTORED_PATH.
#include <cerrno>
#include <cstdlib>
#include <string>

#include "core/platform/loopback_client.hpp"

namespace xensnd::platform {

namespace {

void say(std::string* why, std::string text) {
    if (why) *why = std::move(text);
}

}  // namespace

std::string LoopbackDomain::socket(std::string_view service) const {
    return rundir + "/" + std::string(service) + "/domain-" + std::to_string(domid) + ".sock";
}

Result<LoopbackDomain> loopback_domain(std::string* why) {
    const char* value = std::getenv("XENSTORED_PATH");
    if (value == nullptr || *value == '\0') {
        say(why,
            "XENSTORED_PATH is not set: on the loopback platform it names this domain's XenStore "
            "socket, <rundir>/xenstore/domain-<id>.sock, in xensnd-loopback's run directory");
        return Err(EINVAL);
    }
    std::string_view path(value);
    auto fail = [&] {
        say(why, "XENSTORED_PATH='" + std::string(path) +
                     "' is not of the form <rundir>/xenstore/domain-<id>.sock");
        return Err(EINVAL);
    };
    constexpr std::string_view kPrefix = "domain-";
    constexpr std::string_view kSuffix = ".sock";
    constexpr std::string_view kService = "xenstore";
    auto slash = path.rfind('/');
    std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
    if (file.size() <= kPrefix.size() + kSuffix.size() ||
        file.substr(0, kPrefix.size()) != kPrefix ||
        file.substr(file.size() - kSuffix.size()) != kSuffix) {
        return fail();
    }
    auto domid =
        parse_domid(file.substr(kPrefix.size(), file.size() - kPrefix.size() - kSuffix.size()));
    if (!domid) return fail();

    // What precedes the file must be a directory named "xenstore"; what precedes that is the
    // run directory ("." when the path starts at "xenstore/").
    if (slash == std::string_view::npos) return fail();
    std::string_view dir = path.substr(0, slash);
    auto dir_slash = dir.rfind('/');
    std::string_view dir_name =
        dir_slash == std::string_view::npos ? dir : dir.substr(dir_slash + 1);
    if (dir_name != kService) return fail();
    std::string rundir;
    if (dir_slash == std::string_view::npos) {
        rundir = ".";
    } else if (dir_slash == 0) {
        rundir = "/";
    } else {
        rundir = std::string(dir.substr(0, dir_slash));
    }
    return LoopbackDomain{rundir, *domid};
}

}  // namespace xensnd::platform
