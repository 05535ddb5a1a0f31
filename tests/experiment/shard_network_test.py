#!/usr/bin/env python3
"""One simulation split over MPI ranks, as a user runs it: `mpirun -np R p2p sim --shard-network`
must write the folder one process writes, byte for byte, and refuse what it does not cover.
Usage: shard_network_test.py P2P SOURCE_DIR CASE MPIEXEC"""
import os
import sys
import tempfile

from cli_checks import one_line_error, p2p_run, same_tree
from distributed_test import mpirun

# The analysis is the same code either way: keep it short so the simulation dominates.
QUICK = ["--resilience-runs", "1"]

# Arrivals at a Poisson rate through random live nodes, then the final flood.
RANDOM_ENTRY = """final_flood = true
[latency]
min_ms = 5
max_ms = 40
[[arrivals]]
at_s = 0.01
count = 1999
rate_per_s = 2000
entry = "random"
"""


def split_like_serial(p2p, tmp, mpiexec, args):
    serial = os.path.join(tmp, "serial")
    p2p_run(p2p, "sim", *args, *QUICK, "-o", serial, "-q")
    two = os.path.join(tmp, "np2")
    r = mpirun(mpiexec, 2, p2p, "sim", *args, *QUICK, "--shard-network", "-o", two)
    # It really was split: the ranks met at window ends and rank 0 alone reported.
    assert "split over 2 ranks" in r.stderr and r.stderr.count("simulated") == 1, r.stderr
    windows = int(r.stderr.split("split over 2 ranks: ")[1].split(" windows")[0])
    assert windows > 0, r.stderr
    same_tree(serial, two)
    three = os.path.join(tmp, "np3")
    mpirun(mpiexec, 3, p2p, "sim", *args, *QUICK, "--shard-network", "-o", three, "-q",
           extra=["--oversubscribe"])
    same_tree(serial, three)
    return windows


def default_scenario(p2p, src, tmp, mpiexec):
    windows = split_like_serial(p2p, tmp, mpiexec, ["-n", "2000", "-s", "3"])
    # About one window per arrival (20 s of arrivals, 10 ms windows), then the flood's.
    assert 1900 < windows < 2400, windows


def high_rate(p2p, src, tmp, mpiexec):
    windows = split_like_serial(p2p, tmp, mpiexec,
                                ["-n", "2000", "-s", "5", "--arrival-interval", "0.1"])
    # A hundred arrivals a window: 0.2 s of arrivals is 20 windows, then the drain and the flood.
    assert windows < 400, windows


def random_entry(p2p, src, tmp, mpiexec):
    scenario = os.path.join(tmp, "random.toml")
    open(scenario, "w").write(RANDOM_ENTRY)
    split_like_serial(p2p, tmp, mpiexec, ["--scenario", scenario, "-s", "9", "--loss", "0.02"])


def rules(p2p, src, tmp, mpiexec):
    # HyParView's messages carry address lists, which cross ranks whole, and its timers; signed
    # packets carry their signatures in the body.
    split_like_serial(p2p, tmp, mpiexec, ["-n", "400", "-s", "4", "--rule", "hyparview", "--signed"])


def refusals(p2p, src, tmp, mpiexec):
    out = os.path.join(tmp, "o")
    # Outside a launcher there is nothing to split over.
    err = one_line_error(p2p_run(p2p, "sim", "-n", "50", "--shard-network", "-o", out,
                                 check=False))
    assert "mpirun" in err, err
    assert not os.path.exists(out)
    churn = os.path.join(tmp, "churn.toml")
    open(churn, "w").write(RANDOM_ENTRY.replace("count = 1999", "count = 50") +
                           "[[churn]]\nat_s = 1\nuntil_s = 2\n"
                           "session = { distribution = \"fixed\", value_s = 1 }\n")
    cases = [
        (["--scenario", churn], "does not cover churn"),
        (["-n", "50", "--rule", "seed+hyparview@20%"], "a mix of rules"),
        (["-n", "50", "--rule", "flooder"], "attackers"),
        (["-n", "50", "--service-time", "5"], "--service-time"),
        (["-n", "50", "--seeds", "1..2"], "give --seed, not --seeds"),
        (["-n", "50", "--latency-min", "0"], "smallest link latency above zero"),
    ]
    for args, said in cases:
        r = mpirun(mpiexec, 2, p2p, "sim", *args, "--shard-network", "-o", out, check=False)
        assert r.returncode == 2 and said in r.stderr, (args, r.returncode, r.stderr)
        assert not os.path.exists(os.path.join(out, "summary.csv")), args


CASES = {f.__name__: f for f in (default_scenario, high_rate, random_entry, rules, refusals)}

if __name__ == "__main__":
    p2p, src, case, mpiexec = sys.argv[1:5]
    with tempfile.TemporaryDirectory() as tmp:
        CASES[case](p2p, src, tmp, mpiexec)
    print(f"{case}: ok")
