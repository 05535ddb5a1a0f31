#include "conformance.hpp"

#include <pybind11/stl.h>

#include <memory>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/join_rule.hpp"
#include "protocol/node.hpp"
#include "sim/address.hpp"
#include "sim/network.hpp"
#include "sim/scenario.hpp"

namespace py = pybind11;

namespace p2p::python {
namespace {

// The suite's config: rules that keep asking get a minimum of two links, so retries run too.
Config config_for(const std::string& spec) {
  Config c;
  c.rule = parse_join_rule(spec, c.max_hops);
  if (c.rule->traits().keeps_asking) {
    const std::size_t cap = c.link_cap();
    c.min_connections = cap == 0 || cap >= 2 ? 2 : static_cast<int>(cap);
  }
  return c;
}

// The JOIN_REQ among a node's effects, if the effect carries one.
const Packet* join_request_in(const Effect& e) {
  const Packet* p = nullptr;
  if (const auto* s = std::get_if<SendOnce>(&e)) p = &s->packet;
  if (const auto* s = std::get_if<Send>(&e)) p = &s->packet;
  return p != nullptr && p->type == PacketType::JoinReq ? p : nullptr;
}

// A node of `want` links made through its own join protocol: each JOIN_REQ it sends is answered
// by a JOIN_ACK from a peer it does not know yet.
void link_up(Node& node, std::size_t want) {
  std::uint32_t peer = 5000;
  for (int round = 0; round < 8 && node.degree() < want; ++round) {
    Effects sent;
    node.join(0, sim::address_of(1), sent);
    for (const Effect& e : sent) {
      const Packet* req = join_request_in(e);
      if (req == nullptr || node.degree() >= want) continue;
      Packet ack;
      ack.type = PacketType::JoinAck;
      ack.origin = sim::address_of(peer);
      ack.id = peer;
      ack.ref = req->id;
      Effects ignored;
      node.on_packet(1, kDriverConnBit | peer, ack, ignored);
      ++peer;
    }
  }
}

// Grows a network of `nodes` under `spec` (a fifth crashed once grown), drains it, floods once.
py::dict grow(const std::string& spec, std::uint32_t nodes, std::uint64_t seed) {
  const Config config = config_for(spec);
  sim::Network net(config, sim::NetworkOptions{seed, {}});
  sim::Scenario sc = sim::Scenario::growth(nodes, 10 * kMillisecond);
  sim::MassFailure f;
  f.at = nodes * 10 * kMillisecond + 20 * kSecond;
  f.fraction = 0.2;
  sc.failures.push_back(f);
  const sim::ScenarioResult res = sim::run_scenario(net, sc, seed);

  std::vector<std::pair<std::uint32_t, std::uint32_t>> held;  // (holder, peer), live holders
  for (std::uint32_t i : net.live())
    for (const Link& l : net.node(i).links()) held.emplace_back(i, l.peer);
  std::vector<std::uint32_t> alive;
  for (std::uint32_t i = 0; i < net.size(); ++i)
    if (net.alive(i)) alive.push_back(i);
  py::dict d;
  d["pending"] = net.pending();
  d["held"] = held;
  d["alive"] = alive;
  d["links"] = net.links();
  d["events"] = net.counters().events;
  d["notes"] = std::vector<std::uint64_t>(net.counters().notes.begin(), net.counters().notes.end());
  d["end"] = res.end;
  d["flooded"] = res.flooded;
  d["flood_origin"] = res.flood_origin;
  if (const sim::FloodStats* fs = res.flooded ? net.flood(res.flood_id) : nullptr)
    d["deliveries"] = fs->deliveries;
  return d;
}

// A node of three links given JOIN_REQs that have walked `hops` hops, over a throw-away
// connection and over a link: the hops of every request it passes on, (arrived, sent).
std::vector<std::pair<int, int>> forwarded_hops(const std::string& spec, int max_hops,
                                                std::uint64_t seed,
                                                const std::vector<int>& arriving) {
  Config config = config_for(spec);
  config.max_hops = max_hops;
  Node node(sim::address_of(2), config, seed);
  link_up(node, 3);
  std::vector<std::pair<int, int>> out;
  for (int hops : arriving) {
    Packet req;
    req.type = PacketType::JoinReq;
    req.origin = sim::address_of(9000 + static_cast<std::uint32_t>(hops));
    req.id = 777 + static_cast<std::uint64_t>(hops);
    req.hops = static_cast<std::uint8_t>(hops);
    req.degree = 3;
    std::vector<ConnId> over{kDriverConnBit | 1};
    if (node.degree() > 0) over.push_back(node.conn_of(node.links()[0]));
    for (ConnId conn : over) {
      Effects sent;
      node.on_packet(2, conn, req, sent);
      for (const Effect& e : sent)
        if (const Packet* p = join_request_in(e); p != nullptr && p->origin == req.origin)
          out.emplace_back(hops, p->hops);
    }
  }
  return out;
}

// A JOIN_ACK answering no request of the node: (linked to its sender, degree, connection closed).
std::tuple<bool, std::size_t, bool> unsolicited_ack(const std::string& spec, std::uint64_t seed) {
  const Config config = config_for(spec);
  Node node(sim::address_of(2), config, seed);
  Effects out;
  node.join(0, sim::address_of(1), out);
  Packet ack;
  ack.type = PacketType::JoinAck;
  ack.origin = sim::address_of(77);
  ack.id = 1;
  ack.ref = 0x5eed0000 + seed;
  out.clear();
  node.on_packet(1, kDriverConnBit | 3, ack, out);
  bool closed = false;
  for (const Effect& e : out)
    if (const auto* c = std::get_if<Close>(&e)) closed = closed || c->conn == (kDriverConnBit | 3);
  return {node.linked_to(ack.origin), node.degree(), closed};
}

}  // namespace

void bind_conformance(py::module_& m) {
  m.def("_grow", &grow, py::arg("spec"), py::arg("nodes"), py::arg("seed"));
  m.def("_forwarded_hops", &forwarded_hops, py::arg("spec"), py::arg("max_hops"), py::arg("seed"),
        py::arg("arriving"));
  m.def("_unsolicited_ack", &unsolicited_ack, py::arg("spec"), py::arg("seed"));
  m.def("_checks_acks",
        [](const std::string& spec) { return parse_join_rule(spec)->traits().checks_acks; });
  m.def("_registered_params", [](const std::string& name) {
    const RuleInfo* info = find_rule(name);
    if (info == nullptr) throw std::invalid_argument("no rule named " + name);
    return info->params.size();
  });
  m.def("_rule_name", [](const std::string& spec) { return parse_join_rule(spec)->name(); });
  m.def("_declared", [](const std::string& spec) {
    const RulePtr rule = parse_join_rule(spec);
    std::vector<std::string> names;
    for (const RuleParam& p : rule->params().declared()) names.push_back(p.name);
    return names;
  });
}

}  // namespace p2p::python
