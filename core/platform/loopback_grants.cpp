#include "core/platform/loopback_grants.hpp"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/platform/loopback_connection.hpp"
#include "core/platform/loopback_fd.hpp"
#include "core/platform/loopback_wire.hpp"

namespace xensnd::platform {

namespace wire = loopback_wire;

static_assert(wire::kMaxPagesPerRequest == kMaxMapPages);
static_assert(wire::kPageSize == kPageSize);

namespace {

// An address range of ours, unmapped when dropped.
class Mapping {
  public:
    Mapping() = default;
    Mapping(void* base, std::size_t bytes) : base_(base), bytes_(bytes) {}
    Mapping(Mapping&& o) noexcept
        : base_(std::exchange(o.base_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
    Mapping& operator=(Mapping&&) = delete;
    ~Mapping() {
        if (base_ != nullptr) ::munmap(base_, bytes_);
    }
    void* base() const { return base_; }

  private:
    void* base_ = nullptr;
    std::size_t bytes_ = 0;
};

class LoopbackSharedPages final : public SharedPages {
  public:
    LoopbackSharedPages(LoopbackConnection connection, Mapping pages, std::vector<GrantRef> refs)
        : connection_(std::move(connection)), pages_(std::move(pages)), refs_(std::move(refs)) {}

    void* data() const override { return pages_.base(); }
    std::size_t page_count() const override { return refs_.size(); }
    std::span<const GrantRef> refs() const override { return refs_; }

  private:
    // Declared first, so closed last: the pages are unmapped here before the daemon ends the
    // grant (and clears the notify byte in a file nobody of ours maps any more).
    LoopbackConnection connection_;
    Mapping pages_;
    std::vector<GrantRef> refs_;
};

class LoopbackMappedPages final : public MappedPages {
  public:
    LoopbackMappedPages(LoopbackConnection connection, Mapping pages, std::size_t count)
        : connection_(std::move(connection)), pages_(std::move(pages)), count_(count) {}

    void* data() const override { return pages_.base(); }
    std::size_t page_count() const override { return count_; }

  private:
    LoopbackConnection connection_;
    Mapping pages_;
    std::size_t count_;
};

// Pages in the file behind `fd`, or EPROTO for something that is no whole-page file.
Result<std::uint64_t> pages_in(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return Err(errno);
    if (!S_ISREG(st.st_mode) || st.st_size < 0) return Err(EPROTO);
    return static_cast<std::uint64_t>(st.st_size) / kPageSize;
}

}  // namespace

Result<std::unique_ptr<SharedPages>> LoopbackGrantService::share(DomId remote, std::size_t count,
                                                                 bool writable) {
    return share_pages(remote, count, writable, 0, 0, false);
}

Result<std::unique_ptr<SharedPages>> LoopbackGrantService::share_with_notify(DomId remote,
                                                                             bool writable,
                                                                             std::size_t offset,
                                                                             Port port) {
    if (offset >= kPageSize) return Err(EINVAL);
    return share_pages(remote, 1, writable, offset, port, true);
}

Result<std::unique_ptr<SharedPages>> LoopbackGrantService::share_pages(
    DomId remote, std::size_t count, bool writable, std::size_t notify_offset, Port notify_port,
    bool notify) {
    if (count == 0 || count > kMaxMapPages || remote >= kFirstReservedDomId) return Err(EINVAL);
    auto connection = LoopbackConnection::open(socket_path_);
    if (!connection) return Err(connection.error());
    wire::ShareRequest request{};
    request.header = wire::make_header(wire::Op::Share, sizeof request);
    request.remote_domid = remote;
    request.flags = static_cast<std::uint8_t>((writable ? wire::kWritable : 0) |
                                              (notify ? wire::kUnmapNotify : 0));
    request.count = static_cast<std::uint32_t>(count);
    request.notify_offset = static_cast<std::uint32_t>(notify_offset);
    request.notify_port = notify_port;
    auto reply = connection->call(datagram_of(request), wire::Op::Share);
    if (!reply) return Err(reply.error());

    wire::ShareReply r;
    if (!wire::read_at(std::span<const std::byte>(reply->bytes), 0, r) || r.count != count ||
        reply->bytes.size() != sizeof r + count * sizeof(GrantRef) || reply->fds.size() != 1) {
        return Err(EPROTO);
    }
    std::vector<GrantRef> refs(count);
    std::memcpy(refs.data(), reply->bytes.data() + sizeof r, count * sizeof(GrantRef));
    for (GrantRef ref : refs) {
        if (ref == 0) return Err(EPROTO);
    }
    int fd = reply->fds[0].get();
    auto pages = pages_in(fd);
    if (!pages) return Err(pages.error());
    if (*pages < count) return Err(EPROTO);
    void* base = ::mmap(nullptr, count * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) return Err(errno);
    // The descriptor closes with the reply; the mapping keeps the pages.
    return std::unique_ptr<SharedPages>(new LoopbackSharedPages(
        std::move(*connection), Mapping(base, count * kPageSize), std::move(refs)));
}

Result<std::unique_ptr<MappedPages>> LoopbackGrantService::map(DomId remote,
                                                               std::span<const GrantRef> refs,
                                                               bool writable) {
    if (refs.empty() || refs.size() > kMaxMapPages || remote >= kFirstReservedDomId) {
        return Err(EINVAL);
    }
    auto connection = LoopbackConnection::open(socket_path_);
    if (!connection) return Err(connection.error());
    wire::MapRequest head{};
    std::size_t length = sizeof head + refs.size() * sizeof(GrantRef);
    head.header = wire::make_header(wire::Op::Map, length);
    head.remote_domid = remote;
    head.flags = writable ? wire::kWritable : 0;
    head.count = static_cast<std::uint32_t>(refs.size());
    std::vector<std::byte> request(length);
    std::memcpy(request.data(), &head, sizeof head);
    std::memcpy(request.data() + sizeof head, refs.data(), refs.size() * sizeof(GrantRef));
    auto reply = connection->call(request, wire::Op::Map);
    if (!reply) return Err(reply.error());

    wire::MapReply r;
    std::span<const std::byte> bytes(reply->bytes);
    if (!wire::read_at(bytes, 0, r) || r.count != refs.size() ||
        bytes.size() != sizeof r + refs.size() * sizeof(wire::MapSlot) ||
        r.fds != reply->fds.size() || r.fds == 0) {
        return Err(EPROTO);
    }
    std::vector<std::uint64_t> file_pages;
    for (const auto& fd : reply->fds) {
        auto pages = pages_in(fd.get());
        if (!pages) return Err(pages.error());
        file_pages.push_back(*pages);
    }
    std::vector<wire::MapSlot> slots(refs.size());
    std::memcpy(slots.data(), bytes.data() + sizeof r, slots.size() * sizeof(wire::MapSlot));
    for (const auto& slot : slots) {
        if (slot.fd >= file_pages.size() || slot.page >= file_pages[slot.fd]) return Err(EPROTO);
    }

    // Reserve the whole range first, then lay each run of consecutive pages of one file over
    // it: the pages end up contiguous in reference order, and nothing else can take the gaps.
    std::size_t bytes_total = refs.size() * kPageSize;
    void* base =
        ::mmap(nullptr, bytes_total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return Err(errno);
    Mapping mapping(base, bytes_total);
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    auto* at = static_cast<std::byte*>(base);
    for (std::size_t i = 0; i < slots.size();) {
        std::size_t run = 1;
        while (i + run < slots.size() && slots[i + run].fd == slots[i].fd &&
               slots[i + run].page == slots[i].page + run) {
            ++run;
        }
        void* placed = ::mmap(at + i * kPageSize, run * kPageSize, prot, MAP_SHARED | MAP_FIXED,
                              reply->fds[slots[i].fd].get(),
                              static_cast<off_t>(slots[i].page) * static_cast<off_t>(kPageSize));
        if (placed == MAP_FAILED) return Err(errno);
        i += run;
    }
    return std::unique_ptr<MappedPages>(
        new LoopbackMappedPages(std::move(*connection), std::move(mapping), refs.size()));
}

Result<std::unique_ptr<GrantService>> open_loopback_grants(const LoopbackDomain& domain) {
    std::string path = domain.socket("gnttab");
    auto stats = query_loopback_stats(path, domain.domid);
    if (!stats) return Err(stats.error());
    return std::unique_ptr<GrantService>(new LoopbackGrantService(path));
}

}  // namespace xensnd::platform
