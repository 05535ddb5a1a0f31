"""Checks `p2p analyze` against networkx, the independent oracle, one named graph per run.

usage: networkx_oracle.py P2P_EXECUTABLE GRAPH_NAME WORK_DIR

Exact metrics must agree to 1e-9; sampled shortest paths within the tolerance stated below.
"""
import csv
import math
import os
import random
import subprocess
import sys
import warnings

import networkx as nx

warnings.simplefilter("ignore")  # networkx/scipy deprecation chatter
TOL = 1e-9


def random_tree(n, seed):
    rng = random.Random(seed)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((i, rng.randrange(i)) for i in range(1, n))
    return g


def disconnected():
    # Two equal largest components (the tie goes to the one holding the smallest id), a path,
    # isolated nodes, and a self-loop on a connected node.
    g = nx.Graph()
    g.add_nodes_from(range(26))
    g.add_edges_from(nx.relabel_nodes(nx.cycle_graph(6), lambda v: v + 3).edges())
    g.add_edges_from(nx.relabel_nodes(nx.complete_graph(6), lambda v: v + 12).edges())
    g.add_edges_from(nx.relabel_nodes(nx.path_graph(5), lambda v: v + 20).edges())
    g.add_edges_from([(0, 1), (1, 2)])
    return g, [(4, 4)]


def graph(name):
    """Returns (graph with nodes 0..n-1 inserted in order, extra self-loop lines, extra args)."""
    loops = []
    if name == "star":
        g = nx.star_graph(30)
    elif name == "path":
        g = nx.path_graph(200)
    elif name == "cycle":
        g = nx.cycle_graph(101)
    elif name == "complete":
        g = nx.complete_graph(15)
    elif name == "disconnected":
        g, loops = disconnected()
    elif name == "tree":
        g = random_tree(1500, 7)
    elif name == "karate":
        g = nx.Graph()
        g.add_nodes_from(range(34))
        g.add_edges_from(nx.karate_club_graph().edges())
    elif name == "erdos_renyi":
        g = nx.gnm_random_graph(3000, 6000, seed=11)  # mean degree 4: a giant component plus debris
    elif name == "barabasi_albert":
        g = nx.barabasi_albert_graph(3000, 3, seed=12)
    elif name == "grid":
        # Lattice-like: every node at many distinct distances from the sampled sources.
        g = nx.convert_node_labels_to_integers(nx.grid_2d_graph(55, 55), ordering="sorted")
    elif name == "watts_strogatz":
        g = nx.watts_strogatz_graph(3000, 6, 0.1, seed=13)
    else:
        raise SystemExit(f"unknown graph {name}")
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(g.nodes()))
    ordered.add_edges_from(g.edges())
    return ordered, loops


def write_edges(path, g, loops, rng):
    # Shuffled order and orientation, plus duplicates and self-loops that must be dropped.
    rows = [(u, v) if rng.random() < 0.5 else (v, u) for u, v in g.edges()]
    duplicates = rows[: len(rows) // 10]
    rows += [(v, u) for u, v in duplicates]
    # An isolated node can only be named by a self-loop.
    loops = loops + [(v, v) for v in sorted(nx.isolates(g))]
    rows += loops
    rng.shuffle(rows)
    with open(path, "w") as f:
        f.write("source,target\n")
        for u, v in rows:
            f.write(f"{u},{v}\n")
    return len(duplicates), len(loops)


def read_summary(out):
    with open(os.path.join(out, "summary.csv")) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["metric", "value"], rows[0]
    return {k: float(v) for k, v in rows[1:]}


def read_rows(out, name):
    with open(os.path.join(out, name)) as f:
        return list(csv.DictReader(f))


class Checker:
    def __init__(self, name):
        self.name = name
        self.failures = []

    def close(self, metric, got, want, tol=TOL):
        if got is None or not math.isclose(got, want, rel_tol=tol, abs_tol=tol):
            self.failures.append(f"{metric}: p2p {got!r} != networkx {want!r}")

    def equal(self, metric, got, want):
        if got != want:
            shown = lambda x: repr(x) if len(repr(x)) < 300 else repr(x)[:300] + "..."
            self.failures.append(f"{metric}: p2p {shown(got)} != networkx {shown(want)}")

    def absent(self, metric, summary):
        if metric in summary:
            self.failures.append(f"{metric}: present ({summary[metric]}) but undefined in networkx")


def distances(g):
    total = 0
    diameter = 0
    for v in g:
        lengths = nx.single_source_shortest_path_length(g, v)
        total += sum(lengths.values())
        diameter = max(diameter, max(lengths.values()))
    n = g.number_of_nodes()
    return total / (n * (n - 1)), diameter


def degree_removal_curve(g):
    """Largest component fraction at each 1% step, removing highest degree first (ties: lower id)."""
    n = g.number_of_nodes()
    order = sorted(g.nodes(), key=lambda v: (-g.degree(v), v))
    curve = []
    for step in range(101):
        removed = step * n // 100
        h = g.subgraph(order[removed:])
        curve.append(max((len(c) for c in nx.connected_components(h)), default=0) / n)
    return curve


def check(p2p, name, work):
    g, loops = graph(name)
    rng = random.Random(name)
    os.makedirs(work, exist_ok=True)
    edges_path = os.path.join(work, f"{name}.csv")
    out = os.path.join(work, f"{name}_out")
    duplicates, self_loops = write_edges(edges_path, g, loops, rng)
    subprocess.run([p2p, "analyze", edges_path, "--out", out, "--quiet"], check=True)
    s = read_summary(out)
    c = Checker(name)
    n = g.number_of_nodes()

    c.equal("nodes", s.get("nodes"), n)
    c.equal("edges", s.get("edges"), g.number_of_edges())
    c.equal("duplicate_edges_dropped", s.get("duplicate_edges_dropped"), duplicates)
    c.equal("self_loops_dropped", s.get("self_loops_dropped"), self_loops)
    degrees = [d for _, d in g.degree()]
    c.equal("min_degree", s.get("min_degree"), min(degrees))
    c.equal("max_degree", s.get("max_degree"), max(degrees))
    c.close("mean_degree", s.get("mean_degree"), sum(degrees) / n)
    histogram = nx.degree_histogram(g)
    c.equal("degree_distribution",
            [(int(r["degree"]), int(r["count"])) for r in read_rows(out, "degree_distribution.csv")],
            [(d, k) for d, k in enumerate(histogram) if k])

    c.close("average_clustering", s.get("average_clustering"), nx.average_clustering(g))
    c.close("transitivity", s.get("transitivity"), nx.transitivity(g))
    c.equal("triangles", s.get("triangles"), sum(nx.triangles(g).values()) // 3)

    components = list(nx.connected_components(g))
    largest = max(components, key=len)
    c.equal("components", s.get("components"), len(components))
    c.close("largest_component_fraction", s.get("largest_component_fraction"), len(largest) / n)
    c.equal("isolated_nodes", s.get("isolated_nodes"), nx.number_of_isolates(g))
    c.equal("bridges", s.get("bridges"), sum(1 for _ in nx.bridges(g)))
    articulation = set(nx.articulation_points(g))
    c.equal("articulation_points", s.get("articulation_points"), len(articulation))

    nodes = read_rows(out, "nodes.csv")
    c.equal("nodes.csv rows", [int(r["node"]) for r in nodes], list(range(n)))
    c.equal("nodes.csv degree", [int(r["degree"]) for r in nodes], [g.degree(v) for v in range(n)])
    local = nx.clustering(g)
    bad = [v for v in range(n) if not math.isclose(float(nodes[v]["clustering"]), local[v],
                                                    rel_tol=TOL, abs_tol=TOL)]
    c.equal("nodes.csv clustering mismatches", bad, [])
    core = nx.core_number(g)
    c.equal("nodes.csv core_number", [int(r["core_number"]) for r in nodes], [core[v] for v in range(n)])
    c.equal("nodes.csv articulation_point",
            {v for v in range(n) if nodes[v]["articulation_point"] == "1"}, articulation)
    # Same partition, numbered in order of each component's smallest node.
    by_min = sorted(components, key=min)
    want = [0] * n
    for i, comp in enumerate(by_min):
        for v in comp:
            want[v] = i
    c.equal("nodes.csv component", [int(r["component"]) for r in nodes], want)

    edges = [(int(r["source"]), int(r["target"])) for r in read_rows(out, "edges.csv")]
    c.equal("edges.csv", edges, sorted((min(u, v), max(u, v)) for u, v in g.edges()))

    r = nx.degree_assortativity_coefficient(g) if g.number_of_edges() else float("nan")
    if math.isnan(r):
        c.absent("degree_assortativity", s)
    else:
        c.close("degree_assortativity", s.get("degree_assortativity"), r)

    lcc = g.subgraph(largest).copy()
    if lcc.number_of_nodes() >= 2:
        mean, diameter = distances(lcc)
        c.close("mean_shortest_path", s.get("mean_shortest_path"), mean)
        c.equal("diameter", s.get("diameter"), diameter)
        c.absent("path_samples", s)
        want = nx.algebraic_connectivity(lcc, weight=None, tol=1e-12, method="tracemin_lu")
        c.close("algebraic_connectivity", s.get("algebraic_connectivity"), want)

        if n >= 1000:
            # Sampled paths: 200 of the sources; the mean of 200 per-source means is within 3%
            # (their spread is a few percent of the mean on these graphs), and the double-sweep
            # diameter is a lower bound at most 1 short.
            sampled = os.path.join(work, f"{name}_sampled")
            subprocess.run([p2p, "analyze", edges_path, "--out", sampled, "--quiet",
                            "--exact-paths-up-to", "100", "--path-samples", "200", "--no-spectral"],
                           check=True)
            t = read_summary(sampled)
            c.equal("sampled path_samples", t.get("path_samples"), 200)
            c.close("sampled mean_shortest_path", t.get("mean_shortest_path"), mean, tol=0.03)
            if not (diameter - 1 <= t.get("diameter", -1) <= diameter):
                c.failures.append(f"sampled diameter {t.get('diameter')} vs exact {diameter}")
            c.absent("algebraic_connectivity", t)

    resilience = read_rows(out, "resilience.csv")
    degree_rows = [x for x in resilience if x["strategy"] == "degree"]
    random_rows = [x for x in resilience if x["strategy"] == "random"]
    c.equal("resilience random rows", len(random_rows), 101)
    c.equal("resilience degree fractions", [float(x["fraction_removed"]) for x in degree_rows],
            [k / 100 for k in range(101)])
    if n <= 3000:
        curve = degree_removal_curve(g)
        got = [float(x["largest_component_fraction"]) for x in degree_rows]
        bad = [k for k in range(101) if not math.isclose(got[k], curve[k], abs_tol=TOL)]
        c.equal("resilience degree curve mismatches at steps", bad, [])

    if c.failures:
        print(f"{name}: {len(c.failures)} mismatches against networkx")
        for f in c.failures:
            print("  " + f)
        return 1
    print(f"{name}: every metric matches networkx")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    sys.exit(check(sys.argv[1], sys.argv[2], sys.argv[3]))
