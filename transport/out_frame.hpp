#pragma once
// Encoded frames waiting to be written, shared by every connection that sends them, and the one
// memory budget they all count against. A flooded message is encoded once: each link's write
// queue holds a reference to the same bytes, and the bytes are charged to the budget once, for as
// long as any queue still holds them.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "protocol/packet.hpp"

namespace p2p::transport {

// Bytes of encoded frames alive in all write queues together. Counted, not enforced: the owner
// of the connections decides whom to drop when it runs over.
class WriteBudget {
 public:
  std::size_t used() const { return used_; }
  void charge(std::size_t n) { used_ += n; }
  void refund(std::size_t n) { used_ -= n; }

 private:
  std::size_t used_ = 0;
};

class OutFrame {
 public:
  // What one frame costs beyond its bytes: the object, the shared_ptr's control block, the
  // vector's header.
  static constexpr std::size_t kOverhead = 64;

  // Encodes `packet`; null when the codec cannot frame it. The frame is charged to `budget`
  // (which may be null) until the last reference goes.
  static std::shared_ptr<const OutFrame> encode(const Packet& packet,
                                                std::shared_ptr<WriteBudget> budget);
  // Raw bytes (a keep-alive), charged the same way.
  static std::shared_ptr<const OutFrame> of_bytes(std::span<const std::uint8_t> bytes,
                                                  std::shared_ptr<WriteBudget> budget);

  explicit OutFrame(std::vector<std::uint8_t> bytes, std::shared_ptr<WriteBudget> budget);
  ~OutFrame();
  OutFrame(const OutFrame&) = delete;
  OutFrame& operator=(const OutFrame&) = delete;

  // Appends `more` (a connection's own block of small frames, never shared); the budget follows.
  void append(std::span<const std::uint8_t> more);

  std::span<const std::uint8_t> bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  std::size_t cost() const { return cost_; }

 private:
  std::vector<std::uint8_t> bytes_;
  std::shared_ptr<WriteBudget> budget_;
  std::size_t cost_;
};

using FrameRef = std::shared_ptr<const OutFrame>;

}  // namespace p2p::transport
