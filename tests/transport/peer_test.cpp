// The TCP transport in one process: real sockets on 127.0.0.1 and ::1, every peer on one
// io_context, ports chosen by the kernel. Hostile connections are raw sockets writing bytes.
#include "transport/peer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/codec.hpp"
#include "protocol/join_rule.hpp"
#include "test_peer.hpp"
#include "transport/endpoint.hpp"

namespace p2p::transport {
namespace {

using namespace std::chrono_literals;

using namespace test_support;

TEST(Transport, TwoPeersJoinAndChat) {
  asio::io_context io;
  TestPeer a(io), b(io, {}, 2);
  link(io, b, a);
  ASSERT_TRUE(run_until(io, [&] { return a.degree() >= 1; }));
  ASSERT_TRUE(b.peer->say("hello"));
  ASSERT_TRUE(run_until(io, [&] { return a.deliveries_of("hello") == 1; }));
  EXPECT_EQ(a.delivered.front().origin, b.address());
  EXPECT_EQ(b.deliveries_of("hello"), 0);  // the author does not deliver to itself
}

TEST(Transport, OriginIsTheAuthorNotTheLastHop) {
  asio::io_context io;
  TestPeer a(io), b(io, {}, 2), c(io, {}, 3);
  link(io, b, a);
  // C joins through B only; whatever the links, a message from C reaches A with C's address.
  link(io, c, b);
  ASSERT_TRUE(c.peer->say("from c"));
  ASSERT_TRUE(run_until(io, [&] { return a.deliveries_of("from c") == 1; }));
  EXPECT_EQ(a.delivered.back().origin, c.address());
  ASSERT_TRUE(run_until(io, [&] { return b.deliveries_of("from c") == 1; }));
  io.restart();
  io.run_for(100ms);  // time for duplicates to arrive: each peer still delivers once
  EXPECT_EQ(a.deliveries_of("from c"), 1);
  EXPECT_EQ(b.deliveries_of("from c"), 1);
}

TEST(Transport, JoinsThroughIpv6LoopbackAndNames) {
  asio::io_context io;
  TestPeer a(io), b(io, {}, 2), c(io, {}, 3);
  if (!a.peer->listening().address().is_v6()) GTEST_SKIP() << "no IPv6 on this host";
  ASSERT_TRUE(b.peer->join("[::1]:" + std::to_string(a.address().port)));
  ASSERT_TRUE(run_until(io, [&] { return b.degree() >= 1; }));
  ASSERT_TRUE(c.peer->join("localhost:" + std::to_string(a.address().port)));
  ASSERT_TRUE(run_until(io, [&] { return c.degree() >= 1; }));
  EXPECT_FALSE(c.peer->join("no-port-here"));
}

TEST(Transport, EachKindOfBadFrameClosesOnlyItsConnection) {
  asio::io_context io;
  TestPeer a(io), b(io, {}, 2);
  link(io, b, a);

  Packet good;
  good.type = PacketType::JoinReq;
  good.origin = Address::v4(0x7f000001, 1);
  struct Case {
    const char* expected_log;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<Case> cases;
  {
    auto f = frame(good);
    f[codec::kLengthPrefixSize] = codec::kVersion + 1;
    cases.push_back({"wrong protocol version", f});
  }
  cases.push_back({"oversized frame", {0xff, 0xff, 0xff, 0xff}});
  {
    auto f = frame(good);
    f[codec::kHeaderSize + 1] = 9;  // the type byte: neither the seed's nor a rule's
    cases.push_back({"unknown packet type", f});
  }
  {
    auto f = frame(good);
    f.push_back(0);
    f[3] += 1;  // a length one longer: a trailing byte inside the frame
    cases.push_back({"malformed frame", f});
  }
  int host = 10;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected_log);
    const std::size_t logs_before = a.logs.size();
    // Each from its own address: a bad frame gets its sender's address refused for a while.
    const std::string source = "127.0.0." + std::to_string(host++);
    RawClient raw(io, a, source.c_str());
    raw.write(c.bytes);
    raw.watch_for_close();
    ASSERT_TRUE(run_until(io, [&] { return raw.closed; }));
    ASSERT_TRUE(run_until(io, [&] { return a.logs.size() > logs_before; }));
    int matching = 0;
    for (std::size_t i = logs_before; i < a.logs.size(); ++i)
      matching += a.logs[i].find(c.expected_log) != std::string::npos &&
                  a.logs[i].find(" closed: ") != std::string::npos;
    EXPECT_EQ(matching, 1);
    // A frame of another version may be an honest peer of another build; the rest are refused.
    const bool wrong_version = std::string_view(c.expected_log) == "wrong protocol version";
    EXPECT_EQ(a.peer->refuses(*parse_address(source + ":1")), !wrong_version);
  }
  // The link to B was untouched: chat still flows both ways.
  EXPECT_GE(a.degree(), 1u);
  ASSERT_TRUE(b.peer->say("still here"));
  ASSERT_TRUE(run_until(io, [&] { return a.deliveries_of("still here") == 1; }));
  ASSERT_TRUE(a.peer->say("and back"));
  ASSERT_TRUE(run_until(io, [&] { return b.deliveries_of("and back") == 1; }));
}

TEST(Transport, HalfAFrameThenSilenceIsTimedOut) {
  asio::io_context io;
  SessionLimits limits;
  limits.stall_timeout = 200ms;
  TestPeer a(io, limits);
  RawClient raw(io, a);
  auto f = frame(join_ack_from(4242));
  f.resize(f.size() / 2);
  raw.write(f);
  raw.watch_for_close();
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(
      io, [&] { return raw.closed; }, 3000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_TRUE(a.logged("timed out inside a frame"));
  EXPECT_EQ(a.degree(), 0u);
}

TEST(Transport, TrickledFrameIsTimedOutDespiteSteadyBytes) {
  asio::io_context io;
  SessionLimits limits;
  limits.stall_timeout = 200ms;
  TestPeer a(io, limits);
  RawClient raw(io, a);
  raw.watch_for_close();
  const auto f = frame(join_ack_from(4245));
  // One byte every 40 ms: always some progress, but the frame would need over a second.
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < f.size() && !raw.closed; ++i) {
    boost::system::error_code ec;
    asio::write(raw.socket, asio::buffer(&f[i], 1), ec);
    if (ec) break;
    io.restart();
    io.run_for(40ms);
  }
  ASSERT_TRUE(run_until(
      io, [&] { return raw.closed; }, 2000ms));
  // Cut well before the whole frame could have arrived.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 40ms * f.size() / 2);
  EXPECT_TRUE(a.logged("timed out inside a frame"));
  EXPECT_EQ(a.degree(), 0u);
}

TEST(Transport, BusyLinkIsNotTimedOutByFramesSpanningReads) {
  asio::io_context io;
  SessionLimits limits;
  limits.stall_timeout = 100ms;
  TestPeer a(io, limits), b(io, limits, 2);
  link(io, b, a);
  ASSERT_TRUE(run_until(io, [&] { return a.degree() >= 1; }));
  // Odd-sized messages for well over the stall timeout: reads end mid-frame all the time.
  const auto until = std::chrono::steady_clock::now() + 500ms;
  int sent = 0;
  while (std::chrono::steady_clock::now() < until) {
    b.peer->say(std::string(1000 + 37 * (sent % 50), 'a' + sent % 26) + std::to_string(sent));
    ++sent;
    io.restart();
    io.run_for(1ms);  // paced: a few hundred messages, well inside the seen set
  }
  ASSERT_TRUE(run_until(io, [&] { return a.delivered.size() == static_cast<std::size_t>(sent); }));
  EXPECT_FALSE(a.logged("timed out"));
  EXPECT_GE(b.degree(), 1u);
}

TEST(Transport, SilentNewConnectionIsTimedOutButIdleLinkIsKept) {
  asio::io_context io;
  SessionLimits limits;
  limits.stall_timeout = 150ms;
  TestPeer a(io, limits);
  RawClient silent(io, a);
  silent.watch_for_close();
  RawClient linked(io, a);
  linked.write(frame(join_ack_from(4243)));  // a JOIN_ACK makes it a link
  linked.watch_for_close();
  ASSERT_TRUE(run_until(
      io, [&] { return silent.closed; }, 3000ms));
  EXPECT_TRUE(a.logged("timed out waiting for a first packet"));
  io.restart();
  io.run_for(400ms);  // well past the stall timeout
  EXPECT_FALSE(linked.closed);
  EXPECT_EQ(a.degree(), 1u);
}

TEST(Transport, PeerThatStopsReadingIsDroppedAtTheQueueBound) {
  asio::io_context io;
  SessionLimits limits;
  limits.write_queue_bytes = 256 * 1024;
  limits.idle_timeout = 0ms;  // the sink sends nothing at all; silence is not on trial here
  TestPeer a(io, limits);
  RawClient sink(io, a);  // links, then never reads
  sink.write(frame(join_ack_from(4244)));
  ASSERT_TRUE(run_until(io, [&] { return a.degree() == 1; }));
  const std::string big(32 * 1024, 'x');
  // Kernel buffers take a few MiB before the queue grows; 64 MiB of chat is far beyond both.
  bool dropped = false;
  for (int i = 0; i < 2048 && !dropped; ++i) {
    a.peer->say(big + std::to_string(i));
    io.restart();
    io.poll();
    dropped = a.degree() == 0;
  }
  ASSERT_TRUE(run_until(io, [&] { return a.degree() == 0; }));
  EXPECT_TRUE(a.logged("write queue over 262144 bytes"));
  ASSERT_TRUE(run_until(io, [&] { return a.peer->open_connections() == 0; }));
}

TEST(Transport, VanishedNeighbourIsRemovedAndTheRestKeepChatting) {
  asio::io_context io;
  TestPeer a(io), b(io, {}, 2);
  auto c = std::make_unique<TestPeer>(io, SessionLimits{}, 3);
  link(io, b, a);
  link(io, *c, a);
  // The seed rule may give b a second link first: wait for the one to c.
  ASSERT_TRUE(run_until(io, [&] {
    for (const Link& l : a.peer->node().links())
      if (a.peer->node().peer_address(l) == c->address()) return true;
    return false;
  }));
  c.reset();  // its sockets close without a goodbye, as when a process is killed
  ASSERT_TRUE(run_until(io, [&] {
    for (const Link& l : a.peer->node().links())
      if (a.peer->node().peer_address(l).port != b.address().port) return false;
    return true;
  }));
  ASSERT_TRUE(b.peer->say("after c"));
  ASSERT_TRUE(run_until(io, [&] { return a.deliveries_of("after c") == 1; }));
}

TEST(Transport, LeaveClosesEveryConnectionAndFinishes) {
  asio::io_context io;
  TestPeer a(io), b(io, {}, 2);
  link(io, b, a);
  ASSERT_TRUE(run_until(io, [&] { return a.degree() >= 1; }));
  bool left = false;
  a.peer->leave([&] { left = true; });
  ASSERT_TRUE(run_until(io, [&] { return left; }));
  EXPECT_EQ(a.peer->open_connections(), 0u);
  EXPECT_EQ(a.degree(), 0u);
  ASSERT_TRUE(run_until(io, [&] { return b.degree() == 0; }));
  EXPECT_FALSE(a.peer->say("too late"));
}

TEST(Transport, DialToNowhereIsLoggedAndHarmless) {
  asio::io_context io;
  TestPeer a(io);
  // A port just released by the kernel: nothing listens there.
  std::uint16_t dead_port = 0;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    dead_port = probe.local_endpoint().port();
  }
  a.peer->join(Address::v4(0x7f000001, dead_port));
  ASSERT_TRUE(run_until(io, [&] { return a.logged("cannot connect"); }));
  ASSERT_TRUE(run_until(io, [&] { return a.peer->open_connections() == 0; }));
  TestPeer b(io, {}, 2);
  link(io, b, a);  // still serving
}

TEST(Transport, ConnectionsBeyondTheCapAreRefusedWhenEveryHolderIsProtected) {
  asio::io_context io;
  PeerOptions o = TestPeer::options();
  o.max_sessions = 4;
  o.max_inbound = 3;
  TestPeer a(io, o);
  std::vector<std::unique_ptr<RawClient>> raws;
  for (int i = 0; i < 5; ++i) {
    raws.push_back(std::make_unique<RawClient>(io, a));
    raws.back()->watch_for_close();
    if (i < 3) {  // links that brought something: the eviction policy protects them
      raws.back()->write(frame(join_ack_from(static_cast<std::uint16_t>(4250 + i))));
      ASSERT_TRUE(run_until(io, [&] { return a.degree() == static_cast<std::size_t>(i + 1); }));
    }
  }
  ASSERT_TRUE(run_until(io, [&] { return raws[3]->closed && raws[4]->closed; }));
  io.restart();
  io.run_for(50ms);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(raws[i]->closed) << i;
  EXPECT_TRUE(a.logged("no free slot"));
  // A slot freed is a slot usable again.
  raws[0]->socket.close();
  ASSERT_TRUE(run_until(io, [&] { return a.peer->open_connections() == 2; }));
  RawClient again(io, a);
  again.watch_for_close();
  ASSERT_TRUE(run_until(io, [&] { return a.peer->open_connections() == 3; }));
  EXPECT_FALSE(again.closed);
}

TEST(Transport, LargestFrameCrossesTheWire) {
  asio::io_context io;
  TestPeer a(io), b(io, {}, 2);
  link(io, b, a);
  const std::string big(codec::kMaxTextSize, 'z');
  ASSERT_TRUE(b.peer->say(big));
  ASSERT_TRUE(b.peer->say("small after big"));
  ASSERT_TRUE(run_until(io, [&] { return a.deliveries_of("small after big") == 1; }));
  EXPECT_EQ(a.deliveries_of(big), 1);
  EXPECT_FALSE(b.peer->say(big + "!"));  // over the cap: refused, nothing sent
}

TEST(Transport, NodeWakeUpsFireAtTheirTime) {
  // A rule with retries: joining a dead entry makes the Node ask again after 60 ms, 120 ms and
  // 240 ms (doubling), each time through a fresh dial that fails.
  asio::io_context io;
  Config config;
  int max_hops = config.max_hops;
  config.rule = parse_join_rule("inverse_degree", max_hops);
  config.join_requests = 1;
  config.min_connections = 1;
  config.retry_delay = 60 * kMillisecond;
  config.retry_delay_max = kSecond;
  config.retry_attempts = 3;
  TestPeer a(io, {}, 1, config);
  std::uint16_t dead_port = 0;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    dead_port = probe.local_endpoint().port();
  }
  std::vector<std::chrono::steady_clock::time_point> failures;
  std::size_t seen_logs = 0;
  const auto start = std::chrono::steady_clock::now();
  a.peer->join(Address::v4(0x7f000001, dead_port));
  run_until(
      io,
      [&] {
        for (; seen_logs < a.logs.size(); ++seen_logs)
          if (a.logs[seen_logs].find("cannot connect") != std::string::npos)
            failures.push_back(std::chrono::steady_clock::now());
        return failures.size() >= 4;
      },
      3000ms);
  ASSERT_EQ(failures.size(), 4u);  // the join and three retries
  EXPECT_GE(failures[1] - start, 60ms);
  EXPECT_GE(failures[2] - failures[1], 100ms);
  EXPECT_GE(failures[3] - failures[2], 200ms);
  io.restart();
  io.run_for(600ms);  // no fourth retry: the Node gave up
  std::size_t total = 0;
  for (const auto& l : a.logs) total += l.find("cannot connect") != std::string::npos;
  EXPECT_EQ(total, 4u);
}

TEST(Transport, ListensOnTheFirstFreePortFromTheDefault) {
  asio::io_context io;
  // Occupy the default port if it is free, so the hunt has to move upward at least past it.
  boost::system::error_code ec;
  tcp::acceptor blocker(io);
  blocker.open(tcp::v6(), ec);
  if (!ec) blocker.set_option(asio::ip::v6_only(false), ec);
  if (!ec) blocker.bind(tcp::endpoint(asio::ip::address_v6::any(), kDefaultPort), ec);
  if (!ec) blocker.listen(asio::socket_base::max_listen_connections, ec);
  PeerOptions o;  // no port: hunt
  Peer p(io, o, {});
  EXPECT_GT(p.listening().port(), kDefaultPort);
  EXPECT_LT(p.listening().port(), kDefaultPort + 1000);
  EXPECT_EQ(p.advertised().port, p.listening().port());
}

}  // namespace
}  // namespace p2p::transport

namespace p2p::transport {
namespace {

TEST(Endpoint, SplitsHostAndPort) {
  const auto v4 = split_host_port("example.org:55555");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "example.org");
  EXPECT_EQ(v4->port, "55555");
  const auto v6 = split_host_port("[::1]:7");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "7");
  for (const char* bad : {"", "host", ":1", "host:", "host:65536", "host:1x", "[::1]7", "[::1]:"})
    EXPECT_FALSE(split_host_port(bad)) << bad;
}

TEST(Endpoint, AddressesRoundTripThroughEndpoints) {
  const Address v4 = Address::v4(0xc0a80114, 55555);
  const tcp::endpoint e4 = endpoint_of(v4);
  EXPECT_TRUE(e4.address().is_v4());
  EXPECT_EQ(e4.address().to_string(), "192.168.1.20");
  EXPECT_EQ(address_of(e4), v4);
  const Address v6 = *parse_address("[2001:db8::5]:80");
  const tcp::endpoint e6 = endpoint_of(v6);
  EXPECT_EQ(e6.address().to_string(), "2001:db8::5");
  EXPECT_EQ(e6.port(), 80);
  EXPECT_EQ(address_of(e6), v6);
  // A v4-mapped IPv6 endpoint (what a dual-stack listener reports) names the IPv4 peer.
  const tcp::endpoint mapped(asio::ip::make_address("::ffff:10.0.0.1"), 9);
  EXPECT_EQ(to_string(address_of(mapped)), "10.0.0.1:9");
  EXPECT_TRUE(endpoint_of(address_of(mapped)).address().is_v4());
}

}  // namespace
}  // namespace p2p::transport
