#pragma once
// The testbed's side door into a real peer (`p2p peer --control`): a line protocol on standard
// input and output that `p2p testbed` drives, and the test-only latency emulation. Peer i of a
// testbed listens on its own loopback address, kTestbedBase + i, so an IP address names a node
// index and both ends of a link draw the same latency from the simulator's model.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/address.hpp"
#include "protocol/effect.hpp"
#include "protocol/random.hpp"
#include "sim/latency.hpp"

namespace CLI {
class App;
}
namespace p2p::transport {
class Peer;
struct PeerOptions;
}  // namespace p2p::transport

namespace p2p::runner {

// 127.1.0.1: the first testbed peer's address; peer i has kTestbedBase + i.
inline constexpr std::uint32_t kTestbedBase = 0x7f010001;
inline constexpr std::uint32_t kTestbedMaxPeers = 0x00fe0000;  // stays inside 127.0.0.0/8

// Peer i's loopback address as text ("127.1.0.1"), and the index an address names (nullopt for
// an address outside the testbed's range).
std::string testbed_ip(std::uint32_t index);
std::optional<std::uint32_t> testbed_index(const Address& a);

// What `--emulate-latency` builds: the delay of a link to `remote` from a peer with index `self`,
// the simulator's draw for that pair of node indices (zero for an address outside the testbed).
std::function<std::chrono::microseconds(const Address&)> emulated_latency(sim::LatencyModel model,
                                                                          std::uint32_t self);

// `p2p peer`'s test-only flags, in a group of their own.
struct TestbedPeerFlags {
  bool control = false;
  std::string bind;
  std::string latency;  // "": none; uniform or lognormal
  double latency_min_ms = 10;
  double latency_max_ms = 50;
  double latency_mu = 3.0;
  double latency_sigma = 0.5;
  std::uint64_t latency_seed = 1;
  double loss = 0;
  double time_scale = 1;
};

// What the emulation drops of what arrives: each packet with the run's loss probability (as the
// simulator loses packets), and while a partition lasts every packet from a peer on the other
// side (as the simulator cuts them); a connection's end always passes, so links stay mutual.
class EmulatedDrops {
 public:
  EmulatedDrops(double loss, std::uint64_t seed, std::uint32_t self)
      : loss_(loss), rng_(seed), self_(self) {}
  bool drops(const Address& remote);
  // `sides`: one character a testbed index, '1' for side A and '0' for side B; an index past
  // the end is on neither side and never cut.
  void partition(std::string_view sides) { sides_ = sides; }
  void heal() { sides_.clear(); }

 private:
  double loss_;
  Rng rng_;
  std::uint32_t self_;
  std::string sides_;
};

void add_testbed_peer_flags(CLI::App* cmd, TestbedPeerFlags& f);
// Sets options.bind, options.link_delay, options.drop_packet and options.time_scale; throws
// UsageError on a bad value. Returns what drops packets (for the control channel's partitions) when
// --bind names a testbed address, else null.
std::shared_ptr<EmulatedDrops> apply_testbed_peer_flags(const TestbedPeerFlags& f,
                                                        transport::PeerOptions& options);

// The line protocol. Commands, one a line on standard input:
//   join HOST:PORT   send the Node's JOIN_REQs to HOST:PORT
//   say TEXT         flood TEXT; answered "said ID T_US"
//   links            answered "links T_US ADDR ADDR ..." (the Node's neighbours)
//   counters         answered "counters accepted forwarded dropped_hops dropped_no_link
//                    duplicates unexpected messages_said"
//   leave            leave gracefully and exit
//   partition SIDES  drop packets from peers on the other side (EmulatedDrops::partition)
//   heal             end the partition
// and events, one a line on standard output: "deliver T_US ORIGIN ID" for each first delivery,
// "dup ID" for each copy that arrived again.
// T_US is the machine's monotonic clock in microseconds, the same clock in every process.
class PeerControl {
 public:
  PeerControl(transport::Peer& peer, std::function<void(const std::string&)> print,
              std::function<void()> leave, std::shared_ptr<EmulatedDrops> drops = nullptr)
      : peer_(peer), print_(std::move(print)), leave_(std::move(leave)), drops_(std::move(drops)) {}

  void on_line(std::string_view line);
  void on_deliver(const Deliver& d);
  void on_note(const Note& n);

  static std::int64_t now_us();

 private:
  transport::Peer& peer_;
  std::function<void(const std::string&)> print_;
  std::function<void()> leave_;
  std::shared_ptr<EmulatedDrops> drops_;
  std::uint64_t counts_[kNoteKindCount] = {};
};

}  // namespace p2p::runner
