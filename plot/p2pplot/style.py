"""One look for every figure, and saving that gives the same bytes for the same input.

Matplotlib stamps its version into PNG files, a date and random ids into SVG files and a date
into PDF files; all are pinned here so that a figure changes only when the data does.
"""

import os

import matplotlib

matplotlib.use("Agg")  # headless: no display is needed or consulted
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator  # noqa: E402

# Sized to stay legible when a README shows the PNG about 700 pixels wide.
FIGSIZE = (8.0, 5.0)
DPI = 110

# Colour-blind-safe qualitative palette (Okabe and Ito); one colour per rule or strategy, in the
# order the groups first appear in sorted order, so a rule keeps its colour across figures.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
           "#000000"]


def apply():
    matplotlib.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "font.size": 11,
        "axes.titlesize": 13,
        "axes.labelsize": 11,
        "legend.fontsize": 10,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "p2p",
        "svg.fonttype": "path",
        "path.simplify": True,
        "figure.max_open_warning": 0,
        "pdf.compression": 6,
    })


def colour(index):
    return PALETTE[index % len(PALETTE)]


def integer_ticks(axis):
    """Ticks at whole numbers only: a count of nodes or hops has no 2.5."""
    axis.set_major_locator(MaxNLocator(integer=True))


def plain_log_ticks(axes):
    """Log axes labelled 0.01, 0.1, 1, 10 rather than 10^-2: as readable, and it spares the
    typesetting engine matplotlib would otherwise start for the exponents."""
    for axis in (axes.xaxis, axes.yaxis):
        if axis.get_scale() == "log":
            axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            # Minor ticks at 2, 3 and 5 times each power of ten, the only ones ever labelled:
            # the other five per decade cost a third of a log-log figure's drawing time.
            axis.set_minor_locator(LogLocator(subs=(2.0, 3.0, 5.0)))
            # Less than a decade shown: label the 2, 3, 5 between the powers of ten too.
            axis.set_minor_formatter(FuncFormatter(
                lambda v, _, axis=axis: f"{v:g}" if _narrow(axis) and
                round(v / 10 ** np.floor(np.log10(v) + 1e-9)) in (2, 3, 5) else ""))


def _narrow(axis):
    low, high = sorted(axis.get_view_interval())
    return low > 0 and high / low < 30


def in_order(values):
    """Distinct values in the order they first appear: rules keep the order the user gave."""
    return list(dict.fromkeys(str(v) for v in values))


class FigureWriter:
    """Writes each figure in every requested format into one folder and remembers the paths."""

    def __init__(self, out_dir, formats, quiet=False):
        self.out_dir = out_dir
        self.formats = formats
        self.quiet = quiet
        self.written = []
        # What each figure says in words, so tests can hold every figure to a title, labelled
        # axes and a legend.
        self.texts = {}

    def save(self, figure, stem):
        self.texts[stem] = _texts(figure)
        os.makedirs(self.out_dir, exist_ok=True)
        # The tight bounding box is measured once and reused by every format: measuring it
        # costs a layout pass over every text, as much as drawing the figure.
        bbox = figure.get_tightbbox(figure.canvas.get_renderer()).padded(0.15)
        for fmt in self.formats:
            path = os.path.join(self.out_dir, f"{stem}.{fmt}")
            # Written aside and renamed into place: an interrupted run leaves no half a figure.
            partial = f"{path}.partial-{os.getpid()}"
            try:
                figure.savefig(partial, format=fmt, metadata=_fixed_metadata(fmt),
                               bbox_inches=bbox)
                os.replace(partial, path)
            finally:
                if os.path.exists(partial):
                    os.remove(partial)
            self.written.append(path)
            if not self.quiet:
                print(path)
        plt.close(figure)


def _fixed_metadata(fmt):
    if fmt == "png":
        return {"Software": None}
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    if fmt == "pdf":
        return {"CreationDate": None, "Producer": None, "Creator": None}
    return {}


def _texts(figure):
    """What a figure says: its title, each panel's title, axis labels, tick labels and number of
    labelled series, every legend entry (a panel's or the figure's) and the colour bars' ticks."""
    axes = [a for a in figure.axes if a.get_visible() and a.get_label() != "<colorbar>"]
    bars = [a for a in figure.axes if a.get_label() == "<colorbar>"]
    legends = [a.get_legend() for a in axes if a.get_legend() is not None] + figure.legends
    suptitle = figure._suptitle.get_text() if figure._suptitle is not None else ""
    return {
        "title": suptitle or " / ".join(a.get_title() for a in axes if a.get_title()),
        "axes": [{"title": a.get_title(), "x": a.get_xlabel(), "y": a.get_ylabel(),
                  "drawing": not a.axison, "table": bool(a.tables),
                  "series": len(a.get_legend_handles_labels()[1]),
                  # Each labelled line's data, so a test can tell which points a curve joins.
                  "lines": [{"label": line.get_label(),
                             "x": [float(v) for v in line.get_xdata()],
                             "y": [float(v) for v in line.get_ydata()]}
                            for line in a.get_lines() if not line.get_label().startswith("_")],
                  "xticks": [t.get_text() for t in a.get_xticklabels()],
                  "yticks": [float(v) for v in a.get_yticks()] if a.axison and
                  a.get_yscale() == "linear" else []} for a in axes],
        "legend": [t.get_text() for legend in legends for t in legend.get_texts()],
        "colorbar_ticks": [float(v) for bar in bars for v in bar.get_yticks()],
    }
