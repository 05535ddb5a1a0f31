#include "transport/session.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cassert>

#include "transport/endpoint.hpp"

namespace p2p::transport {

namespace {

// One write hands the socket at most this many frames or bytes, so a long queue is not walked
// whole for every write.
constexpr std::size_t kMaxGatherFrames = 64;
constexpr std::size_t kMaxGatherBytes = 256 * 1024;
// Frames smaller than this are copied into a block of the session's own rather than queued by
// reference: a chat line is a few dozen bytes, and a write per 64 of them would cost far more in
// system calls than the copies save in memory. A block is closed at this size.
constexpr std::size_t kCopyBelow = 1024;
constexpr std::size_t kBlockSize = 64 * 1024;

}  // namespace

Session::Session(asio::io_context& io, tcp::socket socket, std::uint64_t serial, ConnId conn,
                 SessionOwner& owner, SessionLimits limits, std::shared_ptr<WriteBudget> budget)
    : io_(io),
      socket_(std::move(socket)),
      serial_(serial),
      conn_(conn),
      owner_(owner),
      limits_(limits),
      budget_(std::move(budget)),
      timer_(io),
      started_(Clock::now()),
      phase_began_(started_),
      frame_began_(started_),
      write_progress_(started_),
      last_received_(started_),
      last_sent_(started_) {}

void Session::start_inbound() {
  inbound_ = true;
  connected_ = true;
  state_ = State::Open;
  boost::system::error_code ec;
  const auto ep = socket_.remote_endpoint(ec);
  if (!ec) remote_address_ = address_of(ep);
  remote_ = ec ? std::string("?") : to_string(remote_address_);
  phase_began_ = last_received_ = last_sent_ = Clock::now();
  read();
  watch();
}

void Session::dial(const tcp::endpoint& to) {
  remote_address_ = address_of(to);
  remote_ = to_string(remote_address_);
  phase_began_ = Clock::now();
  watch();
  socket_.async_connect(to, [self = shared_from_this()](const boost::system::error_code& ec) {
    if (self->state_ == State::Done) return;
    if (ec) {
      self->end("cannot connect: " + ec.message());
      return;
    }
    boost::system::error_code ignored;
    self->socket_.set_option(tcp::no_delay(true), ignored);
    self->connected_ = true;
    self->last_received_ = self->last_sent_ = Clock::now();
    if (self->state_ == State::Connecting) {
      self->state_ = State::Open;
      self->phase_began_ = Clock::now();
    }
    self->read();
    self->flush();
    if (self->state_ == State::Draining && !self->write_in_flight_) self->shutdown_send();
    self->watch();
  });
}

bool Session::send(FrameRef frame) {
  if (!frame || state_ == State::Done || state_ == State::Draining) return false;
  if (queued_bytes_ + frame->size() > limits_.write_queue_bytes) {
    end("write queue over " + std::to_string(limits_.write_queue_bytes) +
        " bytes (peer not reading)");
    return false;
  }
  queued_bytes_ += frame->size();
  if (frame->size() >= kCopyBelow) {
    block_.reset();
    queue_.push_back(std::move(frame));
  } else {
    if (!block_ || block_->size() + frame->size() > kBlockSize) {
      block_ = std::make_shared<OutFrame>(std::vector<std::uint8_t>(), budget_);
      queue_.push_back(block_);
    }
    block_->append(frame->bytes());
  }
  last_sent_ = Clock::now();
  flush();
  return true;
}

bool Session::send(const Packet& packet) {
  if (state_ == State::Done || state_ == State::Draining) return false;
  FrameRef frame = OutFrame::encode(packet, budget_);
  return frame && send(std::move(frame));
}

void Session::close() {
  if (state_ == State::Done || state_ == State::Draining) return;
  state_ = State::Draining;
  reader_.clear();
  phase_began_ = Clock::now();  // a close gets one stall timeout, however chatty the other side
  if (connected_ && !write_in_flight_ && queue_.empty()) shutdown_send();
  watch();
}

void Session::abort() {
  detached_ = true;
  if (state_ == State::Done) return;
  state_ = State::Done;
  boost::system::error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
  if (!write_in_flight_) queue_.clear();
  block_.reset();
}

void Session::read() {
  const auto space = reader_.space();
  assert(!space.empty());
  socket_.async_read_some(
      asio::buffer(space.data(), space.size()),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        if (self->state_ == State::Done) return;
        if (ec) {
          if (self->state_ == State::Draining) {
            self->end({});  // the other side finished too: a clean close
          } else if (ec == asio::error::eof) {
            self->end(self->reader_.buffered() > 0 ? "closed by peer inside a frame"
                                                   : "closed by peer");
          } else {
            self->end("read failed: " + ec.message());
          }
          return;
        }
        self->on_read(n);
      });
}

void Session::on_read(std::size_t n) {
  last_received_ = Clock::now();
  if (state_ == State::Draining) {  // closing: what still arrives is discarded
    read();
    return;
  }
  const bool was_empty = reader_.buffered() == 0;
  reader_.commit(n);
  bool took = false;
  while (state_ == State::Open) {
    FrameReader::Item item = reader_.next();
    if (item.kind == FrameReader::Kind::NeedMore) break;
    if (item.kind == FrameReader::Kind::Bad) {
      bad_frame_ = item.status;
      end(std::string("bad frame: ") + codec::to_string(item.status));
      return;
    }
    took = true;
    if (item.kind == FrameReader::Kind::KeepAlive) continue;
    got_packet_ = true;
    owner_.on_packet(*this, std::move(item.packet));
  }
  if (state_ == State::Done) return;
  if (state_ == State::Draining) {
    reader_.clear();
  } else if (took || was_empty) {
    // A frame must arrive whole within one stall timeout of its first byte, so a trickle of bytes
    // cannot hold a connection open forever.
    frame_began_ = Clock::now();
  }
  read();
  watch();
}

void Session::flush() {
  if (write_in_flight_ || queue_.empty() || !connected_ || state_ == State::Done) return;
  write_in_flight_ = true;
  write_progress_ = Clock::now();
  watch();
  write_some();
}

void Session::write_some() {
  // Piece by piece rather than one async_write, so that a slow but live reader counts as progress
  // for the stall timer and only a reader that takes nothing at all is timed out. Frames stay in
  // the queue (and alive) until the socket has taken them.
  gather_.clear();
  std::size_t bytes = 0;
  std::size_t skip = head_written_;
  for (const FrameRef& f : queue_) {
    if (gather_.size() == kMaxGatherFrames || bytes >= kMaxGatherBytes) break;
    const auto b = f->bytes().subspan(skip);
    skip = 0;
    if (f == block_) block_.reset();  // its bytes are the socket's now: no more appends
    gather_.emplace_back(b.data(), b.size());
    bytes += b.size();
  }
  socket_.async_write_some(
      gather_, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->write_in_flight_ = false;
        if (self->state_ == State::Done) {
          self->queue_.clear();
          return;
        }
        if (ec) {
          self->end("write failed: " + ec.message());
          return;
        }
        self->on_written(n);
      });
}

void Session::on_written(std::size_t n) {
  write_progress_ = Clock::now();
  queued_bytes_ -= n;
  while (n > 0) {
    const std::size_t left = queue_.front()->size() - head_written_;
    if (n < left) {
      head_written_ += n;
      break;
    }
    n -= left;
    head_written_ = 0;
    queue_.pop_front();
  }
  if (!queue_.empty()) {
    write_in_flight_ = true;
    write_some();
  } else if (state_ == State::Draining) {
    shutdown_send();
  } else if (close_after_flush_) {
    close();
  }
  watch();
}

void Session::shutdown_send() {
  // Half-close, then keep reading until the other side closes too: closing a socket with unread
  // bytes would reset the connection and could destroy what we just wrote.
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
}

void Session::end(std::string_view fault) {
  if (state_ == State::Done) return;
  state_ = State::Done;
  boost::system::error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
  // Frames not in a write go now, so their memory is back in the budget at once; the ones in
  // flight go when the aborted write completes.
  if (!write_in_flight_) queue_.clear();
  block_.reset();
  queued_bytes_ = 0;
  // Reported later, from the event loop, so an owner that is inside a call into this session
  // (a send that overflowed) is never re-entered.
  asio::post(io_, [self = shared_from_this(), fault = std::string(fault)] {
    if (!self->detached_) self->owner_.on_session_end(*self, fault);
  });
}

std::optional<Session::Due> Session::deadline() const {
  const auto t = limits_.stall_timeout;
  std::optional<Due> first;
  auto consider = [&](Clock::time_point due, const char* fault, bool keep_alive = false) {
    if (!first || due < first->at) first = Due{due, fault, keep_alive};
  };
  switch (state_) {
    case State::Done:
      return std::nullopt;
    case State::Connecting:
      consider(phase_began_ + t, "cannot connect: timed out");
      break;
    case State::Draining:
      consider(phase_began_ + t, "");  // we asked for the close: no fault to report
      return first;
    case State::Open:
      if (inbound_ && !got_packet_ && reader_.buffered() == 0)
        consider(phase_began_ + t, "timed out waiting for a first packet");
      if (reader_.buffered() > 0) consider(frame_began_ + t, "timed out inside a frame");
      if (limits_.idle_timeout.count() > 0) {
        consider(last_received_ + limits_.idle_timeout, "silent too long (no keep-alive)");
        if (queue_.empty()) consider(last_sent_ + limits_.idle_timeout / 3, nullptr, true);
      }
      break;
  }
  if (write_in_flight_) consider(write_progress_ + t, "timed out writing (peer not reading)");
  return first;
}

void Session::watch() {
  const auto due = deadline();
  if (!due) return;
  if (timer_armed_ && armed_for_ <= due->at) return;  // it wakes in time, and looks again then
  timer_armed_ = true;
  armed_for_ = due->at;
  timer_.expires_at(due->at);  // an earlier deadline replaces the wait armed for a later one
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;  // re-armed or closed
    self->timer_armed_ = false;
    const auto now_due = self->deadline();
    if (!now_due) return;
    if (Clock::now() < now_due->at) {
      self->watch();  // progress since the timer was armed moved the deadline
      return;
    }
    if (now_due->keep_alive) {
      static const auto keep_alive = OutFrame::of_bytes(kKeepAliveFrame, nullptr);
      self->send(keep_alive);
      self->watch();
      return;
    }
    self->end(now_due->fault);
  });
}

}  // namespace p2p::transport
