#!/usr/bin/env python3
"""`p2p run`, `p2p sim` and `p2p compare` as a user runs them: the example study's campaign
folder, resuming, Ctrl-C, --out checks, CLI conventions and data that used to be wrong.
Usage: run_cli_test.py P2P SOURCE_DIR CASE"""
import csv
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from cli_checks import one_line_error, p2p_run, same_tree


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def t95(df):
    from scipy import stats
    return stats.t.ppf(0.975, df)


def study(p2p, src, tmp):
    example = os.path.join(src, "examples", "study.toml")
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    p2p_run(p2p, "run", example, "--jobs", "1", "-o", a, "-q")
    p2p_run(p2p, "run", example, "--jobs", "2", "-o", b, "-q")
    same_tree(a, b)
    names = sorted(os.listdir(a))
    runs = [n for n in names if os.path.isdir(os.path.join(a, n))]
    assert len(runs) == 12, names
    assert "rule=hyparview_nodes=400_seed=3" in runs, runs
    for f in ("manifest.json", "runs.csv", "aggregate.csv"):
        assert f in names, names
    assert not [n for n in names if n.endswith(".partial")], names
    rows = read_csv(os.path.join(a, "runs.csv"))
    assert len(rows) == 12
    assert list(rows[0])[:3] == ["rule", "nodes", "seed"], list(rows[0])
    assert {r["rule"] for r in rows} == {"seed", "hyparview"}
    # A metric named like a parameter keeps its own column.
    assert "measured_nodes" in rows[0], list(rows[0])
    top = json.load(open(os.path.join(a, "manifest.json")))
    assert top["command"] == "p2p run" and top["seeds"] == "1..3", top
    assert top["file"]["text"] == open(example).read()
    run = json.load(open(os.path.join(a, "rule=seed_nodes=200_seed=2", "manifest.json")))
    assert run["seed"] == 2 and run["point"] == {"rule": "seed", "nodes": "200"}, run
    assert run["options"]["rule"] == "seed:any_ack=1" and run["options"]["nodes"] == "200", run
    # aggregate.csv agrees with an independent computation from runs.csv.
    agg = read_csv(os.path.join(a, "aggregate.csv"))
    assert list(agg[0]) == ["rule", "nodes", "metric", "runs", "mean", "stddev", "ci95_low",
                            "ci95_high"], list(agg[0])
    for row in agg:
        col = "measured_nodes" if row["metric"] == "nodes" else row["metric"]
        xs = [float(r[col]) for r in rows
              if r["rule"] == row["rule"] and r["nodes"] == row["nodes"] and r[col] != ""]
        n = len(xs)
        assert int(row["runs"]) == n, row
        mean = sum(xs) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else 0
        half = t95(n - 1) * sd / math.sqrt(n) if n > 1 else 0
        for got, want in ((row["mean"], mean), (row["stddev"], sd),
                          (row["ci95_low"], mean - half), (row["ci95_high"], mean + half)):
            assert math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-12), (row, want)
    # The size really varies.
    sizes = {(r["nodes"], r["measured_nodes"]) for r in rows}
    assert ("200", "200") in sizes and ("400", "400") in sizes, sizes


def resume_and_change(p2p, src, tmp):
    path = os.path.join(tmp, "s.toml")
    text = 'seeds = "1..4"\nnodes = 150\nresilience_runs = 1\n[sweep]\nrule = ["seed", "mh_walk"]\n'
    open(path, "w").write(text)
    out = os.path.join(tmp, "c")
    p2p_run(p2p, "run", path, "-o", out, "-q")
    first = open(os.path.join(out, "runs.csv")).read()
    r = p2p_run(p2p, "run", path, "-o", out)
    assert "0 run, 8 reused" in r.stderr, r.stderr
    assert open(os.path.join(out, "runs.csv")).read() == first
    # One run folder lost: only it is redone.
    import shutil
    shutil.rmtree(os.path.join(out, "rule=mh_walk_seed=3"))
    r = p2p_run(p2p, "run", path, "-o", out)
    assert "1 run, 7 reused" in r.stderr, r.stderr
    assert open(os.path.join(out, "runs.csv")).read() == first
    open(path, "w").write(text.replace("150", "160"))
    err = one_line_error(p2p_run(p2p, "run", path, "-o", out, check=False))
    assert "manifest.json differs" in err, err
    p2p_run(p2p, "run", path, "-o", out, "--force", "-q")
    assert open(os.path.join(out, "runs.csv")).read() != first
    # sim --seeds resumes the same way.
    simout = os.path.join(tmp, "sim")
    p2p_run(p2p, "sim", "-n", "100", "--seeds", "1..3", "--resilience-runs", "1", "-o", simout, "-q")
    r = p2p_run(p2p, "sim", "-n", "100", "--seeds", "1..3", "--resilience-runs", "1", "-o", simout)
    assert "3 reused" in r.stderr, r.stderr


def interrupt(p2p, src, tmp):
    path = os.path.join(tmp, "big.toml")
    open(path, "w").write('seeds = "1..6"\nnodes = 20000\nresilience_runs = 1\n')
    out = os.path.join(tmp, "c")
    proc = subprocess.Popen([p2p, "run", path, "-o", out, "-j", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err)
    assert "run the same command again to resume" in err, err
    names = os.listdir(out)
    assert not [n for n in names if n.endswith(".partial")], names
    for n in names:
        d = os.path.join(out, n)
        if os.path.isdir(d):  # every folder left is a complete run
            assert os.path.exists(os.path.join(d, "manifest.json")), n
    # A single `p2p sim` leaves its --out untouched.
    simout = os.path.join(tmp, "single")
    proc = subprocess.Popen([p2p, "sim", "-n", "300000", "-o", simout], stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err)
    assert os.listdir(simout) == [], os.listdir(simout)


def out_folder(p2p, src, tmp):
    # An --out that cannot be written is refused before simulating.
    blocker = os.path.join(tmp, "file")
    open(blocker, "w").write("x")
    start = time.time()
    err = one_line_error(p2p_run(p2p, "sim", "-n", "200000", "-o", os.path.join(blocker, "o"),
                                 check=False))
    assert "cannot create" in err and time.time() - start < 5, err
    # A folder with someone else's files is refused; --force removes only p2p's files.
    out = os.path.join(tmp, "mine")
    os.makedirs(os.path.join(out, "snapshots", "t=1"))
    open(os.path.join(out, "notes.txt"), "w").write("keep me")
    open(os.path.join(out, "summary.csv"), "w").write("old")
    one_line_error(p2p_run(p2p, "sim", "-n", "50", "-o", out, check=False))
    p2p_run(p2p, "sim", "-n", "50", "-o", out, "--force", "-q")
    assert open(os.path.join(out, "notes.txt")).read() == "keep me"
    assert not os.path.exists(os.path.join(out, "snapshots")), os.listdir(out)
    m = json.load(open(os.path.join(out, "manifest.json")))
    assert m["command"] == "p2p sim" and m["seed"] == 1 and m["options"]["nodes"] == "50", m
    # The same run again is fine; another one is refused.
    p2p_run(p2p, "sim", "-n", "50", "-o", out, "-q")
    one_line_error(p2p_run(p2p, "sim", "-n", "51", "-o", out, check=False))
    # compare refuses the same way, and gained --scenario and the latency options.
    sc = os.path.join(tmp, "sc.toml")
    open(sc, "w").write("nodes = 80\n")
    cmp_out = os.path.join(tmp, "cmp")
    r = p2p_run(p2p, "compare", "--rules", "seed,hyparview", "--seeds", "1..2", "--scenario", sc,
                "--latency-model", "lognormal", "--loss", "0.01", "--crash", "0",
                "-o", cmp_out)
    rows = read_csv(os.path.join(cmp_out, "runs.csv"))
    assert len(rows) == 4 and rows[0]["nodes"] == "80", rows[0]
    assert open(os.path.join(cmp_out, "comparison.csv")).read() == \
        open(os.path.join(cmp_out, "aggregate.csv")).read()
    m = json.load(open(os.path.join(cmp_out, "manifest.json")))
    assert m["options"]["latency_model"] == "lognormal", m


def conventions(p2p, src, tmp):
    o = ["-o", os.path.join(tmp, "o")]
    sc = os.path.join(tmp, "sc.toml")
    open(sc, "w").write("nodes = 20\n")
    for args in (["sim", "--seed", "3", "--seeds", "1..2"],
                 ["sim", "--jobs", "2"],
                 ["sim", "--scenario", sc, "--nodes", "40"],
                 ["compare", "--scenario", sc, "--nodes", "40"],
                 ["sim", "--scenario", tmp],
                 ["sim", "--scenario", src + "/examples/study.toml"],  # a [sweep] needs p2p run
                 ["sim", "--no-flood", "--message", "hi"],
                 ["sim", "--latency-mu", "2"],
                 ["compare", "--latency-sigma", "2", "--latency-model", "uniform"],
                 ["sim", "--scenario", os.path.join(tmp, "missing.toml")],
                 ["run", os.path.join(tmp, "missing.toml")],
                 ["run", src + "/examples/study.toml", "--jobs", "-1"]):
        err = one_line_error(p2p_run(p2p, *args, *o, check=False))
        if "missing" in " ".join(args):
            assert "No such file or directory" in err, err
    # --quiet prints nothing but errors.
    r = p2p_run(p2p, "sim", "-n", "60", "-q", "-o", os.path.join(tmp, "q"))
    assert r.stdout == "" and r.stderr == "", (r.stdout, r.stderr)
    r = p2p_run(p2p, "run", src + "/examples/study.toml", "-q", "-o", os.path.join(tmp, "qr"))
    assert r.stdout == "" and r.stderr == "", (r.stdout, r.stderr)
    # No carriage return when stderr is not a terminal.
    r = p2p_run(p2p, "sim", "-n", "300", "-o", os.path.join(tmp, "t"))
    assert "\r" not in r.stderr and "\r" not in r.stdout


def wrong_data(p2p, src, tmp):
    # An event after end_s would never happen: refused.
    sc = os.path.join(tmp, "late.toml")
    open(sc, "w").write("end_s = 5\nnodes = 50\n[[mass_failure]]\nat_s = 8\nfraction = 0.1\n")
    err = one_line_error(p2p_run(p2p, "sim", "--scenario", sc, "-o", os.path.join(tmp, "x"),
                                 check=False))
    assert "after end_s" in err, err
    # end_s is the end the summary describes; the flood after it is said.
    sc = os.path.join(tmp, "end.toml")
    open(sc, "w").write("end_s = 6\nnodes = 400\narrival_interval_ms = 20\n")
    out = os.path.join(tmp, "end")
    p2p_run(p2p, "sim", "--scenario", sc, "-o", out, "-q")
    summary = {r["metric"]: float(r["value"]) for r in read_csv(os.path.join(out, "summary.csv"))}
    assert summary["virtual_time_s"] == 6, summary
    assert summary["nodes"] <= 301, summary
    assert summary["flood_time_s"] > 6, summary
    ts = read_csv(os.path.join(out, "timeseries.csv"))
    assert float(ts[-1]["time_s"]) == 6, ts[-1]
    # A sample's edges agree with the summary's at the same instant.
    assert int(ts[-1]["edges"]) == summary["edges"], (ts[-1], summary["edges"])


def fan_out_from(p2p, src, tmp):
    # Fan-out entries change the memory a flood takes, never the output.
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    ra = p2p_run(p2p, "sim", "-n", "3000", "--fan-out-from", "0", "-o", a)
    rb = p2p_run(p2p, "sim", "-n", "3000", "-o", b)
    same_tree(a, b)
    copies = re.findall(r"(\d+) flood copies waited in fan-out entries", ra.stderr)
    messages = int(read_csv(os.path.join(a, "broadcasts.csv"))[0]["messages"])
    # Most copies fit an entry: hubs' links past place 63 and lone copies do not.
    assert len(copies) == 1 and messages / 2 < int(copies[0]) <= messages, (ra.stderr, messages)
    # Below the default threshold (a million events pending) no entry is made.
    assert "fan-out entries" not in rb.stderr, rb.stderr
    for bad in ("-1", "abc", "1e3x"):
        err = one_line_error(p2p_run(p2p, "sim", "-n", "20", "--fan-out-from", bad, "-o",
                                     os.path.join(tmp, "c"), check=False))
        assert "--fan-out-from" in err, err
    assert not os.path.exists(os.path.join(tmp, "c"))


CASES = {f.__name__: f for f in (study, resume_and_change, interrupt, out_folder, conventions,
                                 wrong_data, fan_out_from)}

if __name__ == "__main__":
    p2p, src, case = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory() as tmp:
        CASES[case](p2p, src, tmp)
    print(f"{case}: ok")
