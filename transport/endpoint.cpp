#include "transport/endpoint.hpp"

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

}  // namespace p2p::transport
