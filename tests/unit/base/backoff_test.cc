#include "base/backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace lambdakit::base {
namespace {
using std::chrono::milliseconds;

std::vector<long> pauses_of(backoff& b, int stop_after = -1) {
  std::vector<long> pauses;
  int tries = 0;
  while (b.next([&](milliseconds d) { pauses.push_back(d.count()); })) {
    if (++tries == stop_after) break;  // this try succeeded
  }
  return pauses;
}

TEST(Backoff, PausesDoubleUpToTheCap) {
  struct {
    const char* name;
    backoff_policy policy;
    std::vector<long> pauses;  // one before every try but the first
  } cases[] = {
      {"defaults", {}, {10, 20, 40, 80, 160, 320, 640}},
      {"capped at max_pause",
       {12, milliseconds(10), milliseconds(1000)},
       {10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000}},
      {"cap between doublings", {5, milliseconds(100), milliseconds(250)}, {100, 200, 250, 250}},
      {"first pause is the cap", {4, milliseconds(50), milliseconds(50)}, {50, 50, 50}},
      {"two tries", {2, milliseconds(7), milliseconds(1000)}, {7}},
      {"one try: no pause", {1, milliseconds(10), milliseconds(1000)}, {}},
      {"no tries", {0, milliseconds(10), milliseconds(1000)}, {}},
  };
  for (const auto& c : cases) {
    backoff b(c.policy);
    EXPECT_EQ(pauses_of(b), c.pauses) << c.name;
    EXPECT_EQ(b.attempts_made(), c.policy.attempts) << c.name;
  }
}

TEST(Backoff, DefaultPolicy) {
  backoff_policy p;
  EXPECT_EQ(p.attempts, 8);
  EXPECT_EQ(p.first_pause, milliseconds(10));
  EXPECT_EQ(p.max_pause, milliseconds(1000));
  backoff b(p);
  EXPECT_EQ(b.policy().attempts, 8);
  EXPECT_EQ(b.attempts_made(), 0);
}

TEST(Backoff, CountsTheAttemptsMadeWhenOneSucceeds) {
  backoff b(backoff_policy{});
  EXPECT_EQ(pauses_of(b, 3), (std::vector<long>{10, 20}));
  EXPECT_EQ(b.attempts_made(), 3);
}

TEST(Backoff, ExhaustedStaysExhaustedWithoutPausing) {
  backoff b({3, milliseconds(10), milliseconds(1000)});
  EXPECT_EQ(pauses_of(b), (std::vector<long>{10, 20}));
  int pauses = 0;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(b.next([&](milliseconds) { ++pauses; }));
  EXPECT_EQ(pauses, 0);
  EXPECT_EQ(b.attempts_made(), 3);
}

}  // namespace
}  // namespace lambdakit::base
