#include "base/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <type_traits>
#include <utility>
#include <vector>

namespace lambdakit::base {
namespace {

static_assert(!std::is_copy_constructible_v<unique_fd>);
static_assert(!std::is_copy_assignable_v<unique_fd>);
static_assert(std::is_nothrow_move_constructible_v<unique_fd>);
static_assert(std::is_nothrow_move_assignable_v<unique_fd>);
static_assert(!std::is_convertible_v<int, unique_fd>, "taking ownership is explicit");
static_assert(!std::is_convertible_v<unique_fd, bool>, "operator bool is explicit");

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

int open_null() {
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  return fd;
}

TEST(UniqueFd, DefaultHoldsNothing) {
  unique_fd u;
  EXPECT_EQ(u.get(), -1);
  EXPECT_FALSE(u.valid());
  EXPECT_FALSE(static_cast<bool>(u));
  u.reset();  // closing nothing is harmless
  EXPECT_EQ(u.release(), -1);
}

TEST(UniqueFd, ClosesWhatItOwnsWhenDestroyed) {
  int fd = open_null();
  {
    unique_fd u(fd);
    EXPECT_EQ(u.get(), fd);
    EXPECT_TRUE(u.valid());
    EXPECT_TRUE(static_cast<bool>(u));
    EXPECT_TRUE(is_open(fd));
  }
  EXPECT_FALSE(is_open(fd));
}

TEST(UniqueFd, ReleaseGivesUpOwnership) {
  int fd = open_null();
  {
    unique_fd u(fd);
    EXPECT_EQ(u.release(), fd);
    EXPECT_EQ(u.get(), -1);
    EXPECT_FALSE(u.valid());
  }
  EXPECT_TRUE(is_open(fd));
  ::close(fd);
}

TEST(UniqueFd, ResetClosesTheOldAndTakesTheNew) {
  int a = open_null(), b = open_null();
  unique_fd u(a);
  u.reset(b);
  EXPECT_FALSE(is_open(a));
  EXPECT_TRUE(is_open(b));
  EXPECT_EQ(u.get(), b);
  u.reset();
  EXPECT_FALSE(is_open(b));
  EXPECT_FALSE(u.valid());
}

TEST(UniqueFd, MoveConstructionTransfersOwnership) {
  int fd = open_null();
  unique_fd a(fd);
  unique_fd b(std::move(a));
  EXPECT_EQ(a.get(), -1);  // NOLINT(bugprone-use-after-move): the moved-from state is the contract
  EXPECT_EQ(b.get(), fd);
  EXPECT_TRUE(is_open(fd));
}

TEST(UniqueFd, MoveAssignmentClosesTheTargetsDescriptor) {
  int a_fd = open_null(), b_fd = open_null();
  unique_fd a(a_fd), b(b_fd);
  b = std::move(a);
  EXPECT_FALSE(is_open(b_fd));
  EXPECT_TRUE(is_open(a_fd));
  EXPECT_EQ(b.get(), a_fd);
  EXPECT_EQ(a.get(), -1);  // NOLINT(bugprone-use-after-move)
}

TEST(UniqueFd, SelfMoveAssignmentKeepsTheDescriptor) {
  int fd = open_null();
  unique_fd a(fd);
  unique_fd& same = a;
  a = std::move(same);
  EXPECT_EQ(a.get(), fd);
  EXPECT_TRUE(is_open(fd));
}

TEST(RetryEintr, RetriesOnlyEintr) {
  struct step {
    int result;
    int error;
  };
  struct {
    const char* name;
    std::vector<step> steps;
    int expected;
    int expected_errno;
    std::size_t calls;
  } cases[] = {
      {"success at once", {{5, 0}}, 5, 0, 1},
      {"zero is success", {{0, 0}}, 0, 0, 1},
      {"EINTR twice, then success", {{-1, EINTR}, {-1, EINTR}, {7, 0}}, 7, 0, 3},
      {"another error is returned", {{-1, EAGAIN}, {3, 0}}, -1, EAGAIN, 1},
      {"EINTR, then another error", {{-1, EINTR}, {-1, EBADF}, {3, 0}}, -1, EBADF, 2},
  };
  for (const auto& c : cases) {
    std::size_t calls = 0;
    int r = retry_eintr([&] {
      const step& s = c.steps.at(calls++);
      errno = s.error;
      return s.result;
    });
    EXPECT_EQ(r, c.expected) << c.name;
    EXPECT_EQ(calls, c.calls) << c.name;
    if (c.expected == -1) {
      EXPECT_EQ(errno, c.expected_errno) << c.name;
    }
  }
}

TEST(RetryEintr, KeepsTheCallsReturnType) {
  ssize_t r = retry_eintr([] { return ssize_t{-2}; });  // -1 alone means failure
  EXPECT_EQ(r, -2);
  static_assert(std::is_same_v<decltype(retry_eintr([] { return ssize_t{0}; })), ssize_t>);
}

}  // namespace
}  // namespace lambdakit::base
