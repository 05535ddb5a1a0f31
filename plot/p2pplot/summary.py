"""`p2p plot DIR --summary`: one page of the five or six panels a reader needs first.

For one run: its key numbers, the degree distribution against a random graph, resilience, the
network over time with the scenario's phases, the overlay itself when it is small, and clustering.
For a comparison or a campaign: resilience curves per rule or per point and the headline metrics
side by side, or against the swept parameter. A panel whose
file is absent is left out and the next one moves up; the page needs at least one.
"""

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from . import campaign, compare, figures, labels, network, phases
from .folder import MissingFile
from .style import colour

PAGE = (17.0, 10.0)
KEY_NUMBERS = ("nodes", "edges", "mean_degree", "max_degree", "average_clustering",
               "mean_shortest_path", "diameter", "components", "largest_component_fraction",
               "bridges", "flood_coverage", "virtual_time_s", "departures", "crashes")


def page(folder, writer, limit, requested_entry=None):
    # The folder's name stays off the page: the same data gives the same bytes wherever it is.
    if compare.is_compare_folder(folder) and not folder.has("degree_distribution.csv"):
        figure = _compare_page(folder)
    else:
        figure = _run_page(folder, limit, requested_entry)
    writer.save(figure, "summary")


def _grid(count):
    wide = 3 if count > 4 else 2 if count > 1 else 1
    tall = -(-count // wide)
    figure = plt.figure(figsize=(PAGE[0] * wide / 3, PAGE[1] * tall / 2))
    return figure, [figure.add_subplot(tall, wide, i + 1) for i in range(count)]


def _run_page(folder, limit, requested_entry):
    summary = folder.summary()
    series = _series(folder)

    def table(file, *columns):
        return lambda: folder.table(file, columns)

    # (whether the panel can be drawn, how to draw it), in the order a reader wants them.
    candidates = [
        (lambda: summary or _missing("no summary.csv"), lambda f, a: _key_numbers(a, summary)),
        (table("degree_distribution.csv", "degree", "count"), lambda f, a: _degree(a, folder)),
        (table("resilience.csv", "strategy", "fraction_removed", "largest_component_fraction"),
         lambda f, a: _resilience(a, folder)),
    ]
    for column in ("live_nodes", "largest_component_fraction"):
        if series is not None and column in series[1]:
            candidates.append((lambda: True, lambda f, a, c=column: _timeseries(a, series, c)))
    candidates += [
        (lambda: _network_ready(folder, limit),
         lambda f, a: network.draw_overlay(f, a, folder, limit, requested_entry,
                                           legend_columns=2, short=True)),
        (table("nodes.csv", "degree", "clustering"),
         lambda f, a: _clustering(a, folder, summary)),
    ]
    usable = [draw for ready, draw in candidates if _ready(ready)][:6]
    if len(usable) < 2:
        raise MissingFile("too little to summarise (needs two of summary, degree distribution, "
                          "resilience, time series, network)")
    figure, grid = _grid(len(usable))
    for axes, draw in zip(grid, usable):
        draw(figure, axes)
    title = "Summary of the run"
    if "nodes" in summary:
        title += f": {int(summary['nodes']):,} nodes"
        if "virtual_time_s" in summary:
            title += f" after {summary['virtual_time_s']:.4g} s of virtual time"
    figure.suptitle(title, fontsize=16)
    figure.tight_layout()
    return figure


def _missing(why):
    raise MissingFile(why)


def _ready(check):
    try:
        check()
        return True
    except MissingFile:
        return False


def _network_ready(folder, limit):
    network.check_drawable(folder, limit)
    if network.node_count(folder) == 0:
        raise MissingFile("no nodes")


def _key_numbers(axes, summary):
    rows = [(labels.name(m), figures.number(summary[m], m)) for m in KEY_NUMBERS
            if m in summary]
    if not rows:
        raise MissingFile("no summary.csv")
    axes.set_axis_off()
    table = axes.table(cellText=[[v] for _, v in rows], rowLabels=[r for r, _ in rows],
                       loc="center right", cellLoc="right", rowLoc="left",
                       colWidths=[0.32])
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    table.scale(1, 1.3)
    for cell in table.get_celld().values():
        cell.set_edgecolor("0.85")
    axes.set_title("Key numbers")


def _degree(axes, folder):
    figures.draw_degree_ccdf(axes, folder.table("degree_distribution.csv", ("degree", "count")))
    axes.set_title("Degrees against a random graph (CCDF)")


def _resilience(axes, folder):
    figures.draw_resilience(axes, folder.table(
        "resilience.csv", ("strategy", "fraction_removed", "largest_component_fraction")))
    axes.legend(loc="upper right", fontsize=8)


def _clustering(axes, folder, summary):
    figures.draw_clustering(axes, folder.table("nodes.csv", ("degree", "clustering")), summary)
    axes.legend(loc="upper right", fontsize=8)


def _series(folder):
    """(frame, columns, phases) of the time series, or None when it has too few samples."""
    try:
        frame = folder.table("timeseries.csv", ("time_s",))
        figures.check_samples(frame)
    except MissingFile:
        return None
    start, until, last = figures.time_span(frame)
    marks = phases.within(phases.read(folder), start, until)
    return frame, figures.timeseries_columns(frame), marks, (start, until, last)


def _timeseries(axes, series, column):
    frame, _, marks, (start, until, last) = series
    figures.draw_timeseries(axes, frame, column, figures.groups(frame), marks, words=False)
    axes.set_xlabel("virtual time (s)")
    if last is not None:
        axes.set_xlim(start - 0.02 * (until - start), until)
        axes.set_xlabel(f"virtual time (s; the last sample, at {last:.4g} s, is off the edge)")
    key = [Line2D([0], [0], color=colour(0), linewidth=1.8, label=labels.name(column))]
    axes.legend(handles=key + phases.handles(marks), loc="best", fontsize=7)


def _compare_page(folder):
    data = compare.comparison(folder)
    metrics = [m for m in compare.SUMMARY_METRICS if m in data.metrics]
    metrics += [m for m in data.metrics if m not in metrics and not compare.REMOVAL.match(m)]
    # First the resilience curves: from the comparison's removal metrics, else drawn per point
    # from the run folders (a campaign of `p2p run`), when they have them.
    curves = None
    if data.removal_metrics() and data.sweep is None:
        curves = "metrics"
    elif _ready(lambda: campaign.resilience_by_point(folder, data.points, "degree")):
        curves = "runs"
    metrics = metrics[:5 if curves else 6]
    if not metrics and not curves:
        raise MissingFile("the comparison has none of the headline metrics")
    figure, grid = _grid(len(metrics) + bool(curves))
    if curves == "metrics":
        compare.draw_removal_curves(grid[0], data)
        grid[0].legend(loc="lower left", fontsize=7)
        grid[0].set_title("Largest component as nodes are removed")
    elif curves == "runs":
        colours = [data.colours[g] for g in data.points.groups]
        campaign.draw_resilience(grid[0], folder, data.points, colours, "degree", legend=False)
        grid[0].legend(loc="upper right", fontsize=7)
        grid[0].set_title("Targeted removal, by point (band: 95% CI)")
    rotate = max(len(r) for r in data.rules) * len(data.rules) > 40
    for axes, metric in zip(grid[bool(curves):], metrics):
        compare.draw_metric(axes, data, metric, rotate=rotate)
    compare.finish_page(figure, data, "Summary of the comparison" if data.sweep is None
                        else "Summary of the sweep")
    return figure
