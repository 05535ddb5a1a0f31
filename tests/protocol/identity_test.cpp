// Ed25519 identities and signed packets: the key file, what a node does with forged, replayed
// and pre-empted messages, JOIN_REQs, JOIN_ACKs and HyParView's NEIGHBOR requests, and a simulation
// that signs everything growing the same network as one that signs nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <variant>

#include "protocol/auth.hpp"
#include "protocol/hyparview/hyparview.hpp"
#include "protocol/identity.hpp"
#include "protocol/node.hpp"

namespace p2p {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "p2p-identity-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Identity, SignsAndVerifies) {
  const Ed25519Identity a = Ed25519Identity::generate();
  const Ed25519Identity b = Ed25519Identity::generate();
  EXPECT_NE(a.public_key(), b.public_key());
  const std::string text = "hello";
  const std::span<const std::uint8_t> m(reinterpret_cast<const std::uint8_t*>(text.data()),
                                        text.size());
  const Signature sig = a.sign(Address{}, m);
  EXPECT_TRUE(b.verify(a.public_key(), m, sig));
  EXPECT_FALSE(b.verify(b.public_key(), m, sig));
  Signature bad = sig;
  bad[10] ^= 1;
  EXPECT_FALSE(b.verify(a.public_key(), m, bad));
  // Ids depend on both the key and the sequence number.
  EXPECT_NE(a.message_id(a.public_key(), 1), a.message_id(a.public_key(), 2));
  EXPECT_NE(a.message_id(a.public_key(), 1), a.message_id(b.public_key(), 1));
  EXPECT_EQ(a.message_id(b.public_key(), 7), b.message_id(b.public_key(), 7));
}

TEST(Identity, KeyFileIsMadeOnceWithOwnerOnlyModeAndReused) {
  TempDir dir;
  const fs::path file = dir.path() / "id.key";
  bool created = false;
  const Ed25519Identity first = Ed25519Identity::load_or_create(file, &created);
  EXPECT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string text = read(file);
  EXPECT_NE(text.find(to_hex(first.public_key())), std::string::npos);
  const Ed25519Identity again = Ed25519Identity::load_or_create(file, &created);
  EXPECT_FALSE(created);
  EXPECT_EQ(again.public_key(), first.public_key());
  EXPECT_EQ(read(file), text);  // untouched
  // Nothing but the key file is left in the folder (no temporary file).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
}

TEST(Identity, MalformedOrUnreadableKeyFileIsRefused) {
  TempDir dir;
  const fs::path file = dir.path() / "id.key";
  Ed25519Identity::load_or_create(file);
  const std::string good = read(file);
  auto refused = [&](const std::string& content) {
    std::ofstream(file, std::ios::trunc) << content;
    try {
      Ed25519Identity::load_or_create(file);
    } catch (const IdentityError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_NE(what.find(file.string()), std::string::npos) << what;
      return true;
    }
    return false;
  };
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused("hello\n"));
  EXPECT_TRUE(refused(good.substr(0, good.size() - 10)));
  EXPECT_TRUE(refused(good + "more\n"));
  std::string flipped = good;  // the public key no longer matches the secret one
  const auto last = flipped.rfind('\n', flipped.size() - 2) + 1;
  flipped[last] = flipped[last] == 'a' ? 'b' : 'a';
  EXPECT_TRUE(refused(flipped));
  EXPECT_FALSE(refused(good));
  // A folder where the file should be cannot be read.
  EXPECT_THROW(Ed25519Identity::load_or_create(dir.path()), IdentityError);
  // A file that cannot be made (no such folder) is an error too, and leaves nothing behind.
  EXPECT_THROW(Ed25519Identity::load_or_create(dir.path() / "missing" / "id.key"), IdentityError);
}

// Two signing nodes, `a` linked to `b` over connection 1 at both ends.
struct Pair {
  Config ca, cb;
  std::unique_ptr<Node> a, b;
  Effects out;
  Pair() {
    ca.auth = std::make_shared<const Ed25519Identity>(Ed25519Identity::generate());
    cb.auth = std::make_shared<const Ed25519Identity>(Ed25519Identity::generate());
    ca.rule = cb.rule = parse_join_rule("inverse_degree", ca.max_hops);
    a = std::make_unique<Node>(Address::v4(0x0a000001, 4000), ca, 1);
    b = std::make_unique<Node>(Address::v4(0x0a000002, 4000), cb, 2);
    // b asks a to join; a accepts (degree 0) and opens a link with a JOIN_ACK.
    b->join(0, a->self(), out);
    const Packet req = first<SendOnce>().packet;
    out.clear();
    a->on_packet(0, 7, req, out);
    const Open open = first<Open>();
    out.clear();
    b->on_packet(0, 1, open.packet, out);
    EXPECT_EQ(a->degree(), 1u);
    EXPECT_EQ(b->degree(), 1u);
    out.clear();
  }
  template <typename T>
  T first() const {
    for (const Effect& e : out)
      if (const T* t = std::get_if<T>(&e)) return *t;
    ADD_FAILURE() << "no such effect";
    return T{};
  }
  template <typename T>
  int count() const {
    int n = 0;
    for (const Effect& e : out) n += std::holds_alternative<T>(e) ? 1 : 0;
    return n;
  }
  int notes(NoteKind k) const {
    int n = 0;
    for (const Effect& e : out)
      if (const Note* x = std::get_if<Note>(&e)) n += x->kind == k ? 1 : 0;
    return n;
  }
  // What a says, as it goes out.
  Packet say(const std::string& text) {
    out.clear();
    a->say(1, text, out);
    const Packet p = first<Send>().packet;
    out.clear();
    return p;
  }
  void to_b(const Packet& p) {
    out.clear();
    b->on_packet(2, 1, p, out);
  }
};

TEST(SignedMessages, AuthenticMessageIsDeliveredWithItsAuthorsKey) {
  Pair t;
  const Packet p = t.say("hi");
  EXPECT_EQ(p.body.size(), auth::kMessageProofSize);
  t.to_b(p);
  ASSERT_EQ(t.count<Deliver>(), 1);
  const Deliver d = t.first<Deliver>();
  EXPECT_EQ(d.text, "hi");
  EXPECT_EQ(d.origin, t.a->self());
  const PublicKey ka = t.ca.auth->key(t.a->self());
  EXPECT_EQ(d.author, std::string(ka.begin(), ka.end()));
  // A replay of the same packet is a duplicate, not a second delivery.
  t.to_b(p);
  EXPECT_EQ(t.count<Deliver>(), 0);
  EXPECT_EQ(t.notes(NoteKind::DuplicateMessage), 1);
}

TEST(SignedMessages, ACopyIsNeverTakenFromItsFieldsAlone) {
  Pair t;
  const Packet p = t.say("hi");
  t.to_b(p);
  ASSERT_EQ(t.count<Deliver>(), 1);
  // A seen id over the link it came on, yet a signed copy's proof is checked before anything
  // else, so it is to be handed over whole.
  t.out.clear();
  EffectList list(t.out);
  EXPECT_FALSE(t.b->on_seen_message(3, 1, p.id, p.origin, list));
  EXPECT_TRUE(t.out.empty());
}

TEST(SignedMessages, TamperedMessagesAreDroppedAndNoted) {
  Pair t;
  const Packet p = t.say("pay alice");
  auto refused = [&](Packet forged) {
    t.to_b(forged);
    return t.count<Deliver>() == 0 && t.notes(NoteKind::BadSignature) == 1 && t.count<Send>() == 0;
  };
  Packet text = p;
  text.text = "pay mallory";
  EXPECT_TRUE(refused(text));
  Packet origin = p;  // another author's address under a's signature
  origin.origin = Address::v4(0x0a000009, 4000);
  EXPECT_TRUE(refused(origin));
  Packet id = p;  // an id its key and sequence do not make
  id.id ^= 1;
  EXPECT_TRUE(refused(id));
  Packet unsigned_ = p;
  unsigned_.body.clear();
  EXPECT_TRUE(refused(unsigned_));
  Packet other_key = p;  // b's key in place of a's: a's signature does not verify under it
  const PublicKey kb = t.cb.auth->key(t.b->self());
  other_key.body.replace(0, kPublicKeySize, std::string(kb.begin(), kb.end()));
  EXPECT_TRUE(refused(other_key));
  // None of the forgeries took the id: the real message is still delivered.
  t.to_b(p);
  EXPECT_EQ(t.count<Deliver>(), 1);
}

TEST(SignedMessages, ForgedCopyOfAnIdDoesNotPreemptTheAuthor) {
  // The attacker knows the next id (a's key and sequence) and sends it first with its own text:
  // the copy is refused and not remembered, so a's own message still gets through.
  Pair t;
  const Packet real = t.say("the real one");
  Packet early = real;
  early.text = "censored";
  Signature junk{};
  early.body.replace(kPublicKeySize + 8, kSignatureSize, std::string(junk.begin(), junk.end()));
  t.to_b(early);
  EXPECT_EQ(t.notes(NoteKind::BadSignature), 1);
  t.to_b(real);
  ASSERT_EQ(t.count<Deliver>(), 1);
  EXPECT_EQ(t.first<Deliver>().text, "the real one");
}

TEST(SignedJoins, ForgedJoinRequestIsNeverDialled) {
  Config c;
  c.auth = std::make_shared<const Ed25519Identity>(Ed25519Identity::generate());
  c.rule = parse_join_rule("seed:any_ack=0", c.max_hops);
  Node n(Address::v4(0x0a000001, 4000), c, 3);
  Config cn = c;
  cn.auth = std::make_shared<const Ed25519Identity>(Ed25519Identity::generate());
  Node newcomer(Address::v4(0x0a000002, 4000), cn, 4);
  Effects out;
  newcomer.join(0, n.self(), out);
  const Packet req = std::get<SendOnce>(out[0]).packet;
  EXPECT_EQ(req.body.size(), auth::kJoinProofSize);
  auto dials = [&](const Packet& p) {
    out.clear();
    n.on_packet(0, 9, p, out);
    int opens = 0, bad = 0;
    for (const Effect& e : out) {
      opens += std::holds_alternative<Open>(e) ? 1 : 0;
      if (const Note* x = std::get_if<Note>(&e)) bad += x->kind == NoteKind::BadSignature;
    }
    EXPECT_EQ(bad, opens == 0 ? 1 : 0);
    return opens == 1;
  };
  Packet victim = req;  // another origin under the newcomer's signature: the victim is not dialled
  victim.origin = Address::v4(0x0a000063, 80);
  EXPECT_FALSE(dials(victim));
  Packet unsigned_ = req;
  unsigned_.body.clear();
  EXPECT_FALSE(dials(unsigned_));
  Packet renamed = req;  // a new id, the newcomer's own not carried on
  renamed.id ^= 1;
  EXPECT_FALSE(dials(renamed));
  // As the seed rule passes a request on: a fresh id, the newcomer's in `ref`. Still authentic.
  Packet passed = req;
  passed.ref = passed.id;
  passed.id = 12345;
  passed.hops = 3;
  EXPECT_TRUE(auth::verify_join_request(*c.auth, passed));
  EXPECT_TRUE(dials(req));  // degree 0: the seed rule accepts
}

// A signing newcomer and the signing node it asks, each with a key of its own.
struct JoinPair {
  Config cn, ce;
  std::unique_ptr<Node> newcomer, entry;
  Effects out;
  explicit JoinPair(const char* rule) {
    ce.rule = cn.rule = parse_join_rule(rule, ce.max_hops);
    cn.max_hops = ce.max_hops;
    cn.auth = std::make_shared<const Ed25519Identity>(Ed25519Identity::generate());
    ce.auth = std::make_shared<const Ed25519Identity>(Ed25519Identity::generate());
    newcomer = std::make_unique<Node>(Address::v4(0x0a000002, 4000), cn, 4);
    entry = std::make_unique<Node>(Address::v4(0x0a000001, 4000), ce, 3);
  }
  // The JOIN_ACK the entry answers the newcomer's first JOIN_REQ with.
  Packet answer() {
    out.clear();
    newcomer->join(0, entry->self(), out);
    const Packet req = std::get<SendOnce>(out.at(0)).packet;
    out.clear();
    entry->on_packet(0, 9, req, out);
    for (const Effect& e : out)
      if (const Open* o = std::get_if<Open>(&e)) return o->packet;
    ADD_FAILURE() << "the entry did not accept";
    return {};
  }
  // Whether the newcomer keeps `ack` arriving on a new connection; a refusal is noted as a bad
  // signature and closes that connection.
  bool kept(const Packet& ack, ConnId conn) {
    out.clear();
    const std::size_t before = newcomer->degree();
    newcomer->on_packet(1, conn, ack, out);
    int bad = 0, closes = 0;
    for (const Effect& e : out) {
      if (const Note* x = std::get_if<Note>(&e)) bad += x->kind == NoteKind::BadSignature;
      if (const Close* c = std::get_if<Close>(&e)) closes += c->conn == conn;
    }
    const bool kept = newcomer->degree() == before + 1;
    EXPECT_EQ(bad, kept ? 0 : 1);
    EXPECT_EQ(closes, kept ? 0 : 1);
    return kept;
  }
};

TEST(SignedJoins, JoinAckIsSignedByItsAcceptorForThisRequest) {
  JoinPair t("seed:any_ack=0");
  const Packet ack = t.answer();
  ASSERT_EQ(ack.body.size(), auth::kJoinProofSize);
  PublicKey acceptor;
  ASSERT_TRUE(auth::author_key(ack, acceptor));
  EXPECT_EQ(acceptor, t.ce.auth->key(t.entry->self()));
  const PublicKey mine = t.cn.auth->key(t.newcomer->self());
  EXPECT_TRUE(auth::verify_join_ack(*t.cn.auth, mine, ack));
  // For another asker the same answer does not hold: it cannot be replayed to someone else.
  EXPECT_FALSE(auth::verify_join_ack(*t.cn.auth, t.ce.auth->key(t.entry->self()), ack));
  EXPECT_TRUE(t.kept(ack, 1));
}

TEST(SignedJoins, JoinAckThatDoesNotVerifyIsRefusedEvenWhereEveryAckIsKept) {
  // The seed's any_ack=1 keeps JOIN_ACKs that answer nothing; signing still refuses any whose
  // signature does not hold for this newcomer, before the rule sees it.
  JoinPair t("seed:any_ack=1");
  const Packet ack = t.answer();
  ConnId conn = 10;
  Packet unsigned_ = ack;
  unsigned_.body.clear();
  EXPECT_FALSE(t.kept(unsigned_, ++conn));
  Packet other_request = ack;  // the signature names the request it answers
  other_request.ref ^= 1;
  EXPECT_FALSE(t.kept(other_request, ++conn));
  Packet elsewhere = ack;  // another acceptor address under the acceptor's signature
  elsewhere.origin = Address::v4(0x0a000063, 80);
  EXPECT_FALSE(t.kept(elsewhere, ++conn));
  Packet junk = ack;
  junk.body[kPublicKeySize] = static_cast<char>(junk.body[kPublicKeySize] ^ 1);
  EXPECT_FALSE(t.kept(junk, ++conn));
  // An answer its acceptor signed for another newcomer.
  const Ed25519Identity stranger = Ed25519Identity::generate();
  Packet for_another = ack;
  auth::sign_join_ack(*t.ce.auth, t.entry->self(), stranger.public_key(), for_another);
  EXPECT_FALSE(t.kept(for_another, ++conn));
  EXPECT_EQ(t.newcomer->degree(), 0u);
  // The genuine answer is kept.
  EXPECT_TRUE(t.kept(ack, ++conn));
}

TEST(SignedJoins, HyParViewNeighborRequestsAndTheirAnswersAreSigned) {
  // Two HyParView nodes linked by a join; the newcomer then loses its link and asks the entry
  // (now in its passive view) back with a NEIGHBOR request.
  JoinPair t("hyparview:warmup=0");
  const Packet ack = t.answer();
  ASSERT_TRUE(t.kept(ack, 1));
  ASSERT_EQ(t.entry->degree(), 1u);
  // The entry drops the link with a DISCONNECT (what a full view sends), so the newcomer keeps
  // it in its passive view and asks it back.
  Packet disconnect;
  disconnect.type = rule_message(HyParView::kDisconnect);
  disconnect.tag = t.cn.rule->tag();
  disconnect.origin = t.entry->self();
  disconnect.id = 5;
  t.out.clear();
  t.newcomer->on_packet(2, 1, disconnect, t.out);
  Packet neighbor;
  ConnId dial = 0;
  for (const Effect& e : t.out)
    if (const Open* o = std::get_if<Open>(&e)) {
      neighbor = o->packet;
      dial = o->conn;
    }
  ASSERT_NE(dial, 0u) << "no NEIGHBOR request after the link was lost";
  ASSERT_EQ(neighbor.type, rule_message(HyParView::kNeighbor));
  EXPECT_TRUE(auth::verify_opening(*t.ce.auth, neighbor));
  // The entry drops its side, then hears the request: unsigned it is refused, signed it answers
  // with a JOIN_ACK signed for the asker.
  t.out.clear();
  t.entry->on_closed(2, t.entry->conn_of(t.entry->links()[0]), t.out);
  ASSERT_EQ(t.entry->degree(), 0u);
  Packet unsigned_ = neighbor;
  unsigned_.body.clear();
  t.out.clear();
  t.entry->on_packet(3, 20, unsigned_, t.out);
  EXPECT_EQ(t.entry->degree(), 0u);
  Packet flipped = neighbor;  // another address under the asker's signature
  flipped.origin = Address::v4(0x0a000063, 80);
  t.out.clear();
  t.entry->on_packet(3, 21, flipped, t.out);
  EXPECT_EQ(t.entry->degree(), 0u);
  t.out.clear();
  t.entry->on_packet(3, 22, neighbor, t.out);
  ASSERT_EQ(t.entry->degree(), 1u);
  Packet answer;
  for (const Effect& e : t.out)
    if (const Send* s = std::get_if<Send>(&e)) answer = s->packet;
  ASSERT_EQ(answer.type, PacketType::JoinAck);
  EXPECT_TRUE(auth::verify_join_ack(*t.cn.auth, t.cn.auth->key(t.newcomer->self()), answer));
  // The newcomer keeps the answer on the connection it dialled; a forged one it refuses.
  Packet forged = answer;
  forged.body.clear();
  t.out.clear();
  t.newcomer->on_packet(4, dial, forged, t.out);
  EXPECT_EQ(t.newcomer->degree(), 0u);
}

}  // namespace
}  // namespace p2p
