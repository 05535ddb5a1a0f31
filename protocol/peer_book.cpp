#include "protocol/peer_book.hpp"

#include <cassert>
#include <cstring>

#include "protocol/random.hpp"

namespace p2p {

PeerBook::~PeerBook() = default;

std::size_t AddressBook::AddressHash::operator()(const Address& a) const {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  std::memcpy(&hi, a.ip.data(), 8);
  std::memcpy(&lo, a.ip.data() + 8, 8);
  return static_cast<std::size_t>(mix64(hi ^ mix64(lo ^ a.port)));
}

PeerId AddressBook::hold(const Address& a) {
  if (auto it = index_.find(a); it != index_.end()) {
    ++entries_[it->second].references;
    return it->second;
  }
  PeerId id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<PeerId>(entries_.size());
    entries_.emplace_back();
  }
  entries_[id] = Entry{a, 1};
  index_.emplace(a, id);
  return id;
}

void AddressBook::release(PeerId id) {
  assert(id < entries_.size() && entries_[id].references > 0);
  if (--entries_[id].references > 0) return;
  index_.erase(entries_[id].address);
  free_.push_back(id);
}

PeerId AddressBook::find(const Address& a) const {
  const auto it = index_.find(a);
  return it == index_.end() ? kNoPeer : it->second;
}

}  // namespace p2p
