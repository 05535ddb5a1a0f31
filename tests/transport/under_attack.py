#!/usr/bin/env python3
"""A real `p2p peer` under load on 127.0.0.0/8, with the figures the limits are judged by. Every
loop is bounded in count and time; attackers bind their own loopback addresses (127.0.0.x).

  non_reading  100 raw neighbours become links (a JOIN_ACK each) and never read, while one more
               floods 60 KB chat messages with fresh ids. Prints the peer's peak RSS (VmHWM) and
               fails above --rss-mb (default 64).
  lockout      600 silent connections, each closed and reopened 9 s after it was opened (just
               under the 10 s wait for a first packet), hold the peer's inbound slots; a newcomer
               must still get a link. Prints how long it took.
  heavy_chat   four peers each type 3000 lines at once. Fails if any link is dropped by the
               transport (queue overflow, memory budget, stalled write); prints the duplicate lines
               printed. With --strict (as ctest runs it) it also fails on any duplicate: the
               protocol's seen set keeps ids for a time to live, so each line prints once.

    under_attack.py --p2p build/p2p CASE [--rss-mb N] [--strict] [--no-keep-alives]
"""
import argparse
import os
import select
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_procs import Cluster  # noqa: E402

DROPS = ("write queue over", "write memory budget", "timed out writing")
KEEP_ALIVE = b"\x00\x00\x00\x01\x02"  # length 1, then the wire version (2)


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def packet(type_, origin_port, id_, text=b""):
    """A version-2 frame: type, hops, origin 127.0.0.1:origin_port, id, text, then ref, degree,
    flags, an empty address list, no rule tag and an empty rule body."""
    origin = bytes(10) + b"\xff\xff" + bytes([127, 0, 0, 1]) + struct.pack("<H", origin_port)
    body = bytes([1, type_, 0]) + origin + struct.pack("<Q", id_) + struct.pack("<I", len(text))
    body = bytes([2]) + body + text + bytes(8 + 4 + 1 + 1 + 2 + 4)
    return struct.pack(">I", len(body)) + body


def port_of(peer):
    return int(peer.address.rsplit(":", 1)[1])


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def test_non_reading(exe, rss_mb, keep_alives=True, peer_args=()):
    with Cluster(exe) as c:
        target = c.start("--seed", "1", *peer_args)
        port = port_of(target)
        sinks = []
        for i in range(100):
            s = socket.create_connection(("127.0.0.1", port), timeout=5,
                                         source_address=(f"127.0.1.{1 + i}", 0))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(packet(2, 20000 + i, 1 + i))  # JOIN_ACK: the seed rule keeps it as a link
            sinks.append(s)
        c.wait(lambda: sum("link up" in l for l in target.err) >= 100, 10.0, "100 links")
        feeder = socket.create_connection(("127.0.0.1", port), timeout=20,
                                          source_address=("127.0.2.1", 0))
        feeder.sendall(packet(2, 30000, 999))
        stop = threading.Event()

        def drain():  # the feeder reads what is flooded back to it, as an honest link would
            while not stop.is_set():
                ready, _, _ = select.select([feeder], [], [], 0.2)
                try:
                    if ready and not feeder.recv(1 << 16):
                        return
                except OSError:
                    return
        t = threading.Thread(target=drain)
        t.start()

        def pump():  # the peer prints every message: keep its output pipes flowing meanwhile
            last = 0.0
            while not stop.is_set():
                c.pump(0.05)
                if keep_alives and time.monotonic() - last > 1.0:  # the sinks stay alive: they never read, but
                    last = time.monotonic()        # they send keep-alives, as a smart attacker would
                    for s in sinks:
                        try:
                            s.send(KEEP_ALIVE)
                        except OSError:
                            pass
        tp = threading.Thread(target=pump)
        tp.start()
        text = b"x" * 60000
        start = time.monotonic()
        sent = 0
        try:
            for i in range(1500):
                if time.monotonic() - start > 60:
                    break
                try:
                    feeder.sendall(packet(0, 30000, 10**6 + i, text))
                except OSError as e:  # the peer stopped reading us, or dropped us
                    print(f"non_reading: feeder stopped after {sent} messages: {e}")
                    break
                sent += 1
        finally:
            time.sleep(1.0)
            peak = rss_kb(target.proc.pid, "VmHWM")
            stop.set()
            t.join()
            tp.join()
        reasons = {}
        for l in target.err:
            if " closed: " in l:
                why = l.split(" closed: ", 1)[1].split(" (")[0]
                reasons[why] = reasons.get(why, 0) + 1
        dropped = sum(n for why, n in reasons.items() if any(d in why for d in DROPS))
        if os.environ.get("UNDER_ATTACK_VERBOSE"):
            print("\n".join(target.err[-20:]))
        check(target.proc.poll() is None, "the peer died")
        for s in sinks:
            s.close()
        feeder.close()
    mb = peak / 1024
    print(f"non_reading: {sent} messages of 60 KB into a peer with 100 non-reading links: "
          f"peak RSS {mb:.1f} MB; {dropped} links dropped as not reading; closes: {reasons}")
    check(mb <= rss_mb, f"peak RSS {mb:.1f} MB over {rss_mb} MB")
    print("non_reading: ok")


def test_lockout(exe):
    with Cluster(exe) as c:
        target = c.start("--seed", "1")
        port = port_of(target)
        stop = threading.Event()
        opened = [0]

        def attack():
            conns = []  # (socket, opened at)

            def open_one():
                s = socket.socket()
                s.setblocking(False)
                s.bind(("127.0.0.70", 0))
                try:
                    s.connect(("127.0.0.1", port))
                except BlockingIOError:
                    pass
                opened[0] += 1
                return (s, time.monotonic())
            for _ in range(600):
                conns.append(open_one())
            deadline = time.monotonic() + 40
            while not stop.is_set() and time.monotonic() < deadline:
                now = time.monotonic()
                for k, (s, t0) in enumerate(conns):
                    if now - t0 >= 9.0:
                        s.close()
                        conns[k] = open_one()
                time.sleep(0.05)
            for s, _ in conns:
                s.close()
        t = threading.Thread(target=attack)
        t.start()
        try:
            c.pump(10.0)  # the attack settles in: every slot held, reopened before it times out
            full = [l for l in target.err if "evicting" in l or "refused connection" in l]
            check(full, "the attack never filled the inbound slots")
            newcomer = c.start("--seed", "2", "--quiet")
            start = time.monotonic()
            c.join(newcomer, target, attempts=8)
            took = time.monotonic() - start
        finally:
            stop.set()
            t.join()
        check(target.proc.poll() is None, "the peer died")
        evicted = sum("evicting" in l for l in target.err)
    print(f"lockout: newcomer linked {took:.2f} s after its first connect while 600 connections "
          f"reopened every 9 s ({opened[0]} opened in all, {evicted} evicted)")
    print("lockout: ok")


def test_heavy_chat(exe, strict):
    senders, lines = 4, 3000
    with Cluster(exe) as c:
        peers = [c.start("--seed", str(i + 1)) for i in range(senders)]
        for p in peers[1:]:
            c.join(p, peers[0])
        c.pump(0.5)
        for p in peers:
            p.out.clear()
            p.err.clear()
        for k, p in enumerate(peers):
            p.proc.stdin.write("".join(f"h{k}-{j}\n" for j in range(lines)).encode())
        want = lines * (senders - 1)
        start = time.monotonic()

        def distinct(p):
            return len({l for l in p.out if " -> h" in l})
        c.wait(lambda: all(distinct(p) >= want for p in peers), 120.0, "every line everywhere")
        elapsed = time.monotonic() - start
        c.pump(2.0)  # late copies
        printed = [sum(" -> h" in l for l in p.out) for p in peers]
        duplicates = [n - want for n in printed]
        # Any close the transport decided on an honest link is a failure here.
        mine = DROPS + ("silent too long", "misbehaving", "evicting", "not dialling")
        drops = [l for p in peers for l in p.err if any(d in l for d in mine)]
        for p in peers:
            if p.proc.poll() is None:
                p.proc.kill()
    print(f"heavy_chat: {senders} peers x {lines} lines: all delivered in {elapsed:.1f} s; "
          f"duplicate lines printed per peer {duplicates}; links dropped by the transport "
          f"{len(drops)}")
    check(not drops, f"honest links dropped: {drops[:3]}")
    if strict:
        check(sum(duplicates) == 0, f"duplicates printed: {duplicates}")
    print("heavy_chat: ok" + ("" if strict else " (duplicates not judged; see --strict)"))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--p2p", required=True)
    ap.add_argument("case", choices=["non_reading", "lockout", "heavy_chat"])
    ap.add_argument("--rss-mb", type=float, default=64.0)
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--no-keep-alives", action="store_true",
                    help="non_reading: the sinks send no keep-alives (for builds before them)")
    ap.add_argument("--peer-arg", action="append", default=[],
                    help="non_reading: a flag for the peer under test (repeat for more)")
    args = ap.parse_args()
    exe = os.path.abspath(args.p2p)
    if args.case == "non_reading":
        test_non_reading(exe, args.rss_mb, not args.no_keep_alives, args.peer_arg)
    elif args.case == "lockout":
        test_lockout(exe)
    else:
        test_heavy_chat(exe, args.strict)


if __name__ == "__main__":
    main()
