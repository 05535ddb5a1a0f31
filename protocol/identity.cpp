#include "protocol/identity.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>

namespace p2p {
namespace {

// The key file: this first line, then the 32-byte secret seed and the public key in hex, a line
// each. The public key is derived again on load and must match, so a damaged file is refused.
constexpr std::string_view kFileHeader = "p2p ed25519 identity v1";

void init_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw IdentityError("libsodium could not be initialised");
}

bool from_hex(std::string_view hex, std::span<std::uint8_t> out) {
  if (hex.size() != out.size() * 2) return false;
  std::size_t len = 0;
  return sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, nullptr) ==
             0 &&
         len == out.size();
}

std::string describe_errno(const std::filesystem::path& path, std::string_view what) {
  return "identity file " + path.string() + ": " + std::string(what) + ": " +
         std::generic_category().message(errno);
}

void write_new(const std::filesystem::path& path, const std::string& text) {
  // A temporary name beside the target, created exclusively with owner-only permissions, then
  // renamed over: an interrupted start leaves either no key file or a whole one.
  std::string tmp = path.string() + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw IdentityError(describe_errno(path, "cannot create"));
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  // link() rather than rename(): a file made meanwhile by another process is never replaced.
  if (ok && ::link(tmp.c_str(), path.c_str()) != 0) ok = false;
  const int saved = errno;
  ::unlink(tmp.c_str());
  errno = saved;
  if (!ok) throw IdentityError(describe_errno(path, "cannot write"));
}

bool verify_ed25519(const PublicKey& key, std::span<const std::uint8_t> message,
                    const Signature& signature) {
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     key.data()) == 0;
}

// BLAKE2b of (key, sequence) under a fixed domain key: finding another (key, sequence) with a
// given 64-bit id takes about 2^64 hashes.
std::uint64_t hash_message_id(const PublicKey& key, std::uint64_t sequence) {
  static constexpr std::string_view kDomain = "p2p message id v1";
  std::uint8_t in[kPublicKeySize + 8];
  std::memcpy(in, key.data(), kPublicKeySize);
  for (int k = 0; k < 8; ++k)
    in[kPublicKeySize + k] = static_cast<std::uint8_t>(sequence >> (8 * k));
  std::uint8_t out[crypto_generichash_BYTES_MIN];
  crypto_generichash(out, sizeof out, in, sizeof in,
                     reinterpret_cast<const unsigned char*>(kDomain.data()), kDomain.size());
  std::uint64_t id = 0;
  for (int k = 0; k < 8; ++k) id = (id << 8) | out[k];
  return id;
}

// The whole file, or nullopt if there is none; throws if it exists but cannot be read.
std::optional<std::string> read_if_present(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw IdentityError(describe_errno(path, "cannot read"));
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      throw IdentityError(describe_errno(path, "cannot read"));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > 4096) break;  // a key file is about 160 bytes
  }
  ::close(fd);
  return text;
}

}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

Ed25519Identity Ed25519Identity::from_seed(std::span<const std::uint8_t, 32> seed) {
  init_sodium();
  Ed25519Identity id;
  crypto_sign_seed_keypair(id.public_.data(), id.secret_.data(), seed.data());
  return id;
}

Ed25519Identity Ed25519Identity::generate() {
  init_sodium();
  std::array<std::uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  Ed25519Identity id = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return id;
}

Ed25519Identity Ed25519Identity::load_or_create(const std::filesystem::path& path, bool* created) {
  init_sodium();
  if (created != nullptr) *created = false;
  const std::optional<std::string> text = read_if_present(path);
  if (!text) {
    Ed25519Identity id = generate();
    write_new(path, std::string(kFileHeader) + "\n" + to_hex(std::span(id.secret_).first(32)) +
                        "\n" + to_hex(id.public_) + "\n");
    if (created != nullptr) *created = true;
    return id;
  }
  auto malformed = [&](std::string_view why) {
    return IdentityError("identity file " + path.string() + ": not a p2p key file (" +
                         std::string(why) + ")");
  };
  std::istringstream in(*text);
  std::string header, seed_hex, public_hex, extra;
  if (!std::getline(in, header) || header != kFileHeader) throw malformed("bad first line");
  std::getline(in, seed_hex);
  std::getline(in, public_hex);
  if (std::getline(in, extra) || !in.eof()) throw malformed("trailing text");
  std::array<std::uint8_t, 32> seed;
  PublicKey stated;
  if (!from_hex(seed_hex, seed)) throw malformed("bad secret key line");
  if (!from_hex(public_hex, stated)) throw malformed("bad public key line");
  Ed25519Identity id = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  if (id.public_ != stated) throw malformed("the public key does not match the secret key");
  return id;
}

Signature Ed25519Identity::sign(const Address&, std::span<const std::uint8_t> message) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_.data());
  return sig;
}

bool Ed25519Identity::verify(const PublicKey& key, std::span<const std::uint8_t> message,
                             const Signature& signature) const {
  return verify_ed25519(key, message, signature);
}

std::uint64_t Ed25519Identity::message_id(const PublicKey& key, std::uint64_t sequence) const {
  return hash_message_id(key, sequence);
}

Ed25519Identity KeyRing::identity(const Address& self) const {
  init_sodium();
  std::uint8_t in[8 + 18];
  for (int k = 0; k < 8; ++k) in[k] = static_cast<std::uint8_t>(seed_ >> (8 * k));
  std::memcpy(in + 8, self.ip.data(), 16);
  in[24] = static_cast<std::uint8_t>(self.port >> 8);
  in[25] = static_cast<std::uint8_t>(self.port);
  std::array<std::uint8_t, 32> seed;
  crypto_generichash(seed.data(), seed.size(), in, sizeof in, nullptr, 0);
  return Ed25519Identity::from_seed(seed);
}

PublicKey KeyRing::key(const Address& self) const {
  return identity(self).public_key();
}

Signature KeyRing::sign(const Address& self, std::span<const std::uint8_t> message) const {
  return identity(self).sign(self, message);
}

bool KeyRing::verify(const PublicKey& key, std::span<const std::uint8_t> message,
                     const Signature& signature) const {
  return verify_ed25519(key, message, signature);
}

std::uint64_t KeyRing::message_id(const PublicKey& key, std::uint64_t sequence) const {
  return hash_message_id(key, sequence);
}

}  // namespace p2p
