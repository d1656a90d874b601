// Result<T>: values and errno-based errors, flattening of Result-returning tasks on join.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "coro/result.hpp"

using namespace xensnd;

static Result<int> parse_positive(int v) {
    if (v <= 0) return Err(EINVAL);
    return v;
}

TEST_CASE("Result carries a value or an errno error") {
    auto good = parse_positive(3);
    REQUIRE(good.ok());
    CHECK(*good == 3);
    auto bad = parse_positive(-1);
    CHECK_FALSE(bad.ok());
    CHECK(bad.errno_value() == EINVAL);
    CHECK((bad.error() == std::errc::invalid_argument));
    CHECK(bad.value_or(7) == 7);
}

TEST_CASE("Result<void> and from_neg_errno follow the kernel convention") {
    Result<void> fine = ok();
    CHECK(fine.ok());
    Result<void> failed = Err(ENOENT);
    CHECK(failed.errno_value() == ENOENT);
    CHECK(from_neg_errno(-EAGAIN).errno_value() == EAGAIN);
    CHECK(*from_neg_errno(12) == 12);
}

TEST_CASE("Result holds move-only and non-default-constructible values") {
    struct NoDefault {
        explicit NoDefault(std::string s) : text(std::move(s)) {}
        std::string text;
    };
    Result<NoDefault> r = NoDefault("vsnd");
    CHECK(r->text == "vsnd");
    Result<std::unique_ptr<int>> p = std::make_unique<int>(5);
    auto owned = std::move(*p);
    CHECK(*owned == 5);
}
