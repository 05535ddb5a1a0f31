#pragma once
// A test-only emulation of link latency inside one peer: what arrives from a neighbour is held for
// that link's latency before the Node sees it, because the machine's loopback has none. Inputs are
// released in (due time, arrival) order, so a link with one latency never reorders its packets,
// and a connection's end is released after every packet that came before it.
#include <utility>  // before Asio (Boost 1.74 + g++12 + C++20)

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

namespace p2p::transport {

class DelayQueue {
 public:
  using Clock = std::chrono::steady_clock;
  explicit DelayQueue(boost::asio::io_context& io) : timer_(io) {}
  ~DelayQueue() { timer_.cancel(); }
  DelayQueue(const DelayQueue&) = delete;
  DelayQueue& operator=(const DelayQueue&) = delete;

  // Runs `release` on the loop `delay` from now (at once for zero), after everything due earlier
  // or at the same time and pushed before it.
  void push(std::chrono::microseconds delay, std::function<void()> release);
  // Drops everything held (the peer is leaving).
  void clear();
  std::size_t held() const { return held_.size(); }

 private:
  void arm();
  void on_timer();

  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  boost::asio::steady_timer timer_;
  std::uint64_t last_ = 0;
  std::map<std::pair<Clock::time_point, std::uint64_t>, std::function<void()>> held_;
  bool armed_ = false;
  Clock::time_point armed_for_{};
};

}  // namespace p2p::transport
