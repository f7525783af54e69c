// Order statistics for benchmark samples: src/bench/statistics.h (linear interpolation between
// ranks, numpy's default), in the shape the benchmark programs call.
#pragma once

#include <algorithm>
#include <vector>

#include "bench/statistics.h"

namespace lambdakit::bench {

// The q-quantile (0..1) of `v`; 0 for no samples.
inline double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return quantile_of_sorted(v, q).value_or(0);
}

inline double median(const std::vector<double>& v) {
  return quantile(v, 0.5);
}

}  // namespace lambdakit::bench
