"""One look for every figure, and saving that gives the same bytes for the same input.

Matplotlib stamps its version into PNG files and a date and random ids into SVG files; both are
pinned here so that a figure changes only when the data does.
"""

import os

import matplotlib

matplotlib.use("Agg")  # headless: no display is needed or consulted
import matplotlib.pyplot as plt  # noqa: E402

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
    })


def colour(index):
    return PALETTE[index % len(PALETTE)]


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
        for fmt in self.formats:
            path = os.path.join(self.out_dir, f"{stem}.{fmt}")
            figure.savefig(path, format=fmt, metadata=_fixed_metadata(fmt), bbox_inches="tight",
                           pad_inches=0.15)
            self.written.append(path)
            if not self.quiet:
                print(path)
        plt.close(figure)


def _fixed_metadata(fmt):
    if fmt == "png":
        return {"Software": None}
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    return {}


def _texts(figure):
    axes = [a for a in figure.axes if a.get_visible() and a.get_label() != "<colorbar>"]
    legends = [t.get_text() for a in axes if a.get_legend() is not None
               for t in a.get_legend().get_texts()]
    suptitle = figure._suptitle.get_text() if figure._suptitle is not None else ""
    return {
        "title": suptitle or " / ".join(a.get_title() for a in axes if a.get_title()),
        "axes": [{"title": a.get_title(), "x": a.get_xlabel(), "y": a.get_ylabel(),
                  "drawing": not a.axison} for a in axes],
        "legend": legends,
    }
