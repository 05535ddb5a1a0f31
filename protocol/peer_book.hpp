#pragma once
// Peers named by a compact handle. A node's links name their neighbours by a 4-byte PeerId rather
// than an 18-byte address, so that a node and its links stay a few cache lines; the book that maps
// ids to addresses belongs to the driver. The simulator's book is the node index itself (no
// table); a real peer's book interns the addresses of its current neighbours and forgets one when
// no link names it any more.
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "protocol/address.hpp"

namespace p2p {

using PeerId = std::uint32_t;
// Names no peer: what find() answers for an address the book does not hold.
inline constexpr PeerId kNoPeer = 0xFFFFFFFFu;

class PeerBook {
 public:
  virtual ~PeerBook();
  // The id of `a`, taking one reference to it (a link names it); give it back with release().
  virtual PeerId hold(const Address& a) = 0;
  virtual void release(PeerId id) = 0;
  // The id of `a` if the book holds it, kNoPeer otherwise; takes no reference.
  virtual PeerId find(const Address& a) const = 0;
  // The address `id` names; `id` is held.
  virtual Address address(PeerId id) const = 0;
};

using PeerBookPtr = std::shared_ptr<PeerBook>;

// The book of a real peer: the addresses its links name, each with a count of the links that
// name it; an id is reused once its last link is gone, so the book holds at most as many
// addresses as the node has links.
class AddressBook final : public PeerBook {
 public:
  PeerId hold(const Address& a) override;
  void release(PeerId id) override;
  PeerId find(const Address& a) const override;
  Address address(PeerId id) const override { return entries_[id].address; }
  // Addresses held now (for tests and statistics).
  std::size_t size() const { return index_.size(); }

 private:
  struct AddressHash {
    std::size_t operator()(const Address& a) const;
  };
  struct Entry {
    Address address;
    std::uint32_t references = 0;
  };
  std::vector<Entry> entries_;
  std::vector<PeerId> free_;
  std::unordered_map<Address, PeerId, AddressHash> index_;
};

}  // namespace p2p
