#include "experiment/stats.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>

namespace p2p::experiment {

double t95(double df) {
  return boost::math::quantile(boost::math::students_t(df), 0.975);
}

Interval summarize(std::span<const double> values) {
  Interval s;
  double sum = 0;
  for (double x : values)
    if (!std::isnan(x)) {
      ++s.runs;
      sum += x;
    }
  if (s.runs == 0) return s;
  const double n = static_cast<double>(s.runs);
  s.mean = sum / n;
  double ss = 0;
  for (double x : values)
    if (!std::isnan(x)) ss += (x - s.mean) * (x - s.mean);
  s.stddev = s.runs > 1 ? std::sqrt(ss / (n - 1)) : 0;
  const double half = s.runs > 1 ? t95(n - 1) * s.stddev / std::sqrt(n) : 0;
  s.ci95_low = s.mean - half;
  s.ci95_high = s.mean + half;
  return s;
}

}  // namespace p2p::experiment
