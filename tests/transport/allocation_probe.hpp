#pragma once
// Replaces the global operator new of a test binary to record the largest single allocation, so a
// test can show that a size read from the wire does not become a large allocation. Defined in its
// own translation unit so the compiler never sees the malloc/free pairing inline.
#include <cstddef>

namespace p2p::testing {
void reset_largest_allocation();
std::size_t largest_allocation();
}  // namespace p2p::testing
