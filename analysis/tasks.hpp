#pragma once
// Independent passes of a report shared among a few threads.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace p2p::analysis {

// Tasks that can start only once another has run, for they need its result: a task adds them to
// the list it is given, and they start, in that order, before any task not yet started.
using FollowUps = std::vector<std::function<void()>>;

// Runs every task once on up to `threads` threads (0: one per hardware thread), each thread taking
// the next task or follow-up not yet started, and returns when all are done; a thread with
// nothing to start waits while a running task may still add follow-ups. Tasks must write only
// their own results, so what they compute never depends on the thread count or on which thread ran
// them. If tasks throw, the exception of the first such task in the list is rethrown, a follow-up
// counting as the task that added it, after that task's own; a task that throws adds no
// follow-ups.
inline void run_tasks_with_follow_ups(const std::vector<std::function<void(FollowUps&)>>& tasks,
                                      unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  struct Item {
    std::function<void(FollowUps&)> run;
    std::pair<std::size_t, std::size_t> rank;  // (listed task, 0 or 1 + its follow-up's place)
  };
  std::deque<Item> queue;
  for (std::size_t i = 0; i < tasks.size(); ++i) queue.push_back({tasks[i], {i, 0}});
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t running = 0;
  std::exception_ptr error;
  std::pair<std::size_t, std::size_t> error_rank;
  auto work = [&] {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return !queue.empty() || running == 0; });
      if (queue.empty()) return;  // nothing to start, and nothing running that could add more
      Item item = std::move(queue.front());
      queue.pop_front();
      ++running;
      lock.unlock();
      FollowUps follow;
      std::exception_ptr thrown;
      try {
        item.run(follow);
      } catch (...) {
        thrown = std::current_exception();
        follow.clear();
      }
      lock.lock();
      --running;
      if (thrown && (!error || item.rank < error_rank)) {
        error = thrown;
        error_rank = item.rank;
      }
      for (std::size_t k = follow.size(); k-- > 0;) {
        const auto rank = item.rank.second == 0 ? std::pair{item.rank.first, k + 1} : item.rank;
        queue.push_front({[f = std::move(follow[k])](FollowUps&) { f(); }, rank});
      }
      changed.notify_all();
    }
  };
  {
    std::vector<std::jthread> helpers;
    for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
  }
  if (error) std::rethrow_exception(error);
}

// The same for tasks that add no follow-ups; no more threads start than there are tasks.
inline void run_tasks(const std::vector<std::function<void()>>& tasks, unsigned threads) {
  if (tasks.empty()) return;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, tasks.size()));
  std::vector<std::function<void(FollowUps&)>> plain;
  plain.reserve(tasks.size());
  for (const auto& task : tasks) plain.emplace_back([&task](FollowUps&) { task(); });
  run_tasks_with_follow_ups(plain, threads);
}

}  // namespace p2p::analysis
