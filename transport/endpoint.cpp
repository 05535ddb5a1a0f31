#include "transport/endpoint.hpp"

#include <charconv>

namespace p2p::transport {

namespace ip = boost::asio::ip;

ip::tcp::endpoint endpoint_of(const Address& a) {
  if (a.is_v4_mapped()) {
    ip::address_v4::bytes_type b{a.ip[12], a.ip[13], a.ip[14], a.ip[15]};
    return {ip::address_v4(b), a.port};
  }
  ip::address_v6::bytes_type b;
  std::copy(a.ip.begin(), a.ip.end(), b.begin());
  return {ip::address_v6(b), a.port};
}

Address address_of(const ip::tcp::endpoint& e) {
  Address a;
  a.port = e.port();
  if (e.address().is_v4()) {
    a = Address::v4(e.address().to_v4().to_uint(), e.port());
  } else {
    const auto b = e.address().to_v6().to_bytes();
    std::copy(b.begin(), b.end(), a.ip.begin());
  }
  return a;
}

std::optional<HostPort> split_host_port(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || port.empty() || ec != std::errc{} || ptr != port.data() + port.size() ||
      value > 65535)
    return std::nullopt;
  return HostPort{std::string(host), std::string(port)};
}

}  // namespace p2p::transport
