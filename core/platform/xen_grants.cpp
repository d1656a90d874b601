#include "core/platform/xen_grants.hpp"

#include <sys/mman.h>
// libxengnttab's header has no extern "C" of its own.
extern "C" {
#include <xengnttab.h>
}

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/platform/xen_device.hpp"

namespace xensnd::platform {

namespace {

// The library handles, shared by the service and every mapping made through them: a mapping
// may outlive the service, never its handle.
struct Gnttab {
    xengnttab_handle* h;
    explicit Gnttab(xengnttab_handle* handle) : h(handle) {}
    Gnttab(const Gnttab&) = delete;
    Gnttab& operator=(const Gnttab&) = delete;
    ~Gnttab() { xengnttab_close(h); }
};
struct Gntshr {
    xengntshr_handle* h;
    explicit Gntshr(xengntshr_handle* handle) : h(handle) {}
    Gntshr(const Gntshr&) = delete;
    Gntshr& operator=(const Gntshr&) = delete;
    ~Gntshr() { xengntshr_close(h); }
};

class XenSharedPages final : public SharedPages {
  public:
    XenSharedPages(std::shared_ptr<Gntshr> shr, void* addr, std::vector<GrantRef> refs)
        : shr_(std::move(shr)), addr_(addr), refs_(std::move(refs)) {}
    ~XenSharedPages() override {
        xengntshr_unshare(shr_->h, addr_, static_cast<std::uint32_t>(refs_.size()));
    }
    void* data() const override { return addr_; }
    std::size_t page_count() const override { return refs_.size(); }
    std::span<const GrantRef> refs() const override { return refs_; }

  private:
    std::shared_ptr<Gntshr> shr_;
    void* addr_;
    std::vector<GrantRef> refs_;
};

class XenMappedPages final : public MappedPages {
  public:
    XenMappedPages(std::shared_ptr<Gnttab> tab, void* addr, std::size_t count)
        : tab_(std::move(tab)), addr_(addr), count_(count) {}
    ~XenMappedPages() override {
        xengnttab_unmap(tab_->h, addr_, static_cast<std::uint32_t>(count_));
    }
    void* data() const override { return addr_; }
    std::size_t page_count() const override { return count_; }

  private:
    std::shared_ptr<Gnttab> tab_;
    void* addr_;
    std::size_t count_;
};

class XenGrantService final : public GrantService {
  public:
    XenGrantService(std::shared_ptr<Gnttab> tab, std::shared_ptr<Gntshr> shr)
        : tab_(std::move(tab)), shr_(std::move(shr)) {}

    // gntalloc hands out freshly allocated, zeroed pages.
    Result<std::unique_ptr<SharedPages>> share(DomId remote, std::size_t count,
                                               bool writable) override {
        if (!shr_) return Err(ENODEV);
        if (count == 0 || count > max_map_pages() || remote >= kFirstReservedDomId) {
            return Err(EINVAL);
        }
        std::vector<GrantRef> refs(count);
        void* addr = xengntshr_share_pages(shr_->h, remote, static_cast<int>(count), refs.data(),
                                           writable ? 1 : 0);
        if (addr == nullptr) return Err(errno != 0 ? errno : ENOMEM);
        return std::unique_ptr<SharedPages>(new XenSharedPages(shr_, addr, std::move(refs)));
    }

    Result<std::unique_ptr<SharedPages>> share_with_notify(DomId remote, bool writable,
                                                           std::size_t offset, Port port) override {
        if (!shr_) return Err(ENODEV);
        if (offset >= kPageSize || remote >= kFirstReservedDomId) return Err(EINVAL);
        std::vector<GrantRef> refs(1);
        void* addr = xengntshr_share_page_notify(shr_->h, remote, refs.data(), writable ? 1 : 0,
                                                 static_cast<std::uint32_t>(offset), port);
        if (addr == nullptr) return Err(errno != 0 ? errno : ENOMEM);
        return std::unique_ptr<SharedPages>(new XenSharedPages(shr_, addr, std::move(refs)));
    }

    Result<std::unique_ptr<MappedPages>> map(DomId remote, std::span<const GrantRef> refs,
                                             bool writable) override {
        if (!tab_) return Err(ENODEV);
        if (refs.empty() || refs.size() > max_map_pages() || remote >= kFirstReservedDomId) {
            return Err(EINVAL);
        }
        // libxengnttab takes a mutable array it does not change.
        std::vector<std::uint32_t> list(refs.begin(), refs.end());
        int prot = PROT_READ | (writable ? PROT_WRITE : 0);
        void* addr = xengnttab_map_domain_grant_refs(
            tab_->h, static_cast<std::uint32_t>(list.size()), remote, list.data(), prot);
        if (addr == nullptr) return Err(errno != 0 ? errno : EFAULT);
        return std::unique_ptr<MappedPages>(new XenMappedPages(tab_, addr, list.size()));
    }

    std::size_t max_map_pages() const override { return kMaxMapPages; }

  private:
    std::shared_ptr<Gnttab> tab_;  // null without /dev/xen/gntdev
    std::shared_ptr<Gntshr> shr_;  // null without /dev/xen/gntalloc
};

}  // namespace

Result<std::unique_ptr<GrantService>> open_xen_grants(std::string* why) {
    std::string tab_why;
    std::string shr_why;
    bool has_tab = check_xen_device(kXenGntdevDevice, "xen-gntdev", &tab_why).ok();
    bool has_shr = check_xen_device(kXenGntallocDevice, "xen-gntalloc", &shr_why).ok();
    if (!has_tab && !has_shr) {
        if (why) *why = tab_why + "; " + shr_why;
        return Err(ENOENT);
    }
    std::shared_ptr<Gnttab> tab;
    if (has_tab) {
        // NULL logger: the library's default logs its own errors to stderr.
        xengnttab_handle* h = xengnttab_open(nullptr, 0);
        if (h == nullptr) {
            int e = errno != 0 ? errno : EIO;
            if (why) *why = std::string(kXenGntdevDevice) + ": " + std::strerror(e);
            return Err(e);
        }
        tab = std::make_shared<Gnttab>(h);
    }
    std::shared_ptr<Gntshr> shr;
    if (has_shr) {
        xengntshr_handle* h = xengntshr_open(nullptr, 0);
        if (h == nullptr) {
            int e = errno != 0 ? errno : EIO;
            if (why) *why = std::string(kXenGntallocDevice) + ": " + std::strerror(e);
            return Err(e);
        }
        shr = std::make_shared<Gntshr>(h);
    }
    return std::unique_ptr<GrantService>(new XenGrantService(std::move(tab), std::move(shr)));
}

}  // namespace xensnd::platform
