"""The figures of one run's folder: degrees, clustering, resilience, time series, broadcasts.

Each function draws from the tables it names and raises MissingFile when one is absent, so the
caller can skip that figure with a notice and go on with the rest. A `rule` column, where a file
has one, splits the data into one line per rule (a `p2p compare` folder may write such files).
"""

import math

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from . import labels
from .folder import MissingFile
from .style import colour, in_order, integer_ticks, plain_log_ticks

# Above this many nodes a scatter is an unreadable blot and slow to render: show a fixed,
# seeded sample of the points (the per-degree means still use every node).
SCATTER_LIMIT = 4000


def groups(frame, column="rule"):
    """(label, rows) per value of `column` in the order the file first gives it (the order the
    user gave the rules in); one unlabelled group without it."""
    if column not in frame.columns:
        return [(None, frame)]
    keys = frame[column].astype(str)
    return [(key, frame[keys == key]) for key in in_order(keys)]


def degree_distribution(folder, writer):
    frame = folder.table("degree_distribution.csv", ("degree", "count"))
    figure, (linear, ccdf) = plt.subplots(1, 2, figsize=(11.5, 4.6))
    draw_degree_counts(linear, frame)
    draw_degree_ccdf(ccdf, frame)
    figure.suptitle("How many connections each node holds", fontsize=14)
    figure.tight_layout()
    writer.save(figure, "degree_distribution")


def _degree_parts(frame):
    """(label, degrees, counts, total, mean) per group, degrees ascending."""
    result = []
    for label, rows in groups(frame):
        counts = rows.groupby("degree")["count"].sum().sort_index()
        degrees = counts.index.to_numpy(dtype=float)
        values = counts.to_numpy(dtype=float)
        total = values.sum()
        if total <= 0:
            raise MissingFile("degree_distribution.csv counts no nodes")
        result.append((label, degrees, values, total, float((degrees * values).sum() / total)))
    return result


def draw_degree_counts(axes, frame):
    parts = _degree_parts(frame)
    single = len(parts) == 1
    for index, (label, degrees, values, total, mean) in enumerate(parts):
        if single and len(degrees) <= 200:
            axes.bar(degrees, values, width=0.8, color=colour(0),
                     label=f"nodes ({int(total)} in all)")
        elif single:
            # Hundreds of distinct degrees: one bar each would be slow and unreadable.
            axes.plot(degrees, values, marker=".", linestyle="none", color=colour(0),
                      label=f"nodes ({int(total)} in all)")
        else:
            axes.plot(degrees, values / total, marker="o", markersize=4, color=colour(index),
                      label=f"{label} (mean {mean:.2f})")
        if single:
            axes.axvline(mean, color=colour(1), linestyle="--", label=f"mean degree {mean:.2f}")
    axes.set_title("Degree distribution")
    axes.set_xlabel("degree (connections per node)")
    axes.set_ylabel("nodes" if single else "fraction of nodes")
    integer_ticks(axes.xaxis)
    if single:
        integer_ticks(axes.yaxis)
    axes.legend()


def draw_degree_ccdf(axes, frame):
    parts = _degree_parts(frame)
    single = len(parts) == 1
    for index, (label, degrees, values, total, mean) in enumerate(parts):
        at_least = values[::-1].cumsum()[::-1] / total
        positive = degrees > 0
        axes.loglog(degrees[positive], at_least[positive], marker="o", markersize=4,
                    color=colour(index), label=label or "this run")
        if single and 0 < mean < 2000:
            # A random graph with the same mean degree has Poisson degrees: the reference that
            # shows whether the join rule balances load or grows hubs.
            # Past mean + 40 sd the reference is far below one node in any real run.
            top = min(int(degrees.max()), int(mean + 40 * math.sqrt(mean) + 40))
            ks = np.arange(1, top + 1)
            reference = _poisson_at_least(ks, mean)
            keep = reference >= 0.1 / total
            axes.loglog(ks[keep], reference[keep], color="0.45", linestyle="--",
                        label="Poisson, same mean (random graph)")
    plain_log_ticks(axes)
    axes.set_title("Complementary CDF (log-log)")
    axes.set_xlabel("degree k (connections per node)")
    axes.set_ylabel("fraction of nodes with degree ≥ k")
    axes.legend()


def _poisson_at_least(ks, mean):
    """P(X >= k) for X ~ Poisson(mean), for each k in ks (k >= 1)."""
    top = int(ks.max())
    pmf = np.array([math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))
                    for k in range(top + 1)])
    below = np.concatenate(([0.0], np.cumsum(pmf)[:-1]))
    return np.clip(1.0 - below[ks], 0.0, 1.0)


def clustering_vs_degree(folder, writer):
    frame = folder.table("nodes.csv", ("degree", "clustering"))
    figure, axes = plt.subplots()
    draw_clustering(axes, frame, folder.summary())
    axes.legend(loc="upper right")
    writer.save(figure, "clustering_vs_degree")


def draw_clustering(axes, frame, summary, points=True):
    frame = frame[frame["clustering"].notna()]
    if frame.empty:
        raise MissingFile("nodes.csv has no clustering values")
    low, high = int(frame["degree"].min()), int(frame["degree"].max())
    # A few hubs far right would squeeze every other node into the left edge: log degrees then.
    logarithmic = low >= 1 and high >= 10 * low
    for index, (label, rows) in enumerate(groups(frame)):
        tag = f"{label}: " if label else ""
        shown = rows
        if len(rows) > SCATTER_LIMIT:
            pick = np.sort(np.random.default_rng(0).choice(len(rows), SCATTER_LIMIT,
                                                           replace=False))
            shown = rows.iloc[pick]
        if points:
            # Degrees are integers: a small fixed jitter keeps stacked points visible.
            jitter = np.random.default_rng(1).uniform(-0.18, 0.18, len(shown))
            x = shown["degree"].to_numpy(dtype=float)
            x = x * np.exp(jitter * 0.25) if logarithmic else x + jitter
            axes.scatter(x, shown["clustering"], s=9, alpha=0.35, color=colour(index),
                         linewidths=0,
                         label=f"{tag}one node" + (f" (sample of {len(shown)})"
                                                   if len(shown) < len(rows) else ""))
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
        plain_log_ticks(axes)
        axes.set_xlabel("degree (connections per node, log scale)")
    else:
        integer_ticks(axes.xaxis)


STRATEGY_NAMES = {
    "random": "random failures",
    "degree": "targeted: highest degree first",
}


def resilience(folder, writer):
    frame = folder.table("resilience.csv",
                         ("strategy", "fraction_removed", "largest_component_fraction"))
    figure, axes = plt.subplots()
    draw_resilience(axes, frame)
    axes.legend(loc="upper right")
    writer.save(figure, "resilience")


def draw_resilience(axes, frame):
    # Random failures and targeted attack keep one colour each, whatever order the file has.
    styles = {"random": 0, "degree": 1}
    for rule, by_rule in groups(frame):
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
# Fewer samples than this make no curve: the figure says so rather than drawing empty panels.
MIN_SAMPLES = 3
# The columns a reader looks at first, in this order; any others follow.
TIME_FIRST = ("live_nodes", "edges", "mean_degree", "largest_component_fraction", "components",
              "join_requests_in_flight", "messages_sent", "pending_events")


def timeseries_columns(frame):
    usable = [c for c in frame.columns if c != "time_s" and c not in TIME_GROUPS and
              labels.is_result(c) and frame[c].dtype.kind in "fiu" and frame[c].notna().any()]
    return [c for c in TIME_FIRST if c in usable] + [c for c in usable if c not in TIME_FIRST]


def check_samples(frame):
    samples = int(frame["time_s"].nunique())
    if samples < MIN_SAMPLES:
        raise MissingFile(
            f"timeseries.csv has {samples} sample{'s' if samples != 1 else ''}, too few for a "
            "curve; p2p sim samples once at the end unless given --sample-every S or "
            "sample_every_s")


def time_span(frame):
    """(start, end, last): the span of time to show. A run samples once more when it ends,
    which may come long after the regular samples (a final flood, timers draining): then the
    span stops one interval after the regular samples, and `last` is the sample left out."""
    times = np.unique(frame["time_s"].to_numpy(dtype=float))
    start, end = float(times[0]), float(times[-1])
    if len(times) >= 4:
        gaps = np.diff(times)
        usual = float(np.median(gaps[:-1]))
        if usual > 0 and gaps[-1] > 10 * usual and gaps[-1] > 0.5 * (end - start):
            return start, float(times[-2]) + usual, end
    return start, end, None


def draw_timeseries(axes, frame, column, parts, phase_marks, words=True):
    """One column against virtual time on `axes`: a step line per group (mean and min-max band
    when a group holds several runs) over the scenario's phases."""
    from . import phases

    phases.mark(axes, phase_marks, words=words)
    for index, (label, rows) in enumerate(parts):
        rows = rows.sort_values("time_s", kind="mergesort")
        if "seed" in rows.columns or "run" in rows.columns:
            at = rows.groupby("time_s")[column]
            axes.fill_between(at.min().index, at.min(), at.max(), color=colour(index),
                              alpha=0.2, linewidth=0, step="post")
            axes.plot(at.mean().index, at.mean(), color=colour(index), drawstyle="steps-post",
                      label=f"{label or 'mean'} (band: min to max over runs)")
        else:
            # A sample is the state at its time, held until the next one: steps, not slopes,
            # so a long quiet stretch does not look like a slow change.
            axes.plot(rows["time_s"], rows[column], color=colour(index),
                      label=label or labels.name(column), linewidth=1.8, drawstyle="steps-post")
    axes.set_title(labels.title(column))
    axes.set_ylabel(labels.unit(column))
    if labels.kind(column) == labels.FRACTION:
        axes.set_ylim(-0.03, 1.05)
    elif labels.is_integer(column):
        integer_ticks(axes.yaxis)
        axes.set_ylim(bottom=min(0, float(frame[column].min())))


def timeseries(folder, writer):
    from . import phases

    frame = folder.table("timeseries.csv", ("time_s",))
    columns = timeseries_columns(frame)
    if not columns:
        raise MissingFile("timeseries.csv has no numeric columns besides time_s")
    check_samples(frame)
    start, until, last = time_span(frame)
    marks = phases.within(phases.read(folder), start, until)
    wide = 2 if len(columns) > 1 else 1
    tall = math.ceil(len(columns) / wide)
    figure, grid = plt.subplots(tall, wide, figsize=(11.5 if wide == 2 else 8, 2.6 * tall + 1.2),
                                squeeze=False, sharex=True)
    parts = groups(frame)
    for slot, column in enumerate(columns):
        axes = grid[slot // wide][slot % wide]
        draw_timeseries(axes, frame, column, parts, marks, words=slot < wide)
        if len(parts) > 1:
            axes.legend(loc="best", fontsize=8)
    for slot in range(len(columns), tall * wide):
        grid[slot // wide][slot % wide].set_visible(False)
    for column_index in range(wide):
        bottom = min(tall - 1, (len(columns) - 1 - column_index) // wide)
        grid[bottom][column_index].set_xlabel("virtual time (s)")
        grid[bottom][column_index].xaxis.set_tick_params(labelbottom=True)
    if last is not None:
        grid[0][0].set_xlim(start - 0.02 * (until - start), until)
    figure.suptitle("The network over virtual time", fontsize=14)
    key_rows = math.ceil((len(marks) + (len(parts) == 1)) / 3)
    figure.tight_layout(rect=(0, 0.022 * key_rows / (tall / 4 + 0.3), 1, 1))
    key = phases.handles(marks)
    if len(parts) == 1:
        key = [Line2D([0], [0], color=colour(0), linewidth=1.8,
                      label="sampled value (held until the next sample)")] + key
    if last is not None:
        key.append(Line2D([], [], linestyle="none",
                          label=f"(the run's last sample, at {last:.4g} s, is off the right edge)"))
    if key:
        figure.legend(handles=key, loc="lower center", ncol=min(3, len(key)), fontsize=9,
                      frameon=False)
    writer.save(figure, "timeseries")


BROADCAST_SKIP = {"broadcast", "time_s", "origin", "seed", "rule", "node", "id", "message",
                  "message_id", "reachable", "deliveries", "finished"}
# The questions a reader asks first: how far, how costly, how fast.
BROADCAST_FIRST = ("coverage", "messages", "duplicates", "latency_p50_ms", "latency_p99_ms",
                   "max_hops")
# Below this many broadcasts a histogram says nothing: the values go in a table.
FEW_BROADCASTS = 5


def broadcast_columns(frame):
    usable = [c for c in frame.columns if c not in BROADCAST_SKIP and labels.is_result(c) and
              frame[c].dtype.kind in "fiu" and frame[c].notna().any()]
    return [c for c in BROADCAST_FIRST if c in usable] + [c for c in usable
                                                           if c not in BROADCAST_FIRST]


def broadcasts(folder, writer):
    frame = folder.table("broadcasts.csv")
    columns = broadcast_columns(frame)
    if not columns:
        raise MissingFile("broadcasts.csv has no numeric columns to plot")
    if len(frame) < FEW_BROADCASTS:
        figure = broadcast_table(frame, columns)
        writer.save(figure, "broadcasts")
        return
    columns = columns[:6]
    wide = min(3, len(columns))
    tall = math.ceil(len(columns) / wide)
    figure, grid = plt.subplots(tall, wide, figsize=(4.2 * wide, 3.4 * tall + 0.6), squeeze=False)
    parts = groups(frame)
    for slot, column in enumerate(columns):
        axes = grid[slot // wide][slot % wide]
        for index, (label, rows) in enumerate(parts):
            values = rows[column].dropna().to_numpy(dtype=float)
            if len(values) == 0:
                continue
            whole = labels.is_integer(column) or bool(np.all(values == np.round(values)))
            bins = (np.arange(values.min() - 0.5, values.max() + 1.5) if whole and
                    values.max() - values.min() <= 40 else min(30, max(5, len(np.unique(values)))))
            axes.hist(values, bins=bins, color=colour(index),
                      alpha=0.6 if len(parts) > 1 else 0.85,
                      label=f"{label or 'broadcasts'} (n={len(values)})")
            if whole:
                integer_ticks(axes.xaxis)
        axes.set_title(labels.title(column))
        axes.set_xlabel(labels.axis(column))
        axes.set_ylabel("broadcasts")
        integer_ticks(axes.yaxis)
        if len(parts) > 1:
            axes.legend(fontsize=9)
    for slot in range(len(columns), tall * wide):
        grid[slot // wide][slot % wide].set_visible(False)
    figure.suptitle(f"Broadcasts: how far and how fast each of {len(frame)} messages spread",
                    fontsize=14)
    figure.tight_layout()
    writer.save(figure, "broadcasts")


def number(value, column):
    if value != value:
        return "-"
    if labels.kind(column) == labels.FRACTION:
        return f"{value:.3f}"
    if labels.is_integer(column) or float(value).is_integer() and abs(value) < 1e15:
        return f"{int(round(value)):,}"
    return f"{value:.4g}"


def broadcast_table(frame, columns):
    """A handful of broadcasts: one table, a row per measure (in the file's order) and a column
    per broadcast."""
    shown = frame.head(FEW_BROADCASTS)
    columns = [c for c in frame.columns if c in columns]
    heads = ["measure"]
    for position, (_, row) in enumerate(shown.iterrows()):
        head = f"#{int(row['broadcast'])}" if "broadcast" in shown.columns else f"#{position}"
        if "time_s" in shown.columns and row["time_s"] == row["time_s"]:
            head += f" at {row['time_s']:.4g} s"
        if "origin" in shown.columns:
            origin = row["origin"]
            head += f"\nfrom node {int(origin) if isinstance(origin, float) else origin}"
        heads.append(head)
    cells = [[labels.axis(c)] + [number(v, c) for v in shown[c]] for c in columns]
    figure, axes = plt.subplots(figsize=(5.2 + 1.9 * len(shown), 0.36 * len(cells) + 1.3))
    axes.set_axis_off()
    table = axes.table(cellText=cells, colLabels=heads, loc="center", cellLoc="right",
                       colWidths=[2.0] + [1.0] * len(shown), bbox=[0, 0, 1, 1])
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    for (r, c), cell in table.get_celld().items():
        cell.set_edgecolor("0.8")
        if c == 0:
            cell.set_text_props(ha="left")
            cell.PAD = 0.02
        if r == 0:
            cell.set_facecolor("#EEF3F8")
    count = len(frame)
    axes.set_title(f"Broadcasts: {count} message{'s' if count != 1 else ''} flooded "
                   "(too few for a distribution)", fontsize=13)
    return figure
