#pragma once
// Running C++ work with the interpreter's lock released, while the calling thread keeps
// listening to Python: every tenth of a second it takes the lock back for a moment to run
// pending signal handlers (Ctrl-C raises KeyboardInterrupt there) and to redraw the progress bar.
#include <pybind11/pybind11.h>

#include <functional>

namespace p2p::python {

// Runs `work` on a thread of its own and waits for it. `tick` runs on the calling thread with the
// lock held while it waits; `cancel` is called once when a signal handler or `tick` raised, and
// must make `work` end soon. Rethrows what `work` threw, or the interrupt when there was one.
void run_released(const std::function<void()>& work, const std::function<void()>& tick,
                  const std::function<void()>& cancel);

}  // namespace p2p::python
