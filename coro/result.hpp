// Result<T>: a value or an errno-based std::error_code. Errors on every I/O path are values;
// exceptions are reserved for programming errors (and abort the process here).
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace xensnd {

// An errno value as a std::error_code in the system category.
inline std::error_code errno_code(int e) {
    return {e, std::system_category()};
}

// The error half of a Result: `return Err(EINVAL);` or `return Err(other.error());`.
struct Err {
    std::error_code code;
    explicit Err(int errno_value) : code(errno_code(errno_value)) {}
    explicit Err(std::error_code c) : code(c) {}
};

[[noreturn]] inline void bug(const char* what) {
    std::fprintf(stderr, "xensnd: bug: %s\n", what);
    std::abort();
}

template <class T>
class [[nodiscard]] Result {
    static_assert(!std::is_reference_v<T>, "Result<T&> is not supported; use a pointer");
    static_assert(!std::is_same_v<std::decay_t<T>, std::error_code>, "a Result of an error_code");

  public:
    using value_type = T;

    template <class U = T>
    requires std::is_constructible_v<T, U&&> &&(!std::is_same_v<std::remove_cvref_t<U>, Result>)&&(
        !std::is_same_v<std::remove_cvref_t<U>, Err>)Result(U&& v)
        : v_(std::in_place_index<0>, std::forward<U>(v)) {}
    Result(Err e) : v_(std::in_place_index<1>, e.code) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & {
        if (!ok()) bug("Result::value() on an error");
        return std::get<0>(v_);
    }
    const T& value() const& {
        if (!ok()) bug("Result::value() on an error");
        return std::get<0>(v_);
    }
    T&& value() && {
        if (!ok()) bug("Result::value() on an error");
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    template <class U>
    T value_or(U&& fallback) const& {
        return ok() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
    }

    std::error_code error() const noexcept { return ok() ? std::error_code{} : std::get<1>(v_); }
    // The errno value of the error, 0 when ok.
    int errno_value() const noexcept { return error().value(); }

  private:
    std::variant<T, std::error_code> v_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    using value_type = void;
    Result() = default;
    Result(Err e) : ec_(e.code) {}

    bool ok() const noexcept { return !ec_; }
    explicit operator bool() const noexcept { return ok(); }
    void value() const {
        if (!ok()) bug("Result::value() on an error");
    }
    std::error_code error() const noexcept { return ec_; }
    int errno_value() const noexcept { return ec_.value(); }

  private:
    std::error_code ec_;
};

// Success of a Result<void>: `return ok();`.
inline Result<void> ok() {
    return {};
}

// A negative-errno return value (the liburing and kernel convention) as a Result.
inline Result<int> from_neg_errno(int rc) {
    if (rc < 0) return Err(-rc);
    return rc;
}

}  // namespace xensnd
