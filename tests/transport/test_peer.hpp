#pragma once
// What the transport's tests share: a Peer that records its output, a loop runner with a deadline,
// and raw TCP clients that write whatever bytes a test chooses. Everything stays on 127.0.0.0/8.
#include <utility>  // before Asio (Boost 1.74 + g++12 + C++20)

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/codec.hpp"
#include "transport/peer.hpp"

namespace p2p::transport::test_support {

using namespace std::chrono_literals;

// A Peer that records what it delivers and logs.
struct TestPeer {
  std::vector<Deliver> delivered;
  std::vector<std::string> logs;
  std::vector<Note> notes;
  std::unique_ptr<Peer> peer;

  TestPeer(asio::io_context& io, SessionLimits limits = {}, std::uint64_t seed = 1,
           Config config = {}, std::size_t max_sessions = 512)
      : TestPeer(io, options(limits, seed, config, max_sessions)) {}
  static PeerOptions options(SessionLimits limits = {}, std::uint64_t seed = 1, Config config = {},
                             std::size_t max_sessions = 512) {
    PeerOptions o;
    o.max_sessions = max_sessions;
    o.config = config;
    o.port = 0;
    o.seed = seed;
    o.limits = limits;
    o.leave_grace = 1000ms;
    return o;
  }
  TestPeer(asio::io_context& io, PeerOptions o) {
    PeerOutput out;
    out.deliver = [this](const Deliver& d) { delivered.push_back(d); };
    out.log = [this](std::string_view l) { logs.emplace_back(l); };
    out.note = [this](const Note& n) { notes.push_back(n); };
    peer = std::make_unique<Peer>(io, o, out);
  }
  Address address() const { return peer->advertised(); }
  std::size_t degree() const { return peer->node().degree(); }
  bool logged(std::string_view needle) const {
    for (const auto& l : logs)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
  int deliveries_of(std::string_view text) const {
    int n = 0;
    for (const auto& d : delivered) n += d.text == text;
    return n;
  }
};

// Runs the loop until `done` holds or `limit` passes; returns whether it held.
inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(5ms);
  }
  return true;
}

// Joins `b` to `a` until it has a link (the protocol's acceptance is random; a peer of degree 0
// accepts at once, so the first JOIN_REQ to a lone peer always succeeds).
inline void link(asio::io_context& io, TestPeer& newcomer, TestPeer& entry) {
  newcomer.peer->join(entry.address());
  ASSERT_TRUE(run_until(io, [&] { return newcomer.degree() >= 1; }));
}

// A raw TCP client that writes whatever bytes a test chooses.
struct RawClient {
  tcp::socket socket;
  bool closed = false;

  // From `source` (any address of 127.0.0.0/8: a test may play several hosts).
  RawClient(asio::io_context& io, const TestPeer& to, const char* source = "127.0.0.1")
      : socket(io) {
    socket.open(tcp::v4());
    socket.bind(tcp::endpoint(asio::ip::make_address(source), 0));
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), to.address().port));
  }
  void write(const std::vector<std::uint8_t>& bytes) { asio::write(socket, asio::buffer(bytes)); }
  // Reads (and discards) until the other side closes.
  void watch_for_close() {
    auto buf = std::make_shared<std::array<std::uint8_t, 4096>>();
    socket.async_read_some(asio::buffer(*buf),
                           [this, buf](const boost::system::error_code& ec, std::size_t) {
                             if (ec) {
                               closed = true;
                               return;
                             }
                             watch_for_close();
                           });
  }
};

inline std::vector<std::uint8_t> frame(const Packet& p) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(codec::encode(p, out));
  return out;
}

inline Packet join_ack_from(std::uint16_t port) {
  Packet p;
  p.type = PacketType::JoinAck;
  p.origin = Address::v4(0x7f000001, port);
  p.id = 99;
  return p;
}

}  // namespace p2p::transport::test_support
