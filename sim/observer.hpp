#pragma once
// A watcher of one simulated network's traffic. The network calls its observers in event order,
// from the thread that runs it, for every packet a node sends, every chat message delivered, every
// note and every sample the scenario takes. A network without observers pays one predictable
// branch per call site; the flood statistics and counters the simulator keeps itself do not go
// through here.
#include <cstdint>

#include "protocol/effect.hpp"
#include "protocol/packet.hpp"

namespace p2p::sim {

class Network;
struct TimeSample;

class Observer {
 public:
  virtual ~Observer() = default;
  // `from` sent `packet` towards `to`, over a link, a new connection or a throw-away one. Called
  // before the loss and partition draws: a packet they drop is still seen here (and counted in
  // Counters::packets_lost or packets_cut).
  virtual void on_send(const Network& net, std::uint32_t from, std::uint32_t to,
                       const Packet& packet) {
    (void)net, (void)from, (void)to, (void)packet;
  }
  // A chat message reached `node` for the first time.
  virtual void on_deliver(const Network& net, std::uint32_t node, const Deliver& deliver) {
    (void)net, (void)node, (void)deliver;
  }
  // `node` noted something (a link up or down, a join request accepted or passed on, ...).
  virtual void on_note(const Network& net, std::uint32_t node, const Note& note) {
    (void)net, (void)node, (void)note;
  }
  // The scenario sampled the network (a timeseries.csv row).
  virtual void on_sample(const Network& net, const TimeSample& sample) { (void)net, (void)sample; }
};

}  // namespace p2p::sim
