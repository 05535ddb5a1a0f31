#include "peer_control.hpp"

#include <utility>  // before Asio (Boost 1.74 + g++12 + C++20)

#include <CLI/CLI.hpp>
#include <cmath>

#include "transport/peer.hpp"
#include "usage_error.hpp"

namespace p2p::runner {

std::string testbed_ip(std::uint32_t index) {
  const std::uint32_t ip = kTestbedBase + index;
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xff) + "." +
         std::to_string((ip >> 8) & 0xff) + "." + std::to_string(ip & 0xff);
}

std::optional<std::uint32_t> testbed_index(const Address& a) {
  if (!a.is_v4_mapped()) return std::nullopt;
  const std::uint32_t ip = (std::uint32_t{a.ip[12]} << 24) | (std::uint32_t{a.ip[13]} << 16) |
                           (std::uint32_t{a.ip[14]} << 8) | a.ip[15];
  if (ip < kTestbedBase || ip - kTestbedBase >= kTestbedMaxPeers) return std::nullopt;
  return ip - kTestbedBase;
}

std::function<std::chrono::microseconds(const Address&)> emulated_latency(sim::LatencyModel model,
                                                                          std::uint32_t self) {
  return [model = std::move(model), self](const Address& remote) {
    const auto other = testbed_index(remote);
    if (!other) return std::chrono::microseconds(0);
    return std::chrono::microseconds(model.between(self, *other));
  };
}

void add_testbed_peer_flags(CLI::App* cmd, TestbedPeerFlags& f) {
  const std::string group = "Test-only (p2p testbed, docs/reality-gap.md)";
  cmd->add_flag("--control", f.control,
                "drive the peer by a line protocol on stdin/stdout instead of chat lines")
      ->group(group);
  cmd->add_option("--bind", f.bind,
                  "listen on this IP address only and dial from it (one loopback address per "
                  "peer)")
      ->group(group);
  cmd->add_option("--emulate-latency", f.latency,
                  "hold what arrives from a testbed peer for the simulator's latency of that "
                  "pair of node indices: uniform or lognormal (needs --bind with a testbed "
                  "address, 127.1.0.1 upward)")
      ->check(CLI::IsMember({"uniform", "lognormal"}))
      ->group(group);
  cmd->add_option("--emulate-latency-min", f.latency_min_ms, "smallest latency, ms")
      ->check(CLI::Range(0.0, 1e6))
      ->group(group);
  cmd->add_option("--emulate-latency-max", f.latency_max_ms, "largest latency, ms")
      ->check(CLI::Range(0.0, 1e6))
      ->group(group);
  cmd->add_option("--emulate-latency-mu", f.latency_mu, "lognormal: mu of ln(ms)")->group(group);
  cmd->add_option("--emulate-latency-sigma", f.latency_sigma, "lognormal: sigma of ln(ms)")
      ->group(group);
  cmd->add_option("--emulate-latency-seed", f.latency_seed,
                  "the simulator run's seed the latencies are drawn with")
      ->group(group);
  cmd->add_option("--emulate-loss", f.loss,
                  "drop each packet that arrives with this probability, as the simulator's "
                  "--loss (needs --bind with a testbed address)")
      ->check(CLI::Range(0.0, 1.0))
      ->group(group);
  cmd->add_option("--time-scale", f.time_scale,
                  "run the protocol's clock this many times slower than the wall clock: its "
                  "timers and the emulated latencies stretch by this factor")
      ->check(CLI::Range(1.0, 1000.0))
      ->group(group);
}

bool EmulatedDrops::drops(const Address& remote) {
  if (!sides_.empty()) {
    const auto other = testbed_index(remote);
    if (other && *other < sides_.size() && self_ < sides_.size() && sides_[*other] != sides_[self_])
      return true;
  }
  return loss_ > 0 && rng_.chance(loss_);
}

std::shared_ptr<EmulatedDrops> apply_testbed_peer_flags(const TestbedPeerFlags& f,
                                                        transport::PeerOptions& options) {
  options.time_scale = f.time_scale;
  if (!f.bind.empty()) {
    boost::system::error_code ec;
    options.bind = boost::asio::ip::make_address(f.bind, ec);
    if (ec) throw UsageError("--bind: '" + f.bind + "' is not an IP address");
  }
  const auto self = options.bind
                        ? testbed_index(Address::v4(
                              options.bind->is_v4() ? options.bind->to_v4().to_uint() : 0, 1))
                        : std::nullopt;
  std::shared_ptr<EmulatedDrops> drops;
  if (self) {
    drops =
        std::make_shared<EmulatedDrops>(f.loss, derive_seed(f.latency_seed, *self, 0x1055), *self);
    options.drop_packet = [drops](const Address& remote) { return drops->drops(remote); };
  } else if (f.loss > 0) {
    throw UsageError("--emulate-loss needs --bind with a testbed address (127.1.0.1 upward)");
  }
  if (f.latency.empty()) return drops;
  if (!options.bind)
    throw UsageError("--emulate-latency needs --bind: the address names the node index");
  if (!self) throw UsageError("--emulate-latency: --bind " + f.bind + " is not a testbed address");
  if (f.latency_min_ms > f.latency_max_ms)
    throw UsageError("--emulate-latency-min is above --emulate-latency-max");
  sim::LatencyModel m;
  m.kind = f.latency == "lognormal" ? sim::LatencyKind::LogNormal : sim::LatencyKind::Uniform;
  m.min = static_cast<Time>(std::llround(f.latency_min_ms * kMillisecond));
  m.max = static_cast<Time>(std::llround(f.latency_max_ms * kMillisecond));
  m.mu = f.latency_mu;
  m.sigma = f.latency_sigma;
  m.seed = f.latency_seed;
  options.link_delay = emulated_latency(m, *self);
  return drops;
}

std::int64_t PeerControl::now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void PeerControl::on_line(std::string_view line) {
  const auto space = line.find(' ');
  const std::string_view verb = line.substr(0, space);
  const std::string_view rest = space == std::string_view::npos ? "" : line.substr(space + 1);
  if (verb == "join") {
    if (!peer_.join(rest)) print_("error join: expected HOST:PORT");
  } else if (verb == "say") {
    if (!peer_.say(std::string(rest))) print_("error say: not sent");
  } else if (verb == "links") {
    std::string out = "links " + std::to_string(now_us());
    for (const Link& l : peer_.node().links()) out += " " + to_string(peer_.node().peer_address(l));
    print_(out);
  } else if (verb == "counters") {
    std::string out = "counters";
    for (NoteKind k : {NoteKind::JoinAccepted, NoteKind::JoinForwarded, NoteKind::JoinDroppedHops,
                       NoteKind::JoinDroppedNoLink, NoteKind::DuplicateMessage,
                       NoteKind::UnexpectedPacket, NoteKind::MessageOriginated})
      out += " " + std::to_string(counts_[static_cast<int>(k)]);
    print_(out);
  } else if (verb == "leave") {
    leave_();
  } else if (verb == "partition" || verb == "heal") {
    if (!drops_)
      return print_("error " + std::string(verb) + ": needs --bind with a testbed address");
    if (verb == "heal")
      drops_->heal();
    else
      drops_->partition(rest);
  } else {
    print_("error unknown command");
  }
}

void PeerControl::on_deliver(const Deliver& d) {
  print_("deliver " + std::to_string(now_us()) + " " + to_string(d.origin) + " " +
         std::to_string(d.id));
}

void PeerControl::on_note(const Note& n) {
  const auto k = static_cast<std::size_t>(n.kind);
  if (k < kNoteKindCount) ++counts_[k];
  if (n.kind == NoteKind::MessageOriginated)
    print_("said " + std::to_string(n.id) + " " + std::to_string(now_us()));
  else if (n.kind == NoteKind::DuplicateMessage)
    print_("dup " + std::to_string(n.id));
}

}  // namespace p2p::runner
