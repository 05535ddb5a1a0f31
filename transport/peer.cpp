#include "transport/peer.hpp"

#include <algorithm>
#include <boost/asio/ip/v6_only.hpp>
#include <cmath>
#include <system_error>
#include <type_traits>

#include "protocol/codec.hpp"
#include "transport/endpoint.hpp"
#include "transport/eviction.hpp"

namespace p2p::transport {

namespace {

// How far upward from kDefaultPort the seed-style port hunt goes before giving up.
constexpr int kPortHuntSpan = 1000;

const char* packet_name(PacketType t) {
  switch (t) {
    case PacketType::Message:
      return "MESSAGE";
    case PacketType::JoinReq:
      return "JOIN_REQ";
    case PacketType::JoinAck:
      return "JOIN_ACK";
    default:  // types added later are named by number until they get a name here
      return "packet";
  }
}

// Opens a listener on `port` of every local address: IPv6 dual-stack where the host has IPv6
// (so 127.0.0.1 and ::1 both reach it), IPv4 otherwise.
bool try_listen(tcp::acceptor& acceptor, std::uint16_t port, boost::system::error_code& ec,
                const std::optional<asio::ip::address>& bind) {
  if (bind) {  // one address only (p2p testbed)
    boost::system::error_code ignored;
    acceptor.close(ignored);
    const tcp::endpoint at(*bind, port);
    acceptor.open(at.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ignored);
    if (!ec) acceptor.bind(at, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    return !ec;
  }
  for (bool v6 : {true, false}) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    ec.clear();
    acceptor.open(v6 ? tcp::v6() : tcp::v4(), ec);
    if (ec) continue;  // no IPv6 on this host: fall back to IPv4
    acceptor.set_option(tcp::acceptor::reuse_address(true), ignored);
    if (v6) acceptor.set_option(asio::ip::v6_only(false), ignored);
    const tcp::endpoint at = v6 ? tcp::endpoint(asio::ip::address_v6::any(), port)
                                : tcp::endpoint(asio::ip::address_v4::any(), port);
    acceptor.bind(at, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) return true;
    if (ec == asio::error::address_in_use) return false;
  }
  return false;
}

tcp::acceptor listen(asio::io_context& io, std::optional<std::uint16_t> port,
                     const std::optional<asio::ip::address>& bind) {
  tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  if (port) {
    if (try_listen(acceptor, *port, ec, bind)) return acceptor;
    throw std::system_error(ec, "cannot listen on port " + std::to_string(*port));
  }
  for (int p = kDefaultPort; p < kDefaultPort + kPortHuntSpan && p <= 65535; ++p) {
    if (try_listen(acceptor, static_cast<std::uint16_t>(p), ec, bind)) return acceptor;
    if (ec != asio::error::address_in_use) break;
  }
  throw std::system_error(ec, "cannot listen on any port from " + std::to_string(kDefaultPort));
}

}  // namespace

Peer::Peer(asio::io_context& io, PeerOptions options, PeerOutput output)
    : io_(io),
      options_(std::move(options)),
      output_(std::move(output)),
      start_(std::chrono::steady_clock::now()),
      acceptor_(listen(io, options_.port, options_.bind)),
      listening_(acceptor_.local_endpoint()),
      resolver_(io),
      wake_timer_(io),
      leave_timer_(io),
      accept_retry_(io) {
  const Address self = options_.advertise.value_or(Address::v4(0x7f000001, listening_.port()));
  // The peer's own address book: PeerOptions copied from one another share their Config's book,
  // and peers run on threads of their own.
  options_.config.book = std::make_shared<AddressBook>();
  node_.emplace(self, options_.config, options_.seed);
  if (options_.link_delay) delay_ = std::make_unique<DelayQueue>(io);
  accept();
}

Peer::~Peer() {
  // Sessions may outlive the Peer inside pending handlers; detach them so none calls back.
  for (auto& [serial, s] : sessions_) s->abort();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  resolver_.cancel();
  wake_timer_.cancel();
  leave_timer_.cancel();
  accept_retry_.cancel();
}

Time Peer::now() const {
  const auto wall = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start_)
                        .count();
  return options_.time_scale == 1
             ? wall
             : static_cast<Time>(static_cast<double>(wall) / options_.time_scale);
}

std::chrono::microseconds Peer::wall(Time span) const {
  return std::chrono::microseconds(
      options_.time_scale == 1
          ? span
          : static_cast<Time>(std::ceil(static_cast<double>(span) * options_.time_scale)));
}

void Peer::log(std::string_view line) const {
  if (output_.log) output_.log(line);
}

void Peer::accept() {
  acceptor_.async_accept([this, alive = std::weak_ptr<int>(alive_)](
                             const boost::system::error_code& ec, tcp::socket socket) {
    if (alive.expired() || ec == asio::error::operation_aborted || leaving_) return;
    if (ec) {
      // Out of descriptors, most likely: back off briefly rather than spin.
      log("accept failed: " + ec.message());
      accept_retry_.expires_after(std::chrono::milliseconds(100));
      accept_retry_.async_wait([this, alive](const boost::system::error_code& e) {
        if (!alive.expired() && !e && !leaving_) accept();
      });
      return;
    }
    boost::system::error_code ignored;
    const auto from_ep = socket.remote_endpoint(ignored);
    const std::string from = ignored ? std::string("?") : to_string(address_of(from_ep));
    if (!ignored && refused_.refused(address_of(from_ep), AdmissionClock::now())) {
      log("refused connection from " + from + ": address refused after misbehaving");
      socket.close(ignored);
      accept();
      return;
    }
    if (!make_inbound_room(from)) {
      log("refused connection from " + from +
          ": no free slot (every inbound connection is protected)");
      socket.close(ignored);
      accept();
      return;
    }
    const ConnId conn = kDriverConnBit | ++last_inbound_;
    socket.set_option(tcp::no_delay(true), ignored);
    auto s = make_session(std::move(socket), conn);
    by_conn_[conn] = s.get();
    s->start_inbound();
    log("accepted connection from " + s->remote());
    accept();
  });
}

std::shared_ptr<Session> Peer::make_session(tcp::socket socket, ConnId conn) {
  const std::uint64_t serial = ++last_serial_;
  auto s = std::make_shared<Session>(io_, std::move(socket), serial, conn,
                                     static_cast<SessionOwner&>(*this), options_.limits, budget_);
  sessions_.emplace(serial, s);
  return s;
}

std::size_t Peer::inbound_cap() const {
  const std::size_t cap =
      options_.max_inbound > 0 ? options_.max_inbound : options_.max_sessions * 3 / 4;
  return std::max<std::size_t>(1, std::min(cap, options_.max_sessions));
}

bool Peer::make_inbound_room(const std::string& newcomer) {
  std::size_t live = 0, inbound = 0;
  for (const auto& [serial, s] : sessions_) {
    live += !s->done();
    inbound += !s->done() && s->inbound();
  }
  if (inbound < inbound_cap() && live < options_.max_sessions) return true;
  if (inbound == 0) return false;
  std::vector<ConnId> linked;
  for (const Link& l : node_->links()) linked.push_back(node_->conn_of(l));
  std::sort(linked.begin(), linked.end());
  std::vector<InboundCandidate> candidates;
  for (const auto& [serial, s] : sessions_) {
    if (s->done() || !s->inbound()) continue;
    candidates.push_back(
        InboundCandidate{serial, s->started(), s->last_useful, s->got_packet(),
                         std::binary_search(linked.begin(), linked.end(), s->conn()), !s->open(),
                         network_group(s->remote_address())});
  }
  const auto victim = choose_inbound_to_evict(candidates);
  if (!victim) return false;
  Session& s = *sessions_.at(*victim);
  log("evicting inbound connection " + s.remote() + " to make room for " + newcomer);
  s.fail("evicted to make room for a newcomer");
  return true;
}

Session* Peer::cause() const {
  if (cause_serial_ == 0) return nullptr;
  const auto it = sessions_.find(cause_serial_);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void Peer::punish(Session& s, int points, std::string_view why) {
  if (options_.misbehaviour_threshold <= 0 || points <= 0) return;
  s.score += points;
  if (s.score < options_.misbehaviour_threshold) return;
  Address ip = s.remote_address();
  ip.port = 0;
  refused_.refuse(ip, AdmissionClock::now() + options_.refuse_for);
  log("refusing " + s.remote() + "'s address for " +
      std::to_string(options_.refuse_for.count() / 1000) + " s: misbehaving (" + std::string(why) +
      ")");
  if (!s.done()) s.fail("misbehaving: " + std::string(why));
}

const char* Peer::refuse_dial(const Address& to) {
  // Bound to one address, a loopback address with our port is another peer's, not ours.
  const std::uint16_t own_port = options_.bind ? 0 : listening_.port();
  if (const char* why = why_undialable(to, node_->self(), own_port)) return why;
  if (refused_.refused(to, AdmissionClock::now())) return "address refused after misbehaving";
  std::size_t live = 0;
  for (const auto& [serial, s] : sessions_) live += !s->done();
  if (live >= options_.max_sessions) return "connection budget full";
  if (Session* c = cause()) {
    const auto now = AdmissionClock::now();
    auto it = dial_rates_.find(c->serial());
    if (it == dial_rates_.end())
      it = dial_rates_.emplace(c->serial(), DialRate(options_.dial_rate, options_.dial_burst, now))
               .first;
    if (!it->second.take(now)) {
      punish(*c, kScoreDialFlood, "too many dials caused by its packets");
      return "too many dials caused by one neighbour";
    }
  }
  return nullptr;
}

void Peer::refuse_open(ConnId conn, const Address& to, const char* why) {
  log("not dialling " + to_string(to) + ": " + why);
  // As for a failed dial: the Node forgets the link it has just added.
  if (conn != 0) feed(Closed{conn});
}

FrameRef Peer::frame_for(const Packet& packet) {
  // The Node floods by one Send per link with equal packets, one after another.
  if (framed_ && framed_packet_ && *framed_packet_ == packet) return framed_;
  framed_ = OutFrame::encode(packet, budget_);
  framed_packet_ = framed_ ? &packet : nullptr;
  return framed_;
}

void Peer::enforce_write_budget() {
  // A connection with less than this queued is not what fills the budget; dropping it would free
  // nothing that others do not share.
  constexpr std::size_t kVictimQueue = 64 * 1024;
  while (budget_->used() > options_.write_budget_bytes) {
    Session* worst = nullptr;
    for (auto& [serial, s] : sessions_)
      if (!s->done() && s->queued_bytes() >= kVictimQueue &&
          (!worst || s->queued_bytes() > worst->queued_bytes()))
        worst = s.get();
    if (!worst) return;
    worst->fail("write memory budget of " + std::to_string(options_.write_budget_bytes) +
                " bytes exceeded; dropped the longest queue (" +
                std::to_string(worst->queued_bytes()) + " bytes)");
  }
}

void Peer::feed(Input input) {
  inputs_.push_back(std::move(input));
  if (feeding_) return;
  feeding_ = true;
  while (!inputs_.empty()) {
    Input in = std::move(inputs_.front());
    inputs_.pop_front();
    cause_serial_ = 0;
    if (const auto* p = std::get_if<PacketIn>(&in)) {
      const auto it = by_conn_.find(p->conn);
      if (it != by_conn_.end()) cause_serial_ = it->second->serial();
    }
    effects_.clear();
    node_->handle(now(), std::move(in), effects_);
    for (Effect& e : effects_) apply(e);
    framed_.reset();
    framed_packet_ = nullptr;
    enforce_write_budget();
  }
  cause_serial_ = 0;
  effects_.clear();
  feeding_ = false;
}

void Peer::apply(Effect& effect) {
  std::visit(
      [&](auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, Send>) {
          auto it = by_conn_.find(e.conn);
          // A connection already gone has its Closed on the way to the Node.
          if (it == by_conn_.end()) return;
          FrameRef frame = frame_for(e.packet);
          if (!frame)
            log("packet too large to send to " + to_string(e.peer));
          else
            it->second->send(std::move(frame));
        } else if constexpr (std::is_same_v<T, SendOnce>) {
          if (leaving_) return;
          if (const char* why = refuse_dial(e.to)) return refuse_open(0, e.to, why);
          auto s = make_session(dial_socket(), 0);
          if (!s->send(e.packet)) {
            s->abort();
            sessions_.erase(s->serial());
            return;
          }
          log(std::string("sending ") + packet_name(e.packet.type) + " to " + to_string(e.to));
          s->close_when_flushed();
          s->dial(endpoint_of(e.to));
        } else if constexpr (std::is_same_v<T, Open>) {
          if (leaving_) return;
          if (const char* why = refuse_dial(e.to)) return refuse_open(e.conn, e.to, why);
          auto s = make_session(dial_socket(), e.conn);
          by_conn_[e.conn] = s.get();
          s->send(e.packet);
          log(std::string("connecting to ") + to_string(e.to) + " with " +
              packet_name(e.packet.type));
          s->dial(endpoint_of(e.to));
        } else if constexpr (std::is_same_v<T, Close>) {
          auto it = by_conn_.find(e.conn);
          if (it == by_conn_.end()) return;
          Session* s = it->second;
          by_conn_.erase(it);
          s->close();
        } else if constexpr (std::is_same_v<T, Deliver>) {
          if (Session* c = cause()) c->last_useful = Session::Clock::now();
          if (output_.deliver) output_.deliver(e);
        } else if constexpr (std::is_same_v<T, WakeAt>) {
          schedule(e.at, e.timer);
        } else if constexpr (std::is_same_v<T, Note>) {
          if (Session* c = cause()) {
            if (e.kind == NoteKind::LinkUp) c->last_useful = Session::Clock::now();
            if (e.kind == NoteKind::UnexpectedPacket)
              punish(*c, kScoreUnexpectedPacket, "unexpected packets");
            if (e.kind == NoteKind::BadSignature) punish(*c, kScoreBadSignature, "bad signatures");
          }
          if (output_.note) output_.note(e);
        } else {
          static_assert(sizeof(T) == 0, "an Effect the peer does not carry out");
        }
      },
      effect);
}

void Peer::on_packet(Session& s, Packet packet) {
  // One-shot connections and connections the Node has closed carry nothing the Node wants.
  auto it = by_conn_.find(s.conn());
  if (s.conn() == 0 || it == by_conn_.end() || it->second != &s) return;
  from_session(s, PacketIn{s.conn(), std::move(packet)});
}

tcp::socket Peer::dial_socket() {
  tcp::socket socket(io_);
  if (!options_.bind) return socket;
  boost::system::error_code ec;
  socket.open(options_.bind->is_v4() ? tcp::v4() : tcp::v6(), ec);
  if (!ec) socket.bind(tcp::endpoint(*options_.bind, 0), ec);
  if (ec) log("cannot dial from " + options_.bind->to_string() + ": " + ec.message());
  return socket;
}

void Peer::from_session(const Session& s, Input input) {
  const bool closed = std::holds_alternative<Closed>(input);
  if (!closed && options_.drop_packet && options_.drop_packet(s.remote_address())) return;
  if (!delay_) return feed(std::move(input));
  const ConnId conn = s.conn();
  if (closed) ending_.insert(conn);
  delay_->push(
      wall(options_.link_delay(s.remote_address()).count()),
      [this, conn, closed, serial = s.serial(), in = std::move(input)]() mutable {
        if (leaving_) return;
        if (closed) {
          ending_.erase(conn);
          return feed(std::move(in));
        }
        // The Node may have closed the connection meanwhile: then it wants nothing more.
        const auto it = by_conn_.find(conn);
        if ((it != by_conn_.end() && it->second->serial() == serial) || ending_.count(conn) > 0)
          feed(std::move(in));
      });
}

void Peer::on_session_end(Session& s, std::string_view fault) {
  const std::shared_ptr<Session> keep = sessions_.at(s.serial());
  sessions_.erase(s.serial());
  dial_rates_.erase(s.serial());
  if (const auto bad = s.bad_frame(); bad && *bad != codec::DecodeStatus::BadVersion)
    punish(s, kScoreBadFrame, std::string("bad frame: ") + codec::to_string(*bad));
  auto it = by_conn_.find(s.conn());
  const bool node_knows = s.conn() != 0 && it != by_conn_.end() && it->second == &s;
  if (node_knows) by_conn_.erase(it);
  if (!fault.empty()) log("connection " + s.remote() + " closed: " + std::string(fault));
  if (node_knows && !leaving_) from_session(s, Closed{s.conn()});
  maybe_finish_leave();
}

void Peer::join(const Address& entry) {
  if (leaving_) return;
  feed(Join{entry});
}

bool Peer::join(std::string_view target) {
  if (auto a = parse_address(target)) {
    join(*a);
    return true;
  }
  // HOST:PORT with a name goes to the resolver.
  const auto hp = split_host_port(target);
  if (!hp) return false;
  resolver_.async_resolve(
      hp->host, hp->port, tcp::resolver::numeric_service,
      [this, alive = std::weak_ptr<int>(alive_), name = std::string(target)](
          const boost::system::error_code& e, const tcp::resolver::results_type& results) {
        if (alive.expired() || e == asio::error::operation_aborted) return;
        if (e || results.empty()) {
          log("cannot resolve " + name + (e ? ": " + e.message() : std::string()));
          return;
        }
        join(address_of(results.begin()->endpoint()));
      });
  return true;
}

bool Peer::say(std::string text) {
  if (leaving_ || text.size() > codec::kMaxTextSize) return false;
  feed(Say{std::move(text)});
  return true;
}

void Peer::leave(std::function<void()> done) {
  if (leaving_) return;
  feed(Leave{});  // the Node closes its links; Close effects start their graceful ends
  leaving_ = true;
  on_left_ = std::move(done);
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  resolver_.cancel();
  wake_timer_.cancel();
  wakes_.clear();
  by_conn_.clear();
  if (delay_) delay_->clear();
  for (auto& [serial, s] : sessions_) s->close();
  leave_timer_.expires_after(options_.leave_grace);
  leave_timer_.async_wait(
      [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired() || ec) return;
        for (auto& [serial, s] : sessions_) s->abort();
        sessions_.clear();
        maybe_finish_leave();
      });
  maybe_finish_leave();
}

void Peer::maybe_finish_leave() {
  if (!leaving_ || !sessions_.empty() || !on_left_) return;
  leave_timer_.cancel();
  auto done = std::move(on_left_);
  on_left_ = nullptr;
  done();
}

void Peer::schedule(Time at, Timer timer) {
  if (leaving_) return;
  wakes_.emplace(at, timer);
  arm_wake();
}

void Peer::arm_wake() {
  if (wakes_.empty()) return;
  const Time earliest = wakes_.begin()->first;
  if (armed_for_ && *armed_for_ <= earliest) return;
  armed_for_ = earliest;
  wake_timer_.expires_at(start_ + wall(earliest));
  wake_timer_.async_wait(
      [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired() || ec) return;  // gone, re-armed for an earlier time, or leaving
        armed_for_.reset();
        on_wake();
      });
}

void Peer::on_wake() {
  const Time t = now();
  while (!wakes_.empty() && wakes_.begin()->first <= t && !leaving_) {
    const Timer timer = wakes_.begin()->second;
    wakes_.erase(wakes_.begin());
    feed(TimerFired{timer});
  }
  arm_wake();
}

}  // namespace p2p::transport
