#pragma once
// Signed core packets. A node whose Config carries an Authenticator signs what it authors (its
// chat messages and JOIN_REQs) and checks what it is handed before acting on it; with none (the
// simulator's default) nothing is signed or checked and the packets are as before, so the
// simulator spends no time on cryptography. The protocol layer holds only this interface and the
// packet layout; the Ed25519 implementation (protocol/identity.hpp) is a library of its own.
//
// A signed packet carries its proof in Packet::body, which the core packets leave unused, so a
// Packet grows by nothing and an unsigned one costs nothing:
//   MESSAGE   body = author key (32) | sequence number (8, little-endian) | signature (64)
//             signed: "p2p/msg" | key | sequence | origin | text; id = message_id(key, sequence)
//   JOIN_REQ  body = newcomer key (32) | signature (64)
//             signed: "p2p/join" | key | origin | the newcomer's request id (`ref` once a
//             rule has renamed the request on its way, `id` before)
//   JOIN_ACK  body = acceptor key (32) | signature (64)
//             signed: "p2p/ack" | key | origin | ref (the request it answers) | the key of the
//             peer that asked: an acceptor proves it holds the key it claims and answers this
//             very request of this very peer, so an answer cannot be replayed to another
//   opening   a rule's request that opens a connection (HyParView's NEIGHBOR)
//             body = asker key (32) | signature (64)
//             signed: "p2p/open" | key | type | tag | origin | id
// A forwarder changes only the hop count, a JOIN_REQ's degree and its flags (HyParView turns a
// JOIN into a FORWARDJOIN), which are not signed.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "protocol/address.hpp"
#include "protocol/packet.hpp"

namespace p2p {

inline constexpr std::size_t kPublicKeySize = 32;
inline constexpr std::size_t kSignatureSize = 64;
using PublicKey = std::array<std::uint8_t, kPublicKeySize>;
using Signature = std::array<std::uint8_t, kSignatureSize>;

// A node's identity as the protocol sees it: whose key a node at `self` signs with, a signature
// by it, a check of anyone's signature, and the hash that makes a message id from (key,
// sequence). One Authenticator may speak for many nodes (a simulation's), hence `self`.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual PublicKey key(const Address& self) const = 0;
  virtual Signature sign(const Address& self, std::span<const std::uint8_t> message) const = 0;
  virtual bool verify(const PublicKey& key, std::span<const std::uint8_t> message,
                      const Signature& signature) const = 0;
  // A 64-bit id no one can choose for another author's key: a keyed hash of (key, sequence).
  virtual std::uint64_t message_id(const PublicKey& key, std::uint64_t sequence) const = 0;
};
using AuthPtr = std::shared_ptr<const Authenticator>;

namespace auth {

inline constexpr std::size_t kMessageProofSize = kPublicKeySize + 8 + kSignatureSize;
inline constexpr std::size_t kJoinProofSize = kPublicKeySize + kSignatureSize;

// Signs a message authored at `self` whose sequence number is `sequence`: sets its body and its
// id (message_id of the key and sequence).
void sign_message(const Authenticator& a, const Address& self, std::uint64_t sequence, Packet& p);
// Signs a JOIN_REQ from `self` (origin and id already set).
void sign_join_request(const Authenticator& a, const Address& self, Packet& p);
// Signs a JOIN_ACK from `self` (origin and ref already set) answering the peer whose key is
// `asker`.
void sign_join_ack(const Authenticator& a, const Address& self, const PublicKey& asker,
                   Packet& ack);
// Signs a rule's opening request from `self` (type, tag, origin and id already set).
void sign_opening(const Authenticator& a, const Address& self, Packet& p);

// The key a signed packet names (its author, newcomer, acceptor or asker), or false if its body
// is not a proof of the right size. A rule's message is taken for an opening request.
bool author_key(const Packet& p, PublicKey& key);
// Whether a MESSAGE's id is the one its key and sequence make. Cheap (a hash): checked before the
// seen set is consulted, so that no one can take an id that belongs to another author.
bool message_id_matches(const Authenticator& a, const Packet& p);
// Whether a MESSAGE's or JOIN_REQ's signature verifies under the key it names.
bool verify_message(const Authenticator& a, const Packet& p);
bool verify_join_request(const Authenticator& a, const Packet& p);
// Whether a JOIN_ACK's signature verifies under the key it names and answers the peer whose key
// is `asker` (the receiver's own).
bool verify_join_ack(const Authenticator& a, const PublicKey& asker, const Packet& ack);
// Whether a rule's opening request's signature verifies under the key it names.
bool verify_opening(const Authenticator& a, const Packet& p);

// The first four bytes of a key in hex: how a person tells authors apart at a glance.
std::string fingerprint(std::span<const std::uint8_t> key);

}  // namespace auth
}  // namespace p2p
