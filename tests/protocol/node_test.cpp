#include "protocol/node.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <initializer_list>
#include <map>
#include <set>

#include "protocol/join_rule.hpp"
#include "tests/protocol/packets.hpp"

namespace p2p {
namespace {

using namespace p2p::test_packets;

constexpr ConnId kInbound = kDriverConnBit | 1;

// Gives `node` `d` neighbours by feeding it JOIN_ACKs on fresh inbound connections.
void give_links(Node& node, std::uint32_t d) {
  Effects out;
  for (std::uint32_t k = 0; k < d; ++k)
    node.on_packet(0, kDriverConnBit | (100 + k), ack(addr(0x0a000000 + 100 + k)), out);
  ASSERT_EQ(node.degree(), d);
}

TEST(Join, SendsConfiguredNumberOfRequestsToEntry) {
  Config cfg;
  cfg.join_requests = 4;
  Node node(addr(1), cfg, 42);
  Effects out;
  node.join(0, addr(2), out);
  ASSERT_EQ(out.size(), 4u);
  std::set<std::uint64_t> ids;
  for (const Effect& e : out) {
    const auto& s = std::get<SendOnce>(e);
    EXPECT_EQ(s.to, addr(2));
    EXPECT_EQ(s.packet.type, PacketType::JoinReq);
    EXPECT_EQ(s.packet.origin, addr(1));
    EXPECT_EQ(s.packet.hops, 0);
    ids.insert(s.packet.id);
  }
  EXPECT_EQ(ids.size(), 4u) << "each request carries its own id";
}

TEST(JoinRequest, IsolatedNodeAcceptsAndOpensLastingConnection) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  Effects out;
  node.on_packet(0, kInbound, join_req(addr(5)), out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(std::get<Note>(out[0]).kind, NoteKind::JoinAccepted);
  const auto& open = std::get<Open>(out[1]);
  EXPECT_EQ(open.to, addr(5));
  EXPECT_FALSE(is_driver_conn(open.conn));
  EXPECT_EQ(open.packet.type, PacketType::JoinAck);
  EXPECT_EQ(open.packet.origin, addr(1));
  EXPECT_EQ(std::get<Note>(out[2]).kind, NoteKind::LinkUp);
  // The throw-away connection the request came on is closed.
  EXPECT_EQ(std::get<Close>(out[3]).conn, kInbound);
  ASSERT_EQ(node.degree(), 1u);
  EXPECT_EQ(node.peer_address(node.links()[0]), addr(5));
  EXPECT_EQ(node.conn_of(node.links()[0]), open.conn);
}

TEST(JoinRequest, RejectsItsOwnOrigin) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  Effects out;
  // Degree 0 accepts anything with probability 1, except its own request.
  node.on_packet(0, kInbound, join_req(addr(1)), out);
  EXPECT_TRUE(of_type<Open>(out).empty());
  EXPECT_EQ(node.degree(), 0u);
  ASSERT_EQ(of_type<Note>(out).size(), 1u);
  EXPECT_EQ(of_type<Note>(out)[0].kind, NoteKind::JoinDroppedNoLink);
}

TEST(JoinRequest, OwnOriginIsForwardedToANeighbour) {
  Config cfg;
  Node node(addr(1), cfg, 3);
  give_links(node, 3);
  Effects out;
  node.on_packet(0, kInbound, join_req(addr(1), 2), out);
  auto sends = of_type<Send>(out);
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].packet.origin, addr(1));
  EXPECT_EQ(sends[0].packet.hops, 3);
  EXPECT_EQ(node.degree(), 3u);
}

TEST(JoinRequest, IsForwardedWhenRejected) {
  Config cfg;
  Node node(addr(1), cfg, 11);
  give_links(node, 5);
  int forwarded = 0;
  std::set<ConnId> targets;
  for (int i = 0; i < 400; ++i) {
    Effects out;
    const ConnId via = node.conn_of(node.links()[0]);  // arrives over a neighbour's link: kept open
    node.on_packet(0, via, join_req(addr(50), 1, 1000 + i), out);
    auto opens = of_type<Open>(out);
    auto sends = of_type<Send>(out);
    EXPECT_TRUE(of_type<Close>(out).empty()) << "a neighbour's link is not closed";
    if (!opens.empty()) {
      EXPECT_TRUE(sends.empty());
      // Undo the accepted link so the degree stays at 5.
      Effects ignored;
      node.on_closed(0, opens[0].conn, ignored);
      continue;
    }
    ASSERT_EQ(sends.size(), 1u);
    ++forwarded;
    const Send& s = sends[0];
    EXPECT_EQ(s.packet.type, PacketType::JoinReq);
    EXPECT_EQ(s.packet.origin, addr(50));
    EXPECT_EQ(s.packet.hops, 2);
    EXPECT_NE(s.packet.id, 1000u + i) << "a passed-on request gets a fresh id, as in the seed";
    bool is_neighbour = false;
    for (const Link& l : node.links())
      if (node.conn_of(l) == s.conn && node.peer_address(l) == s.peer) is_neighbour = true;
    EXPECT_TRUE(is_neighbour);
    targets.insert(s.conn);
  }
  EXPECT_GT(forwarded, 250);
  EXPECT_EQ(targets.size(), 5u) << "every neighbour is chosen sometimes";
}

TEST(JoinRequest, IsDroppedAtTheHopLimit) {
  Config cfg;
  cfg.max_hops = 3;
  Node node(addr(1), cfg, 5);
  give_links(node, 50);  // acceptance near 1/51: nearly always rejected
  int dropped = 0;
  for (int i = 0; i < 50; ++i) {
    Effects out;
    node.on_packet(0, kInbound, join_req(addr(9), 3, i), out);
    if (!of_type<Open>(out).empty()) {
      Effects ignored;
      node.on_closed(0, of_type<Open>(out)[0].conn, ignored);
      continue;
    }
    EXPECT_TRUE(of_type<Send>(out).empty());
    auto notes = of_type<Note>(out);
    ASSERT_FALSE(notes.empty());
    EXPECT_EQ(notes[0].kind, NoteKind::JoinDroppedHops);
    ++dropped;
  }
  EXPECT_GT(dropped, 40);
}

class AcceptRate : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(AcceptRate, IsCloseToOneOverDegreePlusOne) {
  const std::uint32_t d = GetParam();
  Config cfg;
  Node node(addr(1), cfg, 1234 + d);
  give_links(node, d);
  const int trials = 40000;
  int accepted = 0;
  for (int i = 0; i < trials; ++i) {
    Effects out;
    node.on_packet(0, kInbound, join_req(addr(77), 0, i), out);
    for (const Open& o : of_type<Open>(out)) {
      ++accepted;
      Effects ignored;
      node.on_closed(0, o.conn, ignored);
    }
    ASSERT_EQ(node.degree(), d);
  }
  const double p = 1.0 / (d + 1);
  const double sd = std::sqrt(p * (1 - p) / trials);
  EXPECT_NEAR(static_cast<double>(accepted) / trials, p, 5 * sd);
}
INSTANTIATE_TEST_SUITE_P(Degrees, AcceptRate, ::testing::Values(1u, 2u, 4u, 8u, 16u));

TEST(JoinAck, AddsALinkToTheAcceptor) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  Effects out;
  node.on_packet(0, kInbound, ack(addr(8)), out);
  ASSERT_EQ(node.degree(), 1u);
  EXPECT_EQ(node.conn_of(node.links()[0]), kInbound);
  EXPECT_EQ(node.peer_address(node.links()[0]), addr(8));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<Note>(out[0]).kind, NoteKind::LinkUp);
}

TEST(Link, CodesEachFormOfConnectionIdInFourBytes) {
  constexpr PeerId peer = 77;
  const ConnId from_peer = kDriverConnBit | (ConnId{peer} << 32);
  EXPECT_EQ(Link::encode(1, peer), 1u);
  EXPECT_EQ(Link::encode(0x7FFFFFFF, peer), 0x7FFFFFFFu);
  EXPECT_EQ(Link::encode(ConnId{1} << 31, peer), Link::kEscaped);
  EXPECT_EQ(Link::encode(from_peer | 3, peer), Link::kDriver | 3);
  EXPECT_EQ(Link::encode(from_peer | 0x3FFFFFFF, peer), Link::kDriver | 0x3FFFFFFF);
  EXPECT_EQ(Link::encode(from_peer | 0x40000000, peer), Link::kEscaped);
  EXPECT_EQ(Link::encode(from_peer | 3, peer + 1), Link::kEscaped) << "opened by another";
  EXPECT_EQ(Link::encode(kDriverConnBit | 5, peer), Link::kEscaped) << "a plain driver number";
  EXPECT_EQ(Link::encode(kDriverConnBit | 5, 0), Link::kDriver | 5) << "opened by peer 0";
  for (ConnId c : {ConnId{1}, ConnId{0x7FFFFFFF}, from_peer | 3, from_peer | 0x3FFFFFFF}) {
    const Link l{Link::encode(c, peer), peer};
    EXPECT_FALSE(l.escaped()) << std::hex << c;
    EXPECT_EQ(l.unescaped_conn(), c) << std::hex << c;
  }
}

TEST(Node, KeepsItsInlineLinksInItsLastTwoCacheLines) {
  // A driver that looks a node's links up (the simulator's fan-out entries) reads only the last
  // two of its three lines: the links, up to the inline room, and their count before them lie
  // there, and end beside the 8 bytes a driver keeps its own counters in.
  Config cfg;
  Node node(addr(1), cfg, 1);
  Effects out;
  for (std::uint32_t k = 0; k < LinkList::kInline; ++k) {
    const Address from = addr(100 + k);
    node.on_packet(0, kDriverConnBit | (ConnId{cfg.book->hold(from)} << 32) | 1, ack(from), out);
  }
  ASSERT_EQ(node.degree(), LinkList::kInline);
  const auto* self = reinterpret_cast<const char*>(&node);
  const auto* first = reinterpret_cast<const char*>(node.links().data());
  const auto* end = reinterpret_cast<const char*>(node.links().data() + node.degree());
  EXPECT_GE(first - self, 64 + static_cast<std::ptrdiff_t>(sizeof(std::uint32_t)));
  EXPECT_LE(end - self, static_cast<std::ptrdiff_t>(sizeof(Node) - 8));
}

// A node's first link, over its own connection: it accepts a JOIN_REQ. Returns that id.
ConnId accept_one(Node& node) {
  Effects out;
  node.on_packet(0, kInbound, join_req(addr(2)), out);
  const auto opened = of_type<Open>(out);
  EXPECT_EQ(opened.size(), 1u);
  return opened.empty() ? 0 : opened[0].conn;
}

// Whether `node` takes a message arriving over `conn` as over a link: delivered, nothing closed.
bool takes_message_over(Node& node, ConnId conn) {
  static std::uint64_t id = 1;
  Effects got;
  node.on_packet(0, conn, message(addr(40), id++), got);
  return of_type<Close>(got).empty() && of_type<Deliver>(got).size() == 1;
}

// Without an escaped link the search runs on the codes: every link is found by its id, and ids
// close to theirs (another number, another opener, a number too large for a code) are not.
TEST(Link, FoundByIdWithoutEscapes) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  Effects out;
  std::vector<ConnId> have = {accept_one(node)};
  for (std::uint32_t k = 0; k < 20; ++k) {
    const Address from = addr(100 + (k * 7) % 20);
    const ConnId conn = kDriverConnBit | (ConnId{cfg.book->hold(from)} << 32) | (50 - k);
    node.on_packet(0, conn, ack(from), out);
    have.push_back(conn);
  }
  ASSERT_EQ(node.degree(), have.size());
  auto found = [&](ConnId conn) { return takes_message_over(node, conn); };
  for (ConnId conn : have) EXPECT_TRUE(found(conn)) << std::hex << conn;
  const ConnId own = have[0], theirs = have[5];
  for (ConnId absent : {own + 1, own | (ConnId{1} << 31), ConnId{0x7FFFFFFF}, theirs + 100,
                        theirs ^ (ConnId{1} << 40), theirs | 0x40000000, kDriverConnBit | 50,
                        kDriverConnBit | (ConnId{0x7FFFFFFF} << 32)}) {
    ASSERT_EQ(std::count(have.begin(), have.end(), absent), 0);
    EXPECT_FALSE(found(absent)) << std::hex << absent;
  }
}

// However many links a node has (inline and compared all at once, or in a block of their own
// and searched by key), every link is found by its id; an id with one link's peer and another's
// number is not; a closed link is not, although its bytes stay in a place past the last link.
class LinkLookup : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(LinkLookup, FindsEveryLinkAndNothingElse) {
  const std::uint32_t count = GetParam();
  Config cfg;
  Node node(addr(1), cfg, 1);
  Effects out;
  std::vector<ConnId> have = {accept_one(node)};
  for (std::uint32_t k = 0; k + 1 < count; ++k) {
    const Address from = addr(1000 + (k * 37) % 1009);  // peers in no order, each once
    const ConnId conn = kDriverConnBit | (ConnId{cfg.book->hold(from)} << 32) | (300 - 2 * k);
    node.on_packet(0, conn, ack(from), out);
    have.push_back(conn);
  }
  ASSERT_EQ(node.degree(), count);
  auto found = [&](ConnId conn) { return takes_message_over(node, conn); };
  for (ConnId conn : have) EXPECT_TRUE(found(conn)) << std::hex << conn;
  const ConnId own = have[0];
  auto crossed = [&](std::size_t a, std::size_t b) {  // a's opener, b's number
    return (have[a] & ~ConnId{0xFFFFFFFF}) | (have[b] & 0xFFFFFFFF);
  };
  for (ConnId absent :
       {own + 1, own | kDriverConnBit, crossed(1, 2), crossed(5, 3), crossed(count - 1, 1),
        have[4] + 1, kDriverConnBit | (ConnId{0x7FFFFFFF} << 32)}) {
    ASSERT_EQ(std::count(have.begin(), have.end(), absent), 0);
    EXPECT_FALSE(found(absent)) << std::hex << absent;
  }
  // Closed, from the back and from the middle: the places past the last link keep stale links,
  // and a node of fifteen links takes them back inside.
  std::vector<ConnId> gone;
  for (int k = 0; k < 4; ++k) {
    const ConnId conn = node.conn_of(node.links()[k % 2 == 0 ? node.degree() - 1 : 3]);
    node.on_closed(0, conn, out);
    gone.push_back(conn);
    std::erase(have, conn);
    ASSERT_EQ(node.degree(), have.size());
    for (ConnId c : have) EXPECT_TRUE(found(c)) << std::hex << c;
    for (ConnId c : gone) EXPECT_FALSE(found(c)) << std::hex << c;
  }
}

INSTANTIATE_TEST_SUITE_P(Counts, LinkLookup,
                         ::testing::Values(9u, LinkList::kInline, LinkList::kInline + 1, 17u, 40u,
                                           130u));

// A node's own connections in a block of their own are looked up from where their numbers say
// they are: every one is found, also when the first came to a block of the neighbours' links,
// after links before it closed (it then lies earlier than its number says) and after the first
// link closed; a number below the first, in a gap or past the last is not.
TEST(Link, OwnLinksInABlockAreFoundWhereTheirNumbersPoint) {
  Config cfg;
  cfg.rule = parse_join_rule("fixed:p=1", cfg.max_hops);
  Node node(addr(1), cfg, 1);
  std::vector<ConnId> theirs, own;
  // Links the neighbours opened (answers to requests of the node's): more than fit inline.
  for (std::uint32_t k = 0; k < LinkList::kInline + 6; ++k) {
    Effects out;
    node.join(0, addr(1), out);
    const auto sent = of_type<SendOnce>(out);
    ASSERT_FALSE(sent.empty());
    const Address from = addr(2000 + k);
    const ConnId conn = kDriverConnBit | (ConnId{cfg.book->hold(from)} << 32) | (7 + k);
    node.on_packet(0, conn, ack(from, sent[0].packet.id), out);
    theirs.push_back(conn);
  }
  auto found = [&](ConnId conn) { return takes_message_over(node, conn); };
  auto all_found = [&] {
    for (ConnId c : own) EXPECT_TRUE(found(c)) << std::hex << c;
    for (ConnId c : theirs) EXPECT_TRUE(found(c)) << std::hex << c;
  };
  // The node's own, accepted; they go before the neighbours' in the block.
  for (std::uint32_t k = 0; k < 60; ++k) {
    Effects out;
    node.on_packet(0, kInbound, join_req(addr(500 + k)), out);
    const auto opened = of_type<Open>(out);
    ASSERT_EQ(opened.size(), 1u) << k;
    own.push_back(opened[0].conn);
    ASSERT_EQ(node.degree(), theirs.size() + own.size());
    all_found();
  }
  std::vector<ConnId> gone;
  // Closed: the first own link twice over, then links in the middle and the last own one.
  for (std::size_t at : {0u, 0u, 10u, 11u, 30u, 54u}) {
    const ConnId conn = own[at];
    Effects out;
    node.on_closed(0, conn, out);
    gone.push_back(conn);
    own.erase(own.begin() + static_cast<std::ptrdiff_t>(at));
    ASSERT_EQ(node.degree(), theirs.size() + own.size());
    all_found();
    for (ConnId c : gone) EXPECT_FALSE(found(c)) << std::hex << c;
  }
  for (ConnId absent : {own.front() - 1, own.back() + 1, own.back() + 1000, ConnId{0x7FFFFFFF}}) {
    ASSERT_EQ(std::count(own.begin(), own.end(), absent), 0);
    EXPECT_FALSE(found(absent)) << std::hex << absent;
  }
}

// The count of links to a peer, against a plain list kept beside: links with repeated peers go
// in and out at random places, the list moves to a block, grows there, and moves back inside
// the node several times, and it is asked at random moments, so a block's table of peers is
// made at different sizes and then kept through inserts, removals (long runs of one peer's
// slots among others') and growth.
TEST(Link, PeersAreCountedInsideTheNodeAndInABlock) {
  LinkList list;
  std::vector<Link> model;
  Rng rng(7);
  constexpr PeerId kPeers = 23;  // few enough that peers repeat
  std::vector<PeerId> pool;      // spread over the ids, and two of them next to each other
  for (PeerId p = 0; p + 2 < kPeers; ++p) pool.push_back(static_cast<PeerId>(rng.next() >> 33));
  pool.push_back(pool[0] + 1);
  pool.push_back(0);
  auto peer_of = [&](std::uint64_t i) { return pool[static_cast<std::size_t>(i)]; };
  std::uint32_t code = 0;
  auto check_all = [&](int step) {
    ASSERT_EQ(list.size(), model.size()) << step;
    ASSERT_TRUE(std::equal(model.begin(), model.end(), list.begin(), [](Link a, Link b) {
      return a.code == b.code && a.peer == b.peer;
    })) << step;
    for (PeerId p : pool) {
      const auto want =
          std::count_if(model.begin(), model.end(), [p](Link l) { return l.peer == p; });
      ASSERT_EQ(list.count_peer(p), static_cast<std::size_t>(want))
          << "peer " << p << " step " << step;
      // The codes of its links: all of them when they fit, else as many, each one of them.
      std::vector<std::uint32_t> codes_want;
      for (Link l : model)
        if (l.peer == p) codes_want.push_back(l.code);
      std::sort(codes_want.begin(), codes_want.end());
      std::uint32_t codes[8];
      const std::size_t n = list.codes_of(p, codes, 8);
      ASSERT_EQ(n, codes_want.size()) << "peer " << p << " step " << step;
      std::vector<std::uint32_t> got(codes, codes + std::min<std::size_t>(n, 8));
      std::sort(got.begin(), got.end());
      if (n <= 8) {
        EXPECT_EQ(got, codes_want) << step;
      } else {
        for (std::uint32_t c : got)
          EXPECT_TRUE(std::binary_search(codes_want.begin(), codes_want.end(), c)) << step;
      }
    }
    EXPECT_EQ(list.count_peer(kNoPeer - 1), 0u);
  };
  bool grow = true;
  PeerId watched = pool[0];
  for (int step = 0; step < 6000; ++step) {
    // Up to 150 links and down to 5, three times over.
    if (model.size() >= 150) grow = false;
    if (model.size() <= 5) grow = true;
    const bool add = model.empty() || rng.below(100) < (grow ? 70u : 30u);
    if (add) {
      const std::size_t at = rng.below(model.size() + 1);
      const Link l{++code, peer_of(rng.below(kPeers))};
      const Link* placed = list.insert(list.begin() + at, l);
      EXPECT_EQ(placed, list.begin() + at);
      model.insert(model.begin() + static_cast<std::ptrdiff_t>(at), l);
    } else {
      const std::size_t at = rng.below(model.size());
      list.erase(list.begin() + at);
      model.erase(model.begin() + static_cast<std::ptrdiff_t>(at));
    }
    if (!model.empty()) {
      ASSERT_EQ(list.first_code(), model.front().code) << step;
    }
    // In every other stretch one peer is asked after each change, so a block's table is made
    // as soon as it is; in the others a block may go unasked for a while and make it later.
    if ((step / 500) % 2 == 0) {
      if (rng.below(100) < 5) watched = peer_of(rng.below(kPeers));
      const auto want =
          std::count_if(model.begin(), model.end(), [&](Link l) { return l.peer == watched; });
      ASSERT_EQ(list.count_peer(watched), static_cast<std::size_t>(want)) << step;
    }
    if (rng.below(100) < 3) check_all(step);
  }
  check_all(-1);
  LinkList moved(std::move(list));
  EXPECT_EQ(list.size(), 0u);
  for (PeerId p : pool)
    EXPECT_EQ(moved.count_peer(p),
              static_cast<std::size_t>(
                  std::count_if(model.begin(), model.end(), [p](Link l) { return l.peer == p; })));
}

// A block keeps a table of its links' peers only once it holds more than kPeerTableFrom links
// and is asked; the table then stays while links go, until they fit inside the node again.
TEST(Link, OnlyALargeBlockKeepsATableOfPeers) {
  LinkList list;
  auto add = [&](PeerId peer) {
    list.insert(list.end(), Link{static_cast<std::uint32_t>(list.size() + 1), peer});
  };
  for (PeerId p = 0; p < LinkList::kPeerTableFrom; ++p) add(p);
  EXPECT_EQ(list.count_peer(3), 1u);
  EXPECT_EQ(list.peer_slot(3), nullptr) << "a pass over the links is enough";
  add(3);
  EXPECT_EQ(list.peer_slot(3), nullptr) << "not asked yet";
  EXPECT_EQ(list.count_peer(3), 2u);
  ASSERT_NE(list.peer_slot(3), nullptr);
  while (list.size() > LinkList::kInline + 1) list.erase(list.end() - 1);
  EXPECT_NE(list.peer_slot(3), nullptr);
  EXPECT_EQ(list.count_peer(3), 1u);
  EXPECT_EQ(list.count_peer(LinkList::kInline + 5), 0u);
  list.erase(list.end() - 1);
  EXPECT_EQ(list.peer_slot(3), nullptr) << "back inside the node";
  EXPECT_EQ(list.count_peer(3), 1u);
}

// A node with its links in a block knows whom it is linked to, before and after links close.
TEST(Link, AHubKnowsItsNeighbours) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  give_links(node, 60);
  auto neighbour = [](std::uint32_t k) { return addr(0x0a000000 + 100 + k); };
  for (std::uint32_t k = 0; k < 60; ++k) EXPECT_TRUE(node.linked_to(neighbour(k))) << k;
  EXPECT_FALSE(node.linked_to(neighbour(60)));
  EXPECT_FALSE(node.linked_to(addr(77)));
  Effects out;
  for (std::uint32_t k = 0; k < 60; k += 3) node.on_closed(0, kDriverConnBit | (100 + k), out);
  ASSERT_EQ(node.degree(), 40u);
  for (std::uint32_t k = 0; k < 60; ++k) EXPECT_EQ(node.linked_to(neighbour(k)), k % 3 != 0) << k;
}

// Links over ids of every form, escaped ones among them, sorted by id, found by id, flooded over
// and closed by id; an escaped id's slot is freed with its link and used again.
TEST(Link, EveryFormOfIdIsKeptSortedAndFound) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  Effects out;
  std::map<ConnId, Address> want;
  node.on_packet(0, kInbound, join_req(addr(2)), out);  // accepted: the node's own connection
  ASSERT_EQ(of_type<Open>(out).size(), 1u);
  want[of_type<Open>(out)[0].conn] = addr(2);
  // Held, so that an id's opener half can name them.
  const PeerId acker = cfg.book->hold(addr(3));
  const PeerId large = cfg.book->hold(addr(7));
  const std::vector<std::pair<ConnId, Address>> acks = {
      {kDriverConnBit | (ConnId{acker} << 32) | 9, addr(3)},   // the opener's own number
      {kDriverConnBit | 6, addr(4)},                           // escaped: plain
      {kDriverConnBit | (ConnId{0x1234} << 32) | 9, addr(5)},  // escaped: another opener
      {kDriverConnBit | (ConnId{0x7FFFFFF0} << 32) | 0xFFFFFFFF, addr(6)},  // escaped
      {kDriverConnBit | (ConnId{large} << 32) | 0x40000000, addr(7)},       // escaped: too large
      {kDriverConnBit | (ConnId{0x1234} << 32) | 8, addr(8)},               // escaped
  };
  auto check = [&] {
    ASSERT_EQ(node.degree(), want.size());
    auto it = want.begin();
    for (const Link& l : node.links()) {
      EXPECT_EQ(node.conn_of(l), it->first) << "sorted by id";
      EXPECT_EQ(node.peer_address(l), it->second);
      ++it;
    }
    Effects said;
    node.say(0, "x", said);
    std::map<ConnId, Address> sent;
    for (const Send& s : of_type<Send>(said)) sent[s.conn] = s.peer;
    EXPECT_EQ(sent, want);
  };
  for (const auto& [conn, from] : acks) {
    node.on_packet(0, conn, ack(from), out);
    want[conn] = from;
    check();
  }
  // A message over each id is taken as coming over that link (over an unknown connection it
  // would be refused, and the connection closed).
  std::uint64_t id = 1;
  auto found_by_id = [&] {
    for (const auto& [conn, from] : want) {
      Effects got;
      node.on_packet(0, conn, message(addr(40), id++), got);
      EXPECT_EQ(of_type<Deliver>(got).size(), 1u) << std::hex << conn;
      EXPECT_TRUE(of_type<Close>(got).empty()) << std::hex << conn;
    }
  };
  found_by_id();
  // Each step below changes the links, then checks them and looks every id up.
  auto link_over = [&](ConnId conn, const Address& from) {
    node.on_packet(0, conn, ack(from), out);
    want[conn] = from;
    check();
    found_by_id();
  };
  auto close = [&](std::initializer_list<ConnId> gone) {
    for (const ConnId conn : gone) {
      node.on_closed(0, conn, out);
      want.erase(conn);
    }
    check();
    found_by_id();
  };
  // Closing escaped links frees their slots; new escaped links take them, the others keep theirs.
  out.clear();
  close({acks[2].first, acks[4].first});
  const ConnId again = kDriverConnBit | (ConnId{0x4321} << 32) | 1;
  link_over(again, addr(9));
  close({acks[5].first});
  // With every escaped link closed the table goes; the next escaped link brings it back, and
  // every link is still found by its id.
  close({acks[1].first, acks[3].first, again});
  link_over(kDriverConnBit | (ConnId{0x5555} << 32) | 2, addr(10));
  // Leaving closes every link by its id.
  out.clear();
  node.leave(0, out);
  std::map<ConnId, Address> closed;
  for (const Close& c : of_type<Close>(out)) closed[c.conn] = c.peer;
  EXPECT_EQ(closed, want);
  EXPECT_EQ(node.degree(), 0u);
}

TEST(Connection, ClosedLinkIsRemoved) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  give_links(node, 3);
  const ConnId gone = node.conn_of(node.links()[1]);
  Effects out;
  node.on_closed(0, gone, out);
  EXPECT_EQ(node.degree(), 2u);
  for (const Link& l : node.links()) EXPECT_NE(node.conn_of(l), gone);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<Note>(out[0]).kind, NoteKind::LinkDown);
  out.clear();
  node.on_closed(0, gone, out);  // a second report is harmless
  EXPECT_TRUE(out.empty());
}

TEST(Connection, MessageOnUnknownConnectionIsRefused) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  Effects out;
  node.on_packet(0, kInbound, message(addr(3), 5), out);
  EXPECT_TRUE(of_type<Deliver>(out).empty());
  ASSERT_EQ(of_type<Close>(out).size(), 1u);
  EXPECT_EQ(of_type<Close>(out)[0].conn, kInbound);
}

TEST(Flood, SayGoesToEveryNeighbourOnce) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  give_links(node, 4);
  Effects out;
  node.say(0, "hello", out);
  auto sends = of_type<Send>(out);
  ASSERT_EQ(sends.size(), 4u);
  std::set<ConnId> conns;
  for (const Send& s : sends) {
    EXPECT_EQ(s.packet.type, PacketType::Message);
    EXPECT_EQ(s.packet.origin, addr(1));
    EXPECT_EQ(s.packet.text, "hello");
    EXPECT_EQ(s.packet.id, sends[0].packet.id);
    conns.insert(s.conn);
  }
  EXPECT_EQ(conns.size(), 4u);
  EXPECT_TRUE(of_type<Deliver>(out).empty()) << "the author's own line is not delivered back";
}

TEST(Flood, MessageIsDeliveredAndFloodedOnce) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  give_links(node, 3);
  const ConnId from = node.conn_of(node.links()[0]);
  Effects out;
  node.on_packet(0, from, message(addr(30), 555, "yo"), out);
  auto delivered = of_type<Deliver>(out);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].origin, addr(30)) << "the original author, not the last hop";
  EXPECT_EQ(delivered[0].text, "yo");
  // As in the seed, the copy goes to every neighbour, the sender included.
  EXPECT_EQ(of_type<Send>(out).size(), 3u);
}

TEST(Flood, DuplicateIsDropped) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  give_links(node, 3);
  Effects out;
  node.on_packet(0, node.conn_of(node.links()[0]), message(addr(30), 555), out);
  out.clear();
  node.on_packet(0, node.conn_of(node.links()[2]), message(addr(30), 555), out);
  EXPECT_TRUE(of_type<Deliver>(out).empty());
  EXPECT_TRUE(of_type<Send>(out).empty());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<Note>(out[0]).kind, NoteKind::DuplicateMessage);
}

// With a budget of 0 a seen set remembers nothing, so refuses nothing; otherwise the repeats
// among a dozen ids drawn at random are common enough that many are refused.
void expect_repeats_refused(std::uint32_t budget, int refused) {
  if (budget == 0)
    EXPECT_EQ(refused, 0);
  else
    EXPECT_GT(refused, 20) << "budget " << budget;
}

// A copy of a chat message handed over as its fields (Node::on_seen_message, the simulator's
// path for a flood's copies) does what the whole packet does: twin nodes, one given every
// message as a packet, the other as its fields first, make the same effects in the same order.
// The copies come over links and over a connection that is not one, with ids repeated, some
// after their time to live, and with seen sets of no budget, of one id, and of many.
TEST(Flood, ASeenMessageFromItsFieldsDoesWhatItsPacketDoes) {
  for (const std::uint32_t budget : {0u, 1u, 3u, 1u << 20}) {
    Config cfg;
    cfg.seen = SeenPolicy{5 * kSecond, budget};
    Node whole(addr(1), cfg, 7);
    Node fields(addr(1), cfg, 7);
    give_links(whole, 4);
    give_links(fields, 4);
    Rng rng(budget + 1);
    Time now = 0;
    int taken = 0;
    for (int i = 0; i < 400; ++i) {
      now += static_cast<Time>(rng.below(2 * kSecond));
      const std::uint64_t id = 1 + rng.below(6);
      const std::size_t pick = static_cast<std::size_t>(rng.below(whole.degree() + 1));
      const ConnId conn =
          pick < whole.degree() ? whole.conn_of(whole.links()[pick]) : kDriverConnBit | 9999;
      const Packet copy = message(addr(40 + static_cast<std::uint32_t>(id)), id, "x");
      Effects a, b;
      whole.on_packet(now, conn, copy, a);
      EffectList list(b);
      if (fields.on_seen_message(now, conn, copy.id, copy.origin, list)) {
        ++taken;
      } else {
        ASSERT_TRUE(b.empty()) << "refused, yet it did something";
        fields.on_packet(now, conn, copy, b);
      }
      ASSERT_EQ(a.size(), b.size()) << "budget " << budget << ", copy " << i;
      for (std::size_t k = 0; k < a.size(); ++k)
        ASSERT_TRUE(same(a[k], b[k])) << "budget " << budget << ", copy " << i << ", effect " << k;
      ASSERT_EQ(whole.degree(), fields.degree());
    }
    expect_repeats_refused(budget, taken);  // over links, too, most of them
  }
}

// A copy is taken from its fields only when it is a plain duplicate over a link.
TEST(Flood, OnlyADuplicateOverALinkIsTakenFromItsFields) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  give_links(node, 2);
  const ConnId link = node.conn_of(node.links()[0]);
  Effects out;
  EffectList list(out);
  EXPECT_FALSE(node.on_seen_message(0, link, 555, addr(30), list)) << "a new message";
  node.on_packet(0, link, message(addr(30), 555), out);
  out.clear();
  EXPECT_FALSE(node.on_seen_message(0, kDriverConnBit | 9999, 555, addr(30), list)) << "not a link";
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(node.on_seen_message(0, link, 555, addr(30), list));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<Note>(out[0]).kind, NoteKind::DuplicateMessage);
  EXPECT_EQ(std::get<Note>(out[0]).peer, addr(30));
  // A second id moves the first out of the node into the set's table, where ids have a time.
  node.on_packet(0, link, message(addr(30), 556), out);
  out.clear();
  EXPECT_TRUE(node.on_seen_message(cfg.seen.ttl - 1, link, 555, addr(30), list));
  out.clear();
  EXPECT_FALSE(node.on_seen_message(cfg.seen.ttl, link, 555, addr(30), list))
      << "its time to live is up";
  EXPECT_TRUE(out.empty());
}

TEST(Flood, OwnMessageComingBackIsNotDelivered) {
  Config cfg;
  Node node(addr(1), cfg, 1);
  give_links(node, 2);
  Effects out;
  node.say(0, "x", out);
  Packet echoed = of_type<Send>(out)[0].packet;
  out.clear();
  node.on_packet(0, node.conn_of(node.links()[1]), echoed, out);
  EXPECT_TRUE(of_type<Deliver>(out).empty());
  EXPECT_TRUE(of_type<Send>(out).empty());
}

// refuses() answers what insert() would, without changing the set: two sets given the same
// ids, one asked first, stay alike, over ids that expire, are evicted by the budget, or sit inline.
TEST(SeenSet, RefusesWhatInsertWouldRefuse) {
  for (const std::uint32_t budget : {0u, 1u, 2u, 5u, 64u}) {
    const SeenPolicy policy{10 * kSecond, budget};
    SeenSet asked, plain;
    Rng rng(budget + 3);
    Time now = 0;
    int refused = 0;
    for (int i = 0; i < 2000; ++i) {
      now += static_cast<Time>(rng.below(3 * kSecond));
      const std::uint64_t id = rng.below(12);  // 0 included: never held inline
      const bool refuses = asked.refuses(id, now, policy);
      const bool fresh = plain.insert(id, now, policy);
      ASSERT_EQ(refuses, !fresh) << "budget " << budget << ", id " << id << ", step " << i;
      ASSERT_EQ(asked.insert(id, now, policy), fresh);
      refused += refuses ? 1 : 0;
    }
    expect_repeats_refused(budget, refused);
  }
}

// Against a plain model: a list of (id, time seen) in arrival order, expired ids dropped from the
// front, the oldest dropped when the budget is full, and the first id held without a time until
// a second arrives (it is then taken as seen at that moment). Many ids, in slow stretches and
// bursts, so that the set's block grows while its ring has wrapped, and ids expire and are
// evicted across the growths.
TEST(SeenSet, AgreesWithAPlainListOfIdsInArrivalOrder) {
  for (const std::uint32_t budget : {3u, 100u, 1000u}) {
    const SeenPolicy policy{20 * kSecond, budget};
    const std::uint64_t ids = budget * 3 / 2 + 2;
    SeenSet seen;
    std::deque<std::pair<std::uint64_t, Time>> model;
    bool timed = false;  // whether the model's ids have times yet (the set has its block)
    std::uint64_t early = 0, expired = 0;
    const auto held = [&](std::uint64_t id) {
      return std::any_of(model.begin(), model.end(), [&](const auto& e) { return e.first == id; });
    };
    const auto insert = [&](std::uint64_t id, Time now) {
      if (timed)
        for (; !model.empty() && model.front().second + policy.ttl <= now; ++expired)
          model.pop_front();
      if (held(id)) return false;
      if (!timed && model.empty() && id != 0) {
        model.emplace_back(id, now);
        return true;
      }
      if (!timed && !model.empty()) model.front().second = now;
      timed = true;
      if (model.size() == budget) {
        model.pop_front();
        ++early;
      }
      model.emplace_back(id, now);
      return true;
    };
    Rng rng(budget);
    Time now = 0;
    int repeats = 0;
    for (int i = 0; i < 20000; ++i) {
      // Slow stretches (ids expire, the ring's start moves round) and bursts (the set grows).
      now += static_cast<Time>(rng.below((i / 500) % 2 == 0 ? 3 * kSecond : kSecond / 100));
      const std::uint64_t id = rng.below(ids);
      const bool fresh = insert(id, now);
      repeats += fresh ? 0 : 1;
      ASSERT_EQ(seen.insert(id, now, policy), fresh) << "budget " << budget << ", step " << i;
      ASSERT_EQ(seen.size(), model.size()) << "budget " << budget << ", step " << i;
    }
    EXPECT_EQ(seen.early_evictions(), early) << "budget " << budget;
    for (std::uint64_t id = 0; id < ids; ++id)
      EXPECT_EQ(seen.contains(id), held(id)) << "budget " << budget << ", id " << id;
    EXPECT_GT(repeats, 1000) << "budget " << budget;
    // The small budgets fill (ids go early), the large one does not (ids go when their time is up).
    EXPECT_GT(budget < 1000 ? early : expired, 100u) << "budget " << budget;
  }
}

TEST(SeenSet, MovesItsIdsAndLeavesAnEmptySetBehind) {
  const SeenPolicy policy{600 * kSecond, 64};
  for (const std::uint64_t count : {1u, 5u}) {  // one id held inline; several in a block
    SeenSet from;
    for (std::uint64_t id = 1; id <= count; ++id) from.insert(id, 0, policy);
    SeenSet to(std::move(from));
    EXPECT_EQ(to.size(), count);
    EXPECT_TRUE(to.contains(count));
    EXPECT_EQ(from.size(),
              0u);  // NOLINT(bugprone-use-after-move): what a move leaves is part of it
    for (std::uint64_t id = 0; id < 64; ++id) EXPECT_FALSE(from.contains(id)) << id;
    SeenSet again;
    again = std::move(to);
    EXPECT_EQ(again.size(), count);
    EXPECT_EQ(to.size(), 0u);                    // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(from.insert(count, 0, policy));  // a set moved from takes ids again
  }
}

// A large set: its ring wraps (the oldest ids expire) while the table still has two-byte slots,
// then grows while wrapped to a table of four-byte slots, and forgets expired ids from it. Each
// id is held exactly while its time to live runs, and 20,000 ids cost under 30 bytes each.
TEST(SeenSet, KeepsItsIdsAsItsSlotsWiden) {
  const SeenPolicy policy{100 * kSecond, 1u << 20};
  const auto id_of = [](std::uint64_t k) { return k * 0x9E3779B97F4A7C15ull; };
  SeenSet seen;
  const auto at_first = [](std::uint64_t k) {  // k ms, and 40 s later from the 10,001st
    return static_cast<Time>(k) * kMillisecond + (k > 10000 ? 40 * kSecond : 0);
  };
  for (std::uint64_t k = 1; k <= 20000; ++k)
    ASSERT_TRUE(seen.insert(id_of(k), at_first(k), policy)) << k;
  EXPECT_EQ(seen.size(), 20000u);
  EXPECT_LT(seen.bytes(), 30u * 20000);
  // At 110 s the first 10,000 have lived their time; 80,000 more come within a second (the ring
  // then has more places than two bytes could number).
  for (std::uint64_t k = 20001; k <= 100000; ++k)
    ASSERT_TRUE(seen.insert(id_of(k), 110 * kSecond + static_cast<Time>(k), policy)) << k;
  EXPECT_EQ(seen.size(), 90000u);
  EXPECT_EQ(seen.early_evictions(), 0u);
  for (std::uint64_t k = 1; k <= 100000; ++k) ASSERT_EQ(seen.contains(id_of(k)), k > 10000) << k;
  EXPECT_TRUE(seen.refuses(id_of(15000), 111 * kSecond, policy));
  // At 161 s those seen by 60 s have gone too: one insert forgets them, from the wide table.
  ASSERT_TRUE(seen.insert(id_of(100001), 161 * kSecond, policy));
  EXPECT_EQ(seen.size(), 80001u);
  for (std::uint64_t k = 1; k <= 100001; ++k) ASSERT_EQ(seen.contains(id_of(k)), k > 20000) << k;
  EXPECT_FALSE(seen.insert(id_of(30000), 161 * kSecond, policy));
}

TEST(SeenSet, IsBoundedAndForgetsTheOldestWhenTheBudgetIsFull) {
  SeenSet seen;
  const SeenPolicy policy{600 * kSecond, 4};
  for (std::uint64_t id = 1; id <= 10; ++id) EXPECT_TRUE(seen.insert(id, 0, policy));
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen.early_evictions(), 6u);
  EXPECT_FALSE(seen.contains(6));
  EXPECT_TRUE(seen.contains(7));
  EXPECT_TRUE(seen.contains(10));
  EXPECT_FALSE(seen.insert(9, 0, policy));
}

TEST(Node, AMessageTravelsAtMostMessageHopsLinks) {
  Config cfg;
  cfg.message_hops = 3;
  Node node(addr(1), cfg, 1);
  give_links(node, 2);
  for (std::uint8_t hops : {std::uint8_t{1}, std::uint8_t{2}}) {
    Packet m;
    m.type = PacketType::Message;
    m.origin = addr(99);
    m.id = 100 + hops;
    m.hops = hops;  // this copy crossed hops + 1 links
    Effects out;
    node.on_packet(0, node.conn_of(node.links()[0]), m, out);
    EXPECT_EQ(of_type<Deliver>(out).size(), 1u);
    EXPECT_EQ(of_type<Send>(out).empty(), hops == 2) << "hops " << int(hops);
  }
}

TEST(Node, SameSeedSameInputsGiveSameEffects) {
  Config cfg;
  auto run = [&](std::uint64_t seed) {
    Node node(addr(1), cfg, seed);
    give_links(node, 6);
    Effects out;
    for (int i = 0; i < 200; ++i) node.on_packet(0, kInbound, join_req(addr(40 + i), 0, i), out);
    std::vector<std::uint64_t> trace;
    for (const Effect& e : out) {
      trace.push_back(e.index());
      if (auto* s = std::get_if<Send>(&e)) trace.push_back(s->conn ^ s->packet.id);
      if (auto* o = std::get_if<Open>(&e)) trace.push_back(o->conn ^ o->packet.id);
    }
    return trace;
  };
  EXPECT_EQ(run(17), run(17));
  EXPECT_NE(run(17), run(18));
}

}  // namespace
}  // namespace p2p

TEST(LinkList, KeepsItsOrderAsItGrowsPastTheInlineRoomAndBack) {
  // Against a plain vector: inserts at the front, middle and back, erases, and moves, across
  // every size from empty to well past the inline room.
  p2p::LinkList list;
  std::vector<p2p::ConnId> want;
  auto check = [&] {
    ASSERT_EQ(list.size(), want.size());
    for (std::size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(list.data()[k].code, want[k]);
      EXPECT_EQ(list.data()[k].peer, static_cast<p2p::PeerId>(want[k]));
    }
    // Inside the list exactly while they fit: past the inline room in a block, back after.
    const auto* at = reinterpret_cast<const char*>(list.data());
    const auto* self = reinterpret_cast<const char*>(&list);
    EXPECT_EQ(at >= self && at < self + sizeof list, list.size() <= p2p::LinkList::kInline)
        << list.size() << " links";
  };
  for (p2p::ConnId c = 1; c <= 60; ++c) {
    const std::size_t at = (c * 7) % (want.size() + 1);
    const p2p::Link* where = list.insert(
        list.begin() + at, p2p::Link{static_cast<std::uint32_t>(c), static_cast<p2p::PeerId>(c)});
    EXPECT_EQ(where->code, c);
    want.insert(want.begin() + static_cast<std::ptrdiff_t>(at), c);
    check();
    if (c == 5) {
      // Moved while inline, and a spilled list moved onto.
      p2p::LinkList other(std::move(list));
      EXPECT_TRUE(list.empty());
      p2p::LinkList spilled;
      for (p2p::ConnId d = 1; d <= 20; ++d)
        spilled.insert(spilled.end(), p2p::Link{static_cast<std::uint32_t>(d), 0});
      spilled = std::move(other);
      list = std::move(spilled);
      check();
    }
  }
  p2p::LinkList moved(std::move(list));
  EXPECT_TRUE(list.empty());
  list = std::move(moved);
  check();
  while (!want.empty()) {
    const std::size_t at = (want.size() * 7 + 3) % want.size();
    list.erase(list.begin() + at);
    want.erase(want.begin() + static_cast<std::ptrdiff_t>(at));
    check();
  }
  list.clear();
  EXPECT_TRUE(list.empty());
}
