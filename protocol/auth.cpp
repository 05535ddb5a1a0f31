#include "protocol/auth.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

namespace p2p::auth {
namespace {

constexpr std::string_view kMessageDomain = "p2p/msg";
constexpr std::string_view kJoinDomain = "p2p/join";
constexpr std::string_view kAckDomain = "p2p/ack";
constexpr std::string_view kOpeningDomain = "p2p/open";

// Writes fields one after another into a buffer sized for them beforehand (GCC 12 warns
// wrongly about vector::insert growing a buffer).
class Writer {
 public:
  explicit Writer(std::size_t size) : bytes_(size) {}
  Writer& bytes(const void* p, std::size_t n) {
    std::memcpy(bytes_.data() + at_, p, n);
    at_ += n;
    return *this;
  }
  Writer& text(std::string_view s) { return bytes(s.data(), s.size()); }
  Writer& key(std::span<const std::uint8_t> k) { return bytes(k.data(), k.size()); }
  Writer& u64(std::uint64_t v) {
    std::uint8_t b[8];
    for (int k = 0; k < 8; ++k) b[k] = static_cast<std::uint8_t>(v >> (8 * k));
    return bytes(b, 8);
  }
  Writer& address(const Address& a) {
    const std::uint8_t port[2] = {static_cast<std::uint8_t>(a.port >> 8),
                                  static_cast<std::uint8_t>(a.port)};
    return bytes(a.ip.data(), a.ip.size()).bytes(port, 2);
  }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t at_ = 0;
};
constexpr std::size_t kAddressSize = 18;

std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int k = 7; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}
const std::uint8_t* body_bytes(const Packet& p) {
  return reinterpret_cast<const std::uint8_t*>(p.body.data());
}

// What the author of a message signs.
std::vector<std::uint8_t> message_statement(std::span<const std::uint8_t> key,
                                            std::uint64_t sequence, const Packet& p) {
  return Writer(kMessageDomain.size() + key.size() + 8 + kAddressSize + p.text.size())
      .text(kMessageDomain)
      .key(key)
      .u64(sequence)
      .address(p.origin)
      .text(p.text)
      .take();
}

// What a newcomer signs in its JOIN_REQ: its own request id, which a rule that renames requests
// on the way (the seed's) carries on in `ref`.
std::vector<std::uint8_t> join_statement(std::span<const std::uint8_t> key, const Packet& p) {
  return Writer(kJoinDomain.size() + key.size() + kAddressSize + 8)
      .text(kJoinDomain)
      .key(key)
      .address(p.origin)
      .u64(p.ref != 0 ? p.ref : p.id)
      .take();
}

// What an acceptor signs in its JOIN_ACK: whom it answers (the asker's key) and which request.
std::vector<std::uint8_t> ack_statement(std::span<const std::uint8_t> key, const PublicKey& asker,
                                        const Packet& p) {
  return Writer(kAckDomain.size() + key.size() + kAddressSize + 8 + asker.size())
      .text(kAckDomain)
      .key(key)
      .address(p.origin)
      .u64(p.ref)
      .key(asker)
      .take();
}

// What a peer signs in a rule's request that opens a connection.
std::vector<std::uint8_t> opening_statement(std::span<const std::uint8_t> key, const Packet& p) {
  const std::uint8_t kind[3] = {static_cast<std::uint8_t>(p.type),
                                static_cast<std::uint8_t>(p.tag >> 8),
                                static_cast<std::uint8_t>(p.tag)};
  return Writer(kOpeningDomain.size() + key.size() + 3 + kAddressSize + 8)
      .text(kOpeningDomain)
      .key(key)
      .bytes(kind, 3)
      .address(p.origin)
      .u64(p.id)
      .take();
}

void append(std::string& body, std::span<const std::uint8_t> bytes) {
  body.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Sets `p`'s body to the key-and-signature proof of JOIN_REQs, JOIN_ACKs and openings.
void set_key_proof(Packet& p, const PublicKey& key, const Signature& sig) {
  p.body.clear();
  p.body.reserve(kJoinProofSize);
  append(p.body, key);
  append(p.body, sig);
}

// The key and signature of a key-and-signature proof; false if `p` carries none.
bool key_proof(const Packet& p, PublicKey& key, Signature& sig) {
  if (!author_key(p, key) || p.body.size() != kJoinProofSize) return false;
  std::memcpy(sig.data(), body_bytes(p) + kPublicKeySize, kSignatureSize);
  return true;
}

}  // namespace

void sign_message(const Authenticator& a, const Address& self, std::uint64_t sequence, Packet& p) {
  const PublicKey key = a.key(self);
  const Signature sig = a.sign(self, message_statement(key, sequence, p));
  p.id = a.message_id(key, sequence);
  p.body.clear();
  p.body.reserve(kMessageProofSize);
  append(p.body, key);
  std::uint8_t seq[8];
  for (int k = 0; k < 8; ++k) seq[k] = static_cast<std::uint8_t>(sequence >> (8 * k));
  append(p.body, seq);
  append(p.body, sig);
}

void sign_join_request(const Authenticator& a, const Address& self, Packet& p) {
  const PublicKey key = a.key(self);
  set_key_proof(p, key, a.sign(self, join_statement(key, p)));
}

void sign_join_ack(const Authenticator& a, const Address& self, const PublicKey& asker,
                   Packet& ack) {
  const PublicKey key = a.key(self);
  set_key_proof(ack, key, a.sign(self, ack_statement(key, asker, ack)));
}

void sign_opening(const Authenticator& a, const Address& self, Packet& p) {
  const PublicKey key = a.key(self);
  set_key_proof(p, key, a.sign(self, opening_statement(key, p)));
}

bool author_key(const Packet& p, PublicKey& key) {
  const std::size_t want = p.type == PacketType::Message ? kMessageProofSize : kJoinProofSize;
  if (p.body.size() != want) return false;
  std::memcpy(key.data(), p.body.data(), kPublicKeySize);
  return true;
}

bool message_id_matches(const Authenticator& a, const Packet& p) {
  PublicKey key;
  if (p.type != PacketType::Message || !author_key(p, key)) return false;
  return a.message_id(key, get_u64(body_bytes(p) + kPublicKeySize)) == p.id;
}

bool verify_message(const Authenticator& a, const Packet& p) {
  PublicKey key;
  if (p.type != PacketType::Message || !author_key(p, key)) return false;
  const std::uint64_t sequence = get_u64(body_bytes(p) + kPublicKeySize);
  Signature sig;
  std::memcpy(sig.data(), body_bytes(p) + kPublicKeySize + 8, kSignatureSize);
  return a.message_id(key, sequence) == p.id &&
         a.verify(key, message_statement(key, sequence, p), sig);
}

bool verify_join_request(const Authenticator& a, const Packet& p) {
  PublicKey key;
  Signature sig;
  return p.type == PacketType::JoinReq && key_proof(p, key, sig) &&
         a.verify(key, join_statement(key, p), sig);
}

bool verify_join_ack(const Authenticator& a, const PublicKey& asker, const Packet& ack) {
  PublicKey key;
  Signature sig;
  return ack.type == PacketType::JoinAck && key_proof(ack, key, sig) &&
         a.verify(key, ack_statement(key, asker, ack), sig);
}

bool verify_opening(const Authenticator& a, const Packet& p) {
  PublicKey key;
  Signature sig;
  return is_rule_message(p.type) && key_proof(p, key, sig) &&
         a.verify(key, opening_statement(key, p), sig);
}

std::string fingerprint(std::span<const std::uint8_t> key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < std::min<std::size_t>(4, key.size()); ++i) {
    out += kHex[key[i] >> 4];
    out += kHex[key[i] & 0xf];
  }
  return out;
}

}  // namespace p2p::auth
