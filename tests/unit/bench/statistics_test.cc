// The experiment's statistics against values worked out by hand (and by numpy: percentile with
// its default linear interpolation, polyfit of degree 1).
#include "bench/statistics.h"

#include <gtest/gtest.h>

#include <vector>

namespace lambdakit::bench {
namespace {

TEST(Quantile, InterpolatesBetweenRanksAsNumpyDoes) {
  std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(*quantile_of_sorted(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(*quantile_of_sorted(v, 0.9), 3.7);  // numpy.percentile([1,2,3,4], 90)
  EXPECT_DOUBLE_EQ(*quantile_of_sorted(v, 0.0), 1);
  EXPECT_DOUBLE_EQ(*quantile_of_sorted(v, 1.0), 4);
  EXPECT_DOUBLE_EQ(*quantile_of_sorted(v, 7.0), 4);  // clamped
  std::vector<double> one = {42};
  EXPECT_DOUBLE_EQ(*quantile_of_sorted(one, 0.9), 42);
  EXPECT_FALSE(quantile_of_sorted({}, 0.5));
}

TEST(Summarize, SortsAndSummarizes) {
  summary s = summarize({9, 1, 5, 3, 7, 2, 8, 4, 6, 10});
  EXPECT_EQ(s.count, 10u);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 10);
  EXPECT_DOUBLE_EQ(s.mean, 5.5);
  EXPECT_DOUBLE_EQ(s.median, 5.5);
  EXPECT_DOUBLE_EQ(s.p90, 9.1);   // numpy.percentile(range(1, 11), 90)
  EXPECT_DOUBLE_EQ(s.p99, 9.91);  // numpy.percentile(range(1, 11), 99)
  summary odd = summarize({3, 1, 2});
  EXPECT_DOUBLE_EQ(odd.median, 2);
  summary none = summarize({});
  EXPECT_EQ(none.count, 0u);
  EXPECT_DOUBLE_EQ(none.median, 0);
}

TEST(FitLine, RecoversAnExactLine) {
  std::vector<double> x = {0.1, 1, 5, 10, 25, 45};
  std::vector<double> y;
  for (double v : x) y.push_back(0.25 * v + 1.5);
  auto f = fit_line(x, y);
  ASSERT_TRUE(f);
  EXPECT_NEAR(f->slope, 0.25, 1e-12);
  EXPECT_NEAR(f->intercept, 1.5, 1e-12);
  EXPECT_NEAR(f->r2, 1.0, 1e-12);
  EXPECT_EQ(f->points, 6u);
}

TEST(FitLine, NoisyPointsAsNumpyPolyfitFindsThem) {
  // numpy.polyfit([1,2,3,4,5], [2,4,5,4,5], 1) -> [0.6, 2.2]; r² = 0.6
  std::vector<double> x = {1, 2, 3, 4, 5}, y = {2, 4, 5, 4, 5};
  auto f = fit_line(x, y);
  ASSERT_TRUE(f);
  EXPECT_NEAR(f->slope, 0.6, 1e-12);
  EXPECT_NEAR(f->intercept, 2.2, 1e-12);
  EXPECT_NEAR(f->r2, 0.6, 1e-12);
}

TEST(FitLine, RefusesWhatHasNoLine) {
  std::vector<double> one = {1}, same_x = {2, 2, 2}, y = {1, 2, 3};
  EXPECT_FALSE(fit_line(one, one));
  EXPECT_FALSE(fit_line(same_x, y));
  std::vector<double> x = {1, 2, 3}, flat = {4, 4, 4};
  auto f = fit_line(x, flat);
  ASSERT_TRUE(f);
  EXPECT_DOUBLE_EQ(f->slope, 0);
  EXPECT_DOUBLE_EQ(f->r2, 1);
}

}  // namespace
}  // namespace lambdakit::bench
