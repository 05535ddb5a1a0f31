"""The speed of a join rule written in Python against the same rule in C++.

py_inverse_degree (tests/python/rules_for_tests.py) makes the same draws in the same order as the
built-in inverse_degree, so both runs handle the very same events: the ratio of their simulation
times is the cost of calling Python per JOIN_REQ. Prints the median of --repeat runs of each, in
events per second, interleaved so both see the same machine load. Pin it to one core:

    taskset -c 1 env PYTHONPATH=build/python python3 python/bench_rule.py --nodes 20000
"""

import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# Python puts this folder first on the path, where p2p/ is the package's sources without its
# compiled half: import the built package from PYTHONPATH instead.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
import p2p  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))
import rules_for_tests  # noqa: E402,F401  (registers py_inverse_degree)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    times = {"inverse_degree": [], "py_inverse_degree": []}
    events = {}
    for _ in range(args.repeat):
        for rule in times:
            r = p2p.simulate(nodes=args.nodes, seed=args.seed, rule=rule, progress=False,
                             paths=False, spectral=False, resilience_runs=1)
            times[rule].append(r._run.sim_seconds)
            events[rule] = r.events
    assert events["inverse_degree"] == events["py_inverse_degree"], events
    print("nodes %d, %d events per run, median of %d runs (range)" % (
        args.nodes, events["inverse_degree"], args.repeat))
    for rule, ts in times.items():
        print("%-18s %8.3f s  (%.3f-%.3f)  %.2f M events/s" % (
            rule, statistics.median(ts), min(ts), max(ts),
            events[rule] / statistics.median(ts) / 1e6))
    print("python / c++ time: %.1fx" % (statistics.median(times["py_inverse_degree"])
                                        / statistics.median(times["inverse_degree"])))


if __name__ == "__main__":
    main()
