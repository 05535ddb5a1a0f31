"""An animated GIF of a small overlay growing, then losing nodes and splitting apart.

The output folder holds the final graph only, so the growth is replayed from it: node ids are
arrival order (the simulator numbers nodes as they join), and frame k shows the first k nodes with
the connections among them. That shows every connection as soon as both ends exist, which the
real run did not quite do: links made later between old nodes appear early. The loss phase is
exact for the final graph: nodes are removed (highest degree first, or in a seeded random order)
until a second piece holds a tenth of what is left, and each piece gets its own colour.
"""

import math

import networkx as nx
import numpy as np
import matplotlib.pyplot as plt
from matplotlib import colormaps, colors
from PIL import Image

from . import network
from .folder import MalformedFile, MissingFile
from .style import PALETTE

FRAME_INCHES = 5.6
FRAME_DPI = 100
GROWTH_FRAMES = 36
LOSS_FRAMES = 20
STEP_MS = 180
HOLD_MS = 1800


def animate(folder, path, limit, requested_entry=None, removal="degree", seed=1):
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
    if removal == "degree":
        victims = sorted(graph.nodes, key=lambda v: (-graph.degree(v), v))
    else:
        victims = [int(v) for v in np.random.default_rng(seed).permutation(order)]
    if entry is not None:
        # Losing the entry would end joining altogether; the picture is about the overlay.
        victims = [v for v in victims if v != entry]
    most = max(1, min(len(victims), n // 2))
    per_frame = max(1, math.ceil(most / LOSS_FRAMES))
    removed = []
    how = "highest degree first" if removal == "degree" else "at random"
    while len(removed) < most:
        removed.extend(victims[len(removed):min(most, len(removed) + per_frame)])
        left = graph.copy()
        left.remove_nodes_from(removed)
        node_colours, pieces = network.component_colours(left, PALETTE[:-1])
        sizes = sorted((len(c) for c in nx.connected_components(left)), reverse=True)
        split = len(sizes) > 1 and sizes[1] >= 0.1 * left.number_of_nodes()
        done = split or len(removed) >= most
        title = f"Losing nodes ({how}): {len(removed)} of {n} gone"
        note = (f"{pieces} piece{'s' if pieces != 1 else ''}; the largest holds "
                f"{sizes[0] / n:.0%} of all nodes" if sizes else "no nodes left")
        add(_frame(left, positions, entry, set(), norm, title, note, node_colours=node_colours,
                   removed=[positions[v] for v in removed]), HOLD_MS * 2 if done else STEP_MS * 2)
        if done:
            break
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
    if entry is not None:
        key += "; star: entry node"
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
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:],
                   duration=durations, loop=0, optimize=True)
