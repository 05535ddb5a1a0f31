#pragma once
// One TCP connection of a peer: an async read loop that cuts the byte stream into codec frames,
// a bounded write queue, and a stall timer. It makes no protocol decision; it reports packets and
// its own end to its owner, and ends itself on any network fault.
#include <utility>  // before Asio: Boost 1.74's Asio needs it under g++12 in C++20 mode

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/conn.hpp"
#include "protocol/packet.hpp"

namespace p2p::transport {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Session;

// What a session tells its owner. Calls are never made from inside a call into the session, so the
// owner may act on the session (send, close) from them.
class SessionOwner {
 public:
  virtual void on_packet(Session& s, Packet packet) = 0;
  // Called exactly once, when the socket is closed. `fault` is empty for an end the owner asked
  // for (close()) and otherwise says what went wrong.
  virtual void on_session_end(Session& s, std::string_view fault) = 0;

 protected:
  ~SessionOwner() = default;
};

struct SessionLimits {
  // Bytes a connection may have waiting to be written; a peer that stops reading is dropped when
  // its queue would pass this.
  std::size_t write_queue_bytes = 4 << 20;
  // How long a dial, an inbound connection's first packet, a frame from its first byte, a write
  // without any byte taken, or a graceful close may take before the connection is dropped.
  std::chrono::milliseconds stall_timeout{10000};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `conn` names the connection to the Node; 0 for a one-shot connection the Node never sees.
  // `serial` is the owner's name for the session, unique for the owner's lifetime.
  Session(asio::io_context& io, tcp::socket socket, std::uint64_t serial, ConnId conn,
          SessionOwner& owner, SessionLimits limits);

  // An accepted connection: start reading.
  void start_inbound();
  // Dial `to`; queued packets go out once connected, and reading starts then too.
  void dial(const tcp::endpoint& to);
  // Queues one packet. A packet the codec cannot frame is dropped (returns false); an overflowing
  // queue ends the session with a fault.
  bool send(const Packet& packet);
  // Ends the session without a fault: flush what is queued, shut down our side, wait (bounded)
  // for the other side to finish, close. Incoming packets are ignored from now on.
  void close();
  // Closes at once and never calls the owner again (the owner is going away).
  void abort();
  // A one-shot connection: close() as soon as the queue has been written.
  void close_when_flushed() { close_after_flush_ = true; }

  std::uint64_t serial() const { return serial_; }
  ConnId conn() const { return conn_; }
  const std::string& remote() const { return remote_; }
  std::size_t queued_bytes() const { return writing_.size() - written_ + pending_.size(); }

 private:
  enum class State : std::uint8_t { Connecting, Open, Draining, Done };

  void read();
  void on_read(std::size_t n);
  void flush();
  void write_some();
  void on_written();
  void shutdown_send();
  void end(std::string_view fault);
  using Clock = std::chrono::steady_clock;
  // When the connection must next have made progress, and the fault to report if it has not.
  std::optional<std::pair<Clock::time_point, const char*>> deadline() const;
  void watch();

  asio::io_context& io_;
  tcp::socket socket_;
  std::uint64_t serial_;
  ConnId conn_;
  SessionOwner& owner_;
  SessionLimits limits_;
  State state_ = State::Connecting;
  bool inbound_ = false;
  bool connected_ = false;
  bool got_packet_ = false;
  bool close_after_flush_ = false;
  bool write_in_flight_ = false;
  bool timer_armed_ = false;
  bool detached_ = false;
  std::string remote_;
  // Received bytes not yet decoded; 4 KiB for an idle connection, up to the codec's frame cap.
  static constexpr std::size_t kInitialReadBuffer = 4096;
  std::vector<std::uint8_t> rx_;
  std::size_t rx_used_ = 0;
  std::vector<std::uint8_t> writing_;  // bytes of the write in flight
  std::size_t written_ = 0;            // how much of `writing_` the socket has taken
  std::vector<std::uint8_t> pending_;  // frames queued behind it, written in one go next
  asio::steady_timer timer_;
  Clock::time_point phase_began_;     // dial, accept or close: each gets one stall timeout
  Clock::time_point frame_began_;     // first byte of the partial frame in `rx_`
  Clock::time_point write_progress_;  // the socket last took bytes of `writing_`
};

}  // namespace p2p::transport
