#include "sim/network.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <queue>
#include <set>

#include "sim/address.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"

namespace p2p::sim {
namespace {

struct TestEvent {
  Time at = 0;
  std::uint32_t sender = 0;
  std::uint64_t seq = 0;
  int tag = 0;
};

// An event the queue keeps in a bucket as its body and its time within the bucket, as the
// simulator's is kept.
struct TestEventBody {
  std::uint32_t sender = 0;
  std::uint64_t seq = 0;
  int tag = 0;
};
struct SplitTestEvent : TestEventBody {
  using Body = TestEventBody;
  Time at = 0;
};

template <typename E>
E make_event(Time at, std::uint32_t sender, std::uint64_t seq, int tag) {
  E e;
  e.at = at;
  e.sender = sender;
  e.seq = seq;
  e.tag = tag;
  return e;
}

template <typename E>
class EventQueueOf : public ::testing::Test {};
using EventTypes = ::testing::Types<TestEvent, SplitTestEvent>;
TYPED_TEST_SUITE(EventQueueOf, EventTypes);

std::vector<int> drain_tags(EventQueue<TestEvent>& q) {
  std::vector<int> order;
  TestEvent e;
  while (!q.empty()) {
    q.pop(e);
    order.push_back(e.tag);
  }
  return order;
}

TEST(EventQueue, OrdersByTimeThenSenderThenSequence) {
  EventQueue<TestEvent> q;
  q.push({30, 1, 1, 1});
  q.push({10, 5, 2, 2});
  q.push({10, 5, 1, 3});
  q.push({10, 2, 9, 4});
  q.push({20, 0, 0, 5});
  EXPECT_EQ(drain_tags(q), (std::vector<int>{4, 3, 2, 5, 1}));
}

TEST(EventQueue, FarEventsBeyondTheWindowKeepTheirPlace) {
  EventQueue<TestEvent> q(4096);
  q.push({1'000'000, 1, 1, 1});  // far beyond the window: waits in the heap
  q.push({100, 1, 2, 2});
  q.push({1'000'000, 0, 7, 3});
  q.push({5000, 3, 3, 4});
  TestEvent e;
  q.pop(e);
  EXPECT_EQ(e.tag, 2);
  q.push({1'000'000, 2, 9, 5});  // now inside the ring's reach of nothing: still ordered
  q.push({999'999, 9, 9, 6});
  EXPECT_EQ(q.next_time(), 5000);
  EXPECT_EQ(drain_tags(q), (std::vector<int>{4, 6, 3, 1, 5}));
}

TEST(EventQueue, EventsPushedAtTheCurrentInstantSortIntoIt) {
  EventQueue<TestEvent> q;
  q.push({50, 4, 1, 1});
  q.push({50, 8, 1, 2});
  TestEvent e;
  q.pop(e);
  EXPECT_EQ(e.tag, 1);
  q.push({50, 6, 1, 3});  // same instant, sender between the two
  q.push({50, 9, 1, 4});
  EXPECT_EQ(drain_tags(q), (std::vector<int>{3, 2, 4}));
}

// The calendar queue against a plain sorted reference on random pushes and pops, the window
// wrapping many times, with one-microsecond and wider buckets, some events beyond the window.
template <typename E>
void check_against_reference(int shift) {
  EventQueue<E> q(4096, shift);
  std::vector<E> ref;
  Rng rng(42 + shift);
  Rng probe(7 + shift);  // the times due_by is asked about
  Time now = 0;
  int tag = 0;
  std::vector<int> got, want;
  for (int round = 0; round < 20000; ++round) {
    const int pushes = static_cast<int>(rng.below(3));
    for (int k = 0; k < pushes; ++k) {
      const Time delay = rng.chance(0.05)  ? static_cast<Time>(rng.below(500000))
                         : rng.chance(0.1) ? 0
                                           : static_cast<Time>(rng.below(3000));
      const E e =
          make_event<E>(now + delay, static_cast<std::uint32_t>(rng.below(8)), rng.next(), ++tag);
      q.push(e);
      ref.push_back(e);
    }
    if (!ref.empty() && rng.chance(0.6)) {
      // What peek() shows for prefetching is pending: an event popped is never shown again.
      for (std::size_t k = 0; k < 3; ++k)
        if (const E* e = q.peek(k)) {
          ASSERT_TRUE(std::any_of(ref.begin(), ref.end(),
                                  [&](auto& r) { return r.tag == e->tag && r.at == e->at; }))
              << "peek() shows event " << e->tag << ", which is not pending";
        }
      auto it =
          std::min_element(ref.begin(), ref.end(), [](auto& a, auto& b) { return earlier(a, b); });
      want.push_back(it->tag);
      ASSERT_EQ(q.next_time(), it->at);
      // due_by(t) is next_time() <= t, also for a time inside or past the next bucket.
      const Time next = it->at;
      for (const Time t : {next - 1, next, next + static_cast<Time>(probe.below(Time{4} << shift)),
                           now + static_cast<Time>(probe.below(4000)), next - (Time{1} << shift)})
        ASSERT_EQ(q.due_by(t), next <= t) << "t " << t << ", next " << next;
      now = it->at;
      const Time at = it->at;
      ref.erase(it);
      E e;
      q.pop(e);
      got.push_back(e.tag);
      ASSERT_EQ(e.at, at);
    }
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(q.size(), ref.size());
}

TYPED_TEST(EventQueueOf, MatchesASortedReferenceWithMicrosecondBuckets) {
  check_against_reference<TypeParam>(0);
}
TYPED_TEST(EventQueueOf, MatchesASortedReferenceWithWideBuckets) {
  check_against_reference<TypeParam>(6);
}
TYPED_TEST(EventQueueOf, MatchesASortedReferenceWithTheWidestBuckets) {
  check_against_reference<TypeParam>(10);
}

// A flood's wave: buckets of thousands of events (many chunks each), each event handled pushing
// more, the queue drained empty (its spare chunks released) and a second wave after it; the order
// must be the sorted order throughout, and peek() must show the events due next.
TYPED_TEST(EventQueueOf, WavesOfManyEventsPerBucketKeepTheOrder) {
  using E = TypeParam;
  EventQueue<E> q(1 << 16, 6);
  Rng rng(7);
  int tag = 0;
  auto later = [](const E& a, const E& b) { return earlier(b, a); };
  for (int wave = 0; wave < 2; ++wave) {
    const Time start = wave * Time{1'000'000};
    std::priority_queue<E, std::vector<E>, decltype(later)> ref(later);
    auto push = [&](Time at) {
      const E e = make_event<E>(at, static_cast<std::uint32_t>(rng.below(1000)), rng.next(), ++tag);
      q.push(e);
      ref.push(e);
    };
    for (int k = 0; k < 20; ++k) push(start + static_cast<Time>(rng.below(100)));
    std::size_t handled = 0, shown_count = 0;
    std::set<Time> buckets;  // the 64 us buckets events were due in
    E e;
    while (!q.empty()) {
      const E next = ref.top();
      ref.pop();
      // A pending event of the bucket being drained: the next, or one due in its 64 us.
      Time shown = -1;
      if (const E* first = q.peek(0)) shown = first->at;
      if (shown >= 0) {
        ASSERT_GE(shown, next.at);
        ASSERT_EQ(shown >> 6, next.at >> 6);
        ++shown_count;
      }
      q.pop(e);
      ASSERT_EQ(e.tag, next.tag);
      ASSERT_EQ(e.at, next.at);
      ++handled;
      buckets.insert(e.at >> 6);
      // Each of the first 15,000 events of a wave sends two more 500-3,000 us later: buckets of
      // thousands of events.
      if (handled <= 15'000) {
        push(e.at + 500 + static_cast<Time>(rng.below(2500)));
        push(e.at + 500 + static_cast<Time>(rng.below(2500)));
      }
    }
    EXPECT_TRUE(ref.empty());
    EXPECT_EQ(handled, 30'020u);
    // Nothing is shown only before a bucket is gathered: once a bucket.
    EXPECT_GE(shown_count + buckets.size(), handled);
    EXPECT_LT(buckets.size(), handled / 50);
    EXPECT_GT(q.peak(), 2000u);
  }
}

// Waves that need many chunks at once, more than a slab of them: a wide one, an event in each of
// 900 buckets, and a deep one, a bucket of 200,000 events. Each wave is drained empty, which gives
// back every slab but the first, and the next wave cuts its chunks anew.
TYPED_TEST(EventQueueOf, WavesOfManySlabsKeepTheOrderWaveAfterWave) {
  using E = TypeParam;
  EventQueue<E> q(1 << 16, 6);  // 1,024 buckets of 64 us
  Rng rng(11);
  int tag = 0;
  Time now = 0;
  for (int wave = 0; wave < 3; ++wave) {
    const Time start = now + 64;
    std::vector<E> ref;
    auto push = [&](Time at) {
      const E e = make_event<E>(at, static_cast<std::uint32_t>(rng.below(5000)), rng.next(), ++tag);
      q.push(e);
      ref.push_back(e);
    };
    for (Time b = 0; b < 900; ++b) push(start + b * 64 + static_cast<Time>(rng.below(64)));
    for (int k = 0; k < 200'000; ++k) push(start + 900 * 64 + static_cast<Time>(rng.below(64)));
    std::sort(ref.begin(), ref.end(), [](const E& a, const E& b) { return earlier(a, b); });
    EXPECT_EQ(q.size(), ref.size());
    std::size_t i = 0;
    E e;
    while (!q.empty()) {
      q.pop(e);
      ASSERT_LT(i, ref.size());
      ASSERT_EQ(e.tag, ref[i].tag) << "wave " << wave << ", event " << i;
      ASSERT_EQ(e.at, ref[i].at);
      ++i;
    }
    EXPECT_EQ(i, ref.size());
    now = e.at;
  }
}

// As the simulator numbers them: each sender counts its own events, so one sender's events in a
// bucket are pushed in the order of their counters (a large bucket is sorted by time and sender
// alone, relying on that), with many ties of (time, sender) and the scenario's sender among them.
TYPED_TEST(EventQueueOf, LargeBucketsOfCountedSendersKeepTheOrder) {
  using E = TypeParam;
  EventQueue<E> q(1 << 16, 10);
  Rng rng(11);
  auto later = [](const E& a, const E& b) { return earlier(b, a); };
  std::priority_queue<E, std::vector<E>, decltype(later)> ref(later);
  std::vector<std::uint64_t> counter(41, 0);
  int tag = 0;
  auto push = [&](Time at) {
    const std::size_t s = rng.below(counter.size());
    const std::uint32_t sender = s == 40 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(s * 977);
    const E e = make_event<E>(at, sender, ++counter[s], ++tag);
    q.push(e);
    ref.push(e);
  };
  // Buckets are 1,024 us wide; eight distinct times a bucket make ties of (time, sender) common.
  for (int k = 0; k < 5000; ++k) push(static_cast<Time>(rng.below(8)) * 128);
  E e;
  std::size_t handled = 0;
  while (!q.empty()) {
    const E next = ref.top();
    ref.pop();
    q.pop(e);
    ASSERT_EQ(e.tag, next.tag);
    ASSERT_EQ(e.at, next.at);
    if (++handled <= 20'000) {
      push(e.at + 2048 + static_cast<Time>(rng.below(8)) * 128);
      if (handled % 3 == 0) push(e.at + 3072 + static_cast<Time>(rng.below(4)) * 256);
    }
  }
  EXPECT_TRUE(ref.empty());
  EXPECT_GT(handled, 26'000u);
  // Every bucket here is large and pushed in counter order: the keys alone ordered each.
  EXPECT_GE(q.sorted_by_key(), 9u);
}

// A sender's events at one instant pushed against their counter's order (a node's copies held
// back while it sends something else) still come out by counter.
TYPED_TEST(EventQueueOf, LargeBucketsOfSendersPushedOutOfCounterOrder) {
  using E = TypeParam;
  EventQueue<E> q(1 << 16, 10);
  Rng rng(12);
  auto later = [](const E& a, const E& b) { return earlier(b, a); };
  std::priority_queue<E, std::vector<E>, decltype(later)> ref(later);
  std::vector<std::uint64_t> counter(30, 0);
  int tag = 0;
  auto push = [&](Time at) {
    const std::size_t s = rng.below(counter.size());
    const auto sender = static_cast<std::uint32_t>(s * 31);
    const std::uint64_t first = ++counter[s], second = ++counter[s];
    const E a = make_event<E>(at, sender, first, ++tag);
    const E b = make_event<E>(at, sender, second, ++tag);
    q.push(b);  // the later counter first
    q.push(a);
    ref.push(a);
    ref.push(b);
  };
  for (int k = 0; k < 3000; ++k) push(static_cast<Time>(rng.below(4)) * 256);
  E e;
  std::size_t handled = 0;
  while (!q.empty()) {
    const E next = ref.top();
    ref.pop();
    q.pop(e);
    ASSERT_EQ(e.tag, next.tag);
    if (++handled <= 10'000 && handled % 2 == 0)
      push(e.at + 2048 + static_cast<Time>(rng.below(4)) * 256);
  }
  EXPECT_TRUE(ref.empty());
  EXPECT_GT(handled, 15'000u);
}

TEST(EventQueue, TracksThePeakOfPendingEvents) {
  EventQueue<TestEvent> q;
  TestEvent e;
  for (int round = 0; round < 100; ++round) {
    q.push({round, 0, 0, round});
    q.pop(e);
    EXPECT_EQ(e.tag, round);
  }
  EXPECT_EQ(q.peak(), 1u);
}

TEST(EventQueue, HiddenEventsCountAsPendingAndInThePeak) {
  EventQueue<TestEvent> q;
  q.push({10, 1, 1, 1});
  q.hide(5);  // the entry stands for six events
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.pending(), 6u);
  EXPECT_EQ(q.peak(), 6u);
  TestEvent e;
  q.pop(e);
  q.unhide(1);
  q.push({20, 1, 2, 2});  // pushed again for its next copy
  EXPECT_EQ(q.pending(), 5u);
  EXPECT_EQ(q.peak(), 6u);
  q.push({30, 2, 1, 3});
  EXPECT_EQ(q.pending(), 6u);
  EXPECT_EQ(q.peak(), 6u);
  q.push({40, 2, 2, 4});
  EXPECT_EQ(q.peak(), 7u);
}

// Events pushed into a large bucket already gathered (a flood's wave) wait beside it and still
// come out in order, interleaved with the bucket's own.
TEST(EventQueue, PushesIntoALargeGatheredBucketKeepTheOrder) {
  EventQueue<TestEvent> q(4096, 10);
  std::vector<TestEvent> ref;
  Rng rng(9);
  int tag = 0;
  for (int k = 0; k < 2000; ++k) {
    const TestEvent e{static_cast<Time>(rng.below(1024)), static_cast<std::uint32_t>(rng.below(50)),
                      static_cast<std::uint64_t>(k), ++tag};
    q.push(e);
    ref.push_back(e);
  }
  std::vector<int> got;
  TestEvent e;
  Time now = 0;
  while (!q.empty()) {
    q.pop(e);
    EXPECT_GE(e.at, now);
    now = e.at;
    got.push_back(e.tag);
    // While the bucket is being drained, some events land in it, later than the one just out.
    if (tag < 3000 && rng.chance(0.5)) {
      const TestEvent late{now + 1 + static_cast<Time>(rng.below(40)),
                           static_cast<std::uint32_t>(rng.below(50)),
                           static_cast<std::uint64_t>(10'000 + tag), ++tag};
      q.push(late);
      ref.push_back(late);
    }
  }
  std::stable_sort(ref.begin(), ref.end(), [](const TestEvent& a, const TestEvent& b) {
    if (a.at != b.at) return a.at < b.at;
    if (a.sender != b.sender) return a.sender < b.sender;
    return a.seq < b.seq;
  });
  std::vector<int> want;
  for (const TestEvent& r : ref) want.push_back(r.tag);
  EXPECT_GT(tag, 2500);
  EXPECT_EQ(got, want);
}

TEST(SimAddress, RoundTripsNodeIndex) {
  for (std::uint32_t i : {0u, 1u, 255u, 65536u, 0x7FFFFFFEu}) EXPECT_EQ(index_of(address_of(i)), i);
  EXPECT_NE(address_of(1), address_of(2));
}

TEST(SimAddress, NodeIndexIsTheAddressLastFourBytesBigEndian) {
  // [fd70:3270::102:304]:55555 byte by byte: the index in the last four bytes, most significant
  // first, whatever the machine's byte order.
  const Address a = address_of(0x01020304u);
  const std::array<std::uint8_t, 16> ip{0xfd, 0x70, 0x32, 0x70, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
  EXPECT_EQ(a.ip, ip);
  EXPECT_EQ(a.port, 55555);
  EXPECT_TRUE(is_sim_address(a));
}

TEST(SimAddress, TheBookNamesANodeByItsIndex) {
  const PeerBookPtr& book = sim_book();
  for (std::uint32_t i : {0u, 7u, 0x7FFFFFFEu}) {
    EXPECT_EQ(book->find(address_of(i)), i);
    EXPECT_EQ(book->hold(address_of(i)), i);
    EXPECT_EQ(book->address(i), address_of(i));
  }
  // An address no simulated node has is no one's, and what it names is out of every network.
  Address foreign = address_of(3);
  foreign.port = 4000;
  EXPECT_EQ(book->find(foreign), kNoPeer);
  EXPECT_EQ(book->find(Address::v4(0x0a000003, kSimPort)), kNoPeer);
  EXPECT_EQ(index_of(book->address(kNoPeer)), kNoPeer);
}

// A network's nodes run copies of its Config that use the simulator's book, whatever book the
// Config given had, so a link's peer is the neighbour's index.
TEST(Network, LinksNameNeighboursByIndex) {
  Config cfg;
  Network net(cfg, {});
  GrowthScenario sc;
  sc.nodes = 200;
  run_growth(net, sc, 2);
  std::size_t links = 0;
  for (std::uint32_t i = 0; i < net.size(); ++i)
    for (const Link& l : net.node(i).links()) {
      EXPECT_EQ(net.node(i).peer_address(l), address_of(l.peer));
      ++links;
    }
  EXPECT_GT(links, 0u);
  EXPECT_EQ(std::static_pointer_cast<AddressBook>(cfg.book)->size(), 0u)
      << "the Config given was not used for the nodes' links";
}

// Every link a node holds is held by its peer too, as many times.
void expect_mutual(const Network& net) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ends;
  for (std::uint32_t i = 0; i < net.size(); ++i) {
    if (!net.alive(i)) continue;
    for (const Link& l : net.node(i).links()) ends.emplace_back(i, l.peer);
  }
  auto reversed = ends;
  for (auto& e : reversed) std::swap(e.first, e.second);
  std::sort(ends.begin(), ends.end());
  std::sort(reversed.begin(), reversed.end());
  EXPECT_EQ(ends, reversed);
}

TEST(Network, LinksAreMutualAfterGrowth) {
  Config cfg;
  Network net(cfg, {});
  GrowthScenario sc;
  sc.nodes = 300;
  run_growth(net, sc, 1);
  expect_mutual(net);
  EXPECT_EQ(net.pending(), 0u);
}

TEST(Network, GracefulLeaveClosesLinksAtBothEnds) {
  Config cfg;
  Network net(cfg, {});
  GrowthScenario sc;
  sc.nodes = 100;
  sc.flood = false;
  run_growth(net, sc, 3);
  const std::uint32_t leaver = 0;  // the entry node has the most links
  const auto before = net.node(leaver).degree();
  ASSERT_GT(before, 0u);
  net.schedule_leave(net.now(), leaver);
  net.drain();
  EXPECT_FALSE(net.alive(leaver));
  for (std::uint32_t i = 1; i < net.size(); ++i)
    for (const Link& l : net.node(i).links()) EXPECT_NE(l.peer, leaver);
  EXPECT_GE(net.counters().note(NoteKind::LinkDown), 2 * before);
  expect_mutual(net);
}

TEST(Network, EventsForDepartedNodesAreCountedAndDropped) {
  Config cfg;
  Network net(cfg, {});
  net.add_node();
  net.add_node();
  net.schedule_leave(0, 0);
  net.schedule_join(5, 1, 0);  // its JOIN_REQs reach a node that has left
  net.drain();
  EXPECT_EQ(net.counters().events_to_departed, static_cast<std::uint64_t>(cfg.join_requests));
  EXPECT_EQ(net.node(1).degree(), 0u);
}

// run_due handles the events due by a time, at most as many as asked, earliest first: in steps
// of seven it leaves the network as one run_until does, and each call but the last handles
// exactly seven.
TEST(Network, RunDueHandlesAtMostWhatIsAskedAndStopsAtTheTime) {
  const Time until = 2 * kSecond;
  auto joining = [] {
    Config cfg;
    auto net = std::make_unique<Network>(cfg, NetworkOptions{3, {}});
    net->add_node();
    for (std::uint32_t i = 1; i <= 150; ++i)
      net->schedule_join(Time{i} * 20 * kMillisecond, net->add_node(), 0);
    return net;
  };
  auto whole = joining();
  whole->run_until(until);
  auto steps = joining();
  EXPECT_EQ(steps->run_due(until, 0), 0u);
  EXPECT_EQ(steps->counters().events, 0u);
  std::uint64_t handled = 0, calls = 0;
  for (;;) {
    const std::uint64_t n = steps->run_due(until, 7);
    ASSERT_LE(n, 7u);
    handled += n;
    ++calls;
    if (n < 7) break;
    EXPECT_LE(steps->now(), until);
  }
  EXPECT_GT(calls, 10u);
  EXPECT_EQ(handled, whole->counters().events);
  EXPECT_EQ(steps->counters().events, whole->counters().events);
  EXPECT_EQ(steps->links(), whole->links());
  ASSERT_GT(steps->pending(), 0u) << "the joins go on past the time asked";
  EXPECT_GT(steps->next_event_time(), until);
  EXPECT_EQ(steps->pending(), whole->pending());
  EXPECT_EQ(steps->run_due(until, 7), 0u);
}

// Tallies what it is fed, by packet type and note kind.
struct Counting : Observer {
  std::uint64_t messages = 0, join_requests = 0, deliveries = 0;
  std::array<std::uint64_t, kNoteKindCount> notes{};
  void on_send(const Network&, std::uint32_t from, std::uint32_t to, const Packet& p) override {
    EXPECT_NE(from, to);
    if (p.type == PacketType::Message) ++messages;
    if (p.type == PacketType::JoinReq) ++join_requests;
  }
  void on_deliver(const Network&, std::uint32_t, const Deliver&) override { ++deliveries; }
  void on_note(const Network&, std::uint32_t, const Note& n) override {
    ++notes[static_cast<std::size_t>(n.kind)];
  }
};

TEST(Network, ObserversSeeWhatTheCountersCount) {
  Config cfg;
  Network net(cfg, {});
  Counting seen, gone;
  net.add_observer(seen);
  net.add_observer(gone);
  net.remove_observer(gone);
  GrowthScenario sc;
  sc.nodes = 200;
  const GrowthResult r = run_growth(net, sc, 2);
  const Counters& c = net.counters();
  EXPECT_GT(seen.messages, 0u);
  EXPECT_EQ(seen.messages, c.messages_sent);
  EXPECT_EQ(seen.join_requests, c.join_requests_sent + c.join_requests_passed);
  EXPECT_EQ(seen.deliveries, r.flood.deliveries);
  EXPECT_EQ(seen.notes, c.notes);
  EXPECT_EQ(gone.messages + gone.join_requests + gone.deliveries, 0u);
}

// `lat` against `plain` (the same latencies, sorted): every k-th smallest at the `every`-th ranks
// and the last, the percentiles, and the latencies it lists.
void expect_same_latencies(FloodLatencies& lat, std::vector<Time> plain, std::size_t every) {
  std::sort(plain.begin(), plain.end());
  std::vector<Time> seen;
  lat.for_each([&](Time t) { seen.push_back(t); });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, plain);
  ASSERT_EQ(lat.size(), plain.size());
  lat.sort();
  for (std::size_t k = 0; k < plain.size(); k += every) ASSERT_EQ(lat.sorted_at(k), plain[k]) << k;
  EXPECT_EQ(lat.sorted_at(plain.size() - 1), plain.back());
  for (const double p : {0.001, 0.5, 0.9, 0.99, 1.0}) {
    const auto rank =
        static_cast<std::size_t>(std::max(1.0, std::ceil(p * static_cast<double>(plain.size()))));
    EXPECT_EQ(lat.nearest_rank(p), plain[rank - 1]) << p;
  }
}

TEST(FloodLatencies, PercentilesAsOfEightByteLatencies) {
  // A few latencies, listed: on both sides of 2^32 microseconds, with ties.
  for (const std::size_t long_every : {0u, 1u, 7u}) {
    FloodLatencies lat;
    std::vector<Time> plain;
    Rng rng(long_every + 1);
    for (std::size_t k = 0; k < 1000; ++k) {
      Time t = static_cast<Time>(rng.below(5000));  // many ties
      if (long_every > 0 && k % long_every == 0) t += static_cast<Time>(UINT32_MAX) - 2000;
      lat.add(t);
      plain.push_back(t);
    }
    expect_same_latencies(lat, plain, 1);
  }
  FloodLatencies one;
  EXPECT_TRUE(one.empty());
  one.add(std::int64_t{1} << 40);
  one.sort();
  EXPECT_EQ(one.nearest_rank(0.5), std::int64_t{1} << 40);
}

TEST(FloodLatencies, ManyAreCountedAndStillExact) {
  // Past kCountFrom the short ones are counted: mixed with ones past the counted span and past
  // 2^32, some added before counting began and some after.
  for (const std::size_t beyond_every : {0u, 3u, 1000u}) {
    FloodLatencies lat;
    std::vector<Time> plain;
    Rng rng(beyond_every + 11);
    for (std::size_t k = 0; k < 3 * FloodLatencies::kCountFrom; ++k) {
      Time t = 10'000 + static_cast<Time>(rng.below(400'000));
      if (beyond_every > 0 && k % beyond_every == 0)
        t = k % 2 == 0 ? FloodLatencies::kSpan + static_cast<Time>(rng.below(1000))
                       : static_cast<Time>(UINT32_MAX) + static_cast<Time>(rng.below(1000));
      lat.add(t);
      plain.push_back(t);
    }
    expect_same_latencies(lat, plain, 997);
  }
  // All of them past the counted span: nothing is counted.
  FloodLatencies far;
  std::vector<Time> plain;
  for (std::size_t k = 0; k < FloodLatencies::kCountFrom + 5; ++k) {
    const Time t = FloodLatencies::kSpan + static_cast<Time>(k % 17);
    far.add(t);
    plain.push_back(t);
  }
  expect_same_latencies(far, plain, 1);
}

TEST(LiveNodes, KeepTheOrderOfAListWithPlaces) {
  // The list as it was kept before it was left implicit: every node's place, a departure moving
  // the last node into the departed one's place. Arrivals and departures interleave, the first
  // departure coming after some arrivals, and the order must be the same at every step.
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    LiveNodes live;
    std::vector<std::uint32_t> list, place;
    Rng rng(seed);
    std::uint32_t added = 0;
    const std::uint32_t first_departure_after = static_cast<std::uint32_t>(rng.below(50));
    for (int step = 0; step < 3000; ++step) {
      const bool depart = added >= first_departure_after && !list.empty() && rng.below(100) < 45;
      if (depart) {
        const std::uint32_t node = list[static_cast<std::size_t>(rng.below(list.size()))];
        const std::uint32_t at = place[node];
        list[at] = list.back();
        place[list.back()] = at;
        list.pop_back();
        live.remove(node);
      } else {
        place.push_back(static_cast<std::uint32_t>(list.size()));
        list.push_back(added);
        live.add(added++);
      }
      ASSERT_EQ(live.size(), list.size());
      ASSERT_EQ(live.empty(), list.empty());
      ASSERT_EQ(live.to_vector(), list) << "step " << step;
      std::vector<std::uint32_t> walked;
      for (std::uint32_t n : live) walked.push_back(n);
      ASSERT_EQ(walked, list) << "step " << step;
      for (std::size_t k = 0; k < list.size(); k += 7) ASSERT_EQ(live[k], list[k]);
    }
  }
  // Before any departure the list is the indices in order.
  LiveNodes fresh;
  for (std::uint32_t i = 0; i < 5; ++i) fresh.add(i);
  EXPECT_EQ(fresh.to_vector(), (std::vector<std::uint32_t>{0, 1, 2, 3, 4}));
  fresh.remove(1);
  EXPECT_EQ(fresh.to_vector(), (std::vector<std::uint32_t>{0, 4, 2, 3}));
  fresh.add(5);
  fresh.remove(0);
  EXPECT_EQ(fresh.to_vector(), (std::vector<std::uint32_t>{5, 4, 2, 3}));
}

}  // namespace
}  // namespace p2p::sim
