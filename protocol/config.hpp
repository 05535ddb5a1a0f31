#pragma once
// A node's tunables. One Config is shared by every node of a simulation, so nodes hold a pointer.
#include <cstddef>
#include <cstdint>

#include "protocol/join_rule.hpp"
#include "protocol/time.hpp"

namespace p2p {

struct Config {
  // JOIN_REQs a newcomer sends on `connect`. The seed sends one per `connect`; its Concept section
  // bounces "multiple until enough are accepted". Four gives a mean degree near eight.
  int join_requests = 4;
  // A JOIN_REQ passed on this many times is dropped. The seed has no limit, so a request could
  // circle forever; 64 hops leaves a walk with acceptance near 1/9 a (8/9)^64 < 0.1% chance.
  int max_hops = 64;
  // Message ids remembered for flood suppression. Bounded so memory cannot grow with traffic;
  // an id older than this many newer ones may be delivered again.
  std::uint32_t seen_capacity = 4096;
  // Which node accepts a JOIN_REQ. The seed's rule by default, so earlier figures stay comparable.
  JoinRule rule;
  // Every rule but seed: below this many links a node asks for more (through a neighbour, or the
  // entry when it has none) until it has them or gives up; 0 asks only on `connect`.
  int min_connections = 0;
  // Every rule but seed: a node holds at most this many links; it refuses requests and
  // acknowledgements beyond it. 0: no cap (hyparview caps at its active view instead).
  int max_connections = 0;
  // Asking again: the first retry after `retry_delay` (long enough for a 64-hop walk at 50 ms a
  // hop), then doubling up to `retry_delay_max`, at most `retry_attempts` times per shortfall.
  Time retry_delay = 4 * kSecond;
  Time retry_delay_max = 60 * kSecond;
  int retry_attempts = 6;
  // How long a HyParView neighbour request waits for its answer before the candidate is taken for
  // dead (a simulated departed node never answers).
  Time neighbor_timeout = 2 * kSecond;

  // The link cap the rule enforces: none (0) for seed.
  std::size_t link_cap() const {
    if (rule.is_seed()) return 0;
    if (rule.is_hyparview()) return static_cast<std::size_t>(rule.active);
    if (rule.kind == RuleKind::DegreeCapped && (max_connections == 0 || rule.d < max_connections))
      return static_cast<std::size_t>(rule.d);
    return static_cast<std::size_t>(max_connections);
  }
};

}  // namespace p2p
