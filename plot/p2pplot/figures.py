"""The figures of one run's folder: degrees, clustering, resilience, time series, broadcasts.

Each function draws from the tables it names and raises MissingFile when one is absent, so the
caller can skip that figure with a notice and go on with the rest. A `rule` column, where a file
has one, splits the data into one line per rule (a `p2p compare` folder may write such files).
"""

import math

import numpy as np
import matplotlib.pyplot as plt

from . import labels
from .folder import MissingFile
from .style import colour

# Above this many nodes a scatter is an unreadable blot and slow to render: show a fixed,
# seeded sample of the points (the per-degree means still use every node).
SCATTER_LIMIT = 4000


def groups(frame, column="rule"):
    """(label, rows) per value of `column` in sorted order; one unlabelled group without it."""
    if column not in frame.columns:
        return [(None, frame)]
    return [(str(key), rows) for key, rows in frame.groupby(column, sort=True)]


def degree_distribution(folder, writer):
    frame = folder.table("degree_distribution.csv", ("degree", "count"))
    figure, (linear, ccdf) = plt.subplots(1, 2, figsize=(11.5, 4.6))
    parts = groups(frame)
    single = len(parts) == 1
    for index, (label, rows) in enumerate(parts):
        counts = rows.groupby("degree")["count"].sum().sort_index()
        degrees = counts.index.to_numpy(dtype=float)
        values = counts.to_numpy(dtype=float)
        total = values.sum()
        if total <= 0:
            raise MissingFile("degree_distribution.csv counts no nodes")
        mean = float((degrees * values).sum() / total)
        tag = label or "this run"
        if single and len(degrees) <= 200:
            linear.bar(degrees, values, width=0.8, color=colour(0),
                       label=f"nodes ({int(total)} in all)")
        elif single:
            # Hundreds of distinct degrees: one bar each would be slow and unreadable.
            linear.plot(degrees, values, marker=".", linestyle="none", color=colour(0),
                        label=f"nodes ({int(total)} in all)")
        if single:
            linear.axvline(mean, color=colour(1), linestyle="--",
                           label=f"mean degree {mean:.2f}")
        else:
            linear.plot(degrees, values / total, marker="o", markersize=4, color=colour(index),
                        label=f"{tag} (mean {mean:.2f})")
        at_least = values[::-1].cumsum()[::-1] / total
        positive = degrees > 0
        ccdf.loglog(degrees[positive], at_least[positive], marker="o", markersize=4,
                    color=colour(index), label=tag)
        if single and 0 < mean < 2000:
            # A random graph with the same mean degree has Poisson degrees: the reference that
            # shows whether the join rule balances load or grows hubs.
            # Past mean + 40 sd the reference is far below one node in any real run.
            top = min(int(degrees.max()), int(mean + 40 * math.sqrt(mean) + 40))
            ks = np.arange(1, top + 1)
            reference = _poisson_at_least(ks, mean)
            keep = reference >= 0.1 / total
            ccdf.loglog(ks[keep], reference[keep], color="0.45", linestyle="--",
                        label="Poisson, same mean (random graph)")
    linear.set_title("Degree distribution")
    linear.set_xlabel("degree (connections per node)")
    linear.set_ylabel("nodes" if single else "fraction of nodes")
    linear.legend()
    ccdf.set_title("Complementary CDF (log-log)")
    ccdf.set_xlabel("degree k (connections per node)")
    ccdf.set_ylabel("fraction of nodes with degree ≥ k")
    ccdf.legend()
    figure.suptitle("How many connections each node holds", fontsize=14)
    figure.tight_layout()
    writer.save(figure, "degree_distribution")


def _poisson_at_least(ks, mean):
    """P(X >= k) for X ~ Poisson(mean), for each k in ks (k >= 1)."""
    top = int(ks.max())
    pmf = np.array([math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))
                    for k in range(top + 1)])
    below = np.concatenate(([0.0], np.cumsum(pmf)[:-1]))
    return np.clip(1.0 - below[ks], 0.0, 1.0)


def clustering_vs_degree(folder, writer):
    frame = folder.table("nodes.csv", ("degree", "clustering"))
    frame = frame[frame["clustering"].notna()]
    if frame.empty:
        raise MissingFile("nodes.csv has no clustering values")
    summary = folder.summary()
    figure, axes = plt.subplots()
    low, high = int(frame["degree"].min()), int(frame["degree"].max())
    # A few hubs far right would squeeze every other node into the left edge: log degrees then.
    logarithmic = low >= 1 and high >= 10 * low
    parts = groups(frame)
    for index, (label, rows) in enumerate(parts):
        tag = f"{label}: " if label else ""
        shown = rows
        if len(rows) > SCATTER_LIMIT:
            pick = np.sort(np.random.default_rng(0).choice(len(rows), SCATTER_LIMIT,
                                                           replace=False))
            shown = rows.iloc[pick]
        # Degrees are integers: a small fixed jitter keeps stacked points visible.
        jitter = np.random.default_rng(1).uniform(-0.18, 0.18, len(shown))
        x = shown["degree"].to_numpy(dtype=float)
        x = x * np.exp(jitter * 0.25) if logarithmic else x + jitter
        axes.scatter(x, shown["clustering"], s=9, alpha=0.35,
                     color=colour(index), linewidths=0,
                     label=f"{tag}one node" + (f" (sample of {len(shown)})" if len(shown) <
                                               len(rows) else ""))
        means = rows.groupby("degree")["clustering"].mean().sort_index()
        axes.plot(means.index, means.to_numpy(), color=colour(index), marker="o", markersize=4,
                  linewidth=2, label=f"{tag}mean at each degree")
        average = float(rows["clustering"].mean())
        if label is None and "average_clustering" in summary:
            average = summary["average_clustering"]
        axes.axhline(average, color=colour(index), linestyle=":", linewidth=1.5,
                     label=f"{tag}average clustering {average:.3g}")
    axes.set_title("Clustering against degree")
    axes.set_xlabel("degree (connections per node)")
    axes.set_ylabel("local clustering coefficient (0 to 1)")
    top = float(frame["clustering"].max())
    axes.set_ylim(-0.02 * max(top, 0.05), min(1.03, max(0.05, top * 1.15)))
    if logarithmic:
        axes.set_xscale("log")
        axes.set_xlabel("degree (connections per node, log scale)")
    axes.legend(loc="upper right")
    writer.save(figure, "clustering_vs_degree")


STRATEGY_NAMES = {
    "random": "random failures",
    "degree": "targeted: highest degree first",
}


def resilience(folder, writer):
    frame = folder.table("resilience.csv",
                         ("strategy", "fraction_removed", "largest_component_fraction"))
    figure, axes = plt.subplots()
    # Random failures and targeted attack keep one colour each, whatever order the file has.
    styles = {"random": 0, "degree": 1}
    rule_parts = groups(frame)
    for rule_index, (rule, by_rule) in enumerate(rule_parts):
        # Random failures first: the baseline the targeted attack is read against.
        parts = sorted(groups(by_rule, "strategy"), key=lambda p: (p[0] != "random", p[0]))
        for strategy_index, (strategy, rows) in enumerate(parts):
            mean, low, high, runs = _spread(rows)
            key = strategy if rule is None else rule
            index = styles.setdefault(key, len(styles))
            linestyle = "-" if rule is None else ["-", "--", ":", "-."][strategy_index % 4]
            name = STRATEGY_NAMES.get(strategy, strategy)
            label = name if rule is None else f"{rule}, {name}"
            if low is not None:
                spread = f"mean ± 1 sd over {runs} runs" if runs else "mean ± 1 sd"
                label += f" ({spread})"
                axes.fill_between(mean.index, low, high, color=colour(index), alpha=0.22,
                                  linewidth=0)
            axes.plot(mean.index, mean.to_numpy(), color=colour(index), linestyle=linestyle,
                      linewidth=2, label=label)
    axes.plot([0, 1], [1, 0], color="0.6", linestyle=":", linewidth=1.2,
              label="upper bound: every survivor still connected")
    axes.set_title("Resilience: what is left connected as nodes are removed")
    axes.set_xlabel("nodes removed (fraction of all nodes)")
    axes.set_ylabel("largest component (fraction of all nodes)")
    axes.set_xlim(0, 1)
    axes.set_ylim(-0.02, 1.02)
    axes.legend(loc="upper right")
    writer.save(figure, "resilience")


def _spread(rows):
    """Mean curve and its ±1 sd band: from a std column, or from several runs' rows at each
    fraction (a `run` or `seed` column), or no band."""
    ordered = rows.sort_values("fraction_removed", kind="mergesort")
    by_fraction = ordered.groupby("fraction_removed")["largest_component_fraction"]
    mean = by_fraction.mean()
    runs = None
    for column in ("runs", "samples"):
        if column in rows.columns and rows[column].notna().any():
            runs = int(rows[column].max())
    if runs is not None and runs <= 1:
        return mean, None, None, runs
    if "largest_component_fraction_std" in rows.columns and \
            rows["largest_component_fraction_std"].fillna(0).abs().max() > 0:
        std = ordered.groupby("fraction_removed")["largest_component_fraction_std"].mean()
        std = std.fillna(0.0)
    elif by_fraction.size().max() > 1:
        std = by_fraction.std(ddof=1).fillna(0.0)
        runs = int(by_fraction.size().max())
    else:
        return mean, None, None, runs
    return mean, (mean - std).clip(lower=0).to_numpy(), (mean + std).clip(upper=1).to_numpy(), runs


TIME_GROUPS = ("rule", "seed", "run")


def timeseries(folder, writer):
    frame = folder.table("timeseries.csv", ("time_s",))
    columns = [c for c in frame.columns if c != "time_s" and c not in TIME_GROUPS and
               frame[c].dtype.kind in "fiu" and frame[c].notna().any()]
    if not columns:
        raise MissingFile("timeseries.csv has no numeric columns besides time_s")
    wide = 2 if len(columns) > 1 else 1
    tall = math.ceil(len(columns) / wide)
    figure, grid = plt.subplots(tall, wide, figsize=(11.5 if wide == 2 else 8, 2.9 * tall + 0.6),
                                squeeze=False, sharex=True)
    parts = groups(frame)
    for slot, column in enumerate(columns):
        axes = grid[slot // wide][slot % wide]
        for index, (label, rows) in enumerate(parts):
            rows = rows.sort_values("time_s", kind="mergesort")
            if "seed" in rows.columns or "run" in rows.columns:
                # Several runs: the mean line and the spread between the lowest and highest run.
                at = rows.groupby("time_s")[column]
                axes.fill_between(at.min().index, at.min(), at.max(), color=colour(index),
                                  alpha=0.2, linewidth=0)
                axes.plot(at.mean().index, at.mean(), color=colour(index),
                          drawstyle="steps-post",
                          label=f"{label or 'mean'} (band: min to max over runs)")
            else:
                # A sample is the state at its time, held until the next one: steps, not
                # slopes, so a long quiet stretch does not look like a slow change.
                axes.plot(rows["time_s"], rows[column], color=colour(index),
                          label=label or labels.name(column), linewidth=1.8,
                          drawstyle="steps-post")
        axes.set_title(labels.name(column).capitalize())
        axes.set_ylabel(labels.unit(column))
        if column.endswith("fraction") or column == "coverage":
            axes.set_ylim(-0.03, 1.05)
        elif frame[column].dtype.kind in "iu" or column in ("components", "live_nodes", "edges"):
            axes.yaxis.get_major_locator().set_params(integer=True)
            axes.set_ylim(bottom=min(0, float(frame[column].min())))
        axes.legend(loc="best", fontsize=9)
    for slot in range(len(columns), tall * wide):
        grid[slot // wide][slot % wide].set_visible(False)
    for column_index in range(wide):
        last = min(tall - 1, (len(columns) - 1 - column_index) // wide)
        grid[last][column_index].set_xlabel("virtual time (s)")
        grid[last][column_index].xaxis.set_tick_params(labelbottom=True)
    figure.suptitle("The network over virtual time", fontsize=14)
    figure.tight_layout()
    writer.save(figure, "timeseries")


def broadcasts(folder, writer):
    frame = folder.table("broadcasts.csv")
    skip = {"id", "message", "message_id", "origin", "seed", "rule", "node", "broadcast",
            "time_s", "reachable", "deliveries", "finished"}
    # The questions a reader asks first: how far, how costly, how fast.
    first = ["coverage", "messages", "duplicates", "latency_p50_ms", "latency_p99_ms",
             "max_hops"]
    usable = [c for c in frame.columns if c not in skip and frame[c].dtype.kind in "fiu" and
              frame[c].notna().any()]
    columns = ([c for c in first if c in usable] + [c for c in usable if c not in first])[:6]
    if not columns:
        raise MissingFile("broadcasts.csv has no numeric columns to plot")
    wide = min(3, len(columns))
    tall = math.ceil(len(columns) / wide)
    figure, grid = plt.subplots(tall, wide, figsize=(4.2 * wide, 3.4 * tall + 0.6), squeeze=False)
    parts = groups(frame)
    # A histogram of one or two broadcasts says nothing: then show each broadcast's value.
    few = len(frame) < 5
    for slot, column in enumerate(columns):
        axes = grid[slot // wide][slot % wide]
        if few:
            values = frame[column].to_numpy(dtype=float)
            axes.bar(range(len(values)), values, color=colour(0), width=0.5,
                     label=f"each of {len(values)} broadcast{'s' if len(values) != 1 else ''}")
            axes.set_xticks(range(len(values)))
            axes.set_xlim(-1, len(values))
            axes.set_title(labels.name(column).capitalize())
            axes.set_xlabel("broadcast (in order sent)")
            axes.set_ylabel(labels.unit(column))
            axes.legend(fontsize=9)
            continue
        for index, (label, rows) in enumerate(parts):
            values = rows[column].dropna().to_numpy(dtype=float)
            if len(values) == 0:
                continue
            whole = np.all(values == np.round(values))
            bins = (np.arange(values.min() - 0.5, values.max() + 1.5) if whole and
                    values.max() - values.min() <= 40 else min(30, max(5, len(np.unique(values)))))
            axes.hist(values, bins=bins, color=colour(index),
                      alpha=0.6 if len(parts) > 1 else 0.85,
                      label=f"{label or 'broadcasts'} (n={len(values)})")
        axes.set_title(labels.name(column).capitalize())
        axes.set_xlabel(labels.axis(column))
        axes.set_ylabel("broadcasts")
        axes.legend(fontsize=9)
    for slot in range(len(columns), tall * wide):
        grid[slot // wide][slot % wide].set_visible(False)
    figure.suptitle("Broadcasts: how far and how fast each message spread", fontsize=14)
    figure.tight_layout()
    writer.save(figure, "broadcasts")

