#include "runtime/exception_boundary.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace app {
struct bad_input : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
struct not_an_exception {};
}  // namespace app

namespace lambdakit::runtime {
namespace {

function_error thrown_by(const std::function<void()>& f) {
  outcome o = call_handler(
      [&](const invocation&) -> outcome {
        f();
        return response::json("{}");
      },
      invocation{});
  EXPECT_FALSE(o.is_success());
  return o.is_success() ? function_error{} : o.get_error();
}

TEST(ExceptionBoundary, StandardExceptionsKeepTypeAndWhat) {
  auto e = thrown_by([] { throw std::runtime_error("disk on fire"); });
  EXPECT_EQ(e.type, "std::runtime_error");
  EXPECT_EQ(e.message, "disk on fire");
}

TEST(ExceptionBoundary, UserTypesAreNamedInFull) {
  auto e = thrown_by([] { throw app::bad_input("field x is missing"); });
  EXPECT_EQ(e.type, "app::bad_input");
  EXPECT_EQ(e.message, "field x is missing");
}

TEST(ExceptionBoundary, NonStandardThrows) {
  auto i = thrown_by([] { throw 42; });
  EXPECT_EQ(i.type, "int");
  EXPECT_EQ(i.message, "the handler threw a int, which is not a std::exception");

  auto s = thrown_by([] { throw "plain text"; });
  EXPECT_EQ(s.type, "char const*");
  EXPECT_EQ(s.message, "plain text");

  auto u = thrown_by([] { throw app::not_an_exception{}; });
  EXPECT_EQ(u.type, "app::not_an_exception");
}

TEST(ExceptionBoundary, BadAllocIsReported) {
  auto e = thrown_by([] { throw std::bad_alloc(); });
  EXPECT_EQ(e.type, "std::bad_alloc");
  EXPECT_EQ(e.message, "std::bad_alloc");
}

TEST(ExceptionBoundary, SuccessPassesThrough) {
  invocation inv;
  inv.payload = "abc";
  outcome o =
      call_handler([](const invocation& i) -> outcome { return response::text(i.payload); }, inv);
  ASSERT_TRUE(o.is_success());
  EXPECT_EQ(o.get_response().body(), "abc");
  EXPECT_EQ(o.get_response().content_type(), "text/plain; charset=utf-8");
}

TEST(ExceptionBoundary, ReturnedErrorsPassThrough) {
  outcome o = call_handler(
      [](const invocation&) -> outcome {
        return function_error{"T", "m", {"f1", "f2"}};
      },
      invocation{});
  ASSERT_FALSE(o.is_success());
  EXPECT_EQ(o.get_error().type, "T");
  EXPECT_EQ(o.get_error().stack_trace.size(), 2u);
}

}  // namespace
}  // namespace lambdakit::runtime
