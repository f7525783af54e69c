// The figures the experiment reports: order statistics of a sample and a least-squares line.
// Pure functions of their inputs.
#pragma once

#include <cstddef>
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

}  // namespace lambdakit::bench
