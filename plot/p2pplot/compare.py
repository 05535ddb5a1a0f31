"""Figures for a `p2p compare` folder: one per metric, the rules side by side with their 95%
confidence intervals and every seed's value.

comparison.csv (rule,metric,mean,...,ci95_low,ci95_high) gives the intervals; runs.csv (one row
per rule and seed, metrics as columns, or rule,seed,metric,value) gives the points. Either file
alone is enough: without comparison.csv the intervals are computed from runs.csv.
"""

import math
import re

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from matplotlib.patches import Patch
from matplotlib.lines import Line2D

from . import labels
from .folder import MissingFile
from .style import colour

STAT_COLUMNS = {"rule", "metric", "mean", "std", "ci95_low", "ci95_high", "runs", "n", "median",
                "min", "max", "seeds", "samples", "stderr", "sem"}
RUN_KEYS = {"rule", "seed", "run"}


def is_compare_folder(folder):
    return folder.has("comparison.csv") or folder.has("runs.csv")


def compare(folder, writer):
    runs = _runs_long(folder) if folder.has("runs.csv") else None
    if folder.has("comparison.csv"):
        stats = folder.table("comparison.csv", ("rule", "metric", "mean"))
    elif runs is not None:
        stats = _stats_from_runs(runs)
    else:
        raise MissingFile("no comparison.csv or runs.csv")
    sweep = _sweep_column(stats)
    rules = sorted(stats["rule"].astype(str).unique())
    # A rule keeps one colour in every figure of the folder.
    colours = {rule: colour(i) for i, rule in enumerate(rules)}
    made = 0
    for metric in sorted(stats["metric"].astype(str).unique()):
        rows = stats[stats["metric"].astype(str) == metric]
        if not rows["mean"].notna().any():
            continue
        points = None
        if runs is not None:
            points = runs[runs["metric"] == metric]
        if sweep:
            figure = _sweep_figure(metric, rows, sweep, colours)
        else:
            figure = _rules_figure(metric, rows, points, rules, colours)
        writer.save(figure, "compare_" + re.sub(r"[^A-Za-z0-9_]+", "_", metric))
        made += 1
    if made == 0:
        raise MissingFile("comparison has no metric with a value")


def _runs_long(folder):
    """runs.csv as rule, seed, metric, value rows, whichever shape the file has."""
    frame = folder.table("runs.csv", ("rule",))
    frame = frame.assign(rule=frame["rule"].astype(str))
    if "seed" not in frame.columns:
        frame = frame.assign(seed=frame.groupby("rule").cumcount())
    if "metric" in frame.columns and "value" in frame.columns:
        long = frame[["rule", "seed", "metric", "value"]].copy()
        long["metric"] = long["metric"].astype(str)
    else:
        # A column with one value in every row is a setting of the runs (join_requests, loss),
        # not a result that could differ between rules.
        metrics = [c for c in frame.columns if c not in RUN_KEYS and frame[c].dtype.kind in "fiu"
                   and frame[c].nunique(dropna=False) > 1]
        if not metrics:
            raise MissingFile("runs.csv has no metric that differs between runs")
        long = frame.melt(id_vars=["rule", "seed"], value_vars=metrics, var_name="metric",
                          value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce")
    return long


def _stats_from_runs(runs):
    rows = []
    for (rule, metric), values in runs.groupby(["rule", "metric"], sort=True):
        v = values["value"].dropna().to_numpy(dtype=float)
        if len(v) == 0:
            continue
        mean = float(v.mean())
        std = float(v.std(ddof=1)) if len(v) > 1 else 0.0
        half = _t95(len(v) - 1) * std / math.sqrt(len(v)) if len(v) > 1 else 0.0
        rows.append({"rule": rule, "metric": metric, "mean": mean, "std": std,
                     "ci95_low": mean - half, "ci95_high": mean + half, "runs": len(v)})
    if not rows:
        raise MissingFile("runs.csv has no values")
    return pd.DataFrame(rows)


def _t95(dof):
    """Two-sided 95% Student t quantile; the normal value past the table."""
    table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
             2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
             2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
    return table[dof - 1] if dof <= len(table) else 1.96


def _sweep_column(stats):
    """A numeric column other than the statistics (e.g. `nodes`) that varies within a rule and
    metric: then each metric is a curve against it, with a confidence band."""
    for column in stats.columns:
        if column in STAT_COLUMNS or stats[column].dtype.kind not in "fiu":
            continue
        if stats.groupby(["rule", "metric"])[column].nunique().max() > 1:
            return column
    return None


def _interval(rows):
    if "ci95_low" in rows.columns and "ci95_high" in rows.columns:
        return rows["ci95_low"].to_numpy(dtype=float), rows["ci95_high"].to_numpy(dtype=float)
    return None, None


def _rules_figure(metric, rows, points, rules, colours):
    figure, axes = plt.subplots(figsize=(max(6.0, 1.6 * len(rules) + 3.0), 4.8))
    positions = {rule: i for i, rule in enumerate(rules)}
    seed_count = 0
    for rule in rules:
        row = rows[rows["rule"].astype(str) == rule]
        if row.empty or not row["mean"].notna().any():
            continue
        x = positions[rule]
        mean = float(row["mean"].iloc[0])
        low, high = _interval(row)
        if low is not None and np.isfinite(low[0]) and np.isfinite(high[0]):
            axes.fill_between([x - 0.3, x + 0.3], low[0], high[0], color=colours[rule], alpha=0.25,
                              linewidth=0)
        axes.hlines(mean, x - 0.3, x + 0.3, color=colours[rule], linewidth=3)
        if points is not None:
            values = points[points["rule"] == rule]["value"].dropna().to_numpy(dtype=float)
            seed_count = max(seed_count, len(values))
            jitter = np.random.default_rng(positions[rule]).uniform(-0.2, 0.2, len(values))
            axes.scatter(x + jitter, values, s=16, color=colours[rule], edgecolors="black",
                         linewidths=0.4, zorder=3)
    axes.set_xticks(range(len(rules)), rules)
    axes.set_xlim(-0.6, len(rules) - 0.4)
    axes.set_xlabel("join rule")
    axes.set_ylabel(labels.axis(metric))
    axes.set_title(f"{labels.name(metric).capitalize()} by join rule")
    handles = [Line2D([0], [0], color="0.3", linewidth=3, label="mean over seeds"),
               Patch(color="0.3", alpha=0.25, label="95% confidence interval")]
    if seed_count:
        handles.append(Line2D([0], [0], marker="o", color="white", markerfacecolor="0.5",
                              markeredgecolor="black", markersize=6, label="one seed"))
    axes.legend(handles=handles, loc="best")
    axes.grid(axis="x", visible=False)
    return figure


def _sweep_figure(metric, rows, sweep, colours):
    figure, axes = plt.subplots()
    for rule in sorted(rows["rule"].astype(str).unique()):
        part = rows[rows["rule"].astype(str) == rule].sort_values(sweep, kind="mergesort")
        low, high = _interval(part)
        if low is not None:
            axes.fill_between(part[sweep], low, high, color=colours[rule], alpha=0.22,
                              linewidth=0)
        axes.plot(part[sweep], part["mean"], color=colours[rule], marker="o", markersize=4,
                  label=f"{rule} (mean, band: 95% CI)" if low is not None else rule)
    axes.set_xlabel(labels.axis(sweep))
    axes.set_ylabel(labels.axis(metric))
    axes.set_title(f"{labels.name(metric).capitalize()} against {labels.name(sweep)}")
    axes.legend(loc="best")
    return figure
