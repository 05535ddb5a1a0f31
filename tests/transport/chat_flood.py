#!/usr/bin/env python3
"""Chat-flood throughput of real peers: N `p2p peer` processes on 127.0.0.1 join one overlay,
then every sender types M messages at once; the clock stops when every peer has printed every
message from the others. Reports deliveries (printed `ORIGIN -> TEXT` lines) per second.
Keep senders x messages below the Node's seen-set capacity (4096 ids): past it, ids are
forgotten while copies are still in flight, and those copies are delivered and flooded again.

    chat_flood.py --p2p build/p2p [--peers 10] [--senders 10] [--messages 300] [--runs 3]
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_procs import Cluster, connected_without, graph_of  # noqa: E402


def one_run(exe, n, senders, messages, run):
    with Cluster(exe) as c:
        peers = [c.start("--quiet", "--seed", str(1000 * run + i)) for i in range(n)]
        for p in peers[1:]:
            c.join(p, peers[0])
        c.pump(0.5)
        adj = graph_of(c, peers)
        if not connected_without(adj, None):
            raise AssertionError("overlay not connected")
        links = sum(len(v) for v in adj.values()) // 2
        for p in peers:
            p.out.clear()
        start = time.monotonic()
        for k, s in enumerate(peers[:senders]):
            s.proc.stdin.write("".join(f"m{k}-{j}\n" for j in range(messages)).encode())
        expected = messages * (senders if senders <= n else n)
        per_peer = [expected - (messages if i < senders else 0) for i in range(n)]
        counted, scanned = [0] * n, [0] * n

        def done():  # counts only lines not seen before, so the driver keeps up with the peers
            for i, p in enumerate(peers):
                new = p.out[scanned[i]:]
                scanned[i] += len(new)
                counted[i] += sum(" -> m" in l for l in new)
            return all(got >= want for got, want in zip(counted, per_peer))

        c.wait(done, 120.0, "the flood")
        elapsed = time.monotonic() - start
        c.pump(0.3)
        for p, want in zip(peers, per_peer):
            got = sum(" -> m" in l for l in p.out)
            if got != want:
                raise AssertionError(f"{p.address} printed {got} messages, expected {want}")
        c.quit_all()
        total = sum(per_peer)
        return total / elapsed, elapsed, total, links


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--p2p", required=True)
    ap.add_argument("--peers", type=int, default=10)
    ap.add_argument("--senders", type=int, default=10)
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    rates = []
    for r in range(args.runs):
        rate, elapsed, total, links = one_run(os.path.abspath(args.p2p), args.peers,
                                              args.senders, args.messages, r)
        rates.append(rate)
        print(f"run {r}: {total} deliveries in {elapsed:.3f} s over {links} links: "
              f"{rate:,.0f} deliveries/s")
    print(f"median: {statistics.median(rates):,.0f} deliveries/s "
          f"({args.peers} peers, {args.senders} senders x {args.messages} messages)")


if __name__ == "__main__":
    main()
