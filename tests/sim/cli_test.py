#!/usr/bin/env python3
"""`p2p sim` end to end: replications give the same bytes whatever --jobs, scenario files run,
and bad input gets one line and exit code 2. Usage: cli_test.py P2P CASE"""
import filecmp
import os
import subprocess
import sys
import tempfile


def run(p2p, *args, check=True):
    r = subprocess.run([p2p, "sim", *args], capture_output=True, text=True, timeout=120)
    if check and r.returncode != 0:
        sys.exit(f"p2p sim {' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r


def same_tree(a, b):
    cmp = filecmp.dircmp(a, b)
    stack = [cmp]
    while stack:
        c = stack.pop()
        if c.left_only or c.right_only:
            sys.exit(f"file sets differ: {c.left_only} {c.right_only}")
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        if mismatch or errors:
            sys.exit(f"files differ in {c.left}: {mismatch} {errors}")
        stack.extend(c.subdirs.values())


SCENARIO = """
sample_every_s = 2
[[arrivals]]
count = 150
interval_ms = 20
entry = "random"
session = { distribution = "exponential", mean_s = 20 }
crash_fraction = 0.5
detection_delay_s = 1
[[broadcasts]]
at_s = 1
until_s = 4
rate_per_s = 2
[[partition]]
at_s = 2
until_s = 3
[snapshots]
at_s = [2.5]
"""


def replications(p2p, tmp):
    path = os.path.join(tmp, "s.toml")
    with open(path, "w") as f:
        f.write(SCENARIO)
    common = ["--scenario", path, "--seeds", "3..6", "--resilience-runs", "1", "-q"]
    run(p2p, *common, "--jobs", "1", "-o", os.path.join(tmp, "j1"))
    run(p2p, *common, "--jobs", "3", "-o", os.path.join(tmp, "j3"))
    same_tree(os.path.join(tmp, "j1"), os.path.join(tmp, "j3"))
    with open(os.path.join(tmp, "j1", "runs.csv")) as f:
        rows = f.read().splitlines()
    assert rows[0].startswith("seed,"), rows[0]
    assert [r.split(",")[0] for r in rows[1:]] == ["3", "4", "5", "6"], rows
    for s in range(3, 7):
        d = os.path.join(tmp, "j1", f"seed={s}")
        for name in ("summary.csv", "edges.csv", "timeseries.csv", "broadcasts.csv"):
            assert os.path.exists(os.path.join(d, name)), (d, name)
        assert os.path.exists(os.path.join(d, "snapshots", "t=2.5", "summary.csv")), d


def same_seed_same_bytes(p2p, tmp):
    for k in ("a", "b"):
        run(p2p, "-n", "400", "--loss", "0.01", "--latency-model", "lognormal",
            "--sample-every", "1", "--resilience-runs", "1", "-q", "-o", os.path.join(tmp, k))
    same_tree(os.path.join(tmp, "a"), os.path.join(tmp, "b"))


def bad_input(p2p, tmp):
    path = os.path.join(tmp, "bad.toml")
    with open(path, "w") as f:
        f.write("end_s = 10\n[[mass_failure]]\nat_s = 1\nfraction = 2\n")
    r = run(p2p, "--scenario", path, "-o", os.path.join(tmp, "o"), check=False)
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.toml:4:" in lines[0] and "fraction" in lines[0], r.stderr
    for args in (["--seeds", "5..2"], ["--latency-model", "gauss"], ["--scenario", "/nonexistent.toml"],
                 ["--rule", "degree_capped:d=8", "--min-connections", "12"],
                 ["--rule", "seed+hyparview@120%"]):
        r = run(p2p, *args, "-o", os.path.join(tmp, "o"), check=False)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    # A mistyped subcommand is named, with the one it probably meant.
    r = subprocess.run([p2p, "simm"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip() == \
        "p2p: unknown command 'simm' (did you mean 'sim'?); see p2p --help", r.stderr


def no_progress_when_not_a_terminal(p2p, tmp):
    r = run(p2p, "-n", "300", "--resilience-runs", "1", "-o", os.path.join(tmp, "o"))
    assert "\r" not in r.stderr, repr(r.stderr)


CASES = {f.__name__: f for f in (replications, same_seed_same_bytes, bad_input,
                                 no_progress_when_not_a_terminal)}

if __name__ == "__main__":
    p2p, case = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        CASES[case](p2p, tmp)
    print(f"{case}: ok")
