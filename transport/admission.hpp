#pragma once
// Who a peer dials and whom it lets in: addresses that can never be a neighbour, a per-neighbour
// rate for the dials its packets cause, and addresses refused for a while after misbehaving.
// Pure (time is an argument), so each is tested without sockets.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "protocol/address.hpp"

namespace p2p::transport {

using AdmissionClock = std::chrono::steady_clock;

// Why `to` is no address to dial, or nullptr if it may be dialled: port 0, an unspecified,
// multicast or broadcast address, or this peer itself (its advertised address, or any loopback
// address at its listening port).
const char* why_undialable(const Address& to, const Address& self, std::uint16_t listening_port);

// A token bucket: `burst` dials at once, refilled at `per_second`.
class DialRate {
 public:
  DialRate(double per_second, double burst, AdmissionClock::time_point now)
      : per_second_(per_second), burst_(burst), tokens_(burst), last_(now) {}
  // Takes one token if there is one.
  bool take(AdmissionClock::time_point now);

 private:
  double per_second_;
  double burst_;
  double tokens_;
  AdmissionClock::time_point last_;
};

// IP addresses refused until a time: connections from them are closed as they are accepted and
// dials to them are not made. Bounded: past `capacity` entries, expired ones go first, then the
// one that expires soonest.
class RefusedAddresses {
 public:
  explicit RefusedAddresses(std::size_t capacity = 4096) : capacity_(capacity) {}
  void refuse(const Address& a, AdmissionClock::time_point until);
  bool refused(const Address& a, AdmissionClock::time_point now) const;
  std::size_t size() const { return until_.size(); }

 private:
  std::size_t capacity_;
  std::map<std::array<std::uint8_t, 16>, AdmissionClock::time_point> until_;
};

}  // namespace p2p::transport
