#include "base/result.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>

namespace lambdakit {
namespace {

// An error of a layer's own shape, as platform/api's service_error is.
struct api_error {
  int status = 0;
  std::string message;
};

static_assert(std::is_convertible_v<int, result<int, api_error>>);
static_assert(std::is_convertible_v<api_error, result<int, api_error>>);
static_assert(!std::is_convertible_v<result<int, api_error>, bool>, "operator bool is explicit");
static_assert(std::is_same_v<result<int>::error_type, failure>);
static_assert(std::is_same_v<result<void, api_error>::value_type, void>);

result<int, api_error> half(int n) {
  if (n % 2 != 0) return api_error{400, std::to_string(n) + " is odd"};
  return n / 2;
}

TEST(Result, HoldsAValueOrACustomError) {
  struct {
    int input;
    bool ok;
    int value;
    int status;
    const char* message;
  } cases[] = {
      {8, true, 4, 0, ""},
      {0, true, 0, 0, ""},
      {-6, true, -3, 0, ""},
      {3, false, 0, 400, "3 is odd"},
      {-1, false, 0, 400, "-1 is odd"},
  };
  for (const auto& c : cases) {
    auto r = half(c.input);
    ASSERT_EQ(r.ok(), c.ok) << c.input;
    EXPECT_EQ(static_cast<bool>(r), c.ok) << c.input;
    if (c.ok) {
      EXPECT_EQ(r.value(), c.value);
      EXPECT_EQ(*r, c.value);
    } else {
      EXPECT_EQ(r.error().status, c.status);
      EXPECT_EQ(r.error().message, c.message);
    }
  }
}

TEST(Result, GivesAccessThroughArrowAndStar) {
  result<api_error, std::string> r(api_error{201, "created"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  r->message += "!";
  EXPECT_EQ((*r).message, "created!");
  const auto& cr = r;
  EXPECT_EQ(cr->message, "created!");
  EXPECT_EQ(cr.value().status, 201);
}

TEST(Result, MovesOutMoveOnlyValuesAndErrors) {
  result<std::unique_ptr<int>, api_error> ok(std::make_unique<int>(42));
  std::unique_ptr<int> p = std::move(ok).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 42);

  result<std::unique_ptr<int>, api_error> bad(api_error{500, std::string(100, 'x')});
  api_error e = std::move(bad).error();
  EXPECT_EQ(e.status, 500);
  EXPECT_EQ(e.message, std::string(100, 'x'));
}

TEST(Result, VoidResultIsOkOrAnError) {
  result<void, api_error> fine;
  EXPECT_TRUE(fine.ok());
  EXPECT_TRUE(static_cast<bool>(fine));

  result<void, api_error> failed(api_error{404, "missing"});
  ASSERT_FALSE(failed.ok());
  EXPECT_FALSE(static_cast<bool>(failed));
  EXPECT_EQ(failed.error().status, 404);
  EXPECT_EQ(failed.error().message, "missing");
  api_error moved = std::move(failed).error();
  EXPECT_EQ(moved.message, "missing");
}

TEST(Result, DefaultErrorIsAFailure) {
  result<std::string> r = make_failure(std::make_error_code(std::errc::invalid_argument), "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, std::errc::invalid_argument);
  EXPECT_EQ(r.error().detail, "x");
  result<std::string> s = std::string("value");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "value");
}

TEST(Failure, MessageIsTheCodesMessageThenTheDetail) {
  struct {
    std::error_code code;
    std::string detail;
    const char* message;
  } cases[] = {
      {std::make_error_code(std::errc::invalid_argument), "no program to start",
       "Invalid argument: no program to start"},
      {std::make_error_code(std::errc::invalid_argument), "", "Invalid argument"},
      {{ENOENT, std::system_category()}, "starting x", "No such file or directory: starting x"},
      {{EACCES, std::system_category()}, "", "Permission denied"},
  };
  for (const auto& c : cases) {
    failure f = make_failure(c.code, c.detail);
    EXPECT_EQ(f.code, c.code);
    EXPECT_EQ(f.detail, c.detail);
    EXPECT_EQ(f.message(), c.message);
  }
  EXPECT_EQ(make_failure(std::make_error_code(std::errc::timed_out)).detail, "");
}

TEST(Failure, ErrnoCodeIsTheCallingThreadsErrno) {
  for (int e : {ENOENT, EACCES, EINTR}) {
    errno = e;
    std::error_code code = errno_code();
    EXPECT_EQ(code.value(), e);
    EXPECT_EQ(code.category(), std::system_category());
  }
}

}  // namespace
}  // namespace lambdakit
