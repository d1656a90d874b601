#include "loopback/toolstack/domain_id.hpp"

namespace xensnd::loopback::toolstack {

std::optional<unsigned> parse_index(std::string_view text, unsigned max) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    if (text.size() > 1 && text[0] == '0') return std::nullopt;
    unsigned long long n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (n > max) return std::nullopt;
    return static_cast<unsigned>(n);
}

std::optional<DomId> parse_domid(std::string_view text) {
    return parse_index(text, kFirstReservedDomain - 1);
}

}  // namespace xensnd::loopback::toolstack
