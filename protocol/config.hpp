#pragma once
// A node's tunables. One Config is shared by every node of a simulation, so nodes hold a pointer.
#include <cstddef>
#include <cstdint>

#include "protocol/accept_policy.hpp"

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
  // Whether a JOIN_REQ is accepted at a node.
  AcceptPolicy accept;
};

}  // namespace p2p
