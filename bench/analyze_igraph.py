"""igraph's side of scripts/bench-analyze: load a plain edge list (ids 0..n-1, one pair a line)
with igraph's C reader, then compute every node's local clustering and the connected components:
the part of `p2p analyze`'s report that igraph offers as ready-made calls.

    /usr/bin/python3 bench/analyze_igraph.py EDGES

Prints one line: `igraph nodes=N edges=M components=C seconds=S` (S is the wall time of the
three calls, without the interpreter's start).
"""
import sys
import time

import igraph


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: analyze_igraph.py EDGES")
    start = time.perf_counter()
    g = igraph.Graph.Read_Edgelist(sys.argv[1], directed=False)
    g.transitivity_local_undirected(mode="zero")
    components = g.connected_components()
    seconds = time.perf_counter() - start
    print(f"igraph nodes={g.vcount()} edges={g.ecount()} components={len(components)} "
          f"seconds={seconds:.3f}")


if __name__ == "__main__":
    main()
