// What a random node access costs on this machine, apart from the simulator: the question behind
// the layout of simulated nodes (docs/performance.md, "Where the time goes").
//
//   build/bench/node_access NODES AHEAD PAGES [WORK [BYTES]]
//
// NODES records of BYTES bytes (default 192, a simulated node's size) sit in one array; each step
// reads and writes one record drawn at random, then does WORK rounds of integer mixing (default
// 20, about what separates two node accesses of a join event). With AHEAD > 0 every record is
// fetched (all its cache lines) when it is drawn and used AHEAD steps later, as the simulator
// fetches an event's node when it pushes the event; AHEAD = 0 fetches nothing. PAGES: `small`
// (4 KiB pages), `huge` (2 MiB transparent huge pages, as the simulator asks for) or `1g` (1 GiB
// pages from hugetlbfs, which the administrator must reserve first). Prints the nanoseconds per
// step; the same run with NODES = 1000 (the records in cache) is the floor of the work itself.
#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "protocol/random.hpp"

namespace {

using p2p::mix64;

int usage() {
  std::fprintf(stderr, "usage: node_access NODES AHEAD small|huge|1g [WORK [BYTES]]\n");
  return 2;
}

// A whole decimal number, or false.
bool number(const char* text, std::size_t& out) {
  char* end = nullptr;
  out = std::strtoull(text, &end, 10);
  return *text >= '0' && *text <= '9' && *end == '\0';
}

// The array's memory, on the pages asked for; null if the system has none to give.
char* allocate(std::size_t bytes, const std::string& pages) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  if (pages == "1g") {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (30 << MAP_HUGE_SHIFT), -1, 0);
    return p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  auto* p = static_cast<char*>(std::aligned_alloc(kHuge, bytes));
  if (p != nullptr) madvise(p, bytes, pages == "huge" ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t nodes = 0, ahead = 0, work = 20, size = 192;
  if (argc < 4 || argc > 6 || !number(argv[1], nodes) || !number(argv[2], ahead) ||
      (argc > 4 && !number(argv[4], work)) || (argc > 5 && !number(argv[5], size)))
    return usage();
  const std::string pages = argv[3];
  if (nodes == 0 || size < 64 || size % 64 != 0 || work > 1000 ||
      (pages != "small" && pages != "huge" && pages != "1g"))
    return usage();

  const std::size_t unit = pages == "1g" ? std::size_t{1} << 30 : std::size_t{2} << 20;
  const std::size_t bytes = (nodes * size + unit - 1) / unit * unit;
  char* base = allocate(bytes, pages);
  if (base == nullptr) {
    std::fprintf(stderr, "node_access: no memory on %s pages for %zu bytes\n", pages.c_str(),
                 bytes);
    return 1;
  }
  std::memset(base, 1, bytes);  // every page present before the clock starts

  const auto fetch = [&](std::uint64_t i) {
    for (std::size_t off = 0; off < size; off += 64) __builtin_prefetch(base + i * size + off);
  };
  std::vector<std::uint64_t> waiting(ahead + 1);  // drawn records, used AHEAD steps later
  std::uint64_t state = 1, acc = 0;
  for (std::uint64_t& w : waiting) {
    w = mix64(++state) % nodes;
    if (ahead > 0) fetch(w);
  }
  constexpr std::size_t kSteps = 20'000'000;
  const auto start = std::chrono::steady_clock::now();
  std::size_t slot = 0;
  for (std::size_t s = 0; s < kSteps; ++s) {
    auto* record = reinterpret_cast<std::uint64_t*>(base + waiting[slot] * size);
    acc += record[0] + record[size / 16] + record[size / 8 - 1];  // first, middle, last line
    ++record[size / 8 - 1];
    for (std::size_t k = 0; k < work; ++k) acc = mix64(acc + k);
    // The next record depends on the work, as an event's next hop does on its node.
    waiting[slot] = mix64(++state + (acc & 1)) % nodes;
    if (ahead > 0) fetch(waiting[slot]);
    slot = slot == ahead ? 0 : slot + 1;
  }
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      kSteps;
  std::printf("nodes=%zu bytes=%zu ahead=%zu pages=%s work=%zu: %.1f ns a step (check %llu)\n",
              nodes, size, ahead, pages.c_str(), work, ns,
              static_cast<unsigned long long>(acc % 1000));
  return 0;
}
