#include "base/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace lambdakit::base {
namespace {

bool lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

TEST(RandomHex, HasTheLengthAskedForInLowercaseHex) {
  // Around the 16-digit groups one 64-bit draw fills.
  for (std::size_t n : {0, 1, 2, 15, 16, 17, 31, 32, 33, 48, 100}) {
    std::string h = random_hex(n);
    EXPECT_EQ(h.size(), n);
    EXPECT_TRUE(std::all_of(h.begin(), h.end(), lower_hex)) << h;
  }
}

// Every position takes every digit: no position is stuck (an unshifted or reused draw), and
// nothing but 0-9a-f appears. 1000 draws miss a digit somewhere with probability ~1e-26.
TEST(RandomHex, EveryPositionTakesEveryDigit) {
  constexpr std::size_t n = 33;
  std::vector<std::set<char>> seen(n);
  for (int i = 0; i < 1000; ++i) {
    std::string h = random_hex(n);
    ASSERT_EQ(h.size(), n);
    for (std::size_t at = 0; at < n; ++at) seen[at].insert(h[at]);
  }
  for (std::size_t at = 0; at < n; ++at) {
    EXPECT_EQ(seen[at].size(), 16u) << "position " << at;
    EXPECT_TRUE(std::all_of(seen[at].begin(), seen[at].end(), lower_hex)) << "position " << at;
  }
}

TEST(RandomHex, CallsDiffer) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(random_hex(32));
  EXPECT_EQ(ids.size(), 1000u);
}

// xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx, y one of 8, 9, a, b (RFC 4122 version 4, variant 1).
TEST(RandomUuid, IsAVersion4Uuid) {
  std::set<char> variants;
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string u = random_uuid();
    ASSERT_EQ(u.size(), 36u) << u;
    for (std::size_t at = 0; at < u.size(); ++at) {
      if (at == 8 || at == 13 || at == 18 || at == 23) {
        EXPECT_EQ(u[at], '-') << u;
      } else {
        EXPECT_TRUE(lower_hex(u[at])) << u << " at " << at;
      }
    }
    EXPECT_EQ(u[14], '4') << u;
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
    variants.insert(u[19]);
    ids.insert(u);
  }
  EXPECT_EQ(variants, (std::set<char>{'8', '9', 'a', 'b'}));
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace lambdakit::base
