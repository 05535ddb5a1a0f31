#include "transport/delay_queue.hpp"

namespace p2p::transport {

void DelayQueue::push(std::chrono::microseconds delay, std::function<void()> release) {
  held_.emplace(std::make_pair(Clock::now() + delay, ++last_), std::move(release));
  arm();
}

void DelayQueue::clear() {
  held_.clear();
  timer_.cancel();
  armed_ = false;
}

void DelayQueue::arm() {
  if (held_.empty()) return;
  const Clock::time_point due = held_.begin()->first.first;
  if (armed_ && armed_for_ <= due) return;
  armed_ = true;
  armed_for_ = due;
  timer_.expires_at(due);
  timer_.async_wait(
      [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired() || ec) return;  // gone, or re-armed for an earlier time
        armed_ = false;
        on_timer();
      });
}

void DelayQueue::on_timer() {
  const Clock::time_point now = Clock::now();
  while (!held_.empty() && held_.begin()->first.first <= now) {
    auto release = std::move(held_.begin()->second);
    held_.erase(held_.begin());
    release();  // may push more
  }
  arm();
}

}  // namespace p2p::transport
