#pragma once
// Independent passes of a report shared among a few threads.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace p2p::analysis {

// Runs every task once on up to `threads` threads (0: one per hardware thread), each thread taking
// the next task not yet started, and returns when all are done. Tasks must write only their own
// results, so what they compute never depends on the thread count or on which thread ran them.
// If tasks throw, the exception of the first such task in the list is rethrown.
inline void run_tasks(const std::vector<std::function<void()>>& tasks, unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, tasks.size()));
  std::vector<std::exception_ptr> errors(tasks.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < tasks.size(); i = next++) {
      try {
        tasks[i]();
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  {
    std::vector<std::jthread> helpers;
    for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace p2p::analysis
