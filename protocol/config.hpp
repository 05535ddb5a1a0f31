#pragma once
// A node's tunables. One Config is shared by every node of a group (all the nodes of a simulation
// that run the same rule), so nodes hold a pointer.
#include <cstddef>
#include <cstdint>

#include "protocol/auth.hpp"
#include "protocol/join_rule.hpp"
#include "protocol/peer_book.hpp"
#include "protocol/seen_set.hpp"
#include "protocol/time.hpp"

namespace p2p {

struct Config {
  // JOIN_REQs a newcomer sends on `connect`. The seed sends one per `connect`; its Concept section
  // bounces "multiple until enough are accepted". Four gives a mean degree near eight.
  int join_requests = 4;
  // A JOIN_REQ passed on this many times is dropped. The seed has no limit, so a request could
  // circle forever; 64 hops leaves a walk with acceptance near 1/9 a (8/9)^64 < 0.1% chance.
  int max_hops = 64;
  // Message ids remembered for flood suppression: each for a time to live, within a budget of
  // ids so memory cannot grow with traffic. A message older than the time to live, or pushed out
  // early by a full budget, may be delivered again.
  SeenPolicy seen;
  // A chat message travels at most this many links from its author, so a storm of copies dies
  // out even if a node forgets an id.
  int message_hops = 64;
  // Signing (protocol/auth.hpp): with an Authenticator, chat messages and JOIN_REQs are signed by
  // their author and checked before anything is done with them, and message ids come from (author
  // key, sequence number). Null: signing off, as in the simulator, whose speed is then spent on
  // the protocol rather than on cryptography.
  AuthPtr auth;
  // Which node accepts a JOIN_REQ. The seed's rule by default, so earlier figures stay comparable.
  RulePtr rule = parse_join_rule("seed");
  // Rules that keep asking (every built-in but seed): below this many links a node asks for more
  // (through a neighbour, or the entry when it has none) until it has them or gives up; 0 asks
  // only on `connect`.
  int min_connections = 0;
  // A node holds at most this many links; it refuses requests and acknowledgements beyond it.
  // 0: no cap. The rule may cap lower (JoinRule::link_cap); the seed's rule ignores it.
  int max_connections = 0;
  // Asking again: the first retry after `retry_delay` (long enough for a 64-hop walk at 50 ms a
  // hop), then doubling up to `retry_delay_max`, at most `retry_attempts` times per shortfall.
  Time retry_delay = 4 * kSecond;
  Time retry_delay_max = 60 * kSecond;
  int retry_attempts = 6;
  // Maps the PeerIds a node's links hold to addresses (protocol/peer_book.hpp). Copies of a Config
  // share one book. A real peer keeps this default; the simulator runs its nodes with its own
  // book, whose ids are the node indices.
  PeerBookPtr book = std::make_shared<AddressBook>();

  // The link cap the rule enforces (0: none).
  std::size_t link_cap() const { return rule->link_cap(*this); }
  // Throws std::invalid_argument (one line) for a configuration that cannot run: a minimum of
  // links above what the rule can ever hold, or what the rule itself refuses.
  void validate(bool simulated) const;
};

}  // namespace p2p
