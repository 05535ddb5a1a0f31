#include "released.hpp"

#include <chrono>
#include <exception>
#include <future>
#include <optional>
#include <thread>

namespace py = pybind11;

namespace p2p::python {

void run_released(const std::function<void()>& work, const std::function<void()>& tick,
                  const std::function<void()>& cancel) {
  std::exception_ptr failure;
  std::optional<py::error_already_set> interrupt;
  {
    py::gil_scoped_release unlocked;
    std::promise<void> finished;
    std::future<void> done = finished.get_future();
    std::thread worker([&] {
      {
        // This thread's interpreter state, made once and kept while it runs, so a join rule
        // written in Python takes the lock per call without making a state each time.
        py::gil_scoped_acquire state;
        py::gil_scoped_release running;
        try {
          work();
        } catch (...) {
          failure = std::current_exception();
        }
      }
      finished.set_value();
    });
    while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      py::gil_scoped_acquire locked;
      if (interrupt) continue;
      try {
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        if (tick) tick();
      } catch (py::error_already_set& e) {
        interrupt.emplace(std::move(e));
        cancel();
      }
    }
    worker.join();
  }
  if (interrupt) {
    // Whatever the work threw on its way out (a stop, most likely) is dropped for the interrupt.
    failure = nullptr;
    throw std::move(*interrupt);
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace p2p::python
