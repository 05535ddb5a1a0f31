#pragma once
// Which inbound connection gives its slot to a newcomer when every inbound slot is taken. Pure, so
// the policy is tested without sockets.
//
// A connection already being closed goes first (the longest-closing), with no protection: it holds
// a slot only until the other side finishes, which a hostile one may never do.
// An attacker who holds every slot (by reopening connections faster than they time out) must not
// keep newcomers out, and must not be able to push out the neighbours that make the peer useful.
// So a connection is protected, in this order, if it is
//   - among the 4 that most recently brought something useful (a message new to us, a link),
//   - the longest-lived of one of the 4 rarest network groups (IPv4 /16, IPv6 /32), which an
//     attacker holding many addresses of a few networks cannot all imitate,
//   - in the longer-lived half of what is left, when it has sent a valid packet.
// Of the rest, one that never sent a valid packet goes first (the longest-silent of them); then
// one the Node does not hold as a link; then the youngest of the network group with the most
// connections.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

#include "protocol/address.hpp"

namespace p2p::transport {

struct InboundCandidate {
  std::uint64_t serial = 0;  // the owner's name for the connection
  std::chrono::steady_clock::time_point started;
  std::optional<std::chrono::steady_clock::time_point> last_useful;
  bool sent_packet = false;  // at least one valid packet arrived
  bool linked = false;       // the Node holds it as a link
  bool closing = false;      // already being closed, waiting for the other side to finish
  std::uint64_t group = 0;   // network_group() of its address
};

// IPv4 addresses by their /16, others by their /32; loopback addresses form one group.
std::uint64_t network_group(const Address& a);

// The serial of the connection to close, or nullopt if every candidate is protected.
std::optional<std::uint64_t> choose_inbound_to_evict(std::span<const InboundCandidate> candidates);

}  // namespace p2p::transport
