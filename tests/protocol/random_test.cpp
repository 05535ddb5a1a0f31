#include "protocol/random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>

namespace p2p {
namespace {

struct Moments {
  double mean = 0, variance = 0;
};

Moments sample(int n, const std::function<double()>& draw) {
  double sum = 0, sumsq = 0;
  for (int i = 0; i < n; ++i) {
    const double x = draw();
    sum += x;
    sumsq += x * x;
  }
  Moments m;
  m.mean = sum / n;
  m.variance = sumsq / n - m.mean * m.mean;
  return m;
}

constexpr int kDraws = 400000;

TEST(Rng, SameSeedSameSequence) {
  Rng a(5), b(5), c(6);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
  }
}

TEST(Rng, DerivedSeedsDiffer) {
  EXPECT_NE(derive_seed(1, 0), derive_seed(1, 1));
  EXPECT_NE(derive_seed(1, 0), derive_seed(2, 0));
  EXPECT_NE(derive_seed(1, 0, 0), derive_seed(1, 0, 1));
}

TEST(Rng, BelowIsUniform) {
  Rng rng(9);
  std::array<int, 7> counts{};
  const int n = 70000;
  for (int i = 0; i < n; ++i) ++counts[rng.below(7)];
  double chi2 = 0;
  for (int c : counts) chi2 += (c - n / 7.0) * (c - n / 7.0) / (n / 7.0);
  EXPECT_LT(chi2, 22.46);  // chi-square, 6 degrees of freedom, p = 0.001
  for (int i = 0; i < 1000; ++i) {
    const auto v = rng.between(-3, 3);
    EXPECT_GE(v, -3);
    EXPECT_LE(v, 3);
  }
}

// For n = 3 * 2^62 a multiply-and-shift alone maps two of every four draws to the multiples of
// three, so that they come up half the time; with the rejection of the biased draws (about one
// in four, redrawn) they come up a third of the time, as every residue does.
TEST(Rng, BelowRedrawsTheBiasedDraws) {
  Rng rng(11);
  const std::uint64_t n = std::uint64_t{3} << 62;
  std::array<int, 3> residues{};
  const int draws = 30000;
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t v = rng.below(n);
    ASSERT_LT(v, n);
    ++residues[v % 3];
  }
  for (int c : residues) EXPECT_NEAR(c / static_cast<double>(draws), 1.0 / 3, 0.02);
}

TEST(Rng, UniformMoments) {
  Rng rng(1);
  auto m = sample(kDraws, [&] { return rng.uniform(); });
  EXPECT_NEAR(m.mean, 0.5, 0.003);
  EXPECT_NEAR(m.variance, 1.0 / 12, 0.001);
}

TEST(Rng, ExponentialMoments) {
  Rng rng(2);
  auto m = sample(kDraws, [&] { return rng.exponential(3.0); });
  EXPECT_NEAR(m.mean, 3.0, 0.03);
  EXPECT_NEAR(m.variance, 9.0, 0.25);
}

TEST(Rng, NormalAndLogNormalMoments) {
  Rng rng(3);
  auto n = sample(kDraws, [&] { return rng.normal(); });
  EXPECT_NEAR(n.mean, 0.0, 0.01);
  EXPECT_NEAR(n.variance, 1.0, 0.01);
  const double mu = 0.5, s = 0.4;
  auto m = sample(kDraws, [&] { return rng.lognormal(mu, s); });
  const double mean = std::exp(mu + s * s / 2);
  const double var = (std::exp(s * s) - 1) * std::exp(2 * mu + s * s);
  EXPECT_NEAR(m.mean, mean, 0.01 * mean);
  EXPECT_NEAR(m.variance, var, 0.04 * var);
}

TEST(Rng, ParetoMoments) {
  Rng rng(4);
  const double xm = 2.0, a = 5.0;  // finite variance needs alpha > 2
  auto m = sample(kDraws, [&] { return rng.pareto(xm, a); });
  const double mean = a * xm / (a - 1);
  const double var = xm * xm * a / ((a - 1) * (a - 1) * (a - 2));
  EXPECT_NEAR(m.mean, mean, 0.01 * mean);
  EXPECT_NEAR(m.variance, var, 0.08 * var);
}

TEST(Rng, WeibullMoments) {
  Rng rng(5);
  const double lambda = 2.0, k = 1.5;
  auto m = sample(kDraws, [&] { return rng.weibull(lambda, k); });
  const double g1 = std::tgamma(1 + 1 / k), g2 = std::tgamma(1 + 2 / k);
  EXPECT_NEAR(m.mean, lambda * g1, 0.01 * lambda * g1);
  EXPECT_NEAR(m.variance, lambda * lambda * (g2 - g1 * g1),
              0.03 * lambda * lambda * (g2 - g1 * g1));
}

}  // namespace
}  // namespace p2p
