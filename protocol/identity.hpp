#pragma once
// Ed25519 identities (libsodium) behind the protocol's Authenticator. A real peer has one key pair,
// kept in a file it makes on first start; its id is its public key. KeyRing gives every node of a
// simulation a key pair of its own, derived from its address, so a simulation can run with
// signing on and be compared with one that runs without.
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "protocol/auth.hpp"

namespace p2p {

// A key file that cannot be read, written or understood; what() is one line naming it.
struct IdentityError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Signs with one key pair whatever node asks (a real peer is one node).
class Ed25519Identity final : public Authenticator {
 public:
  // A fresh key pair from the system's random source.
  static Ed25519Identity generate();
  // The key pair held in `path`, made there first if no file exists: written to a temporary file
  // beside it with mode 0600 and renamed into place, so the file is whole or absent. Throws
  // IdentityError for a file that exists but cannot be read or is not a key file of ours.
  // `created` (if given) says whether the file was made now.
  static Ed25519Identity load_or_create(const std::filesystem::path& path, bool* created = nullptr);
  // The key pair whose 32-byte seed is `seed` (tests, KeyRing).
  static Ed25519Identity from_seed(std::span<const std::uint8_t, 32> seed);

  const PublicKey& public_key() const { return public_; }

  PublicKey key(const Address&) const override { return public_; }
  Signature sign(const Address&, std::span<const std::uint8_t> message) const override;
  bool verify(const PublicKey& key, std::span<const std::uint8_t> message,
              const Signature& signature) const override;
  std::uint64_t message_id(const PublicKey& key, std::uint64_t sequence) const override;

 private:
  Ed25519Identity() = default;
  PublicKey public_{};
  std::array<std::uint8_t, 64> secret_{};  // libsodium's secret key: seed, then public key
};

// Every address its own key pair, derived from (`seed`, address): deterministic, so the same
// simulation signs the same way each run. For simulations and tests, not for secrets.
class KeyRing final : public Authenticator {
 public:
  explicit KeyRing(std::uint64_t seed) : seed_(seed) {}
  Ed25519Identity identity(const Address& self) const;

  PublicKey key(const Address& self) const override;
  Signature sign(const Address& self, std::span<const std::uint8_t> message) const override;
  bool verify(const PublicKey& key, std::span<const std::uint8_t> message,
              const Signature& signature) const override;
  std::uint64_t message_id(const PublicKey& key, std::uint64_t sequence) const override;

 private:
  std::uint64_t seed_;
};

// Lowercase hex of a key, and back (false on anything but 64 hex digits).
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace p2p
