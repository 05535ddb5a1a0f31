#pragma once
// Summary statistics of replications: mean, sample standard deviation and the 95% confidence
// interval of the mean from Student's t (Boost.Math), the one implementation every output uses.
#include <cstddef>
#include <span>

namespace p2p::experiment {

struct Interval {
  std::size_t runs = 0;  // values that were not NaN
  double mean = 0;
  double stddev = 0;  // n - 1 in the denominator; 0 for one run
  double ci95_low = 0;
  double ci95_high = 0;  // equal to the mean for one run
};

// NaN values (a metric that did not apply to a run) are skipped.
Interval summarize(std::span<const double> values);

// The two-sided 95% quantile of Student's t with `df` degrees of freedom (df >= 1).
double t95(double df);

}  // namespace p2p::experiment
