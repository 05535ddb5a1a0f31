#include "protocol/address.hpp"

#include <gtest/gtest.h>

#include <compare>
#include <cstdint>

namespace p2p {
namespace {

TEST(Address, ParsesAndPrintsIPv4) {
  auto a = parse_address("127.0.0.1:55555");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4_mapped());
  EXPECT_EQ(a->port, 55555);
  EXPECT_EQ(*a, Address::v4(0x7f000001, 55555));
  EXPECT_EQ(to_string(*a), "127.0.0.1:55555");
}

TEST(Address, ParsesAndPrintsIPv6) {
  auto a = parse_address("[::]:55555");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->is_v4_mapped());
  EXPECT_EQ(to_string(*a), "[::]:55555");
  auto b = parse_address("[fe80::1:2]:1");
  ASSERT_TRUE(b);
  EXPECT_EQ(to_string(*b), "[fe80::1:2]:1");
}

TEST(Address, RejectsMalformedText) {
  for (const char* bad :
       {"", ":", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "1.2.3:80", "[::1]", "[::1]80",
        "[::1:80", "host:80", "127.0.0.1:8x", "[:::1]:5", "127.0.0.1:-1", "127.0.0.1:123456"}) {
    EXPECT_FALSE(parse_address(bad)) << bad;
  }
}

// Checked byte by byte here, against the word reads of is_v4_mapped() and dialable().
bool mapped_by_bytes(const Address& a) {
  for (int i = 0; i < 10; ++i)
    if (a.ip[static_cast<std::size_t>(i)] != 0) return false;
  return a.ip[10] == 0xff && a.ip[11] == 0xff;
}
bool dialable_by_bytes(const Address& a) {
  if (a.port == 0) return false;
  for (std::size_t i = mapped_by_bytes(a) ? 12 : 0; i < 16; ++i)
    if (a.ip[i] != 0) return true;
  return false;
}

TEST(Address, DialableNeedsAPortAndAHost) {
  struct Case {
    const char* text;
    bool mapped, dialable;
  };
  for (const Case& c :
       {Case{"[::]:5", false, false}, Case{"0.0.0.0:5", true, false}, Case{"0.0.0.1:5", true, true},
        Case{"[::1]:5", false, true}, Case{"[::ffff:0:0]:5", true, false},
        Case{"[::fffe:0:0]:5", false, true}, Case{"[1::ffff:0:0]:5", false, true},
        Case{"[::ff:ffff:0:0]:5", false, true}, Case{"127.0.0.1:0", true, false},
        Case{"[fe80::1]:55555", false, true}}) {
    const auto a = parse_address(c.text);
    ASSERT_TRUE(a) << c.text;
    EXPECT_EQ(a->is_v4_mapped(), c.mapped) << c.text;
    EXPECT_EQ(a->dialable(), c.dialable) << c.text;
  }
  // Every single byte set, alone or beside the v4-mapped prefix.
  for (std::size_t i = 0; i < 16; ++i)
    for (bool prefix : {false, true}) {
      Address a;
      a.port = 1;
      if (prefix) a.ip[10] = a.ip[11] = 0xff;
      a.ip[i] = 0x40;
      EXPECT_EQ(a.is_v4_mapped(), mapped_by_bytes(a)) << i << prefix;
      EXPECT_EQ(a.dialable(), dialable_by_bytes(a)) << i << prefix;
    }
}

// Equal exactly when all sixteen bytes and the port are: a difference in any one byte (high or
// low in either word) or in either byte of the port makes two addresses differ, and equality
// agrees with the ordering.
TEST(Address, EqualWhenEveryByteAndThePortAre) {
  Address base = Address::v4(0x0a000001, 55555);
  EXPECT_EQ(base, Address::v4(0x0a000001, 55555));
  for (std::size_t i = 0; i < 16; ++i)
    for (std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      Address other = base;
      other.ip[i] ^= flip;
      EXPECT_NE(base, other) << i << " " << int{flip};
      EXPECT_NE(base <=> other, std::strong_ordering::equal) << i;
      other.ip[i] ^= flip;
      EXPECT_EQ(base, other) << i;
    }
  for (std::uint16_t flip : {std::uint16_t{0x0001}, std::uint16_t{0x0100}}) {
    Address other = base;
    other.port ^= flip;
    EXPECT_NE(base, other) << flip;
    EXPECT_FALSE(base == other);
  }
}

TEST(Address, OrdersByIpThenPort) {
  EXPECT_LT(Address::v4(1, 9), Address::v4(2, 1));
  EXPECT_LT(Address::v4(1, 1), Address::v4(1, 2));
}

}  // namespace
}  // namespace p2p
