#include "transport/session.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cassert>
#include <cstring>

#include "protocol/codec.hpp"
#include "transport/endpoint.hpp"

namespace p2p::transport {

Session::Session(asio::io_context& io, tcp::socket socket, std::uint64_t serial, ConnId conn,
                 SessionOwner& owner, SessionLimits limits)
    : io_(io),
      socket_(std::move(socket)),
      serial_(serial),
      conn_(conn),
      owner_(owner),
      limits_(limits),
      rx_(kInitialReadBuffer),
      timer_(io),
      phase_began_(Clock::now()),
      frame_began_(phase_began_),
      write_progress_(phase_began_) {}

void Session::start_inbound() {
  inbound_ = true;
  connected_ = true;
  state_ = State::Open;
  boost::system::error_code ec;
  const auto ep = socket_.remote_endpoint(ec);
  remote_ = ec ? std::string("?") : to_string(address_of(ep));
  phase_began_ = Clock::now();
  read();
  watch();
}

void Session::dial(const tcp::endpoint& to) {
  remote_ = to_string(address_of(to));
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
    if (self->state_ == State::Connecting) {
      self->state_ = State::Open;
      self->phase_began_ = Clock::now();
    }
    self->read();
    self->flush();
    if (self->state_ == State::Draining && !self->write_in_flight_) self->shutdown_send();
  });
}

bool Session::send(const Packet& packet) {
  if (state_ == State::Done || state_ == State::Draining) return false;
  const std::size_t before = pending_.size();
  if (!codec::encode(packet, pending_)) return false;
  if (queued_bytes() > limits_.write_queue_bytes) {
    pending_.resize(before);
    end("write queue over " + std::to_string(limits_.write_queue_bytes) +
        " bytes (peer not reading)");
    return false;
  }
  flush();
  return true;
}

void Session::close() {
  if (state_ == State::Done || state_ == State::Draining) return;
  state_ = State::Draining;
  rx_used_ = 0;
  phase_began_ = Clock::now();  // a close gets one stall timeout, however chatty the other side
  if (connected_ && !write_in_flight_ && pending_.empty()) shutdown_send();
  watch();
}

void Session::abort() {
  detached_ = true;
  if (state_ == State::Done) return;
  state_ = State::Done;
  boost::system::error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
}

void Session::read() {
  // Grow only while a frame needs it: a full buffer at the cap always held a whole frame, which
  // was consumed, so the buffer never has to pass kMaxFrameSize. Shrink back once it is empty.
  if (rx_used_ == rx_.size()) {
    rx_.resize(std::min(rx_.size() * 2, codec::kMaxFrameSize));
  } else if (rx_used_ == 0 && rx_.size() > kInitialReadBuffer) {
    std::vector<std::uint8_t>(kInitialReadBuffer).swap(rx_);
  }
  assert(rx_used_ < rx_.size());
  socket_.async_read_some(
      asio::buffer(rx_.data() + rx_used_, rx_.size() - rx_used_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        if (self->state_ == State::Done) return;
        if (ec) {
          if (self->state_ == State::Draining) {
            self->end({});  // the other side finished too: a clean close
          } else if (ec == asio::error::eof) {
            self->end(self->rx_used_ > 0 ? "closed by peer inside a frame" : "closed by peer");
          } else {
            self->end("read failed: " + ec.message());
          }
          return;
        }
        self->on_read(n);
      });
}

void Session::on_read(std::size_t n) {
  if (state_ == State::Draining) {  // closing: what still arrives is discarded
    read();
    return;
  }
  const bool was_empty = rx_used_ == 0;
  rx_used_ += n;
  std::size_t offset = 0;
  while (state_ == State::Open) {
    codec::Decoded d = codec::decode(std::span(rx_.data() + offset, rx_used_ - offset));
    if (d.status == codec::DecodeStatus::NeedMore) break;
    if (d.status != codec::DecodeStatus::Ok) {
      end(std::string("bad frame: ") + codec::to_string(d.status));
      return;
    }
    offset += d.consumed;
    got_packet_ = true;
    owner_.on_packet(*this, std::move(d.packet));
  }
  if (state_ == State::Done) return;
  if (state_ == State::Draining) {
    rx_used_ = 0;
  } else {
    std::memmove(rx_.data(), rx_.data() + offset, rx_used_ - offset);
    rx_used_ -= offset;
    // A frame must arrive whole within one stall timeout of its first byte, so a trickle of bytes
    // cannot hold a connection open forever.
    if (offset > 0 || was_empty) frame_began_ = Clock::now();
  }
  read();
  watch();
}

void Session::flush() {
  if (write_in_flight_ || pending_.empty() || !connected_ || state_ == State::Done) return;
  std::swap(writing_, pending_);
  pending_.clear();
  written_ = 0;
  write_in_flight_ = true;
  write_progress_ = Clock::now();
  watch();
  write_some();
}

void Session::write_some() {
  // Piece by piece rather than one async_write, so that a slow but live reader counts as progress
  // for the stall timer and only a reader that takes nothing at all is timed out.
  socket_.async_write_some(
      asio::buffer(writing_.data() + written_, writing_.size() - written_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        if (self->state_ == State::Done) return;
        if (ec) {
          self->write_in_flight_ = false;
          self->end("write failed: " + ec.message());
          return;
        }
        self->write_progress_ = Clock::now();
        self->written_ += n;
        if (self->written_ < self->writing_.size()) {
          self->write_some();
          return;
        }
        self->write_in_flight_ = false;
        self->writing_.clear();
        self->written_ = 0;
        self->on_written();
      });
}

void Session::on_written() {
  if (!pending_.empty()) {
    flush();
  } else if (state_ == State::Draining) {
    shutdown_send();
  } else if (close_after_flush_) {
    close();
  }
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
  // Reported later, from the event loop, so an owner that is inside a call into this session
  // (a send that overflowed) is never re-entered.
  asio::post(io_, [self = shared_from_this(), fault = std::string(fault)] {
    if (!self->detached_) self->owner_.on_session_end(*self, fault);
  });
}

std::optional<std::pair<Session::Clock::time_point, const char*>> Session::deadline() const {
  const auto t = limits_.stall_timeout;
  std::optional<std::pair<Clock::time_point, const char*>> first;
  auto consider = [&](Clock::time_point since, const char* fault) {
    const auto due = since + t;
    if (!first || due < first->first) first.emplace(due, fault);
  };
  switch (state_) {
    case State::Done:
      return std::nullopt;
    case State::Connecting:
      consider(phase_began_, "cannot connect: timed out");
      break;
    case State::Draining:
      consider(phase_began_, "");  // we asked for the close: no fault to report
      return first;
    case State::Open:
      if (inbound_ && !got_packet_ && rx_used_ == 0)
        consider(phase_began_, "timed out waiting for a first packet");
      if (rx_used_ > 0) consider(frame_began_, "timed out inside a frame");
      break;
  }
  if (write_in_flight_) consider(write_progress_, "timed out writing (peer not reading)");
  return first;
}

void Session::watch() {
  if (timer_armed_) return;
  const auto due = deadline();
  if (!due) return;
  timer_armed_ = true;
  timer_.expires_at(due->first);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
    self->timer_armed_ = false;
    const auto now_due = self->deadline();
    if (!now_due) return;
    if (Clock::now() < now_due->first) {
      self->watch();  // progress since the timer was armed moved the deadline
      return;
    }
    self->end(now_due->second);
  });
}

}  // namespace p2p::transport
