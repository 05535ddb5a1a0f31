"""An animated GIF of a small overlay growing, losing nodes, splitting apart and healing.

When the folder has a record of links over time (link_events.csv: time_s,event,source,target,
event being add or remove; optionally node_events.csv: time_s,event,node with join or leave), the
animation replays it exactly, each connected piece in its own colour. Failing that, the
snapshots/t=SECONDS folders `p2p sim` writes for a scenario's [snapshots] are replayed, one
frame each. Otherwise the folder holds
the final graph only, and the growth is rebuilt from it: node ids are
arrival order (the simulator numbers nodes as they join), and frame k shows the first k nodes with
the connections among them. That shows every connection as soon as both ends exist, which the
real run did not quite do: links made later between old nodes appear early. The loss phase is
exact for the final graph: nodes are removed (highest degree first, or in a seeded random order;
the entry node too when its turn comes) until a second piece holds a tenth of what is left, and
each piece gets its own colour.
"""

import math
import os

import networkx as nx
import numpy as np
import matplotlib.pyplot as plt
from matplotlib import colormaps, colors
from PIL import Image

from . import network
from .folder import MalformedFile, MissingFile, OutputFolder
from .style import PALETTE

FRAME_INCHES = 5.6
FRAME_DPI = 100
GROWTH_FRAMES = 36
LOSS_FRAMES = 20
STEP_MS = 180
HOLD_MS = 1800


def animate(folder, path, limit, requested_entry=None, removal="degree", seed=1):
    if folder.has("link_events.csv"):
        return replay(folder, path, limit, requested_entry)
    if snapshot_folders(folder):
        return replay(folder, path, limit, requested_entry, snapshots=True)
    network.check_drawable(folder, limit)
    graph = network.load_graph(folder)
    n = graph.number_of_nodes()
    if n < 2:
        raise MissingFile("edges.csv has fewer than two nodes to animate")
    if n > limit:
        raise MissingFile(f"{n} nodes is more than --draw-limit {limit}")
    if removal not in ("degree", "random"):
        raise MalformedFile(f"--animate-removal {removal}: expected degree or random")
    entry = network.entry_node(folder, graph, requested_entry)
    positions = network.layout(graph)
    norm = colors.Normalize(vmin=0, vmax=max(1, max(d for _, d in graph.degree())))
    order = sorted(graph.nodes)
    frames, durations = [], []

    def add(figure, duration):
        frames.append(_to_image(figure))
        durations.append(duration)
        plt.close(figure)

    # Growth: the network as each newcomer arrives.
    counts = _steps(n, GROWTH_FRAMES)
    for step, k in enumerate(counts):
        present = graph.subgraph(order[:k])
        newest = order[counts[step - 1]:k] if step > 0 else order[:k]
        last = k == n
        bridges = network.bridge_set(present) if last else set()
        title = (f"Grown: {n} nodes, {graph.number_of_edges()} connections"
                 if last else f"Joining: {k} of {n} nodes")
        add(_frame(present, positions, entry, bridges, norm, title,
                   "bridges in orange" if last and bridges else "newcomer ringed",
                   highlight=() if last else newest), HOLD_MS if last else STEP_MS)

    # Loss: remove nodes until the network has visibly split (a second piece holds a tenth of
    # what is left) or half of it is gone.
    victims = removal_order(graph, removal, seed)
    most = max(1, min(len(victims), n // 2))
    per_frame = max(1, math.ceil(most / LOSS_FRAMES))
    removed = []
    while len(removed) < most:
        removed.extend(victims[len(removed):min(most, len(removed) + per_frame)])
        left = graph.copy()
        left.remove_nodes_from(removed)
        node_colours, pieces = network.component_colours(left, PALETTE[:-1])
        sizes = sorted((len(c) for c in nx.connected_components(left)), reverse=True)
        split = len(sizes) > 1 and sizes[1] >= 0.1 * left.number_of_nodes()
        done = split or len(removed) >= most
        title = loss_title(removal, len(removed), n)
        note = (f"{pieces} piece{'s' if pieces != 1 else ''}; the largest holds "
                f"{sizes[0] / n:.0%} of all nodes" if sizes else "no nodes left")
        add(_frame(left, positions, entry, set(), norm, title, note, node_colours=node_colours,
                   removed=[positions[v] for v in removed]), HOLD_MS * 2 if done else STEP_MS * 2)
        if done:
            break
    _save(frames, durations, path)
    return path


def removal_order(graph, removal, seed=1):
    """The order the loss phase removes nodes in: highest degree first (ties: lowest id) or a
    seeded random order. The entry is removed like any other node when its turn comes: the
    title promises the highest degree first, and the entry is usually the highest of all."""
    if removal == "degree":
        return sorted(graph.nodes, key=lambda v: (-graph.degree(v), v))
    return [int(v) for v in np.random.default_rng(seed).permutation(sorted(graph.nodes))]


def loss_title(removal, gone, n):
    """The loss frames' title: what is removed, in the order removal_order() removes it."""
    how = "highest degree first" if removal == "degree" else "at random"
    return f"Losing nodes, {how}: {gone} of {n} gone"


ADD_WORDS = {"add", "open", "opened", "up", "connect", "connected"}
REMOVE_WORDS = {"remove", "close", "closed", "down", "disconnect", "disconnected"}
JOIN_WORDS = {"join", "joined", "arrive", "add"}
LEAVE_WORDS = {"leave", "left", "depart", "crash", "fail", "remove"}
REPLAY_FRAMES = 60


def _events(folder, name, required, words):
    """The table's rows in time order (file order among equal times) with `event` mapped to +1
    (first word set) or -1 (second)."""
    table = folder.table(name, required)
    kinds = table["event"].astype(str).str.strip().str.lower()
    sign = kinds.map(lambda k: 1 if k in words[0] else (-1 if k in words[1] else 0))
    if (sign == 0).any():
        row = int((sign == 0).to_numpy().nonzero()[0][0])
        raise MalformedFile(f"{folder.file(name)}: data row {row + 1}: event "
                            f"{table['event'].iloc[row]!r} is neither "
                            f"{'/'.join(sorted(words[0]))} nor {'/'.join(sorted(words[1]))}")
    if table["time_s"].isna().any():
        raise MalformedFile(f"{folder.file(name)}: a row has no time_s")
    return table.assign(sign=sign).sort_values("time_s", kind="mergesort")


def history(folder, frames=REPLAY_FRAMES):
    """The recorded history as (graph of everyone ever linked, [(time_s, present graph, gone
    nodes)] per frame). Frames are spaced by event count, not by time, so busy stretches get
    more frames than quiet ones."""
    links = _events(folder, "link_events.csv", ("time_s", "event", "source", "target"),
                    (ADD_WORDS, REMOVE_WORDS))
    joins = None
    if folder.has("node_events.csv"):
        joins = _events(folder, "node_events.csv", ("time_s", "event", "node"),
                        (JOIN_WORDS, LEAVE_WORDS))
    everyone = nx.Graph()
    pairs = [(min(a, b), max(a, b)) for a, b in zip(links["source"].astype(int),
                                                     links["target"].astype(int)) if a != b]
    everyone.add_nodes_from(sorted({v for pair in pairs for v in pair} |
                                   (set(joins["node"].astype(int)) if joins is not None
                                    else set())))
    everyone.add_edges_from(sorted(set(pairs)))
    timeline = [(float(t), 0, i, int(s), int(a), int(b)) for i, (t, s, a, b) in
                enumerate(zip(links["time_s"], links["sign"], links["source"], links["target"]))]
    if joins is not None:
        timeline += [(float(t), 1, i, int(s), int(v), -1) for i, (t, s, v) in
                     enumerate(zip(joins["time_s"], joins["sign"], joins["node"]))]
    # At one instant: joins, then link changes, then departures.
    timeline.sort(key=lambda e: (e[0], (0 if e[3] > 0 else 2) if e[1] else 1, e[2]))
    cuts = sorted({max(1, round(len(timeline) * (i + 1) / frames)) for i in range(frames)})
    open_links, alive, gone = set(), set(), set()
    states = []
    done = 0
    for cut in cuts:
        for _, is_node, _, sign, a, b in timeline[done:cut]:
            if is_node:
                if sign > 0:
                    alive.add(a)
                    gone.discard(a)
                else:
                    alive.discard(a)
                    gone.add(a)
                    open_links = {e for e in open_links if a not in e}
            elif sign > 0 and a != b:
                open_links.add((min(a, b), max(a, b)))
            else:
                open_links.discard((min(a, b), max(a, b)))
        done = cut
        present = nx.Graph()
        if joins is not None:
            present.add_nodes_from(sorted(alive))
        present.add_edges_from(sorted(open_links))
        states.append((timeline[cut - 1][0], present, sorted(gone)))
    return everyone, states


def snapshot_folders(folder):
    """The snapshots/t=SECONDS folders `p2p sim` writes, in time order, each with edges.csv."""
    root = os.path.join(folder.path, "snapshots")
    if not os.path.isdir(root):
        return []
    found = []
    for name in os.listdir(root):
        if not name.startswith("t="):
            continue
        try:
            at = float(name[2:])
        except ValueError:
            continue
        if math.isfinite(at) and os.path.isfile(os.path.join(root, name, "edges.csv")):
            found.append((at, name))
    return [(at, os.path.join(root, name)) for at, name in sorted(found)]


def snapshot_history(folder, frames=REPLAY_FRAMES * 2):
    """(everyone, states) as history() gives them, from the snapshot folders: each snapshot is
    the live graph at its time (nodes.csv lists the live nodes, edges.csv their links), plus the
    folder's own final graph when it is later. At most `frames` snapshots, evenly chosen."""
    snapshots = snapshot_folders(folder)
    if len(snapshots) > frames:
        pick = sorted({round(i * (len(snapshots) - 1) / (frames - 1)) for i in range(frames)})
        snapshots = [snapshots[i] for i in pick]
    summary = folder.summary()
    end = summary.get("virtual_time_s")
    views = [(at, OutputFolder(path)) for at, path in snapshots]
    if folder.has("edges.csv") and end is not None and end > snapshots[-1][0]:
        views.append((end, folder))
    everyone = nx.Graph()
    states = []
    seen = set()
    for at, view in views:
        present = network.load_graph(view)
        seen.update(present.nodes)
        everyone.add_nodes_from(present.nodes)
        everyone.add_edges_from(present.edges)
        states.append((at, present, sorted(v for v in seen if v not in present)))
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(everyone.nodes))
    ordered.add_edges_from(sorted(tuple(sorted(e)) for e in everyone.edges))
    return ordered, states


def replay(folder, path, limit, requested_entry=None, snapshots=False):
    if snapshots:
        # Counting first: a large run is turned away before its snapshots are read in full.
        for _, snapshot in snapshot_folders(folder)[-1:]:
            network.check_drawable(OutputFolder(snapshot), limit)
        everyone, states = snapshot_history(folder)
    else:
        everyone, states = history(folder)
    if everyone.number_of_nodes() < 2:
        raise MissingFile("the recorded history links fewer than two nodes")
    if everyone.number_of_nodes() > limit:
        raise MissingFile(f"{everyone.number_of_nodes()} nodes is more than --draw-limit {limit}")
    entry = network.entry_node(folder, everyone, requested_entry)
    # One layout for the whole history, so a node never jumps between frames.
    positions = network.layout(everyone)
    norm = colors.Normalize(vmin=0, vmax=max(1, max(d for _, d in everyone.degree())))
    frames, durations = [], []
    for now, present, gone in states:
        node_colours, pieces = network.component_colours(present, PALETTE[:-1])
        title = (f"t = {now:.3g} s: {present.number_of_nodes()} nodes, "
                 f"{present.number_of_edges()} links")
        note = f"{pieces} connected piece{'s' if pieces != 1 else ''}"
        figure = _frame(present, positions, entry, set(), norm, title, note,
                        node_colours=node_colours,
                        removed=[positions[v] for v in gone if v in positions])
        frames.append(_to_image(figure))
        plt.close(figure)
        durations.append(STEP_MS * 2)
    durations[-1] = HOLD_MS * 2
    _save(frames, durations, path)
    return path


def _steps(n, count):
    """Node counts for the growth frames: evenly spaced, always ending at n."""
    if n <= count:
        return list(range(1, n + 1))
    return sorted({max(1, round(n * (i + 1) / count)) for i in range(count)})


def _frame(graph, positions, entry, bridges, norm, title, note, highlight=(),
           node_colours=None, removed=()):
    figure, axes = plt.subplots(figsize=(FRAME_INCHES, FRAME_INCHES), dpi=FRAME_DPI)
    if removed:
        xy = np.array(removed)
        axes.scatter(xy[:, 0], xy[:, 1], marker="x", s=28, color="0.6", linewidths=1.2,
                     zorder=2)
    network.draw(axes, graph, positions, entry=entry, bridges=bridges, degree_norm=norm,
                 node_colours=node_colours, highlight=highlight)
    network.frame_limits(axes, positions)
    figure.suptitle(title, fontsize=14, y=0.975)
    key = "colour: degree" if node_colours is None else "colour: connected piece; x: gone"
    if entry is not None and entry in graph:
        key += "; star: entry node"
    elif entry is not None and entry in positions:
        key += f"; the entry node ({entry}) is gone"
    figure.text(0.5, 0.045, note, ha="center", va="bottom", fontsize=12)
    figure.text(0.5, 0.012, key, ha="center", va="bottom", fontsize=9, color="0.35")
    figure.subplots_adjust(left=0.02, right=0.98, top=0.92, bottom=0.09)
    return figure


def _palette():
    """One fixed 256-colour palette for every frame: greys, the degree colour map, and each
    accent colour blended towards white (the shades antialiasing produces). Mapping to a fixed
    palette is fast, keeps colours steady from frame to frame, and lets the GIF store only what
    changed."""
    shades = [(g, g, g) for g in np.linspace(0, 255, 40).round().astype(int)]
    shades += [tuple(int(round(255 * c)) for c in colormaps["viridis"](x)[:3])
               for x in np.linspace(0, 1, 72)]
    accents = [colors.to_rgb(c) for c in
               (*PALETTE[:-1], network.ENTRY_COLOUR, network.BRIDGE_COLOUR)]
    for rgb in accents:
        for t in np.linspace(0, 0.85, 16):
            shades.append(tuple(int(round(255 * (c + (1 - c) * t))) for c in rgb))
    flat = [v for rgb in shades[:256] for v in rgb]
    flat += [255] * (768 - len(flat))
    image = Image.new("P", (1, 1))
    image.putpalette(flat)
    return image


PALETTE_IMAGE = None


def _to_image(figure):
    global PALETTE_IMAGE
    if PALETTE_IMAGE is None:
        PALETTE_IMAGE = _palette()
    figure.canvas.draw()
    rgba = np.asarray(figure.canvas.buffer_rgba())
    image = Image.fromarray(rgba[:, :, :3].copy(), "RGB")
    dither = getattr(getattr(Image, "Dither", Image), "NONE")
    return image.quantize(palette=PALETTE_IMAGE, dither=dither)


def _save(frames, durations, path):
    # Written aside and renamed into place: an interrupted run leaves no half a GIF.
    partial = f"{path}.partial-{os.getpid()}"
    try:
        frames[0].save(partial, format="GIF", save_all=True, append_images=frames[1:],
                       duration=durations, loop=0, optimize=True)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
