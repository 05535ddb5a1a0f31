"""Small output folders that follow ARCHITECTURE.md's CSV contract, made with networkx from a
seed, so the plotting can be tested without the simulator.

The graph grows as the seed's blog describes: each newcomer asks for a few connections, and a
node with d connections accepts with probability 1/(d+1).
"""

import csv
import os
import random

import networkx as nx


def grown_graph(nodes, seed, want=3):
    rng = random.Random(seed)
    graph = nx.Graph()
    graph.add_node(0)
    for newcomer in range(1, nodes):
        graph.add_node(newcomer)
        links = 0
        tries = 0
        while links < min(want, newcomer) and tries < 200:
            tries += 1
            candidate = rng.randrange(newcomer)
            if graph.has_edge(newcomer, candidate):
                continue
            if rng.random() < 1.0 / (graph.degree(candidate) + 1):
                graph.add_edge(newcomer, candidate)
                links += 1
    return graph


def _write(path, header, rows):
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def _largest_fraction(graph, total):
    if graph.number_of_nodes() == 0:
        return 0.0
    return max(len(c) for c in nx.connected_components(graph)) / total


def run_folder(path, nodes=60, seed=1, with_timeseries=True, with_broadcasts=True):
    """A folder as `p2p sim` writes it, for a graph grown from `seed`."""
    os.makedirs(path, exist_ok=True)
    graph = grown_graph(nodes, seed)
    rng = random.Random(seed + 1000)
    degrees = dict(graph.degree())
    clustering = nx.clustering(graph)
    core = nx.core_number(graph)
    component = {}
    for index, part in enumerate(sorted(nx.connected_components(graph), key=min)):
        for v in part:
            component[v] = index
    _write(os.path.join(path, "edges.csv"), ["source", "target"],
           sorted((min(a, b), max(a, b)) for a, b in graph.edges))
    _write(os.path.join(path, "nodes.csv"), ["node", "degree", "clustering", "component", "core"],
           [(v, degrees[v], repr(clustering[v]), component[v], core[v]) for v in sorted(graph)])
    counts = {}
    for d in degrees.values():
        counts[d] = counts.get(d, 0) + 1
    _write(os.path.join(path, "degree_distribution.csv"), ["degree", "count"],
           sorted(counts.items()))
    summary = [
        ("nodes", graph.number_of_nodes()), ("edges", graph.number_of_edges()),
        ("min_degree", min(degrees.values())),
        ("mean_degree", repr(2 * graph.number_of_edges() / graph.number_of_nodes())),
        ("max_degree", max(degrees.values())),
        ("average_clustering", repr(nx.average_clustering(graph))),
        ("components", nx.number_connected_components(graph)),
        ("largest_component_fraction", repr(_largest_fraction(graph, nodes))),
        ("bridges", len(list(nx.bridges(graph)))),
        ("events", 10 * nodes), ("virtual_time_s", repr(nodes * 0.01)),
    ]
    _write(os.path.join(path, "summary.csv"), ["metric", "value"], summary)
    rows = []
    steps = [i / 20 for i in range(21)]
    runs = 5
    curves = []
    for _ in range(runs):
        order = sorted(graph)
        rng.shuffle(order)
        curves.append([_largest_fraction(graph.subgraph(order[round(f * nodes):]), nodes)
                       for f in steps])
    for i, f in enumerate(steps):
        values = [c[i] for c in curves]
        mean = sum(values) / runs
        std = (sum((v - mean) ** 2 for v in values) / (runs - 1)) ** 0.5
        rows.append(("random", repr(f), repr(mean), repr(std)))
    targeted = sorted(graph, key=lambda v: (-degrees[v], v))
    for f in steps:
        rest = graph.subgraph(targeted[round(f * nodes):])
        rows.append(("degree", repr(f), repr(_largest_fraction(rest, nodes)), ""))
    _write(os.path.join(path, "resilience.csv"),
           ["strategy", "fraction_removed", "largest_component_fraction",
            "largest_component_fraction_std"], rows)
    if with_timeseries:
        rows = []
        for k in range(1, nodes + 1, max(1, nodes // 30)):
            part = graph.subgraph(range(k))
            rows.append((repr(k * 0.01), k, part.number_of_edges(),
                         repr(2 * part.number_of_edges() / k),
                         repr(_largest_fraction(part, k)), nx.number_connected_components(part)))
        _write(os.path.join(path, "timeseries.csv"),
               ["time_s", "live_nodes", "edges", "mean_degree", "largest_component_fraction",
                "components"], rows)
    if with_broadcasts:
        rows = []
        for b in range(12):
            origin = rng.randrange(nodes)
            lengths = nx.single_source_shortest_path_length(graph, origin)
            rows.append((b, origin, repr(len(lengths) / nodes), 2 * graph.number_of_edges(),
                         max(lengths.values()), repr(max(lengths.values()) * 50.0 + rng.random())))
        _write(os.path.join(path, "broadcasts.csv"),
               ["broadcast", "origin", "coverage", "messages", "max_hops", "latency_ms"], rows)
    return path


def history_folder(path, nodes=40, seed=1):
    """A run with a record of links over time: the graph grows (each newcomer links to earlier
    nodes), the best-connected fifth leaves and the network splits, then each stranded piece
    links back to the largest one."""
    run_folder(path, nodes=nodes, seed=seed, with_timeseries=False, with_broadcasts=False)
    graph = grown_graph(nodes, seed)
    rng = random.Random(seed + 2000)
    links, joins = [], []
    for k in range(nodes):
        t = round(k * 0.01, 6)
        joins.append((repr(t), "join", k))
        links += [(repr(t), "add", j, k) for j in sorted(graph.neighbors(k)) if j < k]
    t = round(nodes * 0.01 + 0.1, 6)
    leaving = sorted(graph, key=lambda v: (-graph.degree(v), v))[1:nodes // 5 + 1]
    for v in leaving:
        links += [(repr(t), "remove", min(v, u), max(v, u)) for u in sorted(graph.neighbors(v))]
        joins.append((repr(t), "leave", v))
    left = graph.copy()
    left.remove_nodes_from(leaving)
    pieces = sorted(nx.connected_components(left), key=lambda c: (-len(c), min(c)))
    for i, piece in enumerate(pieces[1:]):
        a, b = rng.choice(sorted(piece)), rng.choice(sorted(pieces[0]))
        links.append((repr(round(t + 0.05 * (i + 1), 6)), "add", min(a, b), max(a, b)))
    _write(os.path.join(path, "link_events.csv"), ["time_s", "event", "source", "target"], links)
    _write(os.path.join(path, "node_events.csv"), ["time_s", "event", "node"], joins)
    return path, len(pieces)


def compare_folder(path, seeds=5, rules=("inverse_degree", "random_walk")):
    """A folder as `p2p compare` writes it: runs.csv (wide) and comparison.csv, the rules in
    the order given (as --rules gives them)."""
    os.makedirs(path, exist_ok=True)
    metrics = ["mean_degree", "average_clustering", "largest_component_fraction", "diameter"]
    runs = []
    for index, rule in enumerate(rules):
        want = 3 - index % 2
        for seed in range(1, seeds + 1):
            graph = grown_graph(40, seed * 7 + want + 10 * index, want)
            runs.append((rule, seed, 2 * graph.number_of_edges() / 40,
                         nx.average_clustering(graph), _largest_fraction(graph, 40),
                         nx.diameter(graph) if nx.is_connected(graph) else float("nan")))
    _write(os.path.join(path, "runs.csv"), ["rule", "seed", *metrics],
           [(r[0], r[1], *[repr(v) for v in r[2:]]) for r in runs])
    rows = []
    for rule in rules:
        for i, metric in enumerate(metrics):
            values = [r[2 + i] for r in runs if r[0] == rule]
            mean = sum(values) / len(values)
            std = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
            half = 2.776 * std / len(values) ** 0.5
            rows.append((rule, metric, len(values), repr(mean), repr(std), repr(mean - half),
                         repr(mean + half)))
    _write(os.path.join(path, "comparison.csv"),
           ["rule", "metric", "runs", "mean", "stddev", "ci95_low", "ci95_high"], rows)
    return path


def sweep_folder(path, sizes=(30, 60), seeds=3, rules=("inverse_degree", "random_walk")):
    """A size sweep assembled by hand: runs.csv alone, one row per (rule, nodes, seed), the
    swept parameters before `seed` as `p2p run` writes them. Returns the rows as dicts."""
    os.makedirs(path, exist_ok=True)
    rows = []
    for index, rule in enumerate(rules):
        for nodes in sizes:
            for seed in range(1, seeds + 1):
                graph = grown_graph(nodes, seed * 13 + nodes + index, want=3 - index)
                degrees = [d for _, d in graph.degree()]
                rows.append({"rule": rule, "nodes": nodes, "seed": seed,
                             "measured_nodes": nodes,
                             "mean_degree": 2 * graph.number_of_edges() / nodes,
                             "max_degree": max(degrees),
                             "average_clustering": nx.average_clustering(graph)})
    header = list(rows[0])
    _write(os.path.join(path, "runs.csv"), header,
           [[repr(r[c]) if isinstance(r[c], float) else r[c] for c in header] for r in rows])
    return rows


if __name__ == "__main__":
    import sys

    run_folder(sys.argv[1], nodes=int(sys.argv[2]) if len(sys.argv) > 2 else 60)
    if len(sys.argv) > 3:
        compare_folder(sys.argv[3])
