// Order statistics for benchmark samples.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace lambdakit::bench {

// The q-quantile (0..1) of `v` by nearest rank; 0 for no samples.
inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

inline double median(const std::vector<double>& v) {
  return quantile(v, 0.5);
}

}  // namespace lambdakit::bench
