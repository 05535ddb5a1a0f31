// libFuzzer target for the protocol state machine: a byte string is read as a rule and a sequence
// of inputs (packets of every kind from a small pool of peers and connections, closes, timer
// firings, connect, chat, leave) fed to one Node. After every input it checks what every rule
// promises: no more links than the rule's cap, no link to itself, no two links over one
// connection, each chat id delivered at most once, and no dial to itself or to an undialable
// address. Half the inputs run with signing on (a KeyRing): packets then come signed by their
// origin's key, or forged, or unsigned, and every message delivered must be its author's.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "protocol/auth.hpp"
#include "protocol/config.hpp"
#include "protocol/identity.hpp"
#include "protocol/node.hpp"

namespace {

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  bool empty() const { return b_.empty(); }
  std::uint8_t byte() {
    if (b_.empty()) return 0;
    const std::uint8_t v = b_[0];
    b_ = b_.subspan(1);
    return v;
  }

 private:
  std::span<const std::uint8_t> b_;
};

p2p::Address peer(std::uint8_t k) {
  // Peer 0 is unspecified (undialable), peer 1 is the node itself, the rest ordinary.
  if (k % 16 == 0) return p2p::Address{};
  return p2p::Address::v4(0x0a000000u + (k % 16), 4000);
}

const std::vector<std::string>& specs() {
  static const std::vector<std::string> s = {"seed",
                                             "seed:any_ack=0",
                                             "inverse_degree",
                                             "fixed:p=0.5,warmup=1",
                                             "random_walk:length=3",
                                             "degree_capped:d=3",
                                             "mh_walk:length=3",
                                             "hyparview:active=3,passive=4,shuffles=3"};
  return s;
}

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "node_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace p2p;
  Reader in({data, size});
  Config config;
  config.rule = parse_join_rule(specs()[in.byte() % specs().size()], config.max_hops);
  config.min_connections = in.byte() % 3;
  config.max_connections = in.byte() % 5;
  if (config.max_connections > 0 && config.min_connections > config.max_connections)
    config.min_connections = config.max_connections;
  const bool signing = in.byte() % 2 == 1;
  static const auto ring = std::make_shared<const KeyRing>(7);
  if (signing) config.auth = ring;
  const Address self = peer(1);
  Node node(self, config, 42);
  std::set<std::uint64_t> delivered;
  std::vector<ConnId> opened;
  Time now = 0;
  Effects out;
  for (int step = 0; step < 400 && !in.empty(); ++step) {
    out.clear();
    now += in.byte() * kMillisecond;
    const std::uint8_t op = in.byte() % 8;
    // A connection the driver numbered (an inbound one), or one the node opened itself: the
    // driver never hands the node a packet on a number the node has not used.
    ConnId conn = kDriverConnBit | (in.byte() % 8);
    if (const std::uint8_t pick = in.byte(); pick % 2 == 1 && !opened.empty())
      conn = opened[pick % opened.size()];
    if (op <= 2) {
      Packet p;
      const std::uint8_t t = in.byte() % 8;
      p.type = t < 3 ? static_cast<PacketType>(t) : rule_message(static_cast<std::uint8_t>(t - 3));
      p.tag = in.byte() % 4 == 0 ? 0 : config.rule->tag();
      p.origin = peer(in.byte());
      p.id = in.byte() % 32;
      p.ref = in.byte() % 32;
      p.hops = in.byte() % 80;
      p.flags = in.byte();
      p.degree = in.byte() % 10;
      for (std::uint8_t k = in.byte() % 4; k > 0; --k) p.peers.push_back(peer(in.byte()));
      if (p.type == PacketType::Message) p.text = "x";
      // Signed by its origin's key (the id then made from it), or left with a forged proof.
      if (const std::uint8_t how = in.byte() % 4; signing && how != 0) {
        if (p.type == PacketType::Message) auth::sign_message(*ring, p.origin, p.id, p);
        if (p.type == PacketType::JoinReq) auth::sign_join_request(*ring, p.origin, p);
        if (how == 3 && !p.body.empty()) p.body[p.body.size() - 1 - in.byte() % 8] ^= 1;
      }
      node.on_packet(now, conn, p, out);
    } else if (op == 3) {
      node.on_closed(now, conn, out);
    } else if (op == 4) {
      const std::uint8_t k = in.byte() % 4;
      const Timer t{k == 0 ? TimerKind::JoinRetry : rule_timer(static_cast<std::uint8_t>(k - 1)),
                    static_cast<std::uint64_t>(in.byte() % 16)};
      node.on_timer(now, t, out);
    } else if (op == 5) {
      node.join(now, peer(in.byte() | 2), out);
    } else if (op == 6) {
      node.say(now, "hi", out);
    } else {
      node.leave(now, out);
    }
    const std::size_t cap = config.link_cap();
    if (cap > 0 && node.degree() > cap) broken("more links than the cap");
    ConnId last = 0;
    for (const Link& l : node.links()) {
      if (node.peer_address(l) == self) broken("a link to itself");
      // Sorted by id, so two links over one connection would show as a repeat.
      const ConnId c = node.conn_of(l);
      if (&l != node.links().data() && c <= last) broken("links out of order, or two over one");
      last = c;
    }
    for (const Effect& e : out) {
      if (const auto* d = std::get_if<Deliver>(&e)) {
        if (!delivered.insert(d->id).second) broken("a chat id delivered twice");
        if (signing) {
          const PublicKey k = ring->key(d->origin);
          if (d->author != std::string(k.begin(), k.end())) broken("a forged message delivered");
        }
      }
      if (const auto* o = std::get_if<Open>(&e)) {
        if (o->to == self || !o->to.dialable()) broken("a lasting dial to itself or nowhere");
        opened.push_back(o->conn);
      }
      if (const auto* s = std::get_if<SendOnce>(&e))
        if (s->to == self || !s->to.dialable()) broken("a one-shot dial to itself or nowhere");
    }
  }
  return 0;
}
