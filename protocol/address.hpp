#pragma once
// A peer's listening address: an IPv6 address (IPv4 as v4-mapped) and a TCP port. It is a plain
// value so that packets, links and simulator events can hold it without allocating.
#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace p2p {

struct Address {
  std::array<std::uint8_t, 16> ip{};
  std::uint16_t port = 0;
  // Bytes 8-11 of a v4-mapped address (00 00 ff ff) read as one word in memory order.
  static constexpr std::uint32_t kV4MappedMid =
      std::endian::native == std::endian::little ? 0xFFFF0000u : 0x0000FFFFu;

  friend auto operator<=>(const Address&, const Address&) = default;
  // Two words and the port, inline: the defaulted form calls memcmp for the 16 bytes, and rules
  // that keep addresses in lists (HyParView's passive view) compare them by the dozen.
  friend bool operator==(const Address& a, const Address& b) {
    std::uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.ip.data(), 8);
    std::memcpy(&a1, a.ip.data() + 8, 8);
    std::memcpy(&b0, b.ip.data(), 8);
    std::memcpy(&b1, b.ip.data() + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0 && a.port == b.port;
  }

  // ::ffff:a.b.c.d. Read as two words: every JOIN_REQ's hop asks.
  bool is_v4_mapped() const {
    std::uint64_t head;
    std::uint32_t mid;
    std::memcpy(&head, ip.data(), 8);
    std::memcpy(&mid, ip.data() + 8, 4);
    return head == 0 && mid == kV4MappedMid;
  }
  // Something a peer could listen on: a port, and an address that is not unspecified (:: or
  // 0.0.0.0). A packet naming an undialable origin is refused before anyone dials it.
  bool dialable() const {
    if (port == 0) return false;
    std::uint32_t v4;
    std::memcpy(&v4, ip.data() + 12, 4);
    if (is_v4_mapped()) return v4 != 0;
    std::uint64_t head, tail;
    std::memcpy(&head, ip.data(), 8);
    std::memcpy(&tail, ip.data() + 8, 8);
    return (head | tail) != 0;
  }
  static Address v4(std::uint32_t host_order_ip, std::uint16_t port);
};

// "[v6]:port", "a.b.c.d:port" (v4-mapped addresses print as IPv4).
std::string to_string(const Address& a);

// Parses a numeric "[v6]:port", "a.b.c.d:port" or "v6" with port; names are resolved by the
// transport, not here. Returns nullopt on anything else.
std::optional<Address> parse_address(std::string_view text);

}  // namespace p2p
