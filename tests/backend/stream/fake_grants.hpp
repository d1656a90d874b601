// FakeGrants: a GrantService in one process for the stream tests and the fuzzer. The
// "frontend" grants blocks of contiguous pages (consecutive refs); the "backend" maps refs:
// a run of consecutive refs inside one block maps to the block's own memory (so writes are
// shared both ways, as with real grants), anything else gets a private copy. Refs never
// granted are refused with EPERM, as Xen does. Every map and unmap is journaled.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/platform/grants.hpp"

namespace xensnd::test {

class FakeGrants : public platform::GrantService {
  public:
    explicit FakeGrants(std::vector<std::string>* journal = nullptr) : journal_(journal) {}
    ~FakeGrants() override {
        for (auto& b : blocks_)
            std::free(b.data);
    }

    // Grants `count` zeroed contiguous pages; returns the first ref (the others follow).
    platform::GrantRef grant(std::size_t count) {
        Block b;
        b.first = next_ref_;
        b.count = count;
        b.data = static_cast<std::byte*>(
            std::aligned_alloc(platform::kPageSize, count * platform::kPageSize));
        std::memset(b.data, 0, count * platform::kPageSize);
        next_ref_ += static_cast<platform::GrantRef>(count);
        blocks_.push_back(b);
        return b.first;
    }
    std::byte* page(platform::GrantRef ref) const {
        for (const auto& b : blocks_)
            if (ref >= b.first && ref < b.first + b.count)
                return b.data + (ref - b.first) * platform::kPageSize;
        return nullptr;
    }
    // Ends a grant (Linux does this on hw_free): later maps of it fail.
    void revoke(platform::GrantRef ref) { revoked_.push_back(ref); }

    int live_mappings() const { return live_; }
    int maps() const { return maps_; }

    Result<std::unique_ptr<platform::SharedPages>> share(platform::DomId, std::size_t,
                                                         bool) override {
        return Err(ENOSYS);
    }
    Result<std::unique_ptr<platform::SharedPages>> share_with_notify(platform::DomId, bool,
                                                                     std::size_t,
                                                                     platform::Port) override {
        return Err(ENOSYS);
    }

    Result<std::unique_ptr<platform::MappedPages>> map(platform::DomId,
                                                       std::span<const platform::GrantRef> refs,
                                                       bool) override {
        if (refs.empty() || refs.size() > max_map_pages()) return Err(EINVAL);
        for (auto r : refs) {
            if (page(r) == nullptr) return Err(EPERM);
            for (auto v : revoked_)
                if (v == r) return Err(ENOENT);
        }
        if (fail_after_ >= 0 && maps_ >= fail_after_) return Err(ENOMEM);
        auto m = std::make_unique<Mapping>(this, refs.size());
        bool contiguous = true;
        for (std::size_t i = 1; i < refs.size(); ++i)
            if (refs[i] != refs[0] + i || page(refs[i]) != page(refs[0]) + i * platform::kPageSize)
                contiguous = false;
        if (contiguous) {
            m->data_ = page(refs[0]);
        } else {
            m->copy_ = static_cast<std::byte*>(
                std::aligned_alloc(platform::kPageSize, refs.size() * platform::kPageSize));
            for (std::size_t i = 0; i < refs.size(); ++i)
                std::memcpy(m->copy_ + i * platform::kPageSize, page(refs[i]), platform::kPageSize);
            m->data_ = m->copy_;
        }
        ++maps_;
        ++live_;
        note("map " + std::to_string(refs.size()));
        return std::unique_ptr<platform::MappedPages>(std::move(m));
    }
    std::size_t max_map_pages() const override { return platform::kMaxMapPages; }

    // From the n-th map() on, map fails with ENOMEM (-1: never).
    void fail_maps_after(int n) { fail_after_ = n; }

  private:
    struct Block {
        platform::GrantRef first = 0;
        std::size_t count = 0;
        std::byte* data = nullptr;
    };
    class Mapping : public platform::MappedPages {
      public:
        Mapping(FakeGrants* owner, std::size_t pages) : owner_(owner), pages_(pages) {}
        ~Mapping() override {
            std::free(copy_);
            --owner_->live_;
            owner_->note("unmap " + std::to_string(pages_));
        }
        void* data() const override { return data_; }
        std::size_t page_count() const override { return pages_; }
        FakeGrants* owner_;
        std::size_t pages_;
        std::byte* data_ = nullptr;
        std::byte* copy_ = nullptr;
    };
    void note(std::string s) {
        if (journal_) journal_->push_back(std::move(s));
    }

    std::vector<std::string>* journal_;
    std::vector<Block> blocks_;
    std::vector<platform::GrantRef> revoked_;
    platform::GrantRef next_ref_ = 8;  // low refs are never granted (ref 0 ends a directory)
    int live_ = 0;
    int maps_ = 0;
    int fail_after_ = -1;
};

}  // namespace xensnd::test
