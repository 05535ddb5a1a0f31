#include "transport/frame_reader.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace p2p::transport {

std::span<std::uint8_t> FrameReader::space() {
  if (bad_) return {};
  if (offset_ > 0) {  // taken bytes go; a partial frame moves to the front
    std::memmove(buffer_.data(), buffer_.data() + offset_, used_ - offset_);
    used_ -= offset_;
    offset_ = 0;
  }
  if (used_ == 0 && buffer_.size() > kInitialSize) {
    std::vector<std::uint8_t>(kInitialSize).swap(buffer_);
  } else if (used_ == buffer_.size()) {
    // A full buffer at the cap always held a whole frame (or a bad one), which next() took or
    // refused, so the buffer never has to pass kMaxFrameSize.
    buffer_.resize(std::min(buffer_.size() * 2, codec::kMaxFrameSize));
  }
  assert(used_ < buffer_.size());
  return {buffer_.data() + used_, buffer_.size() - used_};
}

void FrameReader::commit(std::size_t n) {
  assert(used_ + n <= buffer_.size());
  used_ += n;
}

FrameReader::Item FrameReader::next() {
  Item item;
  if (bad_) {
    item.kind = Kind::Bad;
    item.status = bad_status_;
    return item;
  }
  const std::span<const std::uint8_t> rest(buffer_.data() + offset_, used_ - offset_);
  // A keep-alive: length 1, then the version byte.
  if (rest.size() >= codec::kLengthPrefixSize && rest[0] == 0 && rest[1] == 0 && rest[2] == 0 &&
      rest[3] == 1) {
    if (rest.size() < kKeepAliveFrame.size()) return item;
    if (rest[codec::kLengthPrefixSize] == codec::kVersion) {
      offset_ += kKeepAliveFrame.size();
      item.kind = Kind::KeepAlive;
      return item;
    }
  }
  codec::Decoded d = codec::decode(rest);
  switch (d.status) {
    case codec::DecodeStatus::NeedMore:
      return item;
    case codec::DecodeStatus::Ok:
      offset_ += d.consumed;
      item.kind = Kind::Packet;
      item.status = d.status;
      item.packet = std::move(d.packet);
      return item;
    default:
      bad_ = true;
      bad_status_ = d.status;
      item.kind = Kind::Bad;
      item.status = d.status;
      return item;
  }
}

void FrameReader::clear() {
  offset_ = used_ = 0;
}

}  // namespace p2p::transport
