#pragma once
// Conversions between the protocol's Address and Asio's TCP endpoints. v4-mapped addresses become
// IPv4 endpoints, so dialling works whether the other side listens dual-stack or IPv4 only.
#include <utility>  // before Asio (Boost 1.74 + g++12 + C++20)

#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/address.hpp"

namespace p2p::transport {

boost::asio::ip::tcp::endpoint endpoint_of(const Address& a);
Address address_of(const boost::asio::ip::tcp::endpoint& e);

// Splits "HOST:PORT" or "[V6]:PORT" into host and port; nullopt unless both are present and the
// port is a number up to 65535. HOST may be a name, to be resolved.
struct HostPort {
  std::string host;
  std::string port;
};
std::optional<HostPort> split_host_port(std::string_view text);

}  // namespace p2p::transport
