"""Figures for a folder of replicated runs (`p2p compare`, or `p2p sim --seeds`): a few pages,
each a grid of related metrics with the rules side by side, their 95% confidence intervals and
every seed's value, and the resilience metrics as curves.

comparison.csv (rule,metric,runs,mean,stddev,ci95_low,ci95_high) gives the intervals; runs.csv
(one row per rule and seed, metrics as columns, or rule,seed,metric,value) gives the points.
Either file alone is enough: without comparison.csv the intervals are computed from runs.csv.
Rules keep the order the file gives them (the order of --rules); identifiers and settings (a
seed, a flood's origin node, the hop limit) are never averaged.
"""

import math
import re

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from matplotlib.patches import Patch
from matplotlib.lines import Line2D

from . import labels
from . import campaign
from .folder import MalformedFile, MissingFile
from .style import colour, in_order, integer_ticks

# runs.csv columns that say which run a row is and how it was set up, never what it measured.
RUN_KEYS = {"rule", "seed", "run", "scenario", "join_requests", "max_hops", "loss"}

# Pages, each a theme; a metric not named here goes on a last page of its own.
THEMES = (
    ("compare_structure", "Structure of the overlay",
     ("mean_degree", "degree_stddev", "max_degree", "min_degree", "entry_link_share",
      "average_clustering", "transitivity", "mean_shortest_path", "diameter",
      "degree_assortativity", "algebraic_connectivity", "bridges", "articulation_points",
      "components", "largest_component_fraction", "largest_component_nodes", "isolated_nodes",
      "max_core_number", "triangles", "duplicate_links", "duplicate_edges_dropped",
      "self_loops_dropped", "edges", "nodes", "random_removal_half_fraction",
      "degree_removal_half_fraction")),
    ("compare_joining", "The cost of joining",
     ("join_requests_sent", "join_requests_accepted", "join_requests_dropped",
      "join_hops_per_accept", "join_request_hops", "events", "virtual_time_s")),
    ("compare_flood", "Flooding, and recovery after a crash",
     ("flood_coverage", "messages_per_delivery", "flood_messages", "flood_duplicates",
      "lcc_after_crash", "flood_coverage_after_crash")),
)
REMOVAL = re.compile(r"^lcc_(random|degree)_(\d+)$")
# What the one-page summary shows first, after the resilience curves.
SUMMARY_METRICS = ("max_degree", "entry_link_share", "average_clustering", "mean_shortest_path",
                   "flood_coverage", "messages_per_delivery", "join_hops_per_accept",
                   "degree_removal_half_fraction", "flood_messages", "mean_degree",
                   "lcc_after_crash")


def is_compare_folder(folder):
    return folder.has("comparison.csv") or folder.has("aggregate.csv") or folder.has("runs.csv")


class Comparison:
    """A campaign's statistics (one row per point and metric), its seeds' values, its points in
    the order the file gives them and the metrics worth a panel.

    A point is one setting of the swept parameters (`campaign.parameters`). When one of them is a
    number taking several values (`nodes`), it becomes the x axis (`sweep`) and each setting of
    the others (`rule`) one curve against it; otherwise each point is a category of its own. Two
    points are never pooled into one mean or one band."""

    def __init__(self, folder):
        self.parameters = campaign.parameters(folder)
        self.runs = _runs_long(folder, self.parameters) if folder.has("runs.csv") else None
        table = next((n for n in ("aggregate.csv", "comparison.csv") if folder.has(n)), None)
        if table is not None:
            stats = folder.table(table, ("metric", "mean"))
            missing = [p for p in self.parameters if p not in stats.columns]
            if missing:
                raise MalformedFile(f"{folder.file(table)}: missing column "
                                    f"{', '.join(missing)} (a parameter of runs.csv)")
            stats = stats.assign(metric=stats["metric"].astype(str))
            if "stddev" not in stats.columns and "std" in stats.columns:
                stats = stats.rename(columns={"std": "stddev"})
        elif self.runs is not None:
            stats = _stats_from_runs(self.runs, self.parameters)
        else:
            raise MissingFile("no aggregate.csv, comparison.csv or runs.csv")
        # Identifiers and settings carry no mean worth a figure, whatever file says so.
        stats = stats[stats["metric"].map(labels.is_result) & stats["mean"].notna()]
        if stats.empty:
            raise MissingFile("the comparison has no metric with a value")
        points = campaign.Points(stats, self.parameters)
        self.points = points
        self.sweep = points.sweep
        self.stats = points.label(stats)
        if self.runs is not None:
            self.runs = points.label(self.runs)
        self.rules = points.groups  # one colour, one category or one curve each
        self.colours = {group: colour(i) for i, group in enumerate(self.rules)}
        metrics = in_order(self.stats["metric"])
        # The same value for every point and seed (the number of nodes asked for): a setting of
        # the comparison, said once in a footnote rather than drawn as a flat panel. A metric
        # that only repeats a swept parameter (the nodes measured in a sweep of nodes) is left
        # out.
        self.constant = {m: float(self.stats[self.stats["metric"] == m]["mean"].iloc[0])
                         for m in metrics if self._constant(m)}
        self.metrics = [m for m in metrics if m not in self.constant and
                        not points.repeats_parameter(self.stats, m)]
        self.seeds = int(self.stats["runs"].max()) if "runs" in self.stats.columns else None
        if self.seeds is None and self.runs is not None:
            self.seeds = int(self.runs.groupby("point")["seed"].nunique().max())

    def _constant(self, metric):
        rows = self.stats[self.stats["metric"] == metric]
        if rows["mean"].nunique() != 1 or len(rows) < len(self.points.keys):
            return False
        if "stddev" in rows.columns and rows["stddev"].fillna(0).abs().max() > 0:
            return False
        if self.runs is not None:
            values = self.runs[self.runs["metric"] == metric]["value"].dropna()
            return values.nunique() <= 1
        return True

    def removal_metrics(self):
        """The largest component after a share of nodes is removed, constant ones included:
        a curve needs every point."""
        return [m for m in in_order(self.stats["metric"]) if REMOVAL.match(m)]

    def footnote(self):
        curves = set(self.removal_metrics()) | {"largest_component_fraction"}
        if not self.removal_metrics():
            curves = set()
        parts = [f"{labels.name(m)} {_short(v, m)}" for m, v in self.constant.items()
                 if m not in curves]
        return "Same in every run: " + "; ".join(parts) if parts else ""

    def spread_words(self):
        seeds = f" over {self.seeds} seeds" if self.seeds else ""
        return f"mean{seeds}", "95% confidence interval of the mean"

    def what(self):
        """What the page compares, in words: "2 join rules", "2 join rules against nodes"."""
        words = self.points.groups_in_words()
        if self.sweep is not None:
            words += f", against {labels.name(self.sweep)}"
        return words

    def category_axis(self):
        return self.points.category_axis()


def comparison(folder):
    """The folder's Comparison, read once however many figures use it."""
    if getattr(folder, "_comparison", None) is None:
        folder._comparison = Comparison(folder)
    return folder._comparison


def compare(folder, writer):
    data = comparison(folder)
    removal = data.removal_metrics() if data.sweep is None else []
    placed = set(removal)
    made = 0
    if removal:
        figure, axes = plt.subplots(figsize=(8.5, 5.2))
        draw_removal_curves(axes, data)
        axes.legend(loc="lower left", fontsize=9)
        finish_page(figure, data, "Resilience by join rule", legend=False)
        writer.save(figure, "compare_resilience")
        made += 1
    themes = list(THEMES) + [("compare_other", "Other metrics", tuple(data.metrics))]
    for stem, title, wanted in themes:
        metrics = [m for m in data.metrics if m in wanted and m not in placed]
        if not metrics:
            continue
        placed.update(metrics)
        figure = _panels(data, metrics, title)
        writer.save(figure, stem)
        made += 1
    if made == 0:
        raise MissingFile("the comparison has no metric with a value")


def _panels(data, metrics, title):
    wide = min(3, len(metrics))
    tall = math.ceil(len(metrics) / wide)
    rotate = max(len(r) for r in data.rules) * len(data.rules) > 40
    figure, grid = plt.subplots(tall, wide, squeeze=False,
                                figsize=(max(4.4, 1.1 * len(data.rules) + 2.2) * wide,
                                         3.3 * tall + (1.8 if rotate else 1.2)))
    for slot, metric in enumerate(metrics):
        draw_metric(grid[slot // wide][slot % wide], data, metric, rotate=rotate)
    for slot in range(len(metrics), tall * wide):
        grid[slot // wide][slot % wide].set_visible(False)
    finish_page(figure, data, title)
    return figure


def finish_page(figure, data, title, legend=True):
    figure.suptitle(f"{title}: {data.what()}", fontsize=14)
    footnote = data.footnote()
    # The title, the key and the footnote take a fixed height, whatever the figure's height.
    inch = 1 / figure.get_figheight()
    note = 0.3 * inch if footnote else 0.0
    handles = key_handles(data) if legend else []
    rows = -(-len(handles) // 6)
    figure.tight_layout(rect=(0, 0.3 * rows * inch + note, 1, 1 - 0.45 * inch))
    if handles:
        figure.legend(handles=handles, loc="lower center", ncol=min(6, len(handles)),
                      frameon=False, bbox_to_anchor=(0.5, note), fontsize=10)
    if footnote:
        figure.text(0.5, 0.05 * inch, footnote, ha="center", va="bottom", fontsize=9,
                    color="0.35", wrap=True)


def key_handles(data):
    mean, interval = data.spread_words()
    handles = [Line2D([0], [0], color="0.3", linewidth=3, label=mean),
               Patch(color="0.3", alpha=0.25, label=interval)]
    if data.runs is not None:
        handles.append(Line2D([0], [0], marker="o", color="white", markerfacecolor="0.6",
                              markeredgecolor="black", markersize=6, label="one seed"))
    if data.sweep is not None:
        # One curve per setting of the other parameters: its colour is the key.
        handles += [Line2D([0], [0], color=data.colours[g], marker="o", markersize=4,
                           label=g) for g in data.rules]
    return handles


def draw_metric(axes, data, metric, rotate=False):
    """One metric: each point's mean, its interval as a band and every seed's value; or, for a
    sweep, one curve per setting of the other parameters against the swept one."""
    rows = data.stats[data.stats["metric"] == metric]
    if data.sweep is not None:
        _sweep_panel(axes, data, rows, metric)
    else:
        for x, rule in enumerate(data.rules):
            row = rows[rows["group"] == rule]
            if row.empty:
                continue
            mean = float(row["mean"].iloc[0])
            low, high = _interval(row)
            if low is not None and np.isfinite(low[0]) and np.isfinite(high[0]):
                axes.fill_between([x - 0.3, x + 0.3], low[0], high[0],
                                  color=data.colours[rule], alpha=0.25, linewidth=0)
            axes.hlines(mean, x - 0.3, x + 0.3, color=data.colours[rule], linewidth=3)
            if data.runs is not None:
                values = data.runs[(data.runs["group"] == rule) &
                                   (data.runs["metric"] == metric)]["value"].dropna()
                jitter = np.random.default_rng(x).uniform(-0.2, 0.2, len(values))
                axes.scatter(x + jitter, values.to_numpy(dtype=float), s=14,
                             color=data.colours[rule], edgecolors="black", linewidths=0.4,
                             zorder=3)
        axes.set_xticks(range(len(data.rules)), data.rules,
                        rotation=30 if rotate else 0, ha="right" if rotate else "center")
        axes.set_xlim(-0.6, len(data.rules) - 0.4)
        axes.set_xlabel(data.category_axis())
        axes.grid(axis="x", visible=False)
    axes.set_title(labels.title(metric), fontsize=11)
    axes.set_ylabel(labels.unit(metric))
    if labels.is_integer(metric):
        integer_ticks(axes.yaxis)


def draw_removal_curves(axes, data):
    """The largest component after removing 10, 30, 50% of nodes, at random (solid) or highest
    degree first (dashed), per rule, from the intact network's value at 0%."""
    for rule in data.rules:
        rows = data.stats[data.stats["group"] == rule]
        for strategy, style in (("random", "-"), ("degree", "--")):
            points = []
            for metric in data.removal_metrics():
                match = REMOVAL.match(metric)
                if match.group(1) != strategy:
                    continue
                row = rows[rows["metric"] == metric]
                if not row.empty:
                    points.append((int(match.group(2)) / 100, row))
            if not points:
                continue
            start = rows[rows["metric"] == "largest_component_fraction"]
            if not start.empty:
                points.insert(0, (0.0, start))
            x = [p for p, _ in points]
            mean = [float(r["mean"].iloc[0]) for _, r in points]
            lows = [_interval(r)[0] for _, r in points]
            if all(low is not None for low in lows):
                axes.fill_between(x, [low[0] for low in lows],
                                  [_interval(r)[1][0] for _, r in points],
                                  color=data.colours[rule], alpha=0.18, linewidth=0)
            how = "random" if strategy == "random" else "highest degree first"
            axes.plot(x, mean, style, color=data.colours[rule], marker="o", markersize=4,
                      linewidth=2, label=f"{rule}, {how}")
    top = max([int(REMOVAL.match(m).group(2)) / 100 for m in data.removal_metrics()] + [0.5])
    axes.plot([0, top], [1, 1 - top], color="0.6", linestyle=":", linewidth=1.2,
              label="upper bound: every survivor connected")
    axes.set_xlim(-0.02, top + 0.03)
    axes.set_ylim(-0.02, 1.02)
    axes.set_title("Largest component as nodes are removed (band: 95% CI)")
    axes.set_xlabel("nodes removed (fraction of all nodes)")
    axes.set_ylabel("largest component (fraction of all nodes)")


def _sweep_panel(axes, data, rows, metric):
    """One curve per group against the swept parameter: the mean at each point, its 95%
    interval as a band and each seed's value; each point is its own x, never pooled."""
    for group in data.rules:
        part = rows[rows["group"] == group].sort_values("x", kind="mergesort")
        if part.empty:
            continue
        low, high = _interval(part)
        if low is not None:
            axes.fill_between(part["x"], low, high, color=data.colours[group], alpha=0.22,
                              linewidth=0)
        axes.plot(part["x"], part["mean"], color=data.colours[group], marker="o",
                  markersize=4, linewidth=2, label=group)
        if data.runs is not None:
            seeds = data.runs[(data.runs["group"] == group) & (data.runs["metric"] == metric)]
            seeds = seeds[seeds["value"].notna()]
            axes.scatter(seeds["x"], seeds["value"], s=10, color=data.colours[group],
                         edgecolors="black", linewidths=0.3, alpha=0.7, zorder=3)
    axes.set_xlabel(labels.axis(data.sweep))
    values = np.unique(rows["x"].to_numpy(dtype=float))
    if len(values) <= 8:
        axes.set_xticks(values, [_short(v, data.sweep) for v in values])
    elif labels.is_integer(data.sweep):
        integer_ticks(axes.xaxis)


def _short(value, metric):
    if labels.is_integer(metric) or float(value).is_integer():
        return f"{int(round(value)):,}"
    return f"{value:.4g}"


def _runs_long(folder, parameters):
    """runs.csv as parameters, seed, metric, value rows, whichever shape the file has."""
    frame = folder.table("runs.csv")
    missing = [p for p in parameters if p not in frame.columns]
    if missing:
        raise MalformedFile(f"{folder.file('runs.csv')}: missing column {', '.join(missing)} "
                            "(a swept parameter of manifest.json)")
    if "seed" not in frame.columns:
        order = frame.groupby(parameters, sort=False).cumcount() if parameters else \
            pd.Series(range(len(frame)), index=frame.index)
        frame = frame.assign(seed=order)
    keys = list(parameters) + ["seed"]
    if "metric" in frame.columns and "value" in frame.columns:
        long = frame[keys + ["metric", "value"]].copy()
        long["metric"] = long["metric"].astype(str)
    else:
        # A metric named like a parameter is written measured_NAME (the nodes measured in a
        # sweep of nodes); it is that metric again.
        columns = []
        for column in frame.columns:
            metric = str(column)
            if metric.startswith("measured_") and metric[len("measured_"):] in parameters:
                metric = metric[len("measured_"):]
            elif column in keys or column in RUN_KEYS:
                continue
            if labels.is_result(metric) and frame[column].dtype.kind in "fiu":
                columns.append((column, metric))
        if not columns:
            raise MissingFile("runs.csv has no measured column")
        ids = frame[keys]
        long = pd.concat([ids.assign(metric=metric, value=frame[column].to_numpy())
                          for column, metric in columns], ignore_index=True)
    long["value"] = pd.to_numeric(long["value"], errors="coerce")
    return long[long["metric"].map(labels.is_result)]


def _stats_from_runs(runs, parameters):
    rows = []
    keys = list(parameters) + ["metric"]
    for key, values in runs.groupby(keys, sort=False, dropna=False):
        v = values["value"].dropna().to_numpy(dtype=float)
        if len(v) == 0:
            continue
        mean = float(v.mean())
        std = float(v.std(ddof=1)) if len(v) > 1 else 0.0
        half = campaign.t95(len(v) - 1) * std / math.sqrt(len(v)) if len(v) > 1 else 0.0
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row.update({"mean": mean, "stddev": std, "ci95_low": mean - half,
                    "ci95_high": mean + half, "runs": len(v)})
        rows.append(row)
    if not rows:
        raise MissingFile("runs.csv has no values")
    return pd.DataFrame(rows)


def _interval(rows):
    if "ci95_low" in rows.columns and "ci95_high" in rows.columns:
        low = rows["ci95_low"].to_numpy(dtype=float)
        high = rows["ci95_high"].to_numpy(dtype=float)
        if np.isfinite(low).any():
            return low, high
    return None, None
