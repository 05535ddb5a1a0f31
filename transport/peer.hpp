#pragma once
// A real peer: one protocol::Node driven over TCP on a single io_context. The Peer turns the
// Node's effects into socket work (dial, write, close, timers) and socket events into the Node's
// inputs; every protocol decision stays in the Node.
#include <utility>  // before Asio (Boost 1.74 + g++12 + C++20)

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/config.hpp"
#include "protocol/node.hpp"
#include "transport/admission.hpp"
#include "transport/delay_queue.hpp"
#include "transport/out_frame.hpp"
#include "transport/session.hpp"

namespace p2p::transport {

// The port the seed listens on first, and the default entry point of `connect`.
inline constexpr std::uint16_t kDefaultPort = 55555;

struct PeerOptions {
  // Listen on exactly this port (0: any free port). Unset: the first free port from kDefaultPort
  // upward, as the seed does.
  std::optional<std::uint16_t> port;
  // The address the Node puts in JOIN_REQ origins. Unset: 127.0.0.1 and the bound port, which
  // every local peer can reach whether it dials IPv4 or IPv6.
  std::optional<Address> advertise;
  std::uint64_t seed = 0;
  Config config;
  SessionLimits limits;
  // Connections of every kind held at once, inbound and outbound, dials included: a flood of
  // connections or of packets that cause dials cannot exhaust descriptors or memory. A dial beyond
  // it is not made (the Node is told Closed, as for a failed dial).
  std::size_t max_sessions = 512;
  // Of those, the most that others may open to us; 0 means three quarters of max_sessions, so
  // the Node's own dials always have room. When they are all taken, a newcomer takes the slot of
  // the inbound connection the eviction policy picks (transport/eviction.hpp), or is refused if
  // every one is protected.
  std::size_t max_inbound = 0;
  // Bytes of encoded frames waiting in all write queues together (a frame shared by several
  // queues counts once). Past it, the connections with the longest queues are dropped.
  std::size_t write_budget_bytes = 32 << 20;
  // Dials caused by one neighbour's packets (a JOIN_REQ accepted, a shuffle answered): `dial_burst`
  // at once, then `dial_rate` a second. One beyond is not made and adds to its score.
  double dial_rate = 5.0;
  double dial_burst = 20.0;
  // Misbehaviour: a neighbour whose score reaches this is closed and its IP address refused, for
  // inbound connections and dials alike, for `refuse_for`. 0 disables scoring.
  int misbehaviour_threshold = 100;
  std::chrono::milliseconds refuse_for{10 * 60 * 1000};
  // How long a graceful leave waits for connections to finish closing.
  std::chrono::milliseconds leave_grace{2000};
  // Test-only (`p2p testbed`): listen on this one address instead of every local one and dial
  // from it, so that peers sharing a machine each have an address of their own in 127.0.0.0/8.
  std::optional<boost::asio::ip::address> bind;
  // Test-only: how long what arrives from the peer at `remote` (its IP address decides) is held
  // before the Node sees it, emulating link latency (transport/delay_queue.hpp). Unset: no delay.
  std::function<std::chrono::microseconds(const Address& remote)> link_delay;
  // Test-only: whether a packet that arrived from `remote` is dropped before anything else sees
  // it, emulating loss and partitions (never a connection's end). Unset: none is.
  std::function<bool(const Address& remote)> drop_packet;
  // Test-only (`p2p testbed --time-scale`): the Node's clock runs this many times slower than the
  // wall clock, so its timers and the emulated latencies stretch by the same factor and a machine
  // too slow for a scenario (many peers on few cores, a sanitizer build) plays it as a fast one.
  double time_scale = 1;
};

// Where a Peer's output goes: chat lines, the Node's notes, and the transport's log lines about
// connections. Any may be empty.
struct PeerOutput {
  std::function<void(const Deliver&)> deliver;
  std::function<void(const Note&)> note;
  std::function<void(std::string_view)> log;
};

class Peer final : private SessionOwner {
 public:
  // Binds the listening socket (throws std::system_error if it cannot) and starts accepting.
  Peer(boost::asio::io_context& io, PeerOptions options, PeerOutput output);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // The socket address we listen on (e.g. [::]:55555) and the one others are told to dial.
  const tcp::endpoint& listening() const { return listening_; }
  Address advertised() const { return node_->self(); }
  const Node& node() const { return *node_; }

  // Sends the Node's JOIN_REQs to `entry`.
  void join(const Address& entry);
  // As join, for "HOST:PORT" where HOST may be a name; resolved without blocking the loop.
  // Returns false (and does nothing) if `target` is not of that shape.
  bool join(std::string_view target);
  // Floods a chat line. Text over the codec's cap is refused (returns false).
  bool say(std::string text);
  // Leaves gracefully: the Node closes its links, the listener stops, and `done` runs once every
  // connection has closed or the grace period is over.
  void leave(std::function<void()> done);

  std::size_t open_connections() const { return sessions_.size(); }
  // Bytes of encoded frames held by all write queues together, as charged to the budget.
  std::size_t write_memory() const { return budget_->used(); }
  bool refuses(const Address& a) const { return refused_.refused(a, AdmissionClock::now()); }

  // What each kind of misbehaviour adds to a neighbour's score.
  static constexpr int kScoreBadFrame = 100;         // a frame the codec refuses (not a version)
  static constexpr int kScoreUnexpectedPacket = 10;  // the Node's UnexpectedPacket note
  static constexpr int kScoreDialFlood = 10;         // a dial refused for the neighbour's rate
  static constexpr int kScoreBadSignature = 25;      // a forged message or JOIN_REQ

 private:
  void accept();
  void feed(Input input);
  void apply(Effect& effect);
  void log(std::string_view line) const;
  Time now() const;
  // A span of the Node's clock on the wall clock (options_.time_scale).
  std::chrono::microseconds wall(Time span) const;
  std::shared_ptr<Session> make_session(tcp::socket socket, ConnId conn);
  void schedule(Time at, Timer timer);
  void arm_wake();
  void on_wake();
  void maybe_finish_leave();
  // Why a dial the Node asked for is not made, or nullptr to make it.
  const char* refuse_dial(const Address& to);
  void refuse_open(ConnId conn, const Address& to, const char* why);
  Session* cause() const;
  void punish(Session& s, int points, std::string_view why);
  void enforce_write_budget();
  std::size_t inbound_cap() const;
  // Makes room for one more inbound connection; false if none may be evicted.
  bool make_inbound_room(const std::string& newcomer);
  FrameRef frame_for(const Packet& packet);
  // A socket to dial from: bound to options_.bind when set, else left for the kernel to open.
  tcp::socket dial_socket();
  // Hands `input` from session `s` to the Node, at once or after the emulated link latency.
  void from_session(const Session& s, Input input);

  void on_packet(Session& s, Packet packet) override;
  void on_session_end(Session& s, std::string_view fault) override;

  // Handlers hold a weak reference to this: one that completed just before the Peer was destroyed
  // may still be queued, and must then not touch it.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  boost::asio::io_context& io_;
  PeerOptions options_;
  PeerOutput output_;
  std::chrono::steady_clock::time_point start_;
  tcp::acceptor acceptor_;
  tcp::endpoint listening_;
  tcp::resolver resolver_;
  std::optional<Node> node_;
  ConnId last_inbound_ = 0;

  // Every live session, by the order it was made (never by pointer), and the ones the Node knows
  // by their ConnId. A session the Node asked to close leaves `by_conn_` at once and `sessions_`
  // when its socket is closed.
  std::uint64_t last_serial_ = 0;
  std::map<std::uint64_t, std::shared_ptr<Session>> sessions_;
  std::map<ConnId, Session*> by_conn_;

  // Frames of all write queues are charged here; dial rates by session serial; refused addresses.
  std::shared_ptr<WriteBudget> budget_ = std::make_shared<WriteBudget>();
  std::map<std::uint64_t, DialRate> dial_rates_;
  RefusedAddresses refused_;
  // The session whose packet the Node is handling (0: the input came from elsewhere), and the
  // last Send's packet and frame, so that one packet sent to every link is encoded once.
  std::uint64_t cause_serial_ = 0;
  const Packet* framed_packet_ = nullptr;
  FrameRef framed_;

  // Inputs waiting for the Node; fed one at a time so that a reaction to an effect never re-enters
  // the Node in the middle of another input.
  std::deque<Input> inputs_;
  bool feeding_ = false;
  Effects effects_;

  // Pending wake-ups ordered by (time, arrival); one steady_timer sleeps until the earliest.
  std::multimap<Time, Timer> wakes_;
  boost::asio::steady_timer wake_timer_;
  std::optional<Time> armed_for_;

  bool leaving_ = false;
  std::function<void()> on_left_;
  boost::asio::steady_timer leave_timer_;
  boost::asio::steady_timer accept_retry_;
  // Emulated latency (options_.link_delay): inputs held, and connections whose end is held
  // behind their last packets (their packets still reach the Node).
  std::unique_ptr<DelayQueue> delay_;
  std::set<ConnId> ending_;
};

}  // namespace p2p::transport
