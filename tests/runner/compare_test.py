"""p2p compare end to end: same bytes whatever the thread count, one row per rule and seed,
statistics that agree with pandas and scipy, and one-line errors for bad input."""
import argparse
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from scipy import stats

RULES = "seed,fixed:p=0.5,warmup=2,mh_walk:length=8"
LABELS = ["seed", "fixed:p=0.5,warmup=2", "mh_walk:length=8"]


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def run(exe, *args):
    return subprocess.run([exe, "compare", *args], capture_output=True, text=True, timeout=120)


def test_same_bytes_and_tidy_output(exe, tmp):
    outs = []
    for threads in ("1", "2"):
        d = tmp / f"j{threads}"
        r = run(exe, "-n", "150", "--seeds", "4..6", "--rules", RULES, "-j", threads,
                "--resilience-runs", "2", "-o", str(d))
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
        outs.append((r.stdout, (d / "runs.csv").read_bytes(), (d / "comparison.csv").read_bytes()))
    check(outs[0] == outs[1], "output depends on the thread count")
    table = outs[0][0]
    for label in LABELS:
        check(label in table.splitlines()[1], f"table header lacks {label}")

    runs = pd.read_csv(tmp / "j1" / "runs.csv")
    check(len(runs) == 9, f"{len(runs)} rows, expected 3 rules x 3 seeds")
    check(list(runs["rule"].unique()) == LABELS, f"rules {list(runs['rule'].unique())}")
    check(sorted(runs["seed"].unique()) == [4, 5, 6], "seeds")
    check((runs["nodes"] == 150).all(), "nodes")
    seed_rows = runs[runs["rule"] == "seed"]
    check((seed_rows["duplicate_links"] > 0).all(), "the seed's duplicate links are not visible")
    check((runs[runs["rule"] != "seed"]["duplicate_links"] == 0).all(), "duplicates under a fix")
    check(runs["flood_coverage"].between(0, 1).all(), "coverage out of [0, 1]")

    comp = pd.read_csv(tmp / "j1" / "comparison.csv")
    check(list(comp.columns) == ["rule", "metric", "runs", "mean", "stddev", "ci95_low",
                                 "ci95_high"], f"columns {list(comp.columns)}")
    for _, row in comp.iterrows():
        xs = runs[runs["rule"] == row["rule"]][row["metric"]].dropna()
        check(len(xs) == row["runs"], f"{row['rule']} {row['metric']}: runs")
        mean, sd = xs.mean(), xs.std(ddof=1)
        half = stats.t.ppf(0.975, len(xs) - 1) * sd / math.sqrt(len(xs))
        for got, want in ((row["mean"], mean), (row["stddev"], sd),
                          (row["ci95_low"], mean - half), (row["ci95_high"], mean + half)):
            check(math.isclose(got, want, rel_tol=1e-3, abs_tol=1e-9),
                  f"{row['rule']} {row['metric']}: {got} != {want}")
    print("same bytes and tidy output: ok")


def test_bad_input(exe, tmp):
    cases = [
        ["--rules", "nope"],
        ["--rules", "fixed:p=7"],
        ["--rules", "fixed:p=0.5,fixed:p=0.5"],
        ["--rules", "hyparview:shuffles=0"],
        ["--seeds", "9..3"],
        ["--seeds", "a..b"],
        ["--seeds", "0..100000"],
        ["--crash", "1.5"],
        ["--latency-min", "60", "--latency-max", "10"],
    ]
    for args in cases:
        r = run(exe, "-n", "20", "-o", str(tmp / "bad"), "-q", *args)
        lines = r.stderr.strip().splitlines()
        check(r.returncode == 2, f"{args}: exit {r.returncode}")
        check(len(lines) == 1 and lines[0].startswith("p2p:"), f"{args}: stderr {r.stderr!r}")
    print("bad input: ok")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p2p", required=True)
    ap.add_argument("case", choices=["output", "errors"])
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        if a.case == "output":
            test_same_bytes_and_tidy_output(a.p2p, Path(t))
        else:
            test_bad_input(a.p2p, Path(t))


if __name__ == "__main__":
    main()
