#include "base/error_category.h"

#include <gtest/gtest.h>

#include <string>
#include <system_error>

namespace lambdakit::base {
namespace {

enum class demo_errc { first = 1, second, third };

const char* describe(demo_errc e) noexcept {
  switch (e) {
    case demo_errc::first:
      return "the first thing went wrong";
    case demo_errc::second:
      return "the second thing went wrong";
    case demo_errc::third:
      return "the third thing went wrong";
  }
  return "unknown demo error";
}

const enum_category<demo_errc>& category() {
  static const enum_category<demo_errc> c("lambdakit.demo", describe);
  return c;
}

TEST(EnumCategory, NamesItselfAndDescribesEveryValue) {
  struct {
    demo_errc e;
    int value;
    const char* message;
  } cases[] = {
      {demo_errc::first, 1, "the first thing went wrong"},
      {demo_errc::second, 2, "the second thing went wrong"},
      {demo_errc::third, 3, "the third thing went wrong"},
  };
  for (const auto& c : cases) {
    std::error_code code = category().make(c.e);
    EXPECT_EQ(code.value(), c.value);
    EXPECT_EQ(&code.category(), &category());
    EXPECT_STREQ(code.category().name(), "lambdakit.demo");
    EXPECT_EQ(code.message(), c.message);
    EXPECT_TRUE(static_cast<bool>(code)) << "a made code is an error";
  }
  EXPECT_EQ(category().message(99), "unknown demo error");
}

TEST(EnumCategory, CodesCompareByCategoryAndValue) {
  static const enum_category<demo_errc> other("lambdakit.other", describe);
  EXPECT_EQ(category().make(demo_errc::first), category().make(demo_errc::first));
  EXPECT_NE(category().make(demo_errc::first), category().make(demo_errc::second));
  // Same value, another category: a different error.
  EXPECT_NE(category().make(demo_errc::first), other.make(demo_errc::first));
  EXPECT_NE(category().make(demo_errc::first), std::error_code(1, std::generic_category()));
}

}  // namespace
}  // namespace lambdakit::base
