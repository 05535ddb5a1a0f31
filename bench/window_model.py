#!/usr/bin/env python3
"""The model of one simulation sharded over R ranks in conservative windows (docs/distributed.md),
from the measured window statistics (bench/window_stats), the cost of a crossing event and of a
window's synchronisation (bench/mpi_crossing) and the time per event (docs/performance.md).

Per window, one process spends E t. R ranks, nodes dealt by index modulo R, spend

    T_R = b_R (E / R) (t + c x_R) + S

E events per window, t the time per event, b_R the busiest rank's load over an even split, x_R the
share of packets that cross ranks, c the cost of one crossing event (packed, exchanged, unpacked),
S the window's synchronisation. The gain is E t / T_R; `S for 2x` is the largest S that still
gives twice one process's speed. Prints the markdown tables the document shows.

Usage: window_model.py [--c-cluster US] [--s-cluster US]"""
import argparse

# bench/window_stats 100000 and 100000 0.1 (seed 1): per phase, (ranks: (crossing share, busiest
# rank factor)). The join phase's events per window do not depend on the size (48.4 at 100k,
# 49.3 at 1M); b and x are from 100k.
SPLIT = {
    "default join": {2: (0.5000, 1.146), 4: (0.7491, 1.401), 8: (0.8739, 1.866),
                     16: (0.9372, 2.729), 64: (0.9849, 7.669)},
    "high-rate join": {2: (0.4950, 1.108), 4: (0.7449, 1.311), 8: (0.8718, 1.702),
                       16: (0.9371, 2.465), 64: (0.9845, 7.077)},
    # `window_stats 100000 0.1 1 random`: newcomers join through a random live node.
    "high-rate join, random entry": {2: (0.5014, 1.015), 4: (0.7502, 1.039), 8: (0.8745, 1.079),
                                     16: (0.9377, 1.139), 64: (0.9847, 1.394)},
    "flood": {2: (0.4998, 1.003), 4: (0.7493, 1.010), 8: (0.8746, 1.022),
              16: (0.9375, 1.037), 64: (0.9846, 1.121)},
}
# Events per window: default and high-rate joins at 1M (random entry: at 100k); the flood at its
# median block at 1M.
EVENTS = {"default join": 49.3, "high-rate join": 4882.0,
          "high-rate join, random entry": 3823.5, "flood": 1_234_200.0}
# Time per event, microseconds: 1M and 10M nodes measured (docs/performance.md); 1 us assumed
# beyond, where cache misses dominate further.
T_1M, T_BIG = 0.56, 1.0
# This machine (2 ranks, shared memory), bench/mpi_crossing p2p exchange: c the median of three
# invocations at 2,500 events per rank pair, S at 0 events (when both ranks run / under load).
C_HERE, S_HERE_IDLE, S_HERE_LOADED = 0.455, 0.95, 16.8


def window_time(phase, ranks, t, c, s):
    x, b = SPLIT[phase][ranks]
    e = EVENTS[phase]
    return b * (e / ranks) * (t + c * x) + s


def s_for_2x(phase, ranks, t, c):
    x, b = SPLIT[phase][ranks]
    e = EVENTS[phase]
    return e * t / 2 - b * (e / ranks) * (t + c * x)


def independent_factor(events, ranks, windows, rng):
    """The busiest rank's load if a window's events fell on ranks independently and uniformly:
    what the measured b would be without hot spots (Monte Carlo over `windows` windows)."""
    total = 0
    for _ in range(windows):
        count = [0] * ranks
        for _ in range(events):
            count[rng.randrange(ranks)] += 1
        total += max(count)
    return total / windows / (events / ranks)


def fmt_us(us):
    if us >= 1e6:
        return f"{us / 1e6:.2f} s"
    if us >= 1e3:
        return f"{us / 1e3:.2f} ms"
    return f"{us:.1f} µs"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--c-cluster", type=float, default=0.1)
    p.add_argument("--s-cluster", type=float, default=10.0)
    a = p.parse_args()

    print("On this machine, 2 ranks on shared memory "
          f"(c = {C_HERE} µs, S = {S_HERE_IDLE} µs with both ranks running, "
          f"{S_HERE_LOADED} µs under load):\n")
    print("| phase (t) | E | one process | 2 ranks, S idle | 2 ranks, S loaded |")
    print("|---|---:|---:|---:|---:|")
    for phase in EVENTS:
        one = EVENTS[phase] * T_1M
        cells = []
        for s in (S_HERE_IDLE, S_HERE_LOADED):
            w = window_time(phase, 2, T_1M, C_HERE, s)
            cells.append(f"{fmt_us(w)} ({one / w:.2f}x)")
        print(f"| {phase}, 1M ({T_1M} µs) | {EVENTS[phase]:,.0f} | {fmt_us(one)} | "
              + " | ".join(cells) + " |")

    print(f"\nOn a cluster (c = {a.c_cluster} µs, S = {a.s_cluster} µs), gain over one process, "
          "and the largest S that still gives 2x:\n")
    ranks = (4, 8, 16, 64)
    print("| phase (t) | E | one process | " + " | ".join(f"{r} ranks" for r in ranks)
          + " | S for 2x on " + ", ".join(str(r) for r in ranks) + " |")
    print("|---|---:|---:|" + "---:|" * len(ranks) + "---|")
    for phase in EVENTS:
        # A flood's windows grow with the network (E in proportion to N): its 1M row stands for
        # every size.
        sizes = (("1M", T_1M),) if phase == "flood" else (("1M", T_1M), ("10^8-10^9", T_BIG))
        for label, t in sizes:
            one = EVENTS[phase] * t
            cells = []
            for r in ranks:
                w = window_time(phase, r, t, a.c_cluster, a.s_cluster)
                cells.append(f"{fmt_us(w)} ({one / w:.1f}x)")
            budget = ", ".join(
                "none" if s_for_2x(phase, r, t, a.c_cluster) <= 0
                else fmt_us(s_for_2x(phase, r, t, a.c_cluster)) for r in ranks)
            print(f"| {phase}, {label} ({t} µs) | {EVENTS[phase]:,.0f} | {fmt_us(one)} | "
                  + " | ".join(cells) + f" | {budget} |")

    import random
    rng = random.Random(1)
    print("\nThe busiest rank's load b, measured, against independent uniform deals of the same "
          "number of packets per window (no hot spot):\n")
    print("| phase | packets per window | " + " | ".join(f"{r} ranks" for r in SPLIT["flood"])
          + " |")
    print("|---|---:|" + "---:|" * len(SPLIT["flood"]))
    for phase, packets in (("default join", 48), ("high-rate join", 4447)):
        cells = [f"{SPLIT[phase][r][1]:.2f} / {independent_factor(packets, r, 400, rng):.2f}"
                 for r in SPLIT[phase]]
        print(f"| {phase} | {packets:,} | " + " | ".join(cells) + " |")

    # Whole runs beyond one machine: the join phase has one window per arrival interval of
    # 10 ms (default: N windows of E events; high rate: N / 100), the flood about 8 events per
    # node (8.05 M at 1M nodes, 80.0 M at 10M) over about 1,300 windows, at the flood's split.
    print(f"\nWhole runs (t = {T_BIG} µs, c = {a.c_cluster} µs, S = {a.s_cluster} µs; "
          "flood about 8 events per node):\n")
    print("| nodes | scenario | memory, one process | one process | ranks | sharded | gain |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for nodes, r, mem in ((10**8, 16, "~100 GiB"), (10**9, 64, "~1 TiB")):
        for scenario, phase, windows in (("default", "default join", nodes),
                                         ("high rate", "high-rate join", nodes / 100),
                                         ("high rate, random entry",
                                          "high-rate join, random entry", nodes / 100)):
            join_one = windows * EVENTS[phase] * T_BIG
            flood_one = 8 * nodes * T_BIG
            join_r = windows * window_time(phase, r, T_BIG, a.c_cluster, a.s_cluster)
            x, b = SPLIT["flood"][r]
            flood_r = 8 * nodes * b * (T_BIG + a.c_cluster * x) / r
            one, sharded = (join_one + flood_one) / 3.6e9, (join_r + flood_r) / 3.6e9
            print(f"| {nodes:.0e} | {scenario} | {mem} | {one:.1f} h | {r} | {sharded:.2f} h | "
                  f"{one / sharded:.1f}x |")


if __name__ == "__main__":
    main()
