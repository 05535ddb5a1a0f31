#pragma once
// Join rules: the extension point for the join protocol. A rule decides which node accepts a
// JOIN_REQ and where a refused one goes next, and may keep per-node state, send message kinds of
// its own and arm timers of its own. The seven built-in rules and a user's rule go through this
// same interface and the same registry; `p2p sim --rule NAME[:k=v,...]` names one.
//
// A rule object holds its parameters and is shared, immutable, by every node that runs it; what a
// node must remember lives in the rule's RuleState, allocated only for nodes that need it.
// docs/extending.md walks through writing one.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/address.hpp"
#include "protocol/conn.hpp"
#include "protocol/effect.hpp"
#include "protocol/packet.hpp"
#include "protocol/time.hpp"
#include "protocol/timer.hpp"

namespace p2p {

struct Config;
class NodeContext;
struct Link;

// One parameter a rule reads: its name, kind, default, bounds and a one-line help.
struct RuleParam {
  enum class Kind : std::uint8_t {
    Integer,  // a whole number in [lo, hi]
    Real,     // a finite number in [lo, hi]
    Millis,   // a duration written in milliseconds (name ends in _ms), read as Time
  };
  std::string name;
  Kind kind = Kind::Integer;
  double value = 0;  // the default
  double lo = 0;
  double hi = 0;
  std::string help;

  static RuleParam integer(std::string name, long long value, long long lo, long long hi,
                           std::string help);
  static RuleParam real(std::string name, double value, double lo, double hi, std::string help);
  static RuleParam millis(std::string name, long long value, long long lo, long long hi,
                          std::string help);
};

// The values of a rule's parameters, each checked against its RuleParam. Reading a name the rule
// did not declare is a programming error (std::logic_error), so a spec always names every
// parameter its rule reads.
class RuleParams {
 public:
  RuleParams() = default;
  explicit RuleParams(std::vector<RuleParam> declared);

  long long integer(std::string_view name) const;
  double real(std::string_view name) const;
  Time duration(std::string_view name) const;  // a Millis parameter, in microseconds

  std::span<const RuleParam> declared() const { return params_; }
  // Sets `name` from its text; throws std::invalid_argument with a one-line reason.
  void set(std::string_view name, std::string_view text);
  // Sets `name` to a number (checked as set() checks text).
  void set(std::string_view name, double value);
  bool has(std::string_view name) const { return find(name) != nullptr; }
  // "k=v,..." for every parameter, in declaration order; empty when there are none.
  std::string canonical() const;

 private:
  const RuleParam* find(std::string_view name) const;
  const RuleParam& at(std::string_view name, RuleParam::Kind kind) const;
  std::vector<RuleParam> params_;
};

// What a node remembers for its rule; a rule with state defines a subclass and makes it in
// JoinRule::make_state. Allocated on a node's first use, freed when the node leaves.
struct RuleState {
  virtual ~RuleState() = default;
};

// Fixed properties of a rule that the node reads on hot paths, so they cost no virtual call.
struct RuleTraits {
  // The seed's code as written: chat floods go back over the link they came from too.
  bool floods_back = false;
  // A JOIN_ACK is kept only if it answers one of this node's outstanding JOIN_REQs (the seed's
  // code keeps every JOIN_ACK; a faithful reproduction turns this off).
  bool checks_acks = true;
  // After `connect`, the node keeps asking until it has min_links() links (retries, backoff).
  bool keeps_asking = true;
  // Chat messages it receives are passed on; an attacker that censors turns this off (it still
  // delivers them itself).
  bool relays = true;
  // An attacker (protocol/rules/adversary.hpp): the simulator counts its nodes apart from the
  // honest ones in its figures.
  bool adversary = false;
};

// What a rule decided for one hop of a JOIN_REQ (JoinRule::join_hop); the node carries it out.
struct HopStep {
  enum class Act : std::uint8_t {
    Packet,  // not decided here: the node hands the whole packet to on_join_request
    Accept,  // take the newcomer (NodeContext::accept)
    PassOn,  // note JoinForwarded and send the request as it now is over `next`
    Drop,    // note `dropped` and do nothing more
  };
  Act act = Act::Packet;
  const Link* next = nullptr;
  NoteKind dropped = NoteKind::JoinDroppedHops;

  static HopStep accept() { return {Act::Accept, nullptr, NoteKind::JoinDroppedHops}; }
  static HopStep pass_on(const Link& next) { return {Act::PassOn, &next, NoteKind::JoinForwarded}; }
  static HopStep drop(NoteKind why) { return {Act::Drop, nullptr, why}; }
};

// The interface every join rule implements. Every hook runs inside one input of one node and acts
// through `node` (its links, its generator, and the effects it emits). Hooks that are not
// overridden do what most rules want; see each one.
class JoinRule {
 public:
  explicit JoinRule(RuleParams params, RuleTraits traits = {});
  virtual ~JoinRule();
  JoinRule(const JoinRule&) = delete;
  JoinRule& operator=(const JoinRule&) = delete;

  // The registered name ("hyparview") and the canonical spec with every parameter
  // ("fixed:p=0.5,warmup=0"), which parses back to an equal rule.
  const std::string& name() const { return name_; }
  std::string spec() const;
  const RuleParams& params() const { return params_; }
  const RuleTraits& traits() const { return traits_; }
  // Names this rule's own packets on the wire (a hash of its name), so that in a network mixing
  // rules one rule's message kinds are never read as another's.
  std::uint16_t tag() const { return tag_; }

  // The most links a node may hold (0: no cap). Default: config.max_connections.
  virtual std::size_t link_cap(const Config& config) const;
  // Links a node keeps asking for after `connect`. Default: config.min_connections.
  virtual int min_links(const Config& config) const;
  // Refuses a configuration this rule cannot run (std::invalid_argument, one line). `simulated`:
  // the simulator, which runs until no event is left, so a rule must not arm timers for ever.
  virtual void check(const Config& config, bool simulated) const;

  // The user typed `connect ENTRY`. Default: send Config::join_requests JOIN_REQs to the entry
  // and, if keeps_asking, watch for a shortfall.
  virtual void on_connect(NodeContext& node, const Address& entry) const;
  // A JOIN_REQ arrived on `conn`; `link` is the neighbour's link it came over, or null for a
  // throw-away connection (which the node closes after this returns). `request` is the rule's to
  // change and pass on: move it into the Send (NodeContext::send, pass_on) and no copy is made.
  // Default: decides by join_hop on the request's fields, which the rule then must define, and
  // carries the step out on the request (keeping what a JoinHop lacks, such as a signature).
  virtual void on_join_request(NodeContext& node, ConnId conn, const Link* link,
                               Packet& request) const;
  // The same decision from a JOIN_REQ's fields alone, for a rule whose requests carry nothing
  // more. It changes `hop` as the request is to be accepted or passed on (its id, ref, hops,
  // degree, flags) and says what to do; the node does it. Returning Act::Packet (the default)
  // hands the whole packet to on_join_request instead, and is allowed only before the rule has
  // changed `hop`, drawn from the node's generator or acted. A driver that holds requests compactly
  // (the simulator) builds no Packet for a hop decided here and passed on or dropped: the hop that
  // most JOIN_REQ events are. Defining join_hop alone is enough; a rule that defines both must
  // make them agree.
  virtual HopStep join_hop(NodeContext& node, ConnId conn, const Link* link, JoinHop& hop) const;
  // The link join_hop would read at `node` if a plain JOIN_REQ came now (the one it would pass the
  // request to), worked out on a copy of the node's generator; null if the rule cannot tell. A
  // driver that knows such a hop is next at a node of high degree fetches that link early: it is
  // a random place in a block of thousands. Only a hint: nothing changes, and a wrong answer
  // costs a useless fetch. Default: null.
  virtual const Link* next_hop_read(const Node& node) const;
  // A JOIN_ACK arrived on a new connection. Default: kept as a link if it answers one of our
  // outstanding requests (or traits().checks_acks is off), from a peer we are not linked to,
  // within the cap; otherwise refused.
  virtual void on_join_ack(NodeContext& node, ConnId conn, const Packet& ack) const;
  // One of this rule's own packets (type >= kFirstRuleMessage, tag() == ours). Returns false if
  // it makes no sense here: the node then notes it and closes a connection that is not a link.
  virtual bool on_rule_packet(NodeContext& node, ConnId conn, const Link* link,
                              const Packet& packet) const;
  // One of this rule's own timers (kind >= kFirstRuleTimer) fired.
  virtual void on_timer(NodeContext& node, const Timer& timer) const;
  // A link was added (after the node recorded it).
  virtual void on_link_up(NodeContext& node, const Link& link) const;
  // A neighbour's link ended from its side or by failure. Default: if keeps_asking and below
  // min_links, ask for more now and keep retrying.
  virtual void on_link_lost(NodeContext& node) const;
  // A connection that is not a link ended (a dial this node made failed or was refused).
  virtual void on_conn_closed(NodeContext& node, ConnId conn) const;
  // Ask for more links once. Default: one JOIN_REQ per missing link, through a random neighbour
  // or the entry when there is none.
  virtual void ask_for_more(NodeContext& node) const;
  // The node leaves; its links are closed after this returns. Default: nothing.
  virtual void on_leave(NodeContext& node) const;
  // A fresh per-node state, or null for a rule that keeps none.
  virtual std::unique_ptr<RuleState> make_state() const;

 protected:
  // Keeps `ack` as a link if it answers an outstanding request of ours (forgotten unless
  // `keep_request`), comes from a peer we are not linked to and fits under the cap; otherwise
  // notes it as unexpected and closes its connection.
  static void keep_answer(NodeContext& node, ConnId conn, const Packet& ack, bool keep_request);

 private:
  friend std::shared_ptr<const JoinRule> make_rule(std::string_view name, RuleParams params);
  std::string name_;
  RuleParams params_;
  RuleTraits traits_;
  std::uint16_t tag_ = 0;
};

using RulePtr = std::shared_ptr<const JoinRule>;

// A rule as the registry knows it: name, one-line summary, parameters with defaults, and how to
// build one from checked parameters.
struct RuleInfo {
  std::string name;
  std::string summary;
  std::vector<RuleParam> params;
  std::function<std::unique_ptr<JoinRule>(const RuleParams&)> make;
};

// Adds a rule to the registry; throws std::invalid_argument if the name is taken or not a
// lower-case identifier. Call before parsing specs (at start-up, before threads).
void register_rule(RuleInfo info);
// Registers a rule type R that has `static RuleInfo info()` without `make` and a constructor
// R(const RuleParams&).
template <typename R>
void register_rule() {
  RuleInfo info = R::info();
  info.make = [](const RuleParams& p) { return std::make_unique<R>(p); };
  register_rule(std::move(info));
}
// Registered rules, built-ins first, then in registration order.
std::vector<const RuleInfo*> registered_rules();
const RuleInfo* find_rule(std::string_view name);

// Builds a rule from its registered name and parameters (checked by RuleParams), or with every
// parameter at its default.
RulePtr make_rule(std::string_view name, RuleParams params);
RulePtr make_rule(std::string_view name);
// "inverse_degree", "fixed:p=0.3", "random_walk:length=10,warmup=2", ... Throws
// std::invalid_argument with a one-line message naming the bad part. `max_hops` is set when the
// spec names it (every rule accepts max_hops=N) and left alone otherwise.
RulePtr parse_join_rule(std::string_view spec, int& max_hops);
RulePtr parse_join_rule(std::string_view spec);
// The rule's canonical spec.
std::string to_string(const JoinRule& rule);
inline std::string to_string(const RulePtr& rule) {
  return rule->spec();
}
// The registered names, comma-separated, for help texts.
std::string rule_names();

}  // namespace p2p

// In-tree registration from a rule's own file: P2P_REGISTER_RULE(MyRule); runs before main when
// the file is linked into the executable (the project's rules/ folder is).
#define P2P_REGISTER_RULE(R)                                         \
  namespace {                                                        \
  const bool p2p_registered_##R = (::p2p::register_rule<R>(), true); \
  }
