// `p2p peer`: a chat peer in a terminal. Wires standard input, the TCP transport and the protocol
// Node together; every protocol decision is the Node's.
#include <utility>  // before Asio (Boost 1.74 + g++12 + C++20)

#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "peer_control.hpp"
#include "protocol/auth.hpp"
#include "protocol/codec.hpp"
#include "protocol/identity.hpp"
#include "protocol/join_rule.hpp"
#include "transport/endpoint.hpp"
#include "transport/peer.hpp"
#include "usage_error.hpp"

namespace p2p::runner {
namespace {

namespace asio = boost::asio;

struct PeerFlags {
  int port = -1;  // -1: hunt upward from 55555
  std::string connect;
  std::string advertise;
  bool quiet = false;
  std::uint64_t seed = 0;
  bool seed_given = false;
  int join_requests = Config{}.join_requests;
  int max_hops = Config{}.max_hops;
  std::string rule = "seed";
  int min_connections = 0;
  int max_connections = 0;
  int stall_timeout_ms = 10000;
  std::size_t write_queue_kib = 4096;
  std::size_t max_sessions = transport::PeerOptions{}.max_sessions;
  std::size_t max_inbound = 0;
  std::size_t write_budget_kib = transport::PeerOptions{}.write_budget_bytes / 1024;
  int idle_timeout_ms = static_cast<int>(transport::SessionLimits{}.idle_timeout.count());
  double dial_rate = transport::PeerOptions{}.dial_rate;
  double dial_burst = transport::PeerOptions{}.dial_burst;
  int misbehaviour_threshold = transport::PeerOptions{}.misbehaviour_threshold;
  double refuse_seconds = 600;
  TestbedPeerFlags testbed;
  std::string identity;  // key file; empty: a key pair for this run only
};

void print_line(std::FILE* f, const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), f);
  std::fputc('\n', f);
  std::fflush(f);
}

// Text from the network is shown as-is except for what could move the cursor, rewrite the
// user's screen or make a line read differently from what it holds: every C0 control (tab
// included) and DEL print as \xHH, every C1 control and every bidirectional override, embedding,
// isolate or mark as \uHHHH, a backslash as \\ (so an escape cannot be faked), and each byte that
// is not part of valid UTF-8 as U+FFFD.
std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  auto escape = [&](std::uint32_t cp, int digits) {
    out += digits == 2 ? "\\x" : "\\u";
    for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xf];
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
      if (b0 < 0x20 || b0 == 0x7f)
        escape(b0, 2);
      else if (b0 == '\\')
        out += "\\\\";
      else
        out += static_cast<char>(b0);
      ++i;
      continue;
    }
    // The length a lead byte announces, and the smallest code point of that length (overlong
    // forms are invalid); surrogates and values past U+10FFFF are invalid too.
    const int len = b0 >= 0xc2 && b0 <= 0xdf   ? 2
                    : (b0 & 0xf0) == 0xe0      ? 3
                    : b0 >= 0xf0 && b0 <= 0xf4 ? 4
                                               : 0;
    std::uint32_t cp = len == 2 ? b0 & 0x1f : len == 3 ? b0 & 0x0f : b0 & 0x07;
    bool ok = len > 0 && i + len <= text.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      ok = (b & 0xc0) == 0x80;
      cp = (cp << 6) | (b & 0x3f);
    }
    ok = ok && !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) &&
         !(cp >= 0xd800 && cp <= 0xdfff);
    if (!ok) {
      out += "\xef\xbf\xbd";  // U+FFFD for this one byte; decoding resumes at the next
      ++i;
      continue;
    }
    const bool c1 = cp >= 0x80 && cp <= 0x9f;
    const bool bidi = cp == 0x061c || cp == 0x200e || cp == 0x200f ||
                      (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
    if (c1 || bidi)
      escape(cp, 4);
    else
      out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string describe(const Note& n) {
  const std::string who = to_string(n.peer);
  switch (n.kind) {
    case NoteKind::JoinAccepted:
      return "accepted JOIN_REQ from " + who;
    case NoteKind::JoinForwarded:
      return "passed on JOIN_REQ from " + who;
    case NoteKind::JoinDroppedHops:
      return "dropped JOIN_REQ from " + who + ": hop limit reached";
    case NoteKind::JoinDroppedNoLink:
      return "dropped JOIN_REQ from " + who + ": no neighbour to pass it to";
    case NoteKind::LinkUp:
      return "link up: " + who;
    case NoteKind::LinkDown:
      return "link down: " + who;
    case NoteKind::UnexpectedPacket:
      return "unexpected packet from " + who + "; dropped";
    case NoteKind::BadSignature:
      return "forged packet naming " + who + " (its signature or id does not hold); dropped";
    default:
      return std::string(to_string(n.kind)) + ": " + who;
  }
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

// Reads standard input on its own thread (a terminal, a pipe or a file alike) and posts each line
// to the event loop, so the Node is only ever touched from the loop's thread. Lines are bounded:
// a longer one is reported and skipped rather than buffered.
class StdinReader {
 public:
  StdinReader(asio::io_context& io, std::function<void(std::string)> on_line,
              std::function<void()> on_eof)
      : io_(io), on_line_(std::move(on_line)), on_eof_(std::move(on_eof)) {
    thread_ = std::thread([this] { run(); });
  }
  ~StdinReader() {
    stop_ = true;
    thread_.join();
  }

 private:
  static constexpr std::size_t kMaxLine = codec::kMaxTextSize + 256;

  void run() {
    std::string partial;
    bool skipping = false;
    char buf[4096];
    while (!stop_) {
      pollfd p{STDIN_FILENO, POLLIN, 0};
      const int r = ::poll(&p, 1, 100);  // wakes to notice stop_
      if (r < 0 && errno != EINTR) break;
      if (r <= 0) continue;
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] == '\n') {
          if (!skipping) post_line(std::move(partial));
          partial.clear();
          skipping = false;
        } else if (!skipping) {
          partial.push_back(buf[i]);
          if (partial.size() > kMaxLine) {
            partial.clear();
            skipping = true;
            asio::post(io_, [] { print_line(stderr, "line too long; ignored"); });
          }
        }
      }
    }
    if (!partial.empty() && !skipping) post_line(std::move(partial));
    if (!stop_) asio::post(io_, [this] { on_eof_(); });
  }
  void post_line(std::string line) {
    asio::post(io_, [this, line = std::move(line)]() mutable { on_line_(std::move(line)); });
  }

  asio::io_context& io_;
  std::function<void(std::string)> on_line_;
  std::function<void()> on_eof_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A real peer keeps a JOIN_ACK only if it answers a JOIN_REQ of its own: the seed rule's
// faithful "keep every JOIN_ACK" (any_ack=1) lets anyone become a neighbour, so it is taken only
// when asked for by name.
std::string peer_rule_spec(const std::string& spec) {
  const std::string name = spec.substr(0, spec.find(':'));
  if (name != "seed" || spec.find("any_ack") != std::string::npos) return spec;
  return spec + (spec.find(':') == std::string::npos ? ":" : ",") + "any_ack=0";
}

Address resolve_advertise(asio::io_context& io, const std::string& text) {
  if (auto a = parse_address(text)) return *a;
  const auto hp = transport::split_host_port(text);
  if (!hp) throw UsageError("--advertise: expected HOST:PORT, got '" + text + "'");
  boost::system::error_code ec;
  transport::tcp::resolver resolver(io);
  const auto results =
      resolver.resolve(hp->host, hp->port, transport::tcp::resolver::numeric_service, ec);
  if (ec || results.empty())
    throw UsageError("--advertise: cannot resolve '" + text + "'" +
                     (ec ? ": " + ec.message() : std::string()));
  return transport::address_of(results.begin()->endpoint());
}

void run_peer(const PeerFlags& flags) {
  // A reader of our output that goes away must not kill the peer mid-chat; writes just fail.
  std::signal(SIGPIPE, SIG_IGN);
  asio::io_context io;

  transport::PeerOptions options;
  if (flags.port >= 0) options.port = static_cast<std::uint16_t>(flags.port);
  if (!flags.advertise.empty()) options.advertise = resolve_advertise(io, flags.advertise);
  options.seed = flags.seed_given
                     ? flags.seed
                     : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  options.config.join_requests = flags.join_requests;
  options.config.max_hops = flags.max_hops;
  try {
    options.config.rule = parse_join_rule(peer_rule_spec(flags.rule), options.config.max_hops);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--rule: ") + e.what());
  }
  options.config.min_connections = flags.min_connections;
  options.config.max_connections = flags.max_connections;
  try {
    options.config.validate(/*simulated=*/false);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--rule: ") + e.what());
  }
  options.limits.stall_timeout = std::chrono::milliseconds(flags.stall_timeout_ms);
  options.limits.write_queue_bytes = flags.write_queue_kib * 1024;
  options.limits.idle_timeout = std::chrono::milliseconds(flags.idle_timeout_ms);
  options.max_sessions = flags.max_sessions;
  options.max_inbound = flags.max_inbound;
  if (flags.max_inbound > flags.max_sessions)
    throw UsageError("--max-inbound: " + std::to_string(flags.max_inbound) +
                     " is more than --max-sessions " + std::to_string(flags.max_sessions));
  options.write_budget_bytes = flags.write_budget_kib * 1024;
  options.dial_rate = flags.dial_rate;
  options.dial_burst = flags.dial_burst;
  options.misbehaviour_threshold = flags.misbehaviour_threshold;
  options.refuse_for =
      std::chrono::milliseconds(static_cast<std::int64_t>(flags.refuse_seconds * 1000));
  const std::shared_ptr<EmulatedDrops> drops = apply_testbed_peer_flags(flags.testbed, options);

  const bool quiet = flags.quiet;
  transport::PeerOutput output;
  output.deliver = [](const Deliver& d) {
    const std::string who =
        d.author.empty()
            ? to_string(d.origin)
            : to_string(d.origin) + " [" +
                  auth::fingerprint(std::span(
                      reinterpret_cast<const std::uint8_t*>(d.author.data()), d.author.size())) +
                  "]";
    print_line(stdout, who + " -> " + printable(d.text));
  };
  output.note = [quiet](const Note& n) {
    // Duplicates are the flood working as designed; one per neighbour per message is noise.
    if (quiet || n.kind == NoteKind::DuplicateMessage) return;
    print_line(stderr, describe(n));
  };
  output.log = [quiet](std::string_view line) {
    if (!quiet) print_line(stderr, std::string(line));
  };

  if (!flags.connect.empty() && !transport::split_host_port(flags.connect))
    throw UsageError("--connect: expected HOST:PORT, got '" + flags.connect + "'");

  std::optional<PeerControl> control;  // --control: the testbed drives the peer
  if (flags.testbed.control) {
    output.deliver = [&control](const Deliver& d) { control->on_deliver(d); };
    output.note = [&control](const Note& n) { control->on_note(n); };
  }
  // Last of the checks, so a run refused for another flag makes no key file.
  std::shared_ptr<const Ed25519Identity> identity;
  bool created = false;
  try {
    identity = std::make_shared<const Ed25519Identity>(
        flags.identity.empty() ? Ed25519Identity::generate()
                               : Ed25519Identity::load_or_create(flags.identity, &created));
  } catch (const IdentityError& e) {
    throw UsageError(std::string("--identity: ") + e.what());
  }
  options.config.auth = identity;

  std::unique_ptr<transport::Peer> peer;
  try {
    peer = std::make_unique<transport::Peer>(io, options, output);
  } catch (const std::system_error& e) {
    throw UsageError(e.what());
  }
  print_line(stdout, "listening on " + to_string(transport::address_of(peer->listening())) +
                         ", advertising " + to_string(peer->advertised()));
  print_line(stdout, "identity " + to_hex(identity->public_key()) + " [" +
                         auth::fingerprint(identity->public_key()) + "], " +
                         (flags.identity.empty() ? std::string("for this run only")
                          : created              ? "new, saved in " + flags.identity
                                                 : "from " + flags.identity));

  bool quitting = false;
  auto quit = [&] {
    if (quitting) return;
    quitting = true;
    peer->leave([&io] { io.stop(); });
  };
  if (flags.testbed.control)
    control.emplace(
        *peer, [](const std::string& l) { print_line(stdout, l); }, quit, drops);
  auto connect = [&](const std::string& target) {
    const std::string entry =
        target.empty() ? "127.0.0.1:" + std::to_string(transport::kDefaultPort) : target;
    if (!peer->join(entry)) print_line(stderr, "connect: expected HOST:PORT, got '" + entry + "'");
  };

  auto on_line = [&](std::string raw) {
    if (quitting) return;
    const std::string line = trim(raw);
    if (line.empty()) return;
    if (control) return control->on_line(line);
    if (line == "quit" || line == "exit") {
      quit();
    } else if (line == "connect" || line.rfind("connect ", 0) == 0) {
      connect(trim(std::string_view(line).substr(7)));
    } else if (line == "peers") {
      const auto links = peer->node().links();
      print_line(stdout, "peers: " + std::to_string(links.size()));
      for (const Link& l : links)
        print_line(stdout, "  " + to_string(peer->node().peer_address(l)));
    } else if (line == "help") {
      print_line(stdout,
                 "commands: connect [HOST:PORT] | peers | quit | exit | help; any other line is "
                 "a chat message");
    } else if (!peer->say(line)) {
      print_line(stderr, "message too long (limit " + std::to_string(codec::kMaxTextSize) +
                             " bytes); not sent");
    }
  };

  if (!flags.connect.empty() && !peer->join(flags.connect))
    throw UsageError("--connect: expected HOST:PORT, got '" + flags.connect + "'");

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) quit();
  });

  StdinReader reader(io, on_line, quit);
  io.run();
  signals.cancel();
}

}  // namespace

void add_peer_command(CLI::App& app) {
  auto flags = std::make_shared<PeerFlags>();
  CLI::App* cmd = app.add_subcommand(
      "peer",
      "Run a chat peer over TCP. Type 'connect [HOST:PORT]' to join a network (default entry "
      "127.0.0.1:55555), 'peers' to list neighbours, 'quit' to leave; any other line is a chat "
      "message, printed by every peer as 'ORIGIN [KEY] -> TEXT', KEY being the first 8 hex "
      "digits of the author's Ed25519 public key. Messages and JOIN_REQs are signed; the seed "
      "rule keeps only JOIN_ACKs that answer its own JOIN_REQs unless given seed:any_ack=1.");
  cmd->add_option("--port", flags->port,
                  "TCP port to listen on; 0 picks any free port (default: the first free port "
                  "from 55555 upward)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--connect", flags->connect,
                  "send JOIN_REQs to HOST:PORT at start-up, as the 'connect' command does");
  cmd->add_option("--advertise", flags->advertise,
                  "HOST:PORT others should dial to reach this peer, put in JOIN_REQ origins "
                  "(default: 127.0.0.1 and the listening port, for peers on this machine)");
  cmd->add_option("--identity", flags->identity,
                  "file holding this peer's Ed25519 key pair, made (mode 0600) on first start "
                  "and reused after, so the peer keeps its id (default: a new key pair for each "
                  "run, never saved)");
  cmd->add_flag("--quiet,-q", flags->quiet, "log no connection events on stderr");
  cmd->add_option("--seed", flags->seed,
                  "seed of the protocol's random choices (default: from the OS, different each "
                  "run)")
      ->each([flags](const std::string&) { flags->seed_given = true; });
  cmd->add_option("--join-requests", flags->join_requests, "JOIN_REQs sent per 'connect'")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--max-hops", flags->max_hops, "a JOIN_REQ passed on this many times is dropped")
      ->capture_default_str()
      ->check(CLI::Range(0, 255));
  cmd->add_option("--rule", flags->rule,
                  "join rule NAME[:KEY=VALUE,...], one of: " + rule_names() +
                      " (docs/join-rules.md); the same rules as p2p sim")
      ->capture_default_str();
  cmd->add_option("--min-connections", flags->min_connections,
                  "every rule but seed: below this many links, ask for more with retries and "
                  "backoff (0: only on connect)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--max-connections", flags->max_connections,
                  "every rule but seed: the most links this peer holds (0: no cap)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--stall-timeout-ms", flags->stall_timeout_ms,
                  "close a connection that makes no progress for this long while a frame, a "
                  "dial, a write or a first packet is outstanding")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600 * 1000));
  cmd->add_option("--write-queue-kib", flags->write_queue_kib,
                  "bytes (KiB) a connection may have waiting to be sent before the peer is "
                  "dropped as not reading")
      ->capture_default_str()
      ->check(CLI::Range(64, 1 << 20));
  cmd->add_option("--write-budget-kib", flags->write_budget_kib,
                  "bytes (KiB) of frames waiting in all write queues together (a frame shared by "
                  "several links counts once); past it the longest queues are dropped")
      ->capture_default_str()
      ->check(CLI::Range(256, 1 << 22));
  cmd->add_option("--max-sessions", flags->max_sessions,
                  "connections held at once, inbound and outbound, dials included")
      ->capture_default_str()
      ->check(CLI::Range(2, 60000));
  cmd->add_option("--max-inbound", flags->max_inbound,
                  "of those, the most others may open; a newcomer beyond it takes the slot of an "
                  "inbound connection chosen by the eviction policy (0: three quarters of "
                  "--max-sessions)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  cmd->add_option("--idle-timeout-ms", flags->idle_timeout_ms,
                  "drop a neighbour from which nothing, not even a keep-alive, arrived for this "
                  "long; keep-alives go out after a third of it without sending (0: neither)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600 * 1000));
  cmd->add_option("--dial-rate", flags->dial_rate,
                  "dials per second one neighbour's packets may cause (after --dial-burst at "
                  "once); one beyond is not made and counts as misbehaviour")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 1000.0));
  cmd->add_option("--dial-burst", flags->dial_burst, "see --dial-rate")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 10000.0));
  cmd->add_option("--misbehaviour-threshold", flags->misbehaviour_threshold,
                  "score at which a neighbour is closed and its address refused (a bad frame "
                  "scores 100, an unexpected packet or a refused dial 10; 0: never)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--refuse-seconds", flags->refuse_seconds,
                  "how long a misbehaving neighbour's address is refused")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 7.0 * 86400));
  add_testbed_peer_flags(cmd, flags->testbed);
  cmd->callback([flags] { run_peer(*flags); });
}

}  // namespace p2p::runner
