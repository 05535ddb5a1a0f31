#pragma once
// One TCP connection of a peer: an async read loop that cuts the byte stream into frames, a
// bounded write queue of shared encoded frames, keep-alives on an idle link, and one timer for
// every deadline. It makes no protocol decision; it reports packets and its own end to its owner,
// and ends itself on any network fault.
#include <utility>  // before Asio: Boost 1.74's Asio needs it under g++12 in C++20 mode

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/address.hpp"
#include "protocol/codec.hpp"
#include "protocol/conn.hpp"
#include "protocol/packet.hpp"
#include "transport/frame_reader.hpp"
#include "transport/out_frame.hpp"

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
  // Bytes a connection may have waiting to be written (a frame shared with other connections
  // counts whole here); a peer that stops reading is dropped when its queue would pass this.
  std::size_t write_queue_bytes = 4 << 20;
  // How long a dial, an inbound connection's first packet, a frame from its first byte, a write
  // without any byte taken, or a graceful close may take before the connection is dropped.
  std::chrono::milliseconds stall_timeout{10000};
  // An open connection that has received nothing (not even a keep-alive) for this long is
  // dropped; one that has sent nothing for a third of it sends a keep-alive. Zero: neither.
  std::chrono::milliseconds idle_timeout{6000};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Clock = std::chrono::steady_clock;

  // `conn` names the connection to the Node; 0 for a one-shot connection the Node never sees.
  // `serial` is the owner's name for the session, unique for the owner's lifetime. Frames this
  // session encodes itself (send(Packet), keep-alives) are charged to `budget`.
  Session(asio::io_context& io, tcp::socket socket, std::uint64_t serial, ConnId conn,
          SessionOwner& owner, SessionLimits limits, std::shared_ptr<WriteBudget> budget);

  // An accepted connection: start reading.
  void start_inbound();
  // Dial `to`; queued frames go out once connected, and reading starts then too.
  void dial(const tcp::endpoint& to);
  // Queues one frame (shared with other sessions as it may be). An overflowing queue ends the
  // session with a fault and returns false.
  bool send(FrameRef frame);
  // Encodes and queues one packet. A packet the codec cannot frame is dropped (returns false).
  bool send(const Packet& packet);
  // Ends the session without a fault: flush what is queued, shut down our side, wait (bounded)
  // for the other side to finish, close. Incoming packets are ignored from now on.
  void close();
  // Ends the session at once with `fault` reported to the owner (eviction, misbehaviour, budget).
  void fail(std::string_view fault) { end(fault); }
  // Closes at once and never calls the owner again (the owner is going away).
  void abort();
  // A one-shot connection: close() as soon as the queue has been written.
  void close_when_flushed() { close_after_flush_ = true; }

  std::uint64_t serial() const { return serial_; }
  ConnId conn() const { return conn_; }
  const std::string& remote() const { return remote_; }
  // The other end's socket address (port 0 until known).
  const Address& remote_address() const { return remote_address_; }
  std::size_t queued_bytes() const { return queued_bytes_; }
  bool inbound() const { return inbound_; }
  bool done() const { return state_ == State::Done; }
  bool open() const { return state_ == State::Open; }
  // Whether any valid packet arrived, and when the session began.
  bool got_packet() const { return got_packet_; }
  Clock::time_point started() const { return started_; }
  // Why the stream was refused, if it was.
  std::optional<codec::DecodeStatus> bad_frame() const { return bad_frame_; }

  // The owner's bookkeeping about this neighbour: a misbehaviour score, and when it last sent
  // something useful (a message new to us, a link).
  int score = 0;
  std::optional<Clock::time_point> last_useful;

 private:
  enum class State : std::uint8_t { Connecting, Open, Draining, Done };

  void read();
  void on_read(std::size_t n);
  void flush();
  void write_some();
  void on_written(std::size_t n);
  void shutdown_send();
  void end(std::string_view fault);
  // When the connection must next have made progress (and the fault if it has not), or must next
  // send a keep-alive.
  struct Due {
    Clock::time_point at;
    const char* fault = nullptr;
    bool keep_alive = false;
  };
  std::optional<Due> deadline() const;
  void watch();

  asio::io_context& io_;
  tcp::socket socket_;
  std::uint64_t serial_;
  ConnId conn_;
  SessionOwner& owner_;
  SessionLimits limits_;
  std::shared_ptr<WriteBudget> budget_;
  State state_ = State::Connecting;
  bool inbound_ = false;
  bool connected_ = false;
  bool got_packet_ = false;
  bool close_after_flush_ = false;
  bool write_in_flight_ = false;
  bool timer_armed_ = false;
  bool detached_ = false;
  std::optional<codec::DecodeStatus> bad_frame_;
  std::string remote_;
  Address remote_address_;
  FrameReader reader_;
  // Frames waiting to be written, oldest first; the write in flight covers a prefix of them.
  std::deque<FrameRef> queue_;
  std::size_t head_written_ = 0;  // bytes of queue_.front() the socket has taken
  std::size_t queued_bytes_ = 0;  // bytes in queue_ not yet taken
  std::vector<asio::const_buffer> gather_;
  // The queue's last element when it is a block of this session's own that small frames are
  // copied into (null once a write has taken it: the socket may be reading its bytes).
  std::shared_ptr<OutFrame> block_;
  asio::steady_timer timer_;
  Clock::time_point armed_for_;  // when the armed wait ends
  Clock::time_point started_;
  Clock::time_point phase_began_;     // dial, accept or close: each gets one stall timeout
  Clock::time_point frame_began_;     // first byte of the partial frame in the reader
  Clock::time_point write_progress_;  // the socket last took bytes of the write in flight
  Clock::time_point last_received_;   // any byte arrived
  Clock::time_point last_sent_;       // a frame was queued
};

}  // namespace p2p::transport
