"""A campaign folder (`p2p run STUDY.toml`, `p2p compare`, `p2p sim --seeds`): which parameters
were swept, which point each run belongs to, and the figures drawn per point from the run folders
themselves (resilience curves, degree distributions).

The swept parameters come from the campaign's manifest.json (`point` names them, in order), or,
in a folder without one, from the columns runs.csv writes before `seed`; never from folder names.
A run folder says its own point and seed in its manifest.json. Seeds of one point may be pooled
(that is what a mean over seeds is); two points never are.
"""

import json
import math
import os

import numpy as np
import matplotlib.pyplot as plt

from . import labels
from .folder import MalformedFile, MissingFile, OutputFolder
from .style import in_order

# Line styles that tell the swept values apart within one colour (one colour per group).
DASHES = ("-", "--", ":", "-.")


def manifest(path):
    """The JSON object in `path`, or None when there is no such file."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise MalformedFile(f"{path}: not a p2p manifest ({str(error).splitlines()[0]})") \
            from None
    if not isinstance(value, dict):
        raise MalformedFile(f"{path}: not a p2p manifest (expected a JSON object)")
    return value


def parameters(folder):
    """The swept parameters of a campaign folder, in the order the study names them."""
    top = manifest(folder.file("manifest.json"))
    if top is not None and ("seeds" in top or "point" in top):
        point = top.get("point") or {}
        if not isinstance(point, dict):
            raise MalformedFile(f"{folder.file('manifest.json')}: `point` is not an object")
        return [str(k) for k in point]
    # An older folder, or one assembled by hand: runs.csv starts with the parameters, then seed.
    for name, last in (("runs.csv", "seed"), ("aggregate.csv", "metric"),
                       ("comparison.csv", "metric")):
        if folder.has(name):
            columns = [str(c) for c in folder.table(name).columns]
            found = columns[:columns.index(last)] if last in columns else []
            if "rule" in columns and "rule" not in found:
                found.insert(0, "rule")
            return found
    return []


def key(value):
    """A parameter's value as text that compares equal however it was written: 400, "400" and
    400.0 are one point."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return repr(number) if math.isfinite(number) else text


def _number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def short(text):
    """A parameter's value as a reader wants it: 400, not 400.0."""
    value = _number(text)
    if value is None:
        return text
    return f"{int(value)}" if value.is_integer() else f"{value:g}"


class Points:
    """The points of a campaign (one setting of the swept parameters each), in file order, and
    how each is drawn: a group (colour) and, for a sweep, a place on the x axis."""

    def __init__(self, stats, parameters):
        self.parameters = list(parameters)
        self.keys = list(dict.fromkeys(self._keys(stats)))
        values = {p: [k[i] for k in self.keys] for i, p in enumerate(self.parameters)}
        # The x axis: a parameter whose every value is a number and that takes several values;
        # the one with the most values when several qualify (the first named on a tie).
        numeric = [p for p in self.parameters
                   if all(_number(v) is not None for v in values[p]) and
                   len(set(values[p])) > 1]
        self.sweep = max(numeric, key=lambda p: len(set(values[p])), default=None)
        self.others = [p for p in self.parameters if p != self.sweep]
        self.groups = in_order(self.group(k) for k in self.keys)

    def _keys(self, frame):
        columns = [frame[p].tolist() for p in self.parameters]
        return [tuple(key(v) for v in row) for row in zip(*columns)] if columns else \
            [()] * len(frame)

    def group(self, point):
        values = [(p, point[i]) for i, p in enumerate(self.parameters) if p != self.sweep]
        if not values:
            return "this study" if self.parameters else "this run"
        if len(values) == 1:
            return short(values[0][1]) or "(unset)"
        return ", ".join(f"{p}={short(v)}" for p, v in values)

    def x(self, point):
        return None if self.sweep is None else float(point[self.parameters.index(self.sweep)])

    def name(self, point):
        """The point in words, for a legend: its group and its swept value."""
        if self.sweep is None:
            return self.group(point)
        value = short(point[self.parameters.index(self.sweep)])
        return f"{self.group(point)}, {labels.name(self.sweep)} {value}"

    def style(self, point):
        """(group index, line style): one colour per group, one dash per swept value."""
        group = self.groups.index(self.group(point))
        if self.sweep is None:
            return group, "-"
        xs = sorted({self.x(k) for k in self.keys})
        return group, DASHES[xs.index(self.x(point)) % len(DASHES)]

    def label(self, frame):
        """`frame` with its point (as text), group and x added as columns."""
        keys = self._keys(frame)
        frame = frame.assign(point=["\x1f".join(k) for k in keys],
                             group=[self.group(k) for k in keys])
        if self.sweep is not None:
            frame = frame.assign(x=[self.x(k) for k in keys])
        return frame

    def repeats_parameter(self, stats, metric):
        """True when `metric` is a swept parameter measured back unchanged at every point."""
        if metric not in self.parameters:
            return False
        index = self.parameters.index(metric)
        rows = stats[stats["metric"] == metric]
        for point, mean in zip(rows["point"], rows["mean"]):
            setting = _number(point.split("\x1f")[index])
            if setting is None or not math.isclose(setting, float(mean), abs_tol=1e-9):
                return False
        return True

    def groups_in_words(self):
        count = len(self.groups)
        if self.others == ["rule"]:
            return f"{count} join rules" if count > 1 else f"join rule {self.groups[0]}"
        if not self.others:
            return "one setting" if self.sweep is None else "one series"
        names = ", ".join(labels.name(p) for p in self.others)
        return f"{count} settings of {names}" if count > 1 else self.groups[0]

    def category_axis(self):
        if self.others == ["rule"]:
            return "join rule"
        if not self.others:
            return "runs"
        return " / ".join(labels.name(p) for p in self.others)


def run_folders(folder, points):
    """{point: [run folder, ...]} in seed order, from each run folder's own manifest.json."""
    found = {}
    try:
        entries = sorted(os.scandir(folder.path), key=lambda e: e.name)
    except OSError:
        return {}
    for entry in entries:
        # A folder being written (.NAME.partial) or anything else of the user's is passed over.
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        said = manifest(os.path.join(entry.path, "manifest.json"))
        if said is None or "seed" not in said:
            continue
        point = said.get("point") or {}
        if not isinstance(point, dict):
            continue
        at = tuple(key(point.get(p)) for p in points.parameters)
        if at in points.keys:
            found.setdefault(at, []).append((key(said["seed"]), entry.path))
    # The points in the study's order, each one's runs in seed order.
    return {k: [path for _, path in sorted(found[k], key=lambda s: (_number(s[0]) or 0, s[0]))]
            for k in points.keys if k in found}


def t95(dof):
    """Two-sided 95% Student t quantile for `dof` degrees of freedom; the normal value past
    the table (the C++ side uses Boost.Math; these agree to the digits shown)."""
    table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
             2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
             2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
    return table[dof - 1] if dof <= len(table) else 1.96


def resilience_by_point(folder, points, strategy):
    """[(point, fractions, mean, low, high)]: the largest component as nodes are removed in
    `strategy` order, averaged over each point's seeds with its 95% interval."""
    curves = []
    for point, paths in run_folders(folder, points).items():
        per_seed = []
        for path in paths:
            run = OutputFolder(path)
            if not run.has("resilience.csv"):
                continue
            table = run.table("resilience.csv",
                              ("strategy", "fraction_removed", "largest_component_fraction"))
            rows = table[table["strategy"].astype(str) == strategy]
            if not rows.empty:
                per_seed.append(rows.groupby("fraction_removed")["largest_component_fraction"]
                                .mean())
        if not per_seed:
            continue
        # The fractions every seed has: a point's seeds share one grid.
        common = per_seed[0].index
        for curve in per_seed[1:]:
            common = common.intersection(curve.index)
        values = np.array([curve.loc[common].to_numpy(dtype=float) for curve in per_seed])
        mean = values.mean(axis=0)
        if len(per_seed) > 1:
            half = t95(len(per_seed) - 1) * values.std(axis=0, ddof=1) / math.sqrt(len(per_seed))
        else:
            half = np.zeros_like(mean)
        curves.append((point, common.to_numpy(dtype=float), mean, mean - half, mean + half))
    if not curves:
        raise MissingFile("no run folder with a resilience.csv")
    return curves


def degrees_by_point(folder, points):
    """[(point, degrees, share with at least that degree, nodes)]: each point's degree
    distribution over all nodes of all its seeds."""
    result = []
    for point, paths in run_folders(folder, points).items():
        counts = {}
        for path in paths:
            run = OutputFolder(path)
            if not run.has("degree_distribution.csv"):
                continue
            table = run.table("degree_distribution.csv", ("degree", "count"))
            for degree, count in zip(table["degree"], table["count"]):
                counts[int(degree)] = counts.get(int(degree), 0) + int(count)
        total = sum(counts.values())
        if total == 0:
            continue
        degrees = np.array(sorted(counts), dtype=float)
        values = np.array([counts[d] for d in sorted(counts)], dtype=float)
        result.append((point, degrees, values[::-1].cumsum()[::-1] / total, total))
    if not result:
        raise MissingFile("no run folder with a degree_distribution.csv")
    return result


def draw_resilience(axes, folder, points, colours, strategy, legend=True):
    curves = resilience_by_point(folder, points, strategy)
    for point, x, mean, low, high in curves:
        group, dash = points.style(point)
        axes.fill_between(x, np.clip(low, 0, 1), np.clip(high, 0, 1), color=colours[group],
                          alpha=0.15, linewidth=0)
        axes.plot(x, mean, color=colours[group], linestyle=dash, linewidth=2,
                  label=points.name(point))
    axes.plot([0, 1], [1, 0], color="0.6", linestyle=":", linewidth=1.2,
              label="upper bound: every survivor connected")
    how = "at random" if strategy == "random" else "highest degree first"
    axes.set_title(f"Largest component as nodes are removed {how}")
    axes.set_xlabel("nodes removed (fraction of all nodes)")
    axes.set_ylabel("largest component (fraction of all nodes)")
    axes.set_xlim(0, 1)
    axes.set_ylim(-0.02, 1.02)
    if legend:
        axes.legend(loc="upper right", fontsize=8)


def draw_degrees(axes, folder, points, colours, legend=True):
    from .style import plain_log_ticks

    for point, degrees, at_least, total in degrees_by_point(folder, points):
        group, dash = points.style(point)
        positive = degrees > 0
        axes.loglog(degrees[positive], at_least[positive], color=colours[group], linestyle=dash,
                    marker="o", markersize=3, linewidth=1.6, label=points.name(point))
    plain_log_ticks(axes)
    axes.set_title("Degrees: each point's seeds together (CCDF)")
    axes.set_xlabel("degree k (connections per node)")
    axes.set_ylabel("fraction of nodes with degree ≥ k")
    if legend:
        axes.legend(loc="lower left", fontsize=8)


def point_figures(folder, data, writer):
    """campaign_resilience and campaign_degrees: one curve per point, drawn from the run folders
    (the seeds of a point pooled, the points apart)."""
    colours = [data.colours[g] for g in data.points.groups]
    made = 0
    try:
        figure, (random, targeted) = plt.subplots(1, 2, figsize=(13, 5.4), sharey=True)
        draw_resilience(random, folder, data.points, colours, "random", legend=False)
        draw_resilience(targeted, folder, data.points, colours, "degree")
        figure.suptitle(f"Resilience by point, mean over each point's seeds (band: 95% "
                        f"interval): {data.what()}", fontsize=13)
        figure.tight_layout()
        writer.save(figure, "campaign_resilience")
        made += 1
    except MissingFile:
        plt.close("all")
    try:
        figure, axes = plt.subplots(figsize=(8.5, 5.4))
        draw_degrees(axes, folder, data.points, colours)
        axes.set_title(f"Degree distribution by point: {data.what()}", fontsize=12)
        figure.tight_layout()
        writer.save(figure, "campaign_degrees")
        made += 1
    except MissingFile:
        plt.close("all")
    if made == 0:
        raise MissingFile("no run folder with resilience.csv or degree_distribution.csv")
