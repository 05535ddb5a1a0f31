#include "transport/eviction.hpp"

#include <algorithm>
#include <map>
#include <vector>

namespace p2p::transport {

namespace {

constexpr std::size_t kProtectUseful = 4;
constexpr std::size_t kProtectGroups = 4;

// Removes up to `n` elements of `v` that come first by `better` and satisfy `eligible`.
template <class Better, class Eligible>
void protect(std::vector<InboundCandidate>& v, std::size_t n, Better better, Eligible eligible) {
  std::vector<InboundCandidate> sorted = v;
  std::stable_sort(sorted.begin(), sorted.end(), better);
  std::vector<std::uint64_t> keep;
  for (const auto& c : sorted) {
    if (keep.size() == n) break;
    if (eligible(c)) keep.push_back(c.serial);
  }
  std::erase_if(v, [&](const InboundCandidate& c) {
    return std::find(keep.begin(), keep.end(), c.serial) != keep.end();
  });
}

bool older(const InboundCandidate& a, const InboundCandidate& b) {
  return a.started != b.started ? a.started < b.started : a.serial < b.serial;
}

}  // namespace

std::uint64_t network_group(const Address& a) {
  const auto& ip = a.ip;
  if (a.is_v4_mapped()) {
    if (ip[12] == 127) return 1;  // all of 127.0.0.0/8 is this host
    return (std::uint64_t{4} << 32) | (std::uint64_t{ip[12]} << 8) | ip[13];
  }
  const bool loopback =
      std::all_of(ip.begin(), ip.end() - 1, [](auto b) { return b == 0; }) && ip[15] == 1;
  if (loopback) return 1;
  return (std::uint64_t{6} << 32) | (std::uint64_t{ip[0]} << 24) | (std::uint64_t{ip[1]} << 16) |
         (std::uint64_t{ip[2]} << 8) | ip[3];
}

std::optional<std::uint64_t> choose_inbound_to_evict(std::span<const InboundCandidate> candidates) {
  const InboundCandidate* closing = nullptr;
  for (const auto& c : candidates)
    if (c.closing && (!closing || older(c, *closing))) closing = &c;
  if (closing) return closing->serial;
  std::vector<InboundCandidate> v(candidates.begin(), candidates.end());

  protect(
      v, kProtectUseful,
      [](const InboundCandidate& a, const InboundCandidate& b) {
        return a.last_useful > b.last_useful;  // an empty optional sorts last
      },
      [](const InboundCandidate& c) { return c.last_useful.has_value(); });

  // The rarest groups first; within a group its longest-lived connection stands for it.
  std::map<std::uint64_t, std::size_t> group_size;
  std::map<std::uint64_t, const InboundCandidate*> eldest;
  for (const auto& c : v) {
    ++group_size[c.group];
    auto& e = eldest[c.group];
    if (c.sent_packet && (!e || older(c, *e))) e = &c;
  }
  std::vector<InboundCandidate> eldest_per_group;
  for (const auto& [group, e] : eldest)
    if (e) eldest_per_group.push_back(*e);
  std::stable_sort(eldest_per_group.begin(), eldest_per_group.end(),
                   [&](const InboundCandidate& a, const InboundCandidate& b) {
                     return group_size[a.group] < group_size[b.group];
                   });
  if (eldest_per_group.size() > kProtectGroups) eldest_per_group.resize(kProtectGroups);
  std::erase_if(v, [&](const InboundCandidate& c) {
    return std::any_of(eldest_per_group.begin(), eldest_per_group.end(),
                       [&](const InboundCandidate& e) { return e.serial == c.serial; });
  });

  const std::size_t talkers =
      std::count_if(v.begin(), v.end(), [](const InboundCandidate& c) { return c.sent_packet; });
  protect(v, talkers / 2, older, [](const InboundCandidate& c) { return c.sent_packet; });
  if (v.empty()) return std::nullopt;

  // Never a valid packet: the longest-silent goes.
  const InboundCandidate* silent = nullptr;
  for (const auto& c : v)
    if (!c.sent_packet && (!silent || older(c, *silent))) silent = &c;
  if (silent) return silent->serial;

  // Not a link the Node keeps, if there is such a one; then the crowded group's youngest.
  const bool any_unlinked =
      std::any_of(v.begin(), v.end(), [](const InboundCandidate& c) { return !c.linked; });
  if (any_unlinked) std::erase_if(v, [](const InboundCandidate& c) { return c.linked; });
  std::map<std::uint64_t, std::size_t> crowd;
  for (const auto& c : v) ++crowd[c.group];
  std::uint64_t crowded = v.front().group;
  for (const auto& [group, size] : crowd)
    if (size > crowd[crowded]) crowded = group;
  const InboundCandidate* youngest = nullptr;
  for (const auto& c : v)
    if (c.group == crowded && (!youngest || older(*youngest, c))) youngest = &c;
  return youngest->serial;
}

}  // namespace p2p::transport
