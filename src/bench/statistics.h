// The figures the experiment and the benchmark programs report: order statistics of a sample and
// a least-squares line. Pure functions of their inputs; header-only, so bench/ programs that link
// no more than the runtime use them too (bench/stats.h).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <optional>
#include <span>
#include <vector>

namespace lambdakit::bench {

// The p-quantile (0..1) of `sorted` (ascending), interpolated linearly between the two nearest
// ranks (numpy's and R's default, type 7): the median of {1, 2, 3, 4} is 2.5. nullopt when empty.
std::optional<double> quantile_of_sorted(std::span<const double> sorted, double p);

struct summary {
  std::size_t count = 0;
  double min = 0, max = 0, mean = 0;
  double median = 0, p90 = 0, p99 = 0;
};

// The summary of `values` (any order); all zero when there are none.
summary summarize(std::vector<double> values);

// y = slope * x + intercept by least squares, with r² (1 when the points lie on the line, and when
// every y is equal). nullopt for fewer than two points or when every x is equal.
struct line_fit {
  double slope = 0;
  double intercept = 0;
  double r2 = 0;
  std::size_t points = 0;
};
std::optional<line_fit> fit_line(std::span<const double> x, std::span<const double> y);

// --- implementation ------------------------------------------------------------------------

inline std::optional<double> quantile_of_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) return std::nullopt;
  p = std::clamp(p, 0.0, 1.0);
  double h = p * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(h));
  std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

inline summary summarize(std::vector<double> values) {
  summary s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.count = values.size();
  s.min = values.front();
  s.max = values.back();
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(s.count);
  s.median = *quantile_of_sorted(values, 0.5);
  s.p90 = *quantile_of_sorted(values, 0.9);
  s.p99 = *quantile_of_sorted(values, 0.99);
  return s;
}

inline std::optional<line_fit> fit_line(std::span<const double> x, std::span<const double> y) {
  std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return std::nullopt;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxx = 0, sxy = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0) return std::nullopt;
  line_fit f;
  f.points = n;
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  f.r2 = syy == 0 ? 1.0 : (sxy * sxy) / (sxx * syy);
  return f;
}

}  // namespace lambdakit::bench
