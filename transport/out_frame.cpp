#include "transport/out_frame.hpp"

#include "protocol/codec.hpp"

namespace p2p::transport {

OutFrame::OutFrame(std::vector<std::uint8_t> bytes, std::shared_ptr<WriteBudget> budget)
    : bytes_(std::move(bytes)), budget_(std::move(budget)), cost_(bytes_.capacity() + kOverhead) {
  if (budget_) budget_->charge(cost_);
}

OutFrame::~OutFrame() {
  if (budget_) budget_->refund(cost_);
}

void OutFrame::append(std::span<const std::uint8_t> more) {
  bytes_.insert(bytes_.end(), more.begin(), more.end());
  const std::size_t cost = bytes_.capacity() + kOverhead;
  if (budget_) {
    budget_->charge(cost);
    budget_->refund(cost_);
  }
  cost_ = cost;
}

FrameRef OutFrame::encode(const Packet& packet, std::shared_ptr<WriteBudget> budget) {
  std::vector<std::uint8_t> bytes;
  if (!codec::encode(packet, bytes)) return nullptr;
  // Small frames keep their slack (a reallocation costs more than it saves); a large one whose
  // vector doubled past its size gives the slack back.
  if (bytes.capacity() - bytes.size() > 256) bytes.shrink_to_fit();
  return std::make_shared<const OutFrame>(std::move(bytes), std::move(budget));
}

FrameRef OutFrame::of_bytes(std::span<const std::uint8_t> bytes,
                            std::shared_ptr<WriteBudget> budget) {
  return std::make_shared<const OutFrame>(std::vector<std::uint8_t>(bytes.begin(), bytes.end()),
                                          std::move(budget));
}

}  // namespace p2p::transport
