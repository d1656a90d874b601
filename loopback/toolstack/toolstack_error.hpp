// ToolstackError and ToolstackResult<T>: what went wrong in a toolstack operation, for the
// person who ran it. The errno code lets a caller react (ENOENT, ETIMEDOUT, EACCES ...); the
// message says which domain, device or XenStore path it was about, which an errno alone cannot
// ("domain 7 does not exist" and "no vsnd device 3" are both ENOENT).
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "coro/result.hpp"

namespace xensnd::loopback::toolstack {

struct ToolstackError {
    std::error_code code;
    std::string message;  // a complete sentence fragment: "domain 7 does not exist"
};

inline ToolstackError toolstack_error(int errno_value, std::string message) {
    return {errno_code(errno_value), std::move(message)};
}

// A failed XenStore call: "writing /local/domain/1/x: Permission denied".
inline ToolstackError store_failure(std::string_view doing, std::error_code code) {
    return {code, std::string(doing) + ": " + code.message()};
}

template <class T>
class [[nodiscard]] ToolstackResult {
  public:
    template <class U = T>
    requires std::is_constructible_v<T, U&&> &&
        (!std::is_same_v<std::remove_cvref_t<U>, ToolstackResult>)&&(
            !std::is_same_v<std::remove_cvref_t<U>, ToolstackError>)
            ToolstackResult(
                U&& v)  // NOLINT(bugprone-forwarding-reference-overload): copies excluded
        : v_(std::in_place_index<0>, std::forward<U>(v)) {}
    ToolstackResult(ToolstackError e) : v_(std::in_place_index<1>, std::move(e)) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & {
        if (!ok()) bug("ToolstackResult::value() on an error");
        return std::get<0>(v_);
    }
    const T& value() const& {
        if (!ok()) bug("ToolstackResult::value() on an error");
        return std::get<0>(v_);
    }
    T&& value() && {
        if (!ok()) bug("ToolstackResult::value() on an error");
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const ToolstackError& error() const& {
        if (ok()) bug("ToolstackResult::error() on a value");
        return std::get<1>(v_);
    }

  private:
    std::variant<T, ToolstackError> v_;
};

template <>
class [[nodiscard]] ToolstackResult<void> {
  public:
    ToolstackResult() = default;
    ToolstackResult(ToolstackError e) : error_(std::move(e)), failed_(true) {}

    bool ok() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return ok(); }
    const ToolstackError& error() const& {
        if (ok()) bug("ToolstackResult::error() on a value");
        return error_;
    }

  private:
    ToolstackError error_;
    bool failed_ = false;
};

}  // namespace xensnd::loopback::toolstack
