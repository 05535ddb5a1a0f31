"""Every name p2p writes (a summary metric, a comparison metric or a CSV column), said in words.

One table for every figure: a label for titles and legends, a unit for axes, and a kind that
decides how the value may be drawn:

- "count": a whole number (integer ticks, integer bins);
- "fraction": 0 to 1 (the axis is pinned to that range);
- "real": any other measured quantity;
- "id": an identifier (a node id, a seed, a broadcast's number) that must never be averaged;
- "setting": a parameter of the run, the same in every run it labels (never a result).

tests/plot checks that every metric and column p2p writes is here; a new metric without a label
fails that test rather than showing up as raw snake_case.
"""

COUNT, FRACTION, REAL, ID, SETTING = "count", "fraction", "real", "id", "setting"


def _removal(kind, percent):
    how = "random" if kind == "random" else "targeted"
    return (f"largest component after {percent}% {how} removal", "fraction of all nodes",
            FRACTION)


METRICS = {
    # The graph (summary.csv of p2p sim and p2p analyze).
    "nodes": ("nodes", "nodes", COUNT),
    "edges": ("connections", "connections", COUNT),
    "self_loops_dropped": ("self-loops dropped", "edges", COUNT),
    "duplicate_edges_dropped": ("duplicate links dropped", "edges", COUNT),
    "min_degree": ("minimum degree", "connections", COUNT),
    "mean_degree": ("mean degree", "connections per node", REAL),
    "max_degree": ("maximum degree", "connections", COUNT),
    "degree_stddev": ("degree standard deviation", "connections", REAL),
    "average_clustering": ("average clustering", "coefficient, 0 to 1", FRACTION),
    "transitivity": ("transitivity", "coefficient, 0 to 1", FRACTION),
    "triangles": ("triangles", "triangles", COUNT),
    "components": ("connected components", "components", COUNT),
    "largest_component_fraction": ("largest component", "fraction of nodes", FRACTION),
    "largest_component_nodes": ("largest component", "nodes", COUNT),
    "isolated_nodes": ("isolated nodes", "nodes", COUNT),
    "bridges": ("bridges", "edges", COUNT),
    "articulation_points": ("articulation points", "nodes", COUNT),
    "max_core_number": ("largest k-core", "k", COUNT),
    "degree_assortativity": ("degree assortativity", "Pearson r, -1 to 1", REAL),
    "mean_shortest_path": ("mean shortest path", "hops", REAL),
    "diameter": ("diameter", "hops", COUNT),
    "path_samples": ("path sources sampled", "nodes", COUNT),
    "algebraic_connectivity": ("algebraic connectivity", "Laplacian eigenvalue", REAL),
    "random_removal_half_fraction": ("random removal that halves the largest component",
                                     "fraction of nodes removed", FRACTION),
    "degree_removal_half_fraction": ("targeted removal that halves the largest component",
                                     "fraction of nodes removed", FRACTION),
    # What a simulation adds to summary.csv.
    "events": ("events", "events", COUNT),
    "virtual_time_s": ("virtual time", "s", REAL),
    "join_requests_sent": ("JOIN_REQs sent", "messages", COUNT),
    "join_requests_accepted": ("JOIN_REQs accepted", "messages", COUNT),
    "join_requests_dropped": ("JOIN_REQs dropped", "messages", COUNT),
    "join_request_hops": ("JOIN_REQ forwards", "hops", COUNT),
    "flood_origin": ("flood origin", "node id", ID),
    "flood_coverage": ("flood coverage", "fraction of nodes reached", FRACTION),
    "flood_messages": ("flood messages", "messages", COUNT),
    "flood_duplicates": ("flood duplicates", "messages", COUNT),
    "nodes_ever": ("nodes ever present", "nodes", COUNT),
    "departures": ("graceful departures", "nodes", COUNT),
    "crashes": ("crashes", "nodes", COUNT),
    "packets_lost": ("packets lost", "packets", COUNT),
    "packets_cut": ("packets cut by a partition", "packets", COUNT),
    "adversary_link_share": ("honest links held by attackers", "fraction of honest link ends",
                             FRACTION),
    "honest_delivery_ratio": ("honest delivery ratio", "fraction of honest nodes reached",
                              FRACTION),
    "injected_deliveries": ("attackers' messages delivered", "deliveries at honest nodes", COUNT),
    "forged_packets": ("forged packets dropped", "packets", COUNT),
    # What p2p compare adds (comparison.csv `metric`, runs.csv columns).
    "duplicate_links": ("duplicate links", "links", COUNT),
    "entry_link_share": ("entry's share of links", "fraction of links", FRACTION),
    "lcc_random_10": _removal("random", 10),
    "lcc_random_30": _removal("random", 30),
    "lcc_random_50": _removal("random", 50),
    "lcc_degree_10": _removal("degree", 10),
    "lcc_degree_30": _removal("degree", 30),
    "lcc_degree_50": _removal("degree", 50),
    "messages_per_delivery": ("flood messages per delivery", "messages", REAL),
    "join_hops_per_accept": ("JOIN_REQ forwards per accept", "hops", REAL),
    "lcc_after_crash": ("largest component after the crash", "fraction of live nodes", FRACTION),
    "flood_coverage_after_crash": ("flood coverage after the crash", "fraction of nodes reached",
                                   FRACTION),
    # runs.csv of `p2p sim --seeds` and `p2p compare`: the run's identity and settings.
    "seed": ("seed", "seed", ID),
    # groups.csv: networks mixing rules, one row per group.
    "group": ("group", "group", ID),
    "share": ("share of newcomers", "fraction of nodes", SETTING),
    "links_within": ("links within the group", "links", COUNT),
    "links_across": ("links to other groups", "links", COUNT),
    "flood_reachable": ("nodes the last flood could reach", "nodes", COUNT),
    "flood_deliveries": ("nodes the last flood reached", "nodes", COUNT),
    # A scenario with end_s: when the final flood ran, after the end the summary describes.
    "flood_time_s": ("final flood's time", "s", REAL),
    "rule": ("join rule", "rule", SETTING),
    "scenario": ("scenario", "file", SETTING),
    "join_requests": ("JOIN_REQs per newcomer", "messages", SETTING),
    "max_hops": ("maximum hops", "hops", COUNT),
    "loss": ("packet loss", "probability", SETTING),
    # timeseries.csv.
    "time_s": ("virtual time", "s", REAL),
    "live_nodes": ("live nodes", "nodes", COUNT),
    "join_requests_in_flight": ("JOIN_REQs in flight", "requests", COUNT),
    "messages_sent": ("messages sent", "messages since the start", COUNT),
    "pending_events": ("pending events", "events in the queue", COUNT),
    # broadcasts.csv.
    "broadcast": ("broadcast", "number", ID),
    "origin": ("origin", "node id", ID),
    "reachable": ("reachable nodes", "nodes", COUNT),
    "deliveries": ("deliveries", "nodes reached", COUNT),
    "coverage": ("coverage", "fraction of nodes reached", FRACTION),
    "messages": ("messages", "messages", COUNT),
    "duplicates": ("duplicate deliveries", "messages", COUNT),
    "latency_p50_ms": ("median delivery latency", "ms", REAL),
    "latency_p90_ms": ("90th percentile delivery latency", "ms", REAL),
    "latency_p99_ms": ("99th percentile delivery latency", "ms", REAL),
    "latency_max_ms": ("slowest delivery", "ms", REAL),
    "finished": ("finished", "1 = no copy in flight", SETTING),
    # nodes.csv and resilience.csv.
    "node": ("node", "node id", ID),
    "degree": ("degree", "connections", COUNT),
    "count": ("nodes with this degree", "nodes", COUNT),
    "clustering": ("local clustering", "coefficient, 0 to 1", FRACTION),
    "component": ("component", "component id", ID),
    "core_number": ("core number", "k", COUNT),
    "articulation_point": ("articulation point", "1 = yes", SETTING),
    "strategy": ("removal order", "order", SETTING),
    "fraction_removed": ("nodes removed", "fraction of all nodes", FRACTION),
    "nodes_removed": ("nodes removed", "nodes", COUNT),
    "largest_component_fraction_std": ("largest component, standard deviation",
                                       "fraction of nodes", REAL),
    "runs": ("runs", "runs", COUNT),
    # The columns that hold the rest: summary.csv, edges.csv, comparison.csv, phases.csv.
    "metric": ("metric", "name", SETTING),
    "value": ("value", "value", REAL),
    "source": ("source node", "node id", ID),
    "target": ("target node", "node id", ID),
    "mean": ("mean", "value", REAL),
    "stddev": ("standard deviation", "value", REAL),
    "ci95_low": ("95% interval, low end", "value", REAL),
    "ci95_high": ("95% interval, high end", "value", REAL),
    "phase": ("scenario phase", "name", SETTING),
    "start_s": ("phase start", "s", REAL),
    "end_s": ("phase end", "s", REAL),
    "detail": ("phase detail", "text", SETTING),
}


def known(column):
    return str(column) in METRICS


def name(column):
    if known(column):
        return METRICS[column][0]
    return _readable(column)


def title(column):
    """The label as a title: first letter raised, the rest kept (JOIN_REQs stays JOIN_REQs)."""
    text = name(column)
    return text[:1].upper() + text[1:]


def unit(column):
    if known(column):
        return METRICS[column][1]
    # The contract spells units as suffixes: latency_ms, time_s, bytes_sent.
    for suffix, text in (("_ms", "ms"), ("_us", "µs"), ("_s", "s"), ("_fraction", "fraction"),
                         ("_bytes", "bytes")):
        if str(column).endswith(suffix):
            return text
    return "value"


def kind(column):
    return METRICS[column][2] if known(column) else REAL


def is_integer(column):
    return kind(column) == COUNT


def is_result(column):
    """A measured quantity that may be averaged across runs (not an id, not a setting)."""
    return kind(column) not in (ID, SETTING)


def axis(column):
    if unit(column) == name(column):
        return name(column)
    return f"{name(column)} ({unit(column)})"


def _readable(column):
    text = str(column)
    for suffix in ("_ms", "_us", "_s"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text.replace("_", " ")
