#include "loopback/xenstore/path.hpp"

#include "loopback/xenstore/wire.hpp"

namespace xensnd::loopback::xenstore {

std::string domain_path(DomId domid) {
    return "/local/domain/" + std::to_string(domid);
}

std::string canonical_path(std::string_view path, DomId domid) {
    if (!path.empty() && (path[0] == '/' || path[0] == '@')) return std::string(path);
    std::string out = domain_path(domid);
    out += '/';
    out += path;
    return out;
}

namespace {

bool valid_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '/' || c == '_' || c == '@';
}

// Length of a leading "/local/domain/<1-5 digits>/", 0 if there is none.
std::size_t domain_prefix_length(std::string_view path) {
    constexpr std::string_view kPrefix = "/local/domain/";
    if (path.substr(0, kPrefix.size()) != kPrefix) return 0;
    std::size_t i = kPrefix.size();
    std::size_t digits = 0;
    while (i < path.size() && digits < 5 && path[i] >= '0' && path[i] <= '9') {
        ++i;
        ++digits;
    }
    if (digits == 0 || i >= path.size() || path[i] != '/') return 0;
    return i + 1;
}

}  // namespace

bool is_valid_node_path(std::string_view path, std::size_t max_len) {
    if (path.empty() || path[0] != '/') return false;
    if (path.size() > 1 && path.back() == '/') return false;
    if (path.find("//") != std::string_view::npos) return false;
    if (path.size() > kAbsPathMax) return false;
    if (path.size() > domain_prefix_length(path) + max_len) return false;
    for (char c : path) {
        if (!valid_char(c)) return false;
    }
    return true;
}

std::string_view parent_path(std::string_view path) {
    auto slash = path.rfind('/');
    if (slash == 0 || slash == std::string_view::npos) return "/";
    return path.substr(0, slash);
}

std::string_view base_name(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string child_path(std::string_view parent, std::string_view name) {
    std::string out(parent);
    if (out != "/") out += '/';
    out += name;
    return out;
}

bool is_at_or_below(std::string_view path, std::string_view ancestor) {
    if (ancestor == "/") return true;
    if (path.substr(0, ancestor.size()) != ancestor) return false;
    return path.size() == ancestor.size() || path[ancestor.size()] == '/';
}

}  // namespace xensnd::loopback::xenstore
