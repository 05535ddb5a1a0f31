"""networkx timings of the kernels analysis_bench times, on a graph the bench wrote.

    build/bench/analysis_bench --nodes 100000 --write-edges /tmp/pa100k.csv
    python3 bench/analysis_networkx.py /tmp/pa100k.csv [--repeat 3] [--steps 101]

Prints the median CPU seconds of each kernel. The resilience curve is what networkx offers for
it: the largest component of the surviving subgraph at each step of one random removal order.
"""
import argparse
import random
import statistics
import time

import networkx as nx


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edges")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=101, help="points on the resilience curve")
    args = parser.parse_args()

    g = nx.Graph()
    with open(args.edges) as f:
        next(f)
        g.add_edges_from(tuple(map(int, line.split(","))) for line in f)
    n = g.number_of_nodes()
    print(f"graph: {n} nodes, {g.number_of_edges()} edges")

    def clustering():
        nx.clustering(g)
        nx.average_clustering(g)
        nx.transitivity(g)

    def components():
        max(nx.connected_components(g), key=len)

    order = list(g.nodes())
    random.Random(1).shuffle(order)

    def resilience_curve():
        for step in range(args.steps):
            removed = step * n // (args.steps - 1)
            rest = g.subgraph(order[removed:])
            max((len(c) for c in nx.connected_components(rest)), default=0)

    for name, fn in [("Clustering", clustering), ("Components", components),
                     ("ResilienceCurve", resilience_curve)]:
        print(f"{name}: {timed(fn, args.repeat) * 1000:.0f} ms (median CPU of {args.repeat})", flush=True)


if __name__ == "__main__":
    main()
