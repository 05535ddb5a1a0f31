#include "protocol/address.hpp"

#include <gtest/gtest.h>

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

TEST(Address, OrdersByIpThenPort) {
  EXPECT_LT(Address::v4(1, 9), Address::v4(2, 1));
  EXPECT_LT(Address::v4(1, 1), Address::v4(1, 2));
}

}  // namespace
}  // namespace p2p
