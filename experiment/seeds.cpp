#include "experiment/seeds.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

namespace p2p::experiment {

std::vector<std::uint64_t> parse_seed_range(std::string_view text) {
  std::string quoted(1, '\'');
  quoted += text;
  quoted += '\'';
  auto number = [&](std::string_view s) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
      throw std::invalid_argument("expected seeds A..B or A (non-negative integers), got " +
                                  quoted);
    return v;
  };
  const auto dots = text.find("..");
  const std::uint64_t a = number(text.substr(0, dots));
  const std::uint64_t b = dots == std::string_view::npos ? a : number(text.substr(dots + 2));
  if (b < a) throw std::invalid_argument("the seed range " + quoted + " is empty");
  if (b - a >= kMaxSeeds)
    throw std::invalid_argument("at most " + std::to_string(kMaxSeeds) + " seeds, got " + quoted);
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t s = a;; ++s) {
    seeds.push_back(s);
    if (s == b) break;
  }
  return seeds;
}

}  // namespace p2p::experiment
