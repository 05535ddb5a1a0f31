#pragma once
// How long a packet takes from one simulated node to another. Each pair of nodes has one latency,
// drawn once from the model by a hash of (seed, pair): a TCP connection delivers in order, and
// drawing per message would let a later packet overtake an earlier one on the same connection
// (a JOIN_REQ passed on over a link before that link's JOIN_ACK arrived, say). The hash makes the
// draw independent of how nodes are laid out, and needs no per-link memory.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "protocol/random.hpp"
#include "protocol/time.hpp"

namespace p2p::sim {

enum class LatencyKind : std::uint8_t {
  Uniform,    // uniform on [min, max]
  LogNormal,  // exp(N(mu, sigma)) milliseconds, clamped to [min, max]
  Matrix,     // nodes sit at uniformly drawn sites: the sites' latency plus uniform [min, max]
};

// A square table of one-way latencies between sites; sites[i * count + j] is i to j.
struct SiteMatrix {
  std::size_t count = 0;
  std::vector<Time> latency;
  Time between(std::size_t i, std::size_t j) const { return latency[i * count + j]; }
};

struct LatencyModel {
  LatencyKind kind = LatencyKind::Uniform;
  Time min = 10 * kMillisecond;  // uniform on [min, max], the common PeerSim setting
  Time max = 50 * kMillisecond;
  double mu = 3.0;     // log-normal: of the underlying normal, latency in milliseconds
  double sigma = 0.5;  // e^3 ms ~ 20 ms median
  std::shared_ptr<const SiteMatrix> sites;  // Matrix only
  std::uint64_t seed = 0;

  Time between(std::uint32_t a, std::uint32_t b) const {
    return between_keyed(seed_key(seed), a, b);
  }
  // The same with `key` = seed_key(seed), worked out once by a caller that asks for every packet.
  [[gnu::always_inline]] Time between_keyed(std::uint64_t key, std::uint32_t a,
                                            std::uint32_t b) const {
    // The pair in order without a jump: which end sends is a coin toss along a JOIN_REQ's path.
    const std::uint64_t x = a, y = b;
    const std::uint64_t swap = (x ^ y) & (std::uint64_t{0} - (x > y));
    const std::uint64_t lo = x ^ swap, hi = y ^ swap;
    Rng rng(derive_keyed(key, (hi << 32) | lo, 2));
    if (kind == LatencyKind::Uniform) [[likely]]
      return rng.between(min, max);
    return drawn(rng, a, b);
  }

  // The site of node `n` under the Matrix model: uniform over the sites, fixed per node.
  std::size_t site_of(std::uint32_t n) const {
    Rng rng(derive_seed(seed, n, 4));
    return static_cast<std::size_t>(rng.below(sites->count));
  }

  // The longest latency the model gives, for sizing the event queue's window.
  Time longest() const {
    Time m = max;
    if (kind == LatencyKind::Matrix && sites)
      for (Time t : sites->latency) m = std::max(m, t + max);
    return m;
  }

 private:
  // The latency of pair (a, b) from its generator `rng`, for the models other than Uniform.
  [[gnu::noinline, gnu::cold]] Time drawn(Rng& rng, std::uint32_t a, std::uint32_t b) const {
    switch (kind) {
      case LatencyKind::Uniform:
        break;
      case LatencyKind::LogNormal: {
        const double ms = rng.lognormal(mu, sigma);
        const double us =
            std::clamp(ms * kMillisecond, static_cast<double>(min), static_cast<double>(max));
        return static_cast<Time>(us);
      }
      case LatencyKind::Matrix:
        return sites->between(site_of(a), site_of(b)) + rng.between(min, max);
    }
    return rng.between(min, max);
  }
};

}  // namespace p2p::sim
