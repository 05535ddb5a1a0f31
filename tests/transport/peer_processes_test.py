#!/usr/bin/env python3
"""Real `p2p peer` processes on 127.0.0.1, driven through pipes.

  deliver  five peers join; a message from one is printed exactly once by every other, with the
           author's address; a peer that is not a cut vertex is killed and the rest still deliver.
           deliver_inverse_degree and deliver_hyparview do the same under other join rules.
  hostile  bad frames of every kind, half a frame, and silence against a running peer: each such
           connection is closed with one log line while the peer keeps chatting.
  exits    `quit`, `exit`, end of input, SIGINT and SIGTERM each end a peer with status 0.
  frozen   a neighbour stopped with SIGSTOP is dropped within the idle timeout while idle.
  escapes  control characters, C1 controls, bidi overrides and invalid UTF-8 in chat text are
           printed escaped.
  identity --identity FILE makes a key file (mode 0600) on first start and reuses it; the
           others print the author's key beside its address; a malformed or unreadable key file
           is one line and exit 2, and a run refused for another flag makes no file.
"""
import argparse
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_procs import Cluster, connected_without, graph_of, kill  # noqa: E402


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def expect_each_delivers_once(cluster, sender, receivers, text):
    sender.type(text)
    try:
        cluster.wait(lambda: all(r.deliveries(text) for r in receivers), 5.0, "delivery of " + text)
    except AssertionError:
        for r in receivers:
            print(r.address, "printed", r.deliveries(text), "stderr tail", r.err[-5:], file=sys.stderr)
        raise
    cluster.pump(0.3)  # room for late duplicates
    for r in receivers:
        got = r.deliveries(text)
        check(got == [sender.address],
              f"{r.address} printed {text!r} from {got}, expected once from {sender.address}")
    check(not sender.deliveries(text), "the author printed its own message")


RULES = {
    "deliver": [],
    "deliver_inverse_degree": ["--rule", "inverse_degree", "--min-connections", "2"],
    "deliver_hyparview": ["--rule", "hyparview:shuffle_period_ms=200,shuffles=0"],
}


def test_deliver(exe, case):
    with Cluster(exe) as c:
        peers = [c.start("--seed", str(i + 1), *RULES[case]) for i in range(5)]
        for p in peers[1:]:
            c.join(p, peers[0])
        c.pump(0.3)  # JOIN_REQs still walking settle
        adj = graph_of(c, peers)
        check(connected_without(adj, None), f"overlay not connected: {adj}")
        sender = peers[2]
        expect_each_delivers_once(c, sender, [p for p in peers if p is not sender], "first words")

        victim = next(p for p in peers
                      if p is not sender and connected_without(adj, p.address))
        kill(victim)
        rest = [p for p in peers if p is not victim]
        c.wait(lambda: all(victim.address not in c.neighbours(p) for p in rest), 10.0,
               "the killed peer to leave every neighbour set")
        check(all(p.proc.poll() is None for p in rest), "a peer died with its neighbour")
        expect_each_delivers_once(c, sender, [p for p in rest if p is not sender],
                                  "after the kill")
        codes = c.quit_all()
        check(all(rc == 0 for p, rc in zip(peers, codes) if p is not victim),
              f"exit codes {codes}")
    print(case + ": ok")


def frame(version=4, type_=1, text=b"", trailing=b"", length=None):
    payload = bytes([1, type_, 0]) + bytes(10) + b"\xff\xff" + bytes([127, 0, 0, 1])
    payload += struct.pack("<H", 1) + struct.pack("<Q", 7)
    payload += struct.pack("<I", len(text)) + text
    # ref, degree, flags, an empty address list, the rule tag, an empty rule body
    payload += bytes(8 + 4 + 1 + 1 + 2 + 4) + trailing
    body = bytes([version]) + payload
    return struct.pack(">I", len(body) if length is None else length) + body


def closed_by_peer(sock, timeout):
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_hostile(exe):
    with Cluster(exe) as c:
        target = c.start("--stall-timeout-ms", "300", "--seed", "1")
        friend = c.start("--seed", "2")
        c.join(friend, target)
        port = int(target.address.rsplit(":", 1)[1])
        cases = [
            ("wrong protocol version", frame(version=9)),
            ("oversized frame", struct.pack(">I", 1 << 20)),
            ("unknown packet type", frame(type_=9)),
            ("malformed frame", frame(trailing=b"junk")),
            ("malformed frame", frame(text=b"x" * 16, length=40)),  # text runs past the frame
            ("malformed frame", struct.pack(">I", 0) + b"\x01"),
            ("timed out inside a frame", frame()[:9]),
            ("timed out waiting for a first packet", b""),
        ]
        results = []
        for host, (expected, data) in enumerate(cases, start=20):
            mark = len(target.err)
            start = time.monotonic()
            # Each from its own address: a bad frame gets its sender's address refused.
            with socket.create_connection(("127.0.0.1", port), timeout=2,
                                          source_address=(f"127.0.0.{host}", 0)) as s:
                if data:
                    s.sendall(data)
                closed = closed_by_peer(s, 3.0)
            elapsed = time.monotonic() - start
            c.wait(lambda: any(expected in l for l in target.err[mark:]), 3.0, expected)
            lines = [l for l in target.err[mark:] if " closed: " in l]
            check(closed, f"{expected}: connection left open")
            check(len(lines) == 1 and expected in lines[0], f"{expected}: logged {lines}")
            results.append((expected, elapsed))
        # Every hostile connection is gone; the link with the friend is not.
        check(target.proc.poll() is None, "the target died")
        friend.type("still talking")
        c.wait(lambda: target.deliveries("still talking") == [friend.address], 5.0, "chat")
        target.type("and answering")
        c.wait(lambda: friend.deliveries("and answering") == [target.address], 5.0, "chat back")
        check(c.quit_all() == [0, 0], "exit codes")
    for expected, elapsed in results:
        print(f"hostile: {expected:40s} closed after {elapsed * 1000:6.0f} ms")
    print("hostile: ok")


def test_exits(exe):
    with Cluster(exe) as c:
        ways = ["quit", "exit", "eof", signal.SIGINT, signal.SIGTERM]
        peers = [c.start("--quiet") for _ in ways]
        for p in peers[1:]:
            c.join(p, peers[0])
        for p, way in zip(peers, ways):
            if way == "eof":
                p.proc.stdin.close()
            elif isinstance(way, str):
                p.type(way)
            else:
                p.proc.send_signal(way)
        c.wait(lambda: all(p.proc.poll() is not None for p in peers), 5.0, "every peer to exit")
        codes = [p.proc.returncode for p in peers]
        check(codes == [0] * len(ways), f"exit codes {codes} for {ways}")
    print("exits: ok")


def test_frozen(exe):
    """A neighbour stopped with SIGSTOP (its kernel still acknowledges, the process says nothing)
    is dropped within the idle timeout although the link is idle."""
    timeout_ms = 1500
    with Cluster(exe) as c:
        a = c.start("--seed", "1", "--idle-timeout-ms", str(timeout_ms))
        b = c.start("--seed", "2", "--idle-timeout-ms", str(timeout_ms))
        c.join(b, a)
        c.pump(2.0 * timeout_ms / 1000)  # idle for longer than the timeout: keep-alives hold it
        check(b.address in c.neighbours(a), "an idle link was dropped")
        check(not any("silent too long" in l for l in a.err + b.err), "a live peer was dropped")
        mark = len(a.err)
        os.kill(b.proc.pid, signal.SIGSTOP)
        start = time.monotonic()
        try:
            c.wait(lambda: any("silent too long" in l for l in a.err[mark:]), 3 * timeout_ms / 1000,
                   "the frozen neighbour to be dropped")
            elapsed = time.monotonic() - start
            c.wait(lambda: b.address not in c.neighbours(a), 2.0, "the link to leave the list")
        finally:
            os.kill(b.proc.pid, signal.SIGCONT)
        check(elapsed <= timeout_ms / 1000 + 0.5, f"dropped after {elapsed:.2f} s")
        c.quit_all()
    print(f"frozen: dropped {elapsed * 1000:.0f} ms after SIGSTOP (idle timeout {timeout_ms} ms)")
    print("frozen: ok")


def expected_escape(raw):
    """What a peer must print for chat bytes `raw`, worked out independently with Python's codec."""
    out = []
    text = raw.decode("utf-8", "replace")
    bidi = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
    for ch in text:
        cp = ord(ch)
        if cp < 0x20 or cp == 0x7F:
            out.append(f"\\x{cp:02x}")
        elif 0x80 <= cp <= 0x9F or cp in bidi:
            out.append(f"\\u{cp:04x}")
        elif ch == "\\":
            out.append("\\\\")
        else:
            out.append(ch)
    return "".join(out)


def test_escapes(exe):
    """Controls, C1 controls, bidi overrides and invalid UTF-8 in chat text are printed escaped."""
    raw = (b"a\x1b[2J\x1b]0;owned\x07\tb\xc2\x85c\xe2\x80\xaed\xe2\x81\xa6e\xd8\x9c"
           b"\xff\xc0\xaff\\g \xe4\xb8\xad\xf0\x9f\x99\x82 \xed\xa0\x80 end")
    with Cluster(exe) as c:
        a = c.start("--seed", "1")
        b = c.start("--seed", "2")
        c.join(b, a)
        b.proc.stdin.write(raw + b"\n")
        want = f"{b.address} [{b.fingerprint}] -> " + expected_escape(raw)
        c.wait(lambda: any(l.endswith(" end") for l in a.out), 5.0, "the message")
        got = next(l for l in a.out if l.endswith(" end"))
        check(got == want, f"printed {got!r}, expected {want!r}")
        check(all(ord(ch) >= 0x20 for ch in got), "a control character was printed raw")
        c.quit_all()
    print("escapes: ok")


def test_identity(exe):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "id.key")
        bad = subprocess.run([exe, "peer", "--port", "0", "--rule", "nope", "--identity", path],
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        check(bad.returncode == 2 and not os.path.exists(path), "a refused run made a key file")
        with Cluster(exe) as c:
            a = c.start("--identity", path)
            check(any(l.endswith("new, saved in " + path) for l in a.out), f"banner {a.out}")
            check(os.stat(path).st_mode & 0o777 == 0o600, "the key file is not mode 0600")
            b = c.start()  # a key for this run only
            check(any(l.endswith("for this run only") for l in b.out), f"banner {b.out}")
            c.join(b, a)
            a.type("signed")
            c.wait(lambda: b.authors("signed"), 5.0, "the message")
            check(b.authors("signed") == [f"{a.address} [{a.key.hex()[:8]}]"],
                  f"printed {b.authors('signed')}")
            first = a.key
            c.quit_all()
        with Cluster(exe) as c:
            again = c.start("--identity", path)
            check(again.key == first, "the key changed between runs")
            check(any(l.endswith("from " + path) for l in again.out), f"banner {again.out}")
            c.quit_all()
        for content, why in ((b"not a key\n", "not a p2p key file"), (None, "cannot read")):
            target = path
            if content is None:
                target = d  # a folder
            else:
                with open(path, "wb") as f:
                    f.write(content)
            r = subprocess.run([exe, "peer", "--port", "0", "--identity", target],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
            err = r.stderr.decode().strip().splitlines()
            check(r.returncode == 2 and len(err) == 1 and why in err[0], f"{why}: {r} {err}")
    print("identity: ok")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--p2p", required=True, help="path to the p2p executable")
    ap.add_argument("case", choices=[*RULES, "hostile", "exits", "frozen", "escapes", "identity"])
    args = ap.parse_args()
    if args.case in RULES:
        test_deliver(args.p2p, args.case)
    else:
        {"hostile": test_hostile, "exits": test_exits, "frozen": test_frozen,
         "escapes": test_escapes, "identity": test_identity}[args.case](args.p2p)


if __name__ == "__main__":
    main()
