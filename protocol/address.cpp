#include "protocol/address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace p2p {

namespace {
constexpr std::array<std::uint8_t, 12> kV4Prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::optional<std::uint16_t> parse_port(std::string_view s) {
  unsigned value = 0;
  if (s.empty() || s.size() > 5) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}
}  // namespace

Address Address::v4(std::uint32_t host_order_ip, std::uint16_t port) {
  Address a;
  std::memcpy(a.ip.data(), kV4Prefix.data(), 12);
  a.ip[12] = static_cast<std::uint8_t>(host_order_ip >> 24);
  a.ip[13] = static_cast<std::uint8_t>(host_order_ip >> 16);
  a.ip[14] = static_cast<std::uint8_t>(host_order_ip >> 8);
  a.ip[15] = static_cast<std::uint8_t>(host_order_ip);
  a.port = port;
  return a;
}

std::string to_string(const Address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  std::string host;
  if (a.is_v4_mapped()) {
    inet_ntop(AF_INET, a.ip.data() + 12, buf, sizeof buf);
    host = buf;
  } else {
    inet_ntop(AF_INET6, a.ip.data(), buf, sizeof buf);
    host = std::string("[") + buf + "]";
  }
  return host + ":" + std::to_string(a.port);
}

std::optional<Address> parse_address(std::string_view text) {
  Address a;
  std::string host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    if (inet_pton(AF_INET6, host.c_str(), a.ip.data()) != 1) return std::nullopt;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    unsigned char v4[4];
    if (inet_pton(AF_INET, host.c_str(), v4) != 1) return std::nullopt;
    std::memcpy(a.ip.data(), kV4Prefix.data(), 12);
    std::memcpy(a.ip.data() + 12, v4, 4);
  }
  auto p = parse_port(port);
  if (!p) return std::nullopt;
  a.port = *p;
  return a;
}

}  // namespace p2p
