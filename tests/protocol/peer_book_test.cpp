#include "protocol/peer_book.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "protocol/node.hpp"
#include "tests/protocol/packets.hpp"

namespace p2p {
namespace {

using namespace p2p::test_packets;

TEST(AddressBook, CountsTheLinksThatNameAnAddressAndReusesFreedIds) {
  AddressBook book;
  const PeerId a = book.hold(addr(1));
  const PeerId b = book.hold(addr(2));
  EXPECT_NE(a, b);
  EXPECT_EQ(book.hold(addr(1)), a) << "one address, one id";
  EXPECT_EQ(book.address(a), addr(1));
  EXPECT_EQ(book.address(b), addr(2));
  EXPECT_EQ(book.find(addr(3)), kNoPeer);
  book.release(a);
  EXPECT_EQ(book.find(addr(1)), a) << "still named by a second link";
  book.release(a);
  EXPECT_EQ(book.find(addr(1)), kNoPeer);
  EXPECT_EQ(book.size(), 1u);
  const PeerId c = book.hold(addr(3));
  EXPECT_EQ(c, a) << "a freed id is given out again";
  EXPECT_EQ(book.address(c), addr(3));
  EXPECT_EQ(book.find(addr(2)), b);
}

// A peer whose neighbours come and go, each from a new address, keeps only its current
// neighbours' addresses: what hostile or churning neighbours leave behind does not pile up.
TEST(AddressBook, HoldsNoMoreAddressesThanTheNodeHasLinks) {
  Config cfg;
  auto book = std::make_shared<AddressBook>();
  cfg.book = book;
  Node node(addr(1), cfg, 7);
  Effects out;
  std::size_t most = 0;
  for (std::uint32_t k = 0; k < 2000; ++k) {
    const ConnId conn = kDriverConnBit | (1000 + k);
    node.on_packet(0, conn, ack(addr(0x0a000000 + k)), out);
    ASSERT_TRUE(node.linked_to(addr(0x0a000000 + k)));
    if (k % 3 != 0) node.on_closed(0, conn, out);  // two of three leave again
    EXPECT_EQ(book->size(), node.degree() + 1) << "the neighbours' addresses and our own";
    most = std::max(most, book->size());
  }
  EXPECT_EQ(node.degree(), 667u);
  for (const Link& l : node.links()) {
    const Address a = node.peer_address(l);
    const std::uint32_t host = (std::uint32_t{a.ip[12]} << 24) | (std::uint32_t{a.ip[13]} << 16) |
                               (std::uint32_t{a.ip[14]} << 8) | a.ip[15];
    EXPECT_EQ((host - 0x0a000000u) % 3, 0u) << "a link names the neighbour it was made with";
  }
  node.leave(0, out);
  EXPECT_EQ(book->size(), 1u) << "leaving gives every neighbour's address back";
}

}  // namespace
}  // namespace p2p
