#include "transport/admission.hpp"

#include <algorithm>

namespace p2p::transport {

const char* why_undialable(const Address& to, const Address& self, std::uint16_t listening_port) {
  if (to.port == 0) return "port 0";
  const auto& ip = to.ip;
  const bool loopback_port = to.port == listening_port;
  if (to.is_v4_mapped()) {
    const std::uint8_t a = ip[12];
    if (a == 0) return "unspecified address";  // 0.0.0.0/8: "this network"
    if (a >= 224 && a <= 239) return "multicast address";
    if (ip[12] == 255 && ip[13] == 255 && ip[14] == 255 && ip[15] == 255)
      return "broadcast address";
    if (a == 127 && loopback_port) return "this peer's own address";
  } else {
    const bool zero_prefix = std::all_of(ip.begin(), ip.end() - 1, [](auto b) { return b == 0; });
    if (zero_prefix && ip[15] == 0) return "unspecified address";
    if (zero_prefix && ip[15] == 1 && loopback_port) return "this peer's own address";
    if (ip[0] == 0xff) return "multicast address";
  }
  if (to == self) return "this peer's own address";
  return nullptr;
}

bool DialRate::take(AdmissionClock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed) * per_second_);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void RefusedAddresses::refuse(const Address& a, AdmissionClock::time_point until) {
  if (until_.size() >= capacity_ && !until_.contains(a.ip)) {
    auto soonest = until_.begin();
    for (auto it = until_.begin(); it != until_.end(); ++it)
      if (it->second < soonest->second) soonest = it;
    until_.erase(soonest);
  }
  auto& t = until_[a.ip];
  t = std::max(t, until);
}

bool RefusedAddresses::refused(const Address& a, AdmissionClock::time_point now) const {
  const auto it = until_.find(a.ip);
  return it != until_.end() && now < it->second;
}

}  // namespace p2p::transport
