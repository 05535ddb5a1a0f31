// The pool the report's passes share.
#include "analysis/tasks.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace p2p::analysis {
namespace {

using Task = std::function<void(FollowUps&)>;

TEST(Tasks, FollowUpsStartBeforeTasksNotYetStartedInTheirOrder) {
  std::vector<std::string> ran;  // one thread: no lock needed
  std::vector<Task> tasks;
  tasks.emplace_back([&](FollowUps& f) {
    ran.push_back("a");
    f.emplace_back([&] { ran.push_back("a1"); });
    f.emplace_back([&] { ran.push_back("a2"); });
  });
  tasks.emplace_back([&](FollowUps&) { ran.push_back("b"); });
  tasks.emplace_back([&](FollowUps& f) {
    ran.push_back("c");
    f.emplace_back([&] { ran.push_back("c1"); });
  });
  run_tasks_with_follow_ups(tasks, 1);
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "a1", "a2", "b", "c", "c1"}));
}

TEST(Tasks, EveryTaskAndFollowUpRunsOnceWhateverTheThreadCount) {
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    std::vector<std::atomic<int>> runs(40);
    std::vector<Task> tasks;
    for (int i = 0; i < 10; ++i) {
      tasks.emplace_back([&runs, i](FollowUps& f) {
        ++runs[i];
        for (int k = 1; k <= 3; ++k) f.emplace_back([&runs, i, k] { ++runs[10 * k + i]; });
      });
    }
    run_tasks_with_follow_ups(tasks, threads);
    for (std::size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i], 1) << i << " " << threads;
  }
}

// A thread with nothing to start waits while a running task may add follow-ups, so that two
// follow-ups added late still run side by side: each waits (up to ten seconds) for the other to
// have started.
TEST(Tasks, AnIdleThreadWaitsForFollowUps) {
  std::atomic<int> started{0};
  std::atomic<int> met{0};
  auto meet = [&] {
    ++started;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (started < 2 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (started >= 2) ++met;
  };
  std::vector<Task> tasks;
  tasks.emplace_back([&](FollowUps& f) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the other thread is idle by now
    f.emplace_back(meet);
    f.emplace_back(meet);
  });
  run_tasks_with_follow_ups(tasks, 2);
  EXPECT_EQ(met, 2);
}

TEST(Tasks, TheFirstListedTasksErrorIsRethrownAFollowUpCountingAsItsTask) {
  auto fail = [](const char* what) { return [what] { throw std::runtime_error(what); }; };
  for (unsigned threads : {1u, 2u, 4u}) {
    std::vector<Task> tasks;
    tasks.emplace_back([&](FollowUps& f) {
      f.emplace_back([] {});
      f.emplace_back(fail("follow-up of the first"));
    });
    tasks.emplace_back([&](FollowUps&) { fail("second")(); });
    tasks.emplace_back([&](FollowUps& f) {
      f.emplace_back(fail("never added"));
      fail("third")();
    });
    try {
      run_tasks_with_follow_ups(tasks, threads);
      ADD_FAILURE() << "nothing thrown";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "follow-up of the first") << threads;
    }
  }
}

TEST(Tasks, AThrowingTaskAddsNoFollowUps) {
  std::atomic<int> ran{0};
  std::vector<Task> tasks;
  tasks.emplace_back([&](FollowUps& f) {
    f.emplace_back([&] { ++ran; });
    throw std::runtime_error("failed");
  });
  EXPECT_THROW(run_tasks_with_follow_ups(tasks, 2), std::runtime_error);
  EXPECT_EQ(ran, 0);
}

// Tasks without follow-ups: each runs once, whatever the thread count, and the first listed
// task's error is the one rethrown, though a later one may fail first.
TEST(Tasks, PlainTasksRunOnceAndRethrowTheFirstListedError) {
  run_tasks({}, 4);  // nothing to run: returns
  for (unsigned threads : {0u, 1u, 2u, 5u}) {
    std::vector<std::atomic<int>> runs(12);
    std::vector<std::function<void()>> tasks;
    for (std::size_t i = 0; i < runs.size(); ++i) tasks.emplace_back([&runs, i] { ++runs[i]; });
    run_tasks(tasks, threads);
    for (std::size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i], 1) << i << " " << threads;
    // With two threads or more, the second task fails before the first does.
    const bool side_by_side =
        threads != 1 && (threads > 1 || std::thread::hardware_concurrency() > 1);
    std::atomic<bool> second_failed{false};
    tasks.clear();
    tasks.emplace_back([&] {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (side_by_side && !second_failed && std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
      throw std::runtime_error("first");
    });
    tasks.emplace_back([&] {
      second_failed = true;
      throw std::runtime_error("second");
    });
    try {
      run_tasks(tasks, threads);
      ADD_FAILURE() << "no error rethrown with " << threads << " threads";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "first") << threads;
    }
  }
}

}  // namespace
}  // namespace p2p::analysis
