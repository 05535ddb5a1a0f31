#pragma once
// The analysis layer's own deterministic generator (it depends on nothing else of ours): SplitMix64
// with a bias-free bounded draw, so sampled metrics are identical on every platform.
#include <cstdint>

namespace p2p::analysis {

// SplitMix64 stream; `stream` separates independent uses of one seed (resilience run i, path
// sampling) so that adding one never shifts another's draws.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream)
      : state_(mix(mix(seed ^ 0x9e3779b97f4a7c15ULL) + stream * 0xd1b54a32d192ed03ULL)) {}

  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix(state_);
  }

  // Uniform in [0, n), n > 0 (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    u128 m = static_cast<u128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<u128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

}  // namespace p2p::analysis
