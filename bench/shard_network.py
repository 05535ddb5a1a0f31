#!/usr/bin/env python3
"""One run split over MPI ranks against the same run in one process (docs/scaling.md).

    python3 bench/shard_network.py build/p2p NODES [--interval MS] [--ranks R] [--repeats K]
                                   [--pin CORE|none]

Runs `p2p sim` (pinned to one core, or not with --pin none) and `mpirun -np R p2p sim --shard-network` alternately K
times with the same seed and flags, checks that both write the same summary.csv, and prints the
median (and range) of each one's simulation wall time and CPU time (rank 0's), from the lines p2p
prints, and the ratio of the wall times, with the windows, the events per window and rank 0's
exchange time per window (which includes waiting for the other ranks)."""
import argparse
import filecmp
import os
import re
import statistics
import subprocess
import sys
import tempfile


def env():
    e = dict(os.environ)
    e.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    e.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    e.setdefault("OMPI_MCA_btl", "self,vader,tcp")
    e.setdefault("OMPI_MCA_btl_tcp_if_include", "lo")
    e.setdefault("OMPI_MCA_oob_tcp_if_include", "lo")
    e.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
    # A rank waiting for the others yields its core rather than spin: on a machine shared with
    # other work (or with fewer cores than ranks) spinning takes the core from the rank it waits
    # for.
    e.setdefault("OMPI_MCA_mpi_yield_when_idle", "1")
    return e


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env())
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr}")
    m = re.search(r"simulated (\d+) events in ([0-9.e+-]+) s", r.stderr)
    split = re.search(r"split over \d+ ranks: (\d+) windows; rank 0 sent (\d+) bytes and spent "
                      r"([0-9.e+-]+) s in exchanges \(([0-9.e+-]+) s of CPU time\)", r.stderr)
    cpu = re.search(r"simulation CPU time ([0-9.e+-]+) s", r.stderr)
    out = {"events": int(m.group(1)), "seconds": float(m.group(2)), "cpu": float(cpu.group(1))}
    if split:
        out.update(windows=int(split.group(1)), bytes=int(split.group(2)),
                   exchange=float(split.group(3)), exchange_cpu=float(split.group(4)))
    return out


def summary(xs):
    return f"{statistics.median(xs):.3f} ({min(xs):.3f}-{max(xs):.3f})"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("p2p")
    p.add_argument("nodes")
    p.add_argument("--interval", default="0.1", help="milliseconds between arrivals")
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", default="1")
    p.add_argument("--pin", default="1",
                   help="the core the serial run is pinned to, or 'none' to let it float as the "
                        "ranks do (fairer when other work crowds one core)")
    a = p.parse_args()
    flags = ["sim", "-n", a.nodes, "-s", a.seed, "--arrival-interval", a.interval,
             "--resilience-runs", "1", "--no-paths", "--no-spectral"]
    serial, split = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(a.repeats):
            one, many = os.path.join(tmp, f"one{k}"), os.path.join(tmp, f"many{k}")
            pin = [] if a.pin == "none" else ["taskset", "-c", a.pin]
            serial.append(run([*pin, a.p2p, *flags, "-o", one]))
            split.append(run(["mpirun", "-np", str(a.ranks), "--oversubscribe", "--bind-to",
                              "none", a.p2p, *flags,
                              "--shard-network", "-o", many]))
            if not filecmp.cmp(os.path.join(one, "summary.csv"),
                               os.path.join(many, "summary.csv"), shallow=False):
                sys.exit("the split run's summary.csv differs from the serial run's")
    s = [r["seconds"] for r in serial]
    m = [r["seconds"] for r in split]
    w = split[0]["windows"]
    ex = [r["exchange"] for r in split]
    print(f"nodes {a.nodes}, arrival interval {a.interval} ms, {a.ranks} ranks, "
          f"{a.repeats} repeats (median, least-most)")
    print(f"events {serial[0]['events']}, windows {w}, events per window "
          f"{serial[0]['events'] / w:.0f}")
    print(f"serial simulation s: {summary(s)}")
    print(f"split simulation s:  {summary(m)}")
    print(f"serial CPU s: {summary([r['cpu'] for r in serial])}; rank 0's CPU s: "
          f"{summary([r['cpu'] for r in split])}")
    print(f"speed-up (serial / split, medians): {statistics.median(s) / statistics.median(m):.2f}")
    print(f"rank 0 CPU s in exchanges: {summary([r['exchange_cpu'] for r in split])}")
    print(f"rank 0 exchange s: {summary(ex)}; per window us: "
          f"{1e6 * statistics.median(ex) / w:.1f}; bytes sent by rank 0 per window: "
          f"{split[0]['bytes'] / w:.0f}")


if __name__ == "__main__":
    main()
