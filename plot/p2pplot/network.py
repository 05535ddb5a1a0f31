"""A drawing of a small overlay: nodes coloured and sized by degree, the entry node marked,
bridges (edges whose loss splits the network) drawn thick and red.

The layout is seeded and built from nodes and edges in sorted order, so the same folder always
gives the same picture whatever the row order of its files.
"""

import numpy as np
import matplotlib.pyplot as plt
from matplotlib import colors
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .folder import MalformedFile, MissingFile

# networkx is imported by the functions that build graphs: a run too large to draw never pays
# for importing it.

BRIDGE_COLOUR = "#D55E00"
ENTRY_COLOUR = "#CC0000"
EDGE_COLOUR = "0.55"


def load_graph(folder):
    """The undirected graph of edges.csv, with any node listed only in nodes.csv (an isolated
    node) added."""
    import networkx as nx
    try:
        edges = folder.table("edges.csv", ("source", "target"))
        pairs = sorted({(min(_id(s), _id(t)), max(_id(s), _id(t)))
                        for s, t in zip(edges["source"], edges["target"]) if s != t})
    except MissingFile:
        if not folder.has("edges.csv"):
            raise
        pairs = []  # a header and no rows: nodes without links (an early snapshot, say)
    graph = nx.Graph()
    if folder.has("nodes.csv"):
        try:
            nodes = folder.table("nodes.csv", ("node",))
            graph.add_nodes_from(sorted(_id(n) for n in nodes["node"]))
        except MissingFile:
            pass
    graph.add_nodes_from(sorted({n for pair in pairs for n in pair}))
    graph.add_edges_from(pairs)
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(graph.nodes))
    ordered.add_edges_from(sorted(graph.edges))
    return ordered


def _id(value):
    """A node id as the graph keys it: an int for the simulator's indices, else the name."""
    return value if isinstance(value, str) else int(value)


def node_count(folder):
    """Nodes in the graph, counted from the tables without building it, so a large run is
    turned away before it costs a graph object."""
    try:
        edges = folder.table("edges.csv", ("source", "target"))
        ids = np.union1d(edges["source"].to_numpy(), edges["target"].to_numpy())
    except MissingFile:
        if not folder.has("edges.csv"):
            raise
        ids = np.array([], dtype=np.int64)
    if folder.has("nodes.csv"):
        try:
            ids = np.union1d(ids, folder.table("nodes.csv", ("node",))["node"].to_numpy())
        except MissingFile:
            pass
    return len(ids)


def check_drawable(folder, limit):
    n = node_count(folder)
    if n > limit:
        raise MissingFile(f"{n} nodes is more than --draw-limit {limit}")


def entry_node(folder, graph, requested):
    """The node newcomers join through: --entry if given, else an `entry` column in nodes.csv,
    else node 0 for a simulation's folder (the simulator's entry), else none."""
    if requested is not None:
        if requested == "none":
            return None
        node = requested
        if not any(isinstance(v, str) for v in graph.nodes):
            try:
                node = int(requested)
            except ValueError:
                raise MalformedFile(f"--entry {requested}: not a node id") from None
        if node not in graph:
            raise MalformedFile(f"--entry {node}: no such node in {folder.file('edges.csv')}")
        return node
    if folder.has("nodes.csv"):
        nodes = folder.table("nodes.csv", ("node",))
        if "entry" in nodes.columns:
            marked = nodes[nodes["entry"].astype(str).str.lower().isin(["1", "true", "yes"])]
            if not marked.empty:
                return _id(marked["node"].iloc[0])
    summary = folder.summary()
    if "entry_node" in summary:
        return int(summary["entry_node"])
    simulated = any(k in summary for k in ("events", "virtual_time_s", "join_requests_sent"))
    return 0 if simulated and 0 in graph else None


def layout(graph, seed=7):
    import networkx as nx
    if graph.number_of_nodes() == 0:
        return {}
    parts = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    if len(parts) == 1 or len(parts[0]) < 3:
        n = graph.number_of_nodes()
        positions = nx.spring_layout(graph, seed=seed, iterations=150, k=1.6 / np.sqrt(n))
        return {node: (float(x), float(y)) for node, (x, y) in positions.items()}
    # Pieces repel without bound: laid out together, a few stray nodes push the main piece into
    # a blot in the middle. The largest piece is laid out alone; the others sit on a ring around
    # it, each piece's nodes side by side, in order of their smallest node.
    main = graph.subgraph(sorted(parts[0]))
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(main.nodes))
    ordered.add_edges_from(sorted(main.edges))
    positions = nx.spring_layout(ordered, seed=seed, iterations=150,
                                 k=1.6 / np.sqrt(len(parts[0])))
    result = {node: (float(x), float(y)) for node, (x, y) in positions.items()}
    rest = [v for part in sorted(parts[1:], key=min) for v in sorted(part)]
    for index, node in enumerate(rest):
        angle = 2 * np.pi * (index + 0.5) / len(rest) + np.pi / 2
        result[node] = (1.2 * float(np.cos(angle)), 1.2 * float(np.sin(angle)))
    return result


def bridge_set(graph):
    import networkx as nx
    return {tuple(sorted(e)) for e in nx.bridges(graph)}


def draw(axes, graph, positions, entry=None, bridges=(), degree_norm=None, node_colours=None,
         highlight=()):
    """Draws `graph` at `positions` onto `axes` and returns the node scatter (for a colour bar).

    node_colours, when given, overrides degree colouring (e.g. one colour per component)."""
    degrees = dict(graph.degree())
    nodes = sorted(graph.nodes)
    normal = [e for e in graph.edges if tuple(sorted(e)) not in bridges]
    broken = [e for e in graph.edges if tuple(sorted(e)) in bridges]
    width = 0.8 if graph.number_of_nodes() < 150 else 0.5
    if normal:
        axes.add_collection(LineCollection([(positions[a], positions[b]) for a, b in normal],
                                           colors=EDGE_COLOUR, linewidths=width, alpha=0.6,
                                           zorder=1))
    if broken:
        axes.add_collection(LineCollection([(positions[a], positions[b]) for a, b in broken],
                                           colors=BRIDGE_COLOUR, linewidths=2.6, zorder=2))
    scatter = None
    if nodes:
        xy = np.array([positions[n] for n in nodes])
        deg = np.array([degrees[n] for n in nodes], dtype=float)
        scale = 900.0 / max(60, len(nodes))
        sizes = scale * (4 + 2.5 * deg)
        if node_colours is not None:
            scatter = axes.scatter(xy[:, 0], xy[:, 1], s=sizes,
                                   c=[node_colours[n] for n in nodes], edgecolors="white",
                                   linewidths=0.5, zorder=3)
        else:
            norm = degree_norm or colors.Normalize(vmin=0, vmax=max(1.0, deg.max()))
            scatter = axes.scatter(xy[:, 0], xy[:, 1], s=sizes, c=deg, cmap="viridis", norm=norm,
                                   edgecolors="white", linewidths=0.5, zorder=3)
        ring = [n for n in highlight if n in graph]
        if ring:
            hxy = np.array([positions[n] for n in ring])
            axes.scatter(hxy[:, 0], hxy[:, 1], s=scale * 40, facecolors="none",
                         edgecolors="black", linewidths=1.5, zorder=4)
        if entry is not None and entry in graph:
            ex, ey = positions[entry]
            axes.scatter([ex], [ey], s=scale * 55, marker="*", color=ENTRY_COLOUR,
                         edgecolors="black", linewidths=0.8, zorder=5)
    axes.set_aspect("equal")
    axes.set_axis_off()
    return scatter


def legend_handles(entry, bridges):
    handles = [Line2D([0], [0], color=EDGE_COLOUR, linewidth=1, label="connection")]
    if bridges:
        handles.append(Line2D([0], [0], color=BRIDGE_COLOUR, linewidth=2.6,
                              label="bridge (its loss splits the network)"))
    if entry is not None:
        handles.append(Line2D([0], [0], marker="*", color="white", markerfacecolor=ENTRY_COLOUR,
                              markeredgecolor="black", markersize=14,
                              label=f"entry node ({entry})"))
    return handles


def frame_limits(axes, positions):
    xy = np.array(list(positions.values())) if positions else np.zeros((1, 2))
    pad = 0.08 * max(1e-9, float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])))
    axes.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
    axes.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad)


def network_drawing(folder, writer, limit, requested_entry=None):
    # A network too large to draw is turned away before a figure (or networkx) is made.
    check_drawable(folder, limit)
    figure, axes = plt.subplots(figsize=(8.5, 7.5))
    draw_overlay(figure, axes, folder, limit, requested_entry)
    writer.save(figure, "network")


def draw_overlay(figure, axes, folder, limit, requested_entry=None, legend_columns=3,
                 short=False):
    """The overlay of `folder` on `axes`, with its degree colour bar and key."""
    check_drawable(folder, limit)
    import networkx as nx
    graph = load_graph(folder)
    n = graph.number_of_nodes()
    if n == 0:
        raise MissingFile("edges.csv has no edges and nodes.csv no nodes")
    if n > limit:
        raise MissingFile(f"{n} nodes is more than --draw-limit {limit}")
    entry = entry_node(folder, graph, requested_entry)
    bridges = bridge_set(graph)
    positions = layout(graph)
    scatter = draw(axes, graph, positions, entry=entry, bridges=bridges)
    frame_limits(axes, positions)
    bar = figure.colorbar(scatter, ax=axes, shrink=0.7, pad=0.02)
    bar.set_label("degree (connections per node; size too)")
    bar.locator = MaxNLocator(integer=True)  # degrees are whole numbers
    bar.update_ticks()
    components = nx.number_connected_components(graph)
    bridge_words = f"{len(bridges)} bridge{'s' if len(bridges) != 1 else ''}"
    if short:
        axes.set_title(f"The overlay: {n} nodes, {bridge_words}")
    else:
        axes.set_title(f"The overlay: {n} nodes, {graph.number_of_edges()} connections, "
                       f"{bridge_words}, {components} component{'s' if components != 1 else ''}")
    # Below the drawing, where it can hide no node.
    axes.legend(handles=legend_handles(entry, bridges), loc="upper center",
                bbox_to_anchor=(0.5, 0.0), ncol=legend_columns, frameon=False)


def component_colours(graph, palette):
    """One colour per connected component: the largest gets the first colour; ties and order by
    the smallest node id, so colours are stable."""
    import networkx as nx
    parts = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    result = {}
    for index, part in enumerate(parts):
        for node in part:
            result[node] = palette[index % len(palette)]
    return result, len(parts)

