// ConfigError and ConfigResult<T>: a bad configuration value is reported as the place it came
// from (a XenStore path or an xl.cfg item), the value as found and why it is refused. Unlike
// xensnd::Result, whose errors are errno codes for I/O, a configuration error has to tell a
// human which node to fix, so it carries text.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "coro/result.hpp"

namespace xensnd::config {

struct ConfigError {
    std::string path;    // "/local/domain/5/device/vsnd/0/0/1/type" or "vsnd[0][2] stream"
    std::string value;   // the offending value as found (bounded in length)
    std::string reason;  // "stream type must be p or c"

    // `path: "value": reason`, with the value escaped and shortened so that a hostile value
    // cannot flood or corrupt a log line.
    std::string message() const;

    bool operator==(const ConfigError&) const = default;
};

// Builds a ConfigError whose stored value is cut to a bounded length (a peer controls it).
ConfigError config_error(std::string path, std::string_view value, std::string reason);

// A value or a ConfigError, plus the warnings collected on the way (in both cases): things that
// are accepted but worth a log line, such as a rate a Linux guest cannot see. Nothing is printed.
template <class T>
class ConfigResult;

// What ConfigResult<T> takes as its value: anything T is built from, except a ConfigResult or a
// ConfigError (those are copies and errors).
template <class U, class T>
concept ValueFor =
    std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, ConfigResult<T>> &&
    !std::is_same_v<std::remove_cvref_t<U>, ConfigError>;

template <class T>
class [[nodiscard]] ConfigResult {
  public:
    template <ValueFor<T> U = T>
    ConfigResult(U&& v)  // NOLINT(bugprone-forwarding-reference-overload): ValueFor excludes copies
        : v_(std::in_place_index<0>, std::forward<U>(v)) {}
    ConfigResult(ConfigError e) : v_(std::in_place_index<1>, std::move(e)) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & {
        if (!ok()) bug("ConfigResult::value() on an error");
        return std::get<0>(v_);
    }
    const T& value() const& {
        if (!ok()) bug("ConfigResult::value() on an error");
        return std::get<0>(v_);
    }
    T&& value() && {
        if (!ok()) bug("ConfigResult::value() on an error");
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const ConfigError& error() const& {
        if (ok()) bug("ConfigResult::error() on a value");
        return std::get<1>(v_);
    }

    const std::vector<std::string>& warnings() const noexcept { return warnings_; }
    std::vector<std::string>& warnings() noexcept { return warnings_; }

  private:
    std::variant<T, ConfigError> v_;
    std::vector<std::string> warnings_;
};

}  // namespace xensnd::config
