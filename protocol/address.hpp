#pragma once
// A peer's listening address: an IPv6 address (IPv4 as v4-mapped) and a TCP port. It is a plain
// value so that packets, links and simulator events can hold it without allocating.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace p2p {

struct Address {
  std::array<std::uint8_t, 16> ip{};
  std::uint16_t port = 0;

  friend auto operator<=>(const Address&, const Address&) = default;
  friend bool operator==(const Address&, const Address&) = default;

  bool is_v4_mapped() const;
  // Something a peer could listen on: a port, and an address that is not unspecified (:: or
  // 0.0.0.0). A packet naming an undialable origin is refused before anyone dials it.
  bool dialable() const;
  static Address v4(std::uint32_t host_order_ip, std::uint16_t port);
};

// "[v6]:port", "a.b.c.d:port" (v4-mapped addresses print as IPv4).
std::string to_string(const Address& a);

// Parses a numeric "[v6]:port", "a.b.c.d:port" or "v6" with port; names are resolved by the
// transport, not here. Returns nullopt on anything else.
std::optional<Address> parse_address(std::string_view text);

}  // namespace p2p
