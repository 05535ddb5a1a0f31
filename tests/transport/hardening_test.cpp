// The transport under attack: frame reassembly with keep-alives, the inbound eviction policy, the
// dial gate, and peers on real sockets (127.0.0.0/8 only, bounded loops) holding their limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/codec.hpp"
#include "test_peer.hpp"
#include "transport/admission.hpp"
#include "transport/endpoint.hpp"
#include "transport/eviction.hpp"
#include "transport/frame_reader.hpp"

namespace p2p::transport {
namespace {

using namespace test_support;
using Clock = std::chrono::steady_clock;

Packet message(std::uint64_t id, std::string text) {
  Packet p;
  p.type = PacketType::Message;
  p.origin = Address::v4(0x7f000001, 7);
  p.id = id;
  p.text = std::move(text);
  return p;
}

// Feeds `bytes` to a reader `chunk` bytes at a time and returns what it yields.
std::vector<FrameReader::Item> read_all(FrameReader& r, const std::vector<std::uint8_t>& bytes,
                                        std::size_t chunk) {
  std::vector<FrameReader::Item> items;
  for (std::size_t at = 0; at < bytes.size() && !r.bad();) {
    const auto space = r.space();
    const std::size_t n = std::min({chunk, space.size(), bytes.size() - at});
    std::copy_n(bytes.begin() + at, n, space.begin());
    r.commit(n);
    at += n;
    for (auto item = r.next(); item.kind != FrameReader::Kind::NeedMore; item = r.next()) {
      items.push_back(item);
      if (item.kind == FrameReader::Kind::Bad) break;
    }
  }
  return items;
}

TEST(FrameReader, KeepAlivesBetweenPacketsAtEveryCut) {
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(codec::encode(message(1, "one"), bytes));
  bytes.insert(bytes.end(), kKeepAliveFrame.begin(), kKeepAliveFrame.end());
  ASSERT_TRUE(codec::encode(message(2, std::string(9000, 'b')), bytes));
  bytes.insert(bytes.end(), kKeepAliveFrame.begin(), kKeepAliveFrame.end());
  for (std::size_t chunk : {1u, 3u, 5u, 4096u, 100000u}) {
    SCOPED_TRACE(chunk);
    FrameReader r;
    const auto items = read_all(r, bytes, chunk);
    ASSERT_EQ(items.size(), 4u);
    EXPECT_EQ(items[0].kind, FrameReader::Kind::Packet);
    EXPECT_EQ(items[0].packet, message(1, "one"));
    EXPECT_EQ(items[1].kind, FrameReader::Kind::KeepAlive);
    EXPECT_EQ(items[2].packet, message(2, std::string(9000, 'b')));
    EXPECT_EQ(items[3].kind, FrameReader::Kind::KeepAlive);
    EXPECT_EQ(r.buffered(), 0u);
    r.space();  // empty again: back to the small buffer
    EXPECT_EQ(r.capacity(), FrameReader::kInitialSize);
  }
}

TEST(FrameReader, ABadFrameEndsTheStream) {
  std::vector<std::uint8_t> bytes = {0, 0, 0, 1, codec::kVersion + 1};  // keep-alive, wrong version
  ASSERT_TRUE(codec::encode(message(1, "after"), bytes));
  FrameReader r;
  const auto items = read_all(r, bytes, 2);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].kind, FrameReader::Kind::Bad);
  EXPECT_TRUE(r.bad());
  EXPECT_TRUE(r.space().empty());
  EXPECT_EQ(r.next().kind, FrameReader::Kind::Bad);
}

InboundCandidate candidate(std::uint64_t serial, int age_s, bool talked, bool linked = false,
                           std::uint64_t group = 1) {
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  return {serial, t0 - std::chrono::seconds(age_s), std::nullopt, talked, linked, false, group};
}

TEST(Eviction, TheLongestSilentGoesFirst) {
  std::vector<InboundCandidate> c = {candidate(1, 500, true, true), candidate(2, 8, false),
                                     candidate(3, 9, false), candidate(4, 1, false)};
  EXPECT_EQ(choose_inbound_to_evict(c), 3u);
}

TEST(Eviction, UsefulRareAndLongLivedNeighboursAreProtected) {
  std::vector<InboundCandidate> c;
  // Ten talkers from one crowded network, one from a rare network, one that just brought news.
  for (int i = 0; i < 10; ++i) c.push_back(candidate(10 + i, 100 + i, true, true, 7));
  c.push_back(candidate(50, 1, true, true, 99));
  c.push_back(candidate(60, 2, true, true, 7));
  c.back().last_useful = c.back().started + std::chrono::seconds(1);
  const auto victim = choose_inbound_to_evict(c);
  ASSERT_TRUE(victim.has_value());
  EXPECT_NE(*victim, 50u);
  EXPECT_NE(*victim, 60u);
  // The oldest half of the crowded talkers is protected; the youngest of the rest goes.
  EXPECT_EQ(*victim, 10u);
  // A connection the Node does not hold as a link goes before any that it does.
  c.push_back(candidate(70, 3, true, false, 7));
  EXPECT_EQ(choose_inbound_to_evict(c), 70u);
}

TEST(Eviction, AConnectionBeingClosedGoesBeforeAnyOther) {
  std::vector<InboundCandidate> c = {candidate(1, 9, false), candidate(2, 5, true, true),
                                     candidate(3, 4, true, false)};
  c[1].last_useful = c[1].started;
  c[1].closing = c[2].closing = true;
  EXPECT_EQ(choose_inbound_to_evict(c), 2u);  // the longest-closing, useful or not
}

TEST(Eviction, NothingWhenEveryoneIsProtected) {
  std::vector<InboundCandidate> c = {candidate(1, 5, true, true, 1)};
  c[0].last_useful = c[0].started;
  EXPECT_FALSE(choose_inbound_to_evict(c).has_value());
}

TEST(Admission, UndialableAddresses) {
  const Address self = Address::v4(0x7f000001, 5000);
  auto why = [&](const char* text) { return why_undialable(*parse_address(text), self, 5000); };
  EXPECT_STREQ(why("0.0.0.0:80"), "unspecified address");
  EXPECT_STREQ(why("[::]:80"), "unspecified address");
  EXPECT_STREQ(why("10.1.2.3:0"), "port 0");
  EXPECT_STREQ(why("224.0.0.1:80"), "multicast address");
  EXPECT_STREQ(why("[ff02::1]:80"), "multicast address");
  EXPECT_STREQ(why("255.255.255.255:80"), "broadcast address");
  EXPECT_STREQ(why("127.0.0.1:5000"), "this peer's own address");
  EXPECT_STREQ(why("127.0.0.9:5000"), "this peer's own address");
  EXPECT_STREQ(why("[::1]:5000"), "this peer's own address");
  EXPECT_EQ(why("127.0.0.1:5001"), nullptr);
  EXPECT_EQ(why("[2001:db8::1]:5000"), nullptr);
}

TEST(Admission, DialRateRefillsAndRefusedAddressesExpire) {
  const auto t0 = Clock::now();
  DialRate rate(2.0, 3.0, t0);
  int taken = 0;
  for (int i = 0; i < 10; ++i) taken += rate.take(t0);
  EXPECT_EQ(taken, 3);
  EXPECT_TRUE(rate.take(t0 + std::chrono::milliseconds(600)));  // 1.2 tokens back
  EXPECT_FALSE(rate.take(t0 + std::chrono::milliseconds(600)));

  RefusedAddresses refused(2);
  const Address a = Address::v4(0x7f000002, 0), b = Address::v4(0x7f000003, 0),
                c = Address::v4(0x7f000004, 0);
  refused.refuse(a, t0 + std::chrono::seconds(10));
  refused.refuse(b, t0 + std::chrono::seconds(1));
  EXPECT_TRUE(refused.refused(Address::v4(0x7f000002, 999), t0));  // any port of that address
  EXPECT_FALSE(refused.refused(a, t0 + std::chrono::seconds(10)));
  refused.refuse(c, t0 + std::chrono::seconds(5));  // over capacity: the soonest to expire goes
  EXPECT_EQ(refused.size(), 2u);
  EXPECT_FALSE(refused.refused(b, t0));
  EXPECT_TRUE(refused.refused(c, t0));
}

// A raw client that became a link of `peer` by sending a JOIN_ACK.
std::unique_ptr<RawClient> linked_raw(asio::io_context& io, TestPeer& peer, std::uint16_t port,
                                      const char* source = "127.0.0.1") {
  auto raw = std::make_unique<RawClient>(io, peer, source);
  const std::size_t before = peer.degree();
  raw->write(frame(join_ack_from(port)));
  EXPECT_TRUE(run_until(io, [&] { return peer.degree() == before + 1; }));
  return raw;
}

TEST(Transport, FloodedMessageIsEncodedOnceForEveryLink) {
  asio::io_context io;
  TestPeer a(io);
  std::vector<std::unique_ptr<RawClient>> links;
  for (int i = 0; i < 8; ++i)
    links.push_back(linked_raw(io, a, static_cast<std::uint16_t>(4300 + i)));
  ASSERT_EQ(a.degree(), 8u);
  const std::string text(20000, 'f');
  std::vector<std::uint8_t> one;
  ASSERT_TRUE(codec::encode(message(1, text), one));
  ASSERT_EQ(a.peer->write_memory(), 0u);
  ASSERT_TRUE(a.peer->say(text));  // eight Sends, not yet written
  EXPECT_GE(a.peer->write_memory(), one.size());
  EXPECT_LT(a.peer->write_memory(), 2 * one.size());
  ASSERT_TRUE(run_until(io, [&] { return a.peer->write_memory() == 0; }));
}

TEST(Transport, AllWriteQueuesShareOneMemoryBudget) {
  asio::io_context io;
  PeerOptions o = TestPeer::options();
  o.write_budget_bytes = 1 << 20;  // per queue stays 4 MiB: only the shared budget can act
  o.limits.idle_timeout = 0ms;     // the sinks send nothing at all; silence is not on trial here
  TestPeer a(io, o), b(io, {}, 2);
  link(io, b, a);  // b reads; the raw links never do
  io.restart();
  io.run_for(100ms);  // the seed rule may add a parallel link or two
  const std::size_t honest = a.degree();
  std::vector<std::unique_ptr<RawClient>> sinks;
  for (int i = 0; i < 3; ++i)
    sinks.push_back(linked_raw(io, a, static_cast<std::uint16_t>(4400 + i)));
  const std::string big(32 * 1024, 'x');
  std::size_t peak = 0;
  int said = 0;
  auto sinks_linked = [&] {
    std::size_t n = 0;
    for (const Link& l : a.peer->node().links()) {
      const std::uint16_t port = a.peer->node().peer_address(l).port;
      n += port >= 4400 && port < 4403;
    }
    return n;
  };
  for (; said < 2048 && sinks_linked() > 0; ++said) {
    a.peer->say(big + std::to_string(said));
    peak = std::max(peak, a.peer->write_memory());
    io.restart();
    io.poll();
  }
  ASSERT_TRUE(run_until(
      io, [&] { return sinks_linked() == 0; }, 15000ms));
  EXPECT_EQ(a.degree(), honest);
  std::string closes;
  for (const auto& l : a.logs)
    if (l.find(" closed: ") != std::string::npos) closes += l + "\n";
  EXPECT_TRUE(a.logged("write memory budget of 1048576 bytes exceeded")) << closes;
  EXPECT_FALSE(a.logged("write queue over")) << closes;
  // Over the budget by at most one frame and the queues too short to be dropped (64 KiB each).
  EXPECT_LE(peak, o.write_budget_bytes + 4 * 64 * 1024 + 2 * big.size());
  // The reading neighbour kept its link and got every message.
  ASSERT_TRUE(run_until(
      io, [&] { return b.delivered.size() == static_cast<std::size_t>(said); }, 15000ms));
  EXPECT_EQ(b.degree(), honest);
}

TEST(Transport, UndialableAddressesAreNeverDialled) {
  asio::io_context io;
  TestPeer a(io);
  for (const char* target : {"0.0.0.0:80", "[::]:80", "127.0.0.1:0", "224.0.0.1:80"}) {
    a.peer->join(*parse_address(target));
    EXPECT_EQ(a.peer->open_connections(), 0u) << target;
  }
  a.peer->join(a.address());
  EXPECT_EQ(a.peer->open_connections(), 0u);
  EXPECT_TRUE(a.logged("not dialling 0.0.0.0:80: unspecified address"));
  EXPECT_TRUE(a.logged("this peer's own address"));
  // A neighbour's JOIN_REQ naming 0.0.0.0:0: the protocol refuses it before any rule sees it
  // (an unexpected packet, which scores against the neighbour), so nothing is ever dialled. Few
  // enough that the neighbour stays below the misbehaviour threshold.
  auto raw = linked_raw(io, a, 4500);
  Packet req;
  req.type = PacketType::JoinReq;
  req.origin = Address::v4(0, 0);
  for (int i = 0; i < 5; ++i) {
    req.id = 1000 + i;
    raw->write(frame(req));
  }
  io.restart();
  io.run_for(300ms);
  EXPECT_FALSE(a.logged("not dialling 0.0.0.0:0")) << "refused before the transport was asked";
  EXPECT_EQ(a.degree(), 1u);  // only the raw link
  EXPECT_EQ(a.peer->open_connections(), 1u);
}

TEST(Transport, ConnectionBudgetCoversDials) {
  asio::io_context io;
  Config config;
  config.join_requests = 8;
  TestPeer a(io, {}, 1, config, 4);
  a.peer->join(Address::v4(0x7f000001, 9));  // one JOIN_REQ connection each
  EXPECT_EQ(a.peer->open_connections(), 4u);
  EXPECT_TRUE(a.logged("connection budget full"));
  ASSERT_TRUE(run_until(io, [&] { return a.peer->open_connections() == 0; }));
}

TEST(Transport, DialsCausedByANeighbourAreRateLimited) {
  asio::io_context io;
  std::uint16_t dead_port = 0;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    dead_port = probe.local_endpoint().port();
  }
  PeerOptions o = TestPeer::options();
  o.dial_rate = 1;
  o.dial_burst = 5;
  TestPeer a(io, o);
  auto raw = linked_raw(io, a, 4600, "127.0.0.30");
  raw->watch_for_close();
  Packet req;
  req.type = PacketType::JoinReq;
  req.origin = Address::v4(0x7f000001, dead_port);
  const auto start = Clock::now();
  for (int i = 0; i < 200 && !raw->closed; ++i) {
    req.id = 2000 + i;
    boost::system::error_code ec;
    asio::write(raw->socket, asio::buffer(frame(req)), ec);
    io.restart();
    io.poll();
  }
  ASSERT_TRUE(run_until(io, [&] { return raw->closed; }));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  int dials = 0;
  for (const auto& l : a.logs) dials += l.rfind("connecting to 127.0.0.1:", 0) == 0;
  EXPECT_GE(dials, 1);
  EXPECT_LE(dials, 5 + static_cast<int>(seconds * 1) + 1);
  EXPECT_TRUE(a.logged("too many dials caused by one neighbour"));
  EXPECT_TRUE(a.logged("misbehaving: too many dials caused by its packets"));
  EXPECT_TRUE(a.peer->refuses(Address::v4(0x7f00001e, 0)));
}

TEST(Transport, MisbehavingNeighbourIsClosedAndItsAddressRefusedForAWhile) {
  asio::io_context io;
  PeerOptions o = TestPeer::options();
  o.refuse_for = 400ms;
  TestPeer a(io, o);
  auto raw = linked_raw(io, a, 4700, "127.0.0.40");
  raw->watch_for_close();
  // A JOIN_ACK on a link is an UnexpectedPacket: 10 points each, closed at 100.
  for (int i = 0; i < 9; ++i) raw->write(frame(join_ack_from(4700)));
  io.restart();
  io.run_for(100ms);
  EXPECT_FALSE(raw->closed);
  raw->write(frame(join_ack_from(4700)));
  ASSERT_TRUE(run_until(io, [&] { return raw->closed; }));
  EXPECT_TRUE(a.logged("misbehaving: unexpected packets"));
  EXPECT_EQ(a.degree(), 0u);

  RawClient again(io, a, "127.0.0.40"), other(io, a, "127.0.0.41");
  again.watch_for_close();
  other.watch_for_close();
  ASSERT_TRUE(run_until(io, [&] { return again.closed; }));
  EXPECT_TRUE(a.logged("address refused after misbehaving"));
  EXPECT_FALSE(other.closed);
  io.restart();
  io.run_for(450ms);
  RawClient later(io, a, "127.0.0.40");  // the refusal has expired
  later.write(frame(join_ack_from(4701)));
  ASSERT_TRUE(run_until(io, [&] { return a.degree() == 1; }));
}

TEST(Transport, IdleLinksKeepEachOtherAliveAndASilentOneIsDropped) {
  asio::io_context io;
  SessionLimits limits;
  limits.idle_timeout = 1000ms;
  TestPeer a(io, limits), b(io, limits, 2);
  link(io, b, a);
  auto raw = std::make_unique<RawClient>(io, a);  // links, then never sends again
  const std::string closed =
      "connection " + to_string(address_of(raw->socket.local_endpoint())) + " closed: ";
  const auto start = Clock::now();
  raw->write(frame(join_ack_from(4800)));
  // Everything the raw link is sent until it is dropped (a JOIN_REQ passed on may come first).
  std::vector<std::uint8_t> got;
  std::array<std::uint8_t, 4096> buf{};
  std::function<void()> read = [&] {
    raw->socket.async_read_some(asio::buffer(buf),
                                [&](const boost::system::error_code& ec, std::size_t n) {
                                  got.insert(got.end(), buf.begin(), buf.begin() + n);
                                  if (!ec) read();
                                });
  };
  read();
  ASSERT_TRUE(run_until(
      io, [&] { return a.logged(closed); }, 5000ms));
  const auto dropped_after = Clock::now() - start;
  EXPECT_TRUE(a.logged(closed + "silent too long"));
  EXPECT_GE(dropped_after, 900ms);
  EXPECT_LT(dropped_after, 3000ms);
  FrameReader reader;  // it was sent keep-alives meanwhile
  int keep_alives = 0;
  for (const auto& item : read_all(reader, got, got.size() + 1))
    keep_alives += item.kind == FrameReader::Kind::KeepAlive;
  EXPECT_GE(keep_alives, 1);
  EXPECT_FALSE(reader.bad());
  // Real peers, idle for three timeouts, keep their link.
  io.restart();
  io.run_for(3000ms);
  EXPECT_GE(a.degree(), 1u);
  EXPECT_GE(b.degree(), 1u);
  EXPECT_FALSE(b.logged("silent too long"));
}

TEST(Transport, NewcomerGetsInWhileSilentConnectionsHoldEverySlot) {
  asio::io_context io;
  PeerOptions o = TestPeer::options();
  o.max_sessions = 40;  // 30 inbound
  TestPeer target(io, o), old_friend(io, {}, 2);
  link(io, old_friend, target);
  // The attacker holds far more connections than there are slots and reopens each one that is
  // closed, as fast as it can.
  std::vector<std::unique_ptr<RawClient>> attack;
  for (int i = 0; i < 60; ++i) {
    attack.push_back(std::make_unique<RawClient>(io, target, "127.0.0.60"));
    attack.back()->watch_for_close();
  }
  auto reopen = [&] {
    for (auto& r : attack)
      if (r->closed) {
        r = std::make_unique<RawClient>(io, target, "127.0.0.60");
        r->watch_for_close();
      }
  };
  for (int i = 0; i < 20; ++i) {
    io.restart();
    io.run_for(5ms);
    reopen();
  }
  TestPeer newcomer(io, {}, 3);
  newcomer.peer->join(target.address());
  const auto deadline = Clock::now() + 5s;
  while (newcomer.degree() == 0 && Clock::now() < deadline) {
    io.restart();
    io.run_for(5ms);
    reopen();
  }
  EXPECT_GE(newcomer.degree(), 1u);
  EXPECT_TRUE(target.logged("evicting inbound connection"));
  // The long-lived neighbour was never the one evicted.
  EXPECT_GE(old_friend.degree(), 1u);
  EXPECT_TRUE(old_friend.peer->say("still friends"));
  ASSERT_TRUE(run_until(io, [&] { return target.deliveries_of("still friends") == 1; }));
}

}  // namespace
}  // namespace p2p::transport
