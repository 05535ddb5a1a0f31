// The emulated link latency's queue: inputs come out in (due time, arrival) order.
#include <utility>  // before Asio (Boost 1.74 + g++12 + C++20)

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <vector>

#include "transport/delay_queue.hpp"

namespace p2p::transport {
namespace {

using namespace std::chrono_literals;

TEST(DelayQueue, ReleasesByDueTimeThenArrival) {
  boost::asio::io_context io;
  DelayQueue q(io);
  std::vector<int> order;
  const auto start = DelayQueue::Clock::now();
  DelayQueue::Clock::duration first_at{};
  q.push(60ms, [&] { order.push_back(1); });
  q.push(20ms, [&] {
    order.push_back(2);
    first_at = DelayQueue::Clock::now() - start;
  });
  q.push(20ms, [&] { order.push_back(3); });
  q.push(0ms, [&] { order.push_back(4); });
  EXPECT_EQ(q.held(), 4u);
  io.run();
  EXPECT_EQ(order, (std::vector<int>{4, 2, 3, 1}));
  EXPECT_GE(first_at, 20ms);
  EXPECT_EQ(q.held(), 0u);
}

TEST(DelayQueue, ClearDropsWhatIsHeld) {
  boost::asio::io_context io;
  DelayQueue q(io);
  int released = 0;
  q.push(10ms, [&] { ++released; });
  q.clear();
  io.run();
  EXPECT_EQ(released, 0);
}

}  // namespace
}  // namespace p2p::transport
