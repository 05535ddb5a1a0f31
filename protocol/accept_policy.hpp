#pragma once
// The rule deciding whether a node accepts a JOIN_REQ it holds, or passes it on.
#include <cstdint>

#include "protocol/random.hpp"

namespace p2p {

enum class AcceptRule : std::uint8_t {
  InverseDegree,  // the seed: accept with probability 1/(degree+1)
};

struct AcceptPolicy {
  AcceptRule rule = AcceptRule::InverseDegree;

  // Draws from `rng` exactly once per call, so a node's later draws do not depend on the rule's
  // branch.
  bool accepts(std::size_t degree, Rng& rng) const {
    const double u = rng.uniform();
    switch (rule) {
      case AcceptRule::InverseDegree:
        return u < 1.0 / static_cast<double>(degree + 1);
    }
    return false;
  }
};

}  // namespace p2p
