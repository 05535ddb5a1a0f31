#include "analysis/edge_list.hpp"
#include "protocol/huge_pages.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <numeric>
#include <string_view>
#include <unordered_map>

namespace p2p::analysis {
namespace {

constexpr std::size_t kChunk = 1 << 20;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Shortened copy of an id for an error message, so a huge field never floods the terminal.
std::string quoted(std::string_view s) {
  constexpr std::size_t kShown = 40;
  std::string out(1, '\'');
  out.append(s.substr(0, kShown));
  if (s.size() > kShown) out.append("...");
  out.push_back('\'');
  return out;
}

class Parser {
  std::size_t source_column_ = 0, target_column_ = 1, columns_ = 2;

 public:
  // Room for the ends of an input of about `bytes` bytes: a line holds at least four ("1 2\n"),
  // usual ones eight or more, so one reallocation at most instead of a copy at every doubling.
  void expect_bytes(std::uintmax_t bytes) {
    ends_.reserve(static_cast<std::size_t>(std::min<std::uintmax_t>(bytes / 4, kReserveCap)));
  }

  void line(std::string_view text, std::size_t number) {
    number_ = number;
    if (format_ == Format::whitespace && numeric_ == Numeric::yes && integer_pair(text)) return;
    text = trim(text);
    if (text.empty() || text.front() == '#') return;
    if (format_ == Format::unknown) {
      if (text.find(',') != std::string_view::npos) {
        format_ = Format::csv;
        // The two named columns, wherever they are; others (a weight, a pandas index) are read
        // past.
        std::size_t start = 0, column = 0;
        bool has_source = false, has_target = false;
        while (true) {
          const auto comma = text.find(',', start);
          const auto name =
              trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
          if (name == "source" && !has_source) source_column_ = column, has_source = true;
          if (name == "target" && !has_target) target_column_ = column, has_target = true;
          ++column;
          if (comma == std::string_view::npos) break;
          start = comma + 1;
        }
        if (!has_source || !has_target) fail("expected a CSV header with 'source' and 'target'");
        columns_ = column;
        return;
      }
      format_ = Format::whitespace;
    }
    std::string_view fields[2];
    std::size_t count = 0;
    if (format_ == Format::csv) {
      std::size_t start = 0;
      while (true) {
        const auto comma = text.find(',', start);
        const auto field =
            trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
        if (count == source_column_) fields[0] = field;
        if (count == target_column_) fields[1] = field;
        ++count;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      if (count != columns_)
        fail("expected " + std::to_string(columns_) + " fields as in the header, found " +
             std::to_string(count));
      count = 2;
    } else {
      std::size_t i = 0;
      while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) ++i;
        if (i == text.size()) break;
        const std::size_t start = i;
        while (i < text.size() && !is_space(text[i])) ++i;
        if (count < 2) fields[count] = text.substr(start, i - start);
        ++count;
      }
      if (count >= 2 && first_data_line_ && fields[0] == "source" && fields[1] == "target") {
        first_data_line_ = false;  // a whitespace header, tolerated
        return;
      }
      // networkx's write_edgelist adds the edge's data ("0 1 {}"): the first two fields are the
      // edge, the rest is read past.
      if (count > 2) count = 2;
    }
    first_data_line_ = false;
    if (count != 2) {
      fail("expected 2 fields (source, target), found " + std::to_string(count));
    }
    ends_.push_back(key(fields[0]));
    ends_.push_back(key(fields[1]));
  }

  EdgeList finish() {
    if (format_ == Format::unknown) throw EdgeListError("empty input: no edges");
    if (ends_.empty()) throw EdgeListError("no edges in the input");
    EdgeList list;
    // Renumber in id order so the output lists nodes the way the input names them.
    std::vector<NodeId> rank;  // by key
    if (numeric_ == Numeric::yes) {
      rank = number_ranks(list);
    } else {
      list.node_count = names_.size();
      std::vector<std::string> ids(list.node_count);
      for (auto& [name, index] : names_) ids[index] = name;
      names_ = {};
      std::vector<NodeId> order(list.node_count);
      std::iota(order.begin(), order.end(), NodeId{0});
      std::sort(order.begin(), order.end(), [&](NodeId a, NodeId b) { return ids[a] < ids[b]; });
      for (NodeId i : order) list.labels.push_back(std::move(ids[i]));
      rank.resize(list.node_count);
      for (std::size_t i = 0; i < order.size(); ++i) rank[order[i]] = static_cast<NodeId>(i);
    }
    list.edges.resize(ends_.size() / 2);
    for (std::size_t i = 0; i < list.edges.size(); ++i) {
      list.edges[i] = {rank[ends_[2 * i]], rank[ends_[2 * i + 1]]};
    }
    ends_ = {};
    return list;
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw EdgeListError("line " + std::to_string(number_) + ": " + why);
  }

 private:
  static constexpr std::uintmax_t kReserveCap = std::uintmax_t{1} << 28;

  // The common line of a SNAP file once its ids are known to be integers, `A<blanks>B[<blank>...]`,
  // read without splitting it into fields first. Anything else (comments, blank lines, a bad id,
  // 20 digits or more) returns false and goes through the general path, which reports errors.
  bool integer_pair(std::string_view text) {
    const char* p = text.data();
    const char* const end = p + text.size();
    while (p != end && is_space(*p)) ++p;
    std::uint64_t ids[2];
    for (std::uint64_t& id : ids) {
      const char* const start = p;
      std::uint64_t value = 0;
      while (p != end && static_cast<unsigned char>(*p - '0') < 10)
        value = value * 10 + (*p++ - '0');
      if (p == start || p - start > 19) return false;
      if (p != end && !is_space(*p)) return false;
      id = value;
      while (p != end && is_space(*p)) ++p;
    }
    ends_.push_back(ids[0]);
    ends_.push_back(ids[1]);
    return true;
  }

  enum class Format { unknown, csv, whitespace };
  enum class Numeric { unknown, yes, no };

  // What an end is stored as until finish(): an integer id's value, or a string id's index in
  // order of first appearance.
  std::uint64_t key(std::string_view field) {
    if (format_ == Format::csv && field.size() >= 2 && field.front() == '"' &&
        field.back() == '"') {
      field = field.substr(1, field.size() - 2);
    }
    if (field.empty()) fail("empty node id");
    if (field.find('"') != std::string_view::npos) fail("quote inside node id " + quoted(field));
    const bool digits = all_digits(field);
    if (numeric_ == Numeric::unknown) numeric_ = digits ? Numeric::yes : Numeric::no;
    if (digits != (numeric_ == Numeric::yes)) {
      fail("node id " + quoted(field) +
           (digits ? " is an integer but earlier ids are not"
                   : " is not an integer like earlier ids"));
    }
    if (digits) {
      std::uint64_t value = 0;
      const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (error != std::errc{} || end != field.data() + field.size()) {
        fail("node id " + quoted(field) + " is out of range");
      }
      return value;
    }
    const std::size_t next = names_.size();
    const auto [it, added] = names_.try_emplace(std::string(field), static_cast<NodeId>(next));
    if (added && next >= std::numeric_limits<NodeId>::max()) {
      fail("more nodes than 32-bit ids can hold");
    }
    return it->second;
  }

  // Integer ids: ranks by value, filling list.node_count and list.labels; ends_ become indices
  // into the returned table. Ids that are dense enough (the usual case: a crawl's or a
  // simulator's indices) are ranked through a table indexed by value, in linear time; others are
  // sorted.
  std::vector<NodeId> number_ranks(EdgeList& list) {
    const std::uint64_t top = *std::max_element(ends_.begin(), ends_.end());
    std::vector<NodeId> rank;
    if (top < 4 * ends_.size() + 65536) {
      constexpr NodeId absent = std::numeric_limits<NodeId>::max();
      rank.assign(top + 1, absent);
      for (std::uint64_t v : ends_) rank[v] = 0;
      list.labels.reserve(
          static_cast<std::size_t>(std::count(rank.begin(), rank.end(), NodeId{0})));
      std::uint64_t count = 0;
      for (std::uint64_t v = 0; v <= top; ++v) {
        if (rank[v] == absent) continue;
        if (count >= absent) throw EdgeListError("more nodes than 32-bit ids can hold");
        rank[v] = static_cast<NodeId>(count++);
        list.labels.push_back(std::to_string(v));
      }
      list.node_count = count;
      return rank;
    }
    HugePageVector<std::uint64_t> ids(ends_);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.size() >= std::numeric_limits<NodeId>::max()) {
      throw EdgeListError("more nodes than 32-bit ids can hold");
    }
    list.node_count = ids.size();
    list.labels.reserve(ids.size());
    for (std::uint64_t v : ids) list.labels.push_back(std::to_string(v));
    // Replace each end by its rank, so the caller's table lookup is the identity.
    for (std::uint64_t& v : ends_) {
      v = static_cast<std::uint64_t>(std::lower_bound(ids.begin(), ids.end(), v) - ids.begin());
    }
    rank.resize(ids.size());
    std::iota(rank.begin(), rank.end(), NodeId{0});
    return rank;
  }

  Format format_ = Format::unknown;
  Numeric numeric_ = Numeric::unknown;
  bool first_data_line_ = true;
  std::size_t number_ = 0;
  std::unordered_map<std::string, NodeId> names_;  // iterated only to fill a table by index
  HugePageVector<std::uint64_t> ends_;             // two keys per edge, see key()
};

}  // namespace

namespace {

EdgeList read_stream(std::istream& in, std::size_t max_line_bytes, const ByteObserver& on_bytes,
                     std::uintmax_t expected_bytes) {
  Parser parser;
  parser.expect_bytes(expected_bytes);
  std::vector<char> chunk(kChunk);
  std::string carry;  // the start of a line split across chunks; never above max_line_bytes
  std::size_t number = 1;
  auto too_long = [&] {
    throw EdgeListError("line " + std::to_string(number) + ": longer than " +
                        std::to_string(max_line_bytes) + " bytes");
  };
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    std::string_view rest(chunk.data(), got);
    if (on_bytes) on_bytes(rest);
    while (!rest.empty()) {
      const auto newline = rest.find('\n');
      if (newline == std::string_view::npos) {
        if (carry.size() + rest.size() > max_line_bytes) too_long();
        carry.append(rest);
        break;
      }
      std::string_view text = rest.substr(0, newline);
      rest.remove_prefix(newline + 1);
      if (carry.size() + text.size() > max_line_bytes) too_long();
      if (!carry.empty()) {
        carry.append(text);
        parser.line(carry, number);
        carry.clear();
      } else {
        parser.line(text, number);
      }
      ++number;
    }
  }
  if (in.bad()) throw EdgeListError("read error");
  if (!carry.empty()) parser.line(carry, number);
  return parser.finish();
}

}  // namespace

EdgeList read_edge_list(std::istream& in, std::size_t max_line_bytes,
                        const ByteObserver& on_bytes) {
  return read_stream(in, max_line_bytes, on_bytes, 0);
}

EdgeList read_edge_list(const std::filesystem::path& path, std::size_t max_line_bytes,
                        const ByteObserver& on_bytes) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw EdgeListError(path.string() + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw EdgeListError(path.string() + ": cannot open");
  const std::uintmax_t bytes =
      std::filesystem::is_regular_file(path, error) ? std::filesystem::file_size(path, error) : 0;
  try {
    return read_stream(in, max_line_bytes, on_bytes, error ? 0 : bytes);
  } catch (const EdgeListError& e) {
    throw EdgeListError(path.string() + ": " + e.what());
  }
}

}  // namespace p2p::analysis
