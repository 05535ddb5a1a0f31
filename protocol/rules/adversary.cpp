// What every attacker shares: joining the overlay greedily and a bounded schedule of rounds.
#include "protocol/rules/adversary.hpp"

#include "protocol/node_context.hpp"

namespace p2p {
namespace {

constexpr std::uint8_t kRoundTimer = 0;

// GCC 12 takes the effects vector's growth here for a read of an uninitialised Deliver (a false
// -Wmaybe-uninitialized: every alternative is constructed before it is moved).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
void arm_round(NodeContext& node, Time at, std::uint64_t round) {
  node.wake_at(at, Timer{rule_timer(kRoundTimer), round});
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

struct Learned final : RuleState {
  std::vector<Address> peers;
  std::size_t next = 0;  // the slot the next address replaces once full
};

}  // namespace

Adversary::Adversary(const RuleParams& params, bool relays)
    : JoinRule(params, RuleTraits{.relays = relays, .adversary = true}),
      accept_(params.real("accept")),
      start_(params.duration("start_ms")),
      interval_(params.duration("interval_ms")),
      rounds_(static_cast<std::uint64_t>(params.integer("rounds"))) {}

std::vector<RuleParam> Adversary::common_params(long long interval_ms, long long rounds) {
  return {RuleParam::real("accept", 1, 0, 1,
                          "chance it takes a newcomer whose JOIN_REQ reaches it (else passes it "
                          "on)"),
          RuleParam::millis("start_ms", 5000, 0, 86400000,
                            "the first round, this long after the attacker joined"),
          RuleParam::millis("interval_ms", interval_ms, 1, 86400000, "time between rounds"),
          RuleParam::integer("rounds", rounds, 0, 1000000,
                             "rounds in all (bounded, so a simulation drains)")};
}

void Adversary::on_connect(NodeContext& node, const Address& entry) const {
  JoinRule::on_connect(node, entry);
  if (rounds_ > 0) arm_round(node, node.now() + start_, 0);
}

void Adversary::on_join_request(NodeContext& node, ConnId conn, const Link*,
                                Packet& request) const {
  if (request.origin != node.self()) {
    Learned& s = node.state<Learned>();
    if (s.peers.size() < kLearned) {
      s.peers.push_back(request.origin);
    } else {
      s.peers[s.next] = request.origin;
      s.next = (s.next + 1) % kLearned;
    }
  }
  // Every newcomer it takes is one more honest node with a link to an attacker.
  const bool take = accept_ >= 1 || node.rng().uniform() < accept_;
  if (take && request.origin != node.self() && !node.linked_to(request.origin) &&
      node.below_cap()) {
    Packet named = request;
    if (named.ref != 0) named.id = named.ref;  // the seed's walks carry the newcomer's id in ref
    node.accept(named);
    return;
  }
  const Link* next =
      request.hops >= node.config().max_hops ? nullptr : node.random_link(&request.origin, conn);
  if (next == nullptr) {
    node.note(NoteKind::JoinDroppedNoLink, request.origin, request.id);
    return;
  }
  node.pass_on(*next, std::move(request));
}

void Adversary::on_join_ack(NodeContext& node, ConnId conn, const Packet& ack) const {
  // Walks such as HyParView's FORWARDJOIN answer one request several times: keep them all.
  keep_answer(node, conn, ack, true);
}

void Adversary::on_timer(NodeContext& node, const Timer& timer) const {
  if (rule_timer_kind(timer.kind) != kRoundTimer || timer.key >= rounds_) return;
  attack(node, timer.key);
  if (timer.key + 1 < rounds_) arm_round(node, node.now() + interval_, timer.key + 1);
}

std::unique_ptr<RuleState> Adversary::make_state() const {
  return std::make_unique<Learned>();
}

std::span<const Address> Adversary::learned(NodeContext& node) {
  return node.state<Learned>().peers;
}

Packet Adversary::message(NodeContext& node, const Address& origin, const char* text) {
  Packet p;
  p.type = PacketType::Message;
  p.origin = origin;
  p.id = node.rng().next();
  p.text = text;
  // With signing on, what it says as itself is signed as an honest node's would be.
  if (const AuthPtr& a = node.config().auth; a && origin == node.self())
    auth::sign_message(*a, node.self(), p.id, p);
  return p;
}

}  // namespace p2p
