"""Human names and units for the column and metric names of the CSV contract.

A name this table does not know is still plotted, under its own snake_case name made readable.
"""

KNOWN = {
    "nodes": ("nodes", "nodes"),
    "live_nodes": ("live nodes", "nodes"),
    "edges": ("edges", "connections"),
    "min_degree": ("minimum degree", "connections"),
    "mean_degree": ("mean degree", "connections per node"),
    "max_degree": ("maximum degree", "connections"),
    "average_clustering": ("average clustering", "coefficient, 0 to 1"),
    "transitivity": ("transitivity", "coefficient, 0 to 1"),
    "components": ("connected components", "count"),
    "largest_component_fraction": ("largest component", "fraction of nodes"),
    "isolated_nodes": ("isolated nodes", "nodes"),
    "bridges": ("bridges", "edges"),
    "articulation_points": ("articulation points", "nodes"),
    "degree_assortativity": ("degree assortativity", "Pearson r, -1 to 1"),
    "mean_shortest_path": ("mean shortest path", "hops"),
    "diameter": ("diameter", "hops"),
    "algebraic_connectivity": ("algebraic connectivity", "Laplacian eigenvalue"),
    "events": ("events", "count"),
    "virtual_time_s": ("virtual time", "s"),
    "join_requests_sent": ("JOIN_REQs sent", "messages"),
    "join_requests_dropped": ("JOIN_REQs dropped", "messages"),
    "flood_coverage": ("flood coverage", "fraction of nodes reached"),
    "flood_messages": ("flood messages", "messages"),
    "coverage": ("coverage", "fraction of nodes reached"),
    "messages": ("messages", "messages"),
    "duplicates": ("duplicate deliveries", "messages"),
    "hops": ("hops", "hops"),
    "max_hops": ("maximum hops", "hops"),
    "time_s": ("virtual time", "s"),
    "join_requests_in_flight": ("JOIN_REQs in flight", "requests"),
    "messages_sent": ("messages sent", "messages since the start"),
    "pending_events": ("pending events", "events in the queue"),
    "reachable": ("reachable nodes", "nodes"),
    "deliveries": ("deliveries", "nodes reached"),
    "latency_p50_ms": ("median delivery latency", "ms"),
    "latency_p90_ms": ("90th percentile delivery latency", "ms"),
    "latency_p99_ms": ("99th percentile delivery latency", "ms"),
    "latency_max_ms": ("slowest delivery", "ms"),
    "finished": ("finished", "1 = every reachable node got it"),
}


def name(column):
    if column in KNOWN:
        return KNOWN[column][0]
    return _readable(column)


def unit(column):
    if column in KNOWN:
        return KNOWN[column][1]
    # The contract spells units as suffixes: latency_ms, time_s, bytes_sent.
    for suffix, text in (("_ms", "ms"), ("_us", "µs"), ("_s", "s"), ("_fraction", "fraction"),
                         ("_bytes", "bytes")):
        if column.endswith(suffix):
            return text
    return "value"


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
