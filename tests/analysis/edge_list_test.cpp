#include "analysis/edge_list.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <streambuf>
#include <string>

namespace p2p::analysis {
namespace {

EdgeList parse(const std::string& text) {
  std::istringstream in(text);
  return read_edge_list(in);
}

// The message of the EdgeListError thrown by parsing `text`, or "" if none was thrown.
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const EdgeListError& e) {
    return e.what();
  }
  return "";
}

TEST(EdgeList, ReadsCsvWithIntegerIdsInNumericOrder) {
  const EdgeList l = parse("source,target\n10,2\n2,9\n");
  EXPECT_EQ(l.node_count, 3u);
  EXPECT_EQ(l.labels, (std::vector<std::string>{"2", "9", "10"}));
  ASSERT_EQ(l.edges.size(), 2u);
  EXPECT_EQ(l.edges[0].source, 2u);  // "10"
  EXPECT_EQ(l.edges[0].target, 0u);  // "2"
}

TEST(EdgeList, ReadsStringIdsInByteOrder) {
  const EdgeList l = parse("source,target\r\nbob,alice\r\n\"carol\",bob\r\n");
  EXPECT_EQ(l.labels, (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(l.edges[1].source, 2u);
  EXPECT_EQ(l.edges[1].target, 1u);
}

TEST(EdgeList, RanksSparseIntegerIdsInNumericOrder) {
  // Ids far apart (beyond the table the dense case uses) go through the sorted path.
  std::istringstream in("9000000000000 5\n5 70000000000\n70000000000 9000000000000\n");
  const EdgeList list = read_edge_list(in);
  EXPECT_EQ(list.node_count, 3u);
  EXPECT_EQ(list.labels, (std::vector<std::string>{"5", "70000000000", "9000000000000"}));
  ASSERT_EQ(list.edges.size(), 3u);
  EXPECT_EQ(list.edges[0].source, 2u);
  EXPECT_EQ(list.edges[0].target, 0u);
  EXPECT_EQ(list.edges[1].source, 0u);
  EXPECT_EQ(list.edges[1].target, 1u);
  EXPECT_EQ(list.edges[2].source, 1u);
  EXPECT_EQ(list.edges[2].target, 2u);
}

TEST(EdgeList, ReadsSnapWhitespaceWithComments) {
  const EdgeList l = parse("# Directed graph\n# FromNodeId\tToNodeId\n0\t1\n1   2\n\n# end\n2 0");
  EXPECT_EQ(l.node_count, 3u);
  EXPECT_EQ(l.edges.size(), 3u);
}

TEST(EdgeList, KeepsSelfLoopsAndDuplicatesForTheGraphToCount) {
  const EdgeList l = parse("source,target\n1,1\n1,2\n2,1\n");
  EXPECT_EQ(l.edges.size(), 3u);
  EXPECT_EQ(l.node_count, 2u);
}

TEST(EdgeList, RejectsCsvWithoutHeader) {
  EXPECT_EQ(error_of("1,2\n2,3\n"), "line 1: expected a CSV header with 'source' and 'target'");
}

TEST(EdgeList, RejectsARowWithMoreFieldsThanTheHeaderNamingTheLine) {
  EXPECT_EQ(error_of("source,target\n1,2\n2,3,heavy\n"),
            "line 3: expected 2 fields as in the header, found 3");
}

TEST(EdgeList, ReadsTheNamedColumnsAndIgnoresTheRest) {
  // A pandas index first and a weight last, as DataFrame.to_csv writes them.
  const EdgeList l = parse(",source,target,weight\n0,1,2,0.5\n1,2,3,1.5\n2,3,1,2\n");
  EXPECT_EQ(l.node_count, 3u);
  ASSERT_EQ(l.edges.size(), 3u);
  const EdgeList swapped = parse("target,source\n2,1\n3,2\n1,3\n");
  ASSERT_EQ(swapped.edges.size(), l.edges.size());
  for (std::size_t k = 0; k < l.edges.size(); ++k) {
    EXPECT_EQ(swapped.labels[swapped.edges[k].source], l.labels[l.edges[k].source])
        << "by name, not position";
    EXPECT_EQ(swapped.labels[swapped.edges[k].target], l.labels[l.edges[k].target]);
  }
}

TEST(EdgeList, ReadsNetworkxWriteEdgelistWithItsDataColumn) {
  const EdgeList l = parse("0 1 {}\n1 2 {'weight': 3}\n2 0 {}\n");
  EXPECT_EQ(l.node_count, 3u);
  EXPECT_EQ(l.edges.size(), 3u);
}

TEST(EdgeList, RejectsEmptyInput) {
  EXPECT_EQ(error_of(""), "empty input: no edges");
  EXPECT_EQ(error_of("# only a comment\n\n"), "empty input: no edges");
  EXPECT_EQ(error_of("source,target\n"), "no edges in the input");
}

TEST(EdgeList, RejectsNonNumericIdAmongNumericOnes) {
  EXPECT_EQ(error_of("source,target\n1,2\n2,x7\n"),
            "line 3: node id 'x7' is not an integer like earlier ids");
  EXPECT_EQ(error_of("a b\nb 3\n"), "line 2: node id '3' is an integer but earlier ids are not");
}

TEST(EdgeList, RejectsEmptyAndOutOfRangeIds) {
  EXPECT_EQ(error_of("source,target\n1,\n"), "line 2: empty node id");
  EXPECT_EQ(error_of("source,target\n1,99999999999999999999999\n"),
            "line 2: node id '99999999999999999999999' is out of range");
}

// An endless line: the reader must give up after its cap, not buffer gigabytes.
class EndlessLine : public std::streambuf {
 public:
  EndlessLine() {
    std::fill(std::begin(block_), std::end(block_), '7');
    setg(block_, block_, block_ + sizeof block_);
  }
  std::size_t served() const { return served_; }

 protected:
  int_type underflow() override {
    served_ += sizeof block_;
    if (served_ > (std::size_t{2} << 30)) return traits_type::eof();  // 2 GiB, then stop
    setg(block_, block_, block_ + sizeof block_);
    return traits_type::to_int_type(block_[0]);
  }

 private:
  char block_[1 << 16];
  std::size_t served_ = 0;
};

TEST(EdgeList, RejectsHugeLineWithoutReadingItAll) {
  EndlessLine source;
  std::istream in(&source);
  try {
    read_edge_list(in, 4096);
    FAIL() << "a 2 GiB line was accepted";
  } catch (const EdgeListError& e) {
    EXPECT_STREQ(e.what(), "line 1: longer than 4096 bytes");
  }
  EXPECT_LT(source.served(), std::size_t{8} << 20);
}

// Once the ids are known to be integers, plain `A B` lines take a shorter path than the first
// line; every other shape of line after it must read and fail exactly as the first line would.
TEST(EdgeList, LaterSnapLinesReadAsTheFirstDoes) {
  const EdgeList l = parse("5 7\n\t007  5 \r\n# note\n\n9\t7 {'w': 1} extra\n 12 9\f\n");
  EXPECT_EQ(l.labels, (std::vector<std::string>{"5", "7", "9", "12"}));
  ASSERT_EQ(l.edges.size(), 4u);
  EXPECT_EQ(l.edges[1].source, 1u);  // "007" is 7
  EXPECT_EQ(l.edges[1].target, 0u);
  EXPECT_EQ(l.edges[2].source, 2u);
  EXPECT_EQ(l.edges[2].target, 1u);
  EXPECT_EQ(l.edges[3].source, 3u);
  EXPECT_EQ(l.edges[3].target, 2u);
  EXPECT_EQ(error_of("1 2\n3 x7\n"), "line 2: node id 'x7' is not an integer like earlier ids");
  EXPECT_EQ(error_of("1 2\n3x 7\n"), "line 2: node id '3x' is not an integer like earlier ids");
  EXPECT_EQ(error_of("1 2\n3\n"), "line 2: expected 2 fields (source, target), found 1");
  EXPECT_EQ(error_of("1 2\n3 99999999999999999999\n"),
            "line 2: node id '99999999999999999999' is out of range");
  // Nineteen digits still fit 64 bits and go through the short path.
  const EdgeList big = parse("1 2\n1 9999999999999999999\n");
  EXPECT_EQ(big.labels.back(), "9999999999999999999");
}

TEST(EdgeList, ShowsEveryByteReadToTheObserverInOrder) {
  std::string text = "# a comment\n";
  for (int i = 0; i < 200000; ++i) text += std::to_string(i) + " " + std::to_string(i + 1) + "\n";
  std::istringstream in(text);
  std::string seen;
  std::size_t pieces = 0;
  const EdgeList l = read_edge_list(in, 4096, [&](std::string_view bytes) {
    seen.append(bytes);
    ++pieces;
  });
  EXPECT_EQ(seen, text);
  EXPECT_GT(pieces, 1u);  // larger than one read: the pieces join up
  EXPECT_EQ(l.edges.size(), 200000u);
}

TEST(EdgeList, MissingFileIsAnError) {
  EXPECT_THROW(read_edge_list(std::filesystem::path("/nonexistent/edges.csv")), EdgeListError);
}

}  // namespace
}  // namespace p2p::analysis
