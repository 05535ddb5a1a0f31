#include "protocol/effect.hpp"

namespace p2p {

const char* to_string(NoteKind k) {
  switch (k) {
    case NoteKind::JoinAccepted:
      return "join_accepted";
    case NoteKind::JoinForwarded:
      return "join_forwarded";
    case NoteKind::JoinDroppedHops:
      return "join_dropped_hops";
    case NoteKind::JoinDroppedNoLink:
      return "join_dropped_no_link";
    case NoteKind::LinkUp:
      return "link_up";
    case NoteKind::LinkDown:
      return "link_down";
    case NoteKind::DuplicateMessage:
      return "duplicate_message";
    case NoteKind::UnexpectedPacket:
      return "unexpected_packet";
    case NoteKind::MessageOriginated:
      return "message_originated";
    case NoteKind::BadSignature:
      return "bad_signature";
  }
  return "unknown";
}

}  // namespace p2p
