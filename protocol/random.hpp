#pragma once
// Deterministic randomness for both drivers. The standard library's distributions differ between
// implementations, so the few we need are written here on a 64-bit generator.
#include <cmath>
#include <cstdint>

namespace p2p {

// SplitMix64's finaliser: a bijective mix used to derive independent seeds from (seed, index).
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// derive_seed in two steps, for a caller deriving many seeds under one root (the simulator, one
// per packet): the root's part once, then each entity's.
constexpr std::uint64_t seed_key(std::uint64_t root) {
  return mix64(root ^ 0x9e3779b97f4a7c15ULL);
}
constexpr std::uint64_t derive_keyed(std::uint64_t key, std::uint64_t index,
                                     std::uint64_t stream = 0) {
  return mix64(key + mix64(index + 0x632be59bd9b4e019ULL) + stream * 0xd1b54a32d192ed03ULL);
}

// Seed for stream `stream` of entity `index` under a root seed; changing one entity's draws never
// shifts another's.
constexpr std::uint64_t derive_seed(std::uint64_t root, std::uint64_t index,
                                    std::uint64_t stream = 0) {
  return derive_keyed(seed_key(root), index, stream);
}

// SplitMix64: 8 bytes of state, passes BigCrush, fast enough for tens of millions of draws a
// second.
class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed = 0) : state_(seed) {}

  constexpr std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }

  // Uniform integer in [0, n) without modulo bias (Lemire's multiply-and-reject). n > 0.
  std::uint64_t below(std::uint64_t n) {
    const auto m = static_cast<u128>(next()) * n;
    if (static_cast<std::uint64_t>(m) < n) [[unlikely]]
      return below_rest(m, n);
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Uniform integer in [lo, hi], lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  // Uniform real in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // True with probability p.
  bool chance(double p) { return uniform() < p; }

  // Exponential with the given mean.
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }

  // Standard normal by the Box-Muller transform (one value per call, for simplicity of state).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  // Log-normal whose underlying normal has parameters mu and sigma.
  double lognormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }

  // Pareto (type I) with scale xm > 0 and shape alpha > 0.
  double pareto(double xm, double alpha) { return xm / std::pow(1.0 - uniform(), 1.0 / alpha); }

  // Weibull with scale lambda > 0 and shape k > 0.
  double weibull(double lambda, double k) {
    return lambda * std::pow(-std::log1p(-uniform()), 1.0 / k);
  }

  std::uint64_t state() const { return state_; }

 private:
  __extension__ using u128 = unsigned __int128;

  // below(n) once the first draw `m` fell where it may be biased: the threshold, and draws again
  // until one is past it. Out of line, so that the usual draw stays small.
  [[gnu::noinline]] std::uint64_t below_rest(u128 m, std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (static_cast<std::uint64_t>(m) < threshold) m = static_cast<u128>(next()) * n;
    return static_cast<std::uint64_t>(m >> 64);
  }

  std::uint64_t state_;
};

}  // namespace p2p
