#!/usr/bin/env python3
"""Campaigns beyond one process, as a user runs them: `p2p run --shard I/N` slices merged with
`p2p merge`, and `mpirun -np R p2p run`, each compared byte for byte with `p2p run --jobs 1`.
Usage: distributed_test.py P2P SOURCE_DIR CASE [MPIEXEC]"""
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from cli_checks import one_line_error, p2p_run, same_tree

# A small study: 2 rules x 2 sizes x 2 seeds, a second or two in all.
STUDY = """seeds = "1..2"
nodes = 60
resilience_runs = 1
[sweep]
rule = ["seed", "hyparview"]
nodes = [60, 90]
"""


def runs_of(folder):
    return sorted(n for n in os.listdir(folder) if os.path.isdir(os.path.join(folder, n)))


def setup(p2p, tmp, text=STUDY):
    study = os.path.join(tmp, "study.toml")
    open(study, "w").write(text)
    single = os.path.join(tmp, "single")
    p2p_run(p2p, "run", study, "--jobs", "1", "-o", single, "-q")
    return study, single


def shards(p2p, src, tmp):
    study, single = setup(p2p, tmp)
    slices = [os.path.join(tmp, f"slice{i}") for i in (1, 2, 3)]
    for i, d in enumerate(slices, 1):
        p2p_run(p2p, "run", study, "--shard", f"{i}/3", "-o", d, "-q")
    # 8 runs dealt round-robin: run indices 0,3,6 / 1,4,7 / 2,5.
    assert [len(runs_of(d)) for d in slices] == [3, 3, 2], [runs_of(d) for d in slices]
    m = json.load(open(os.path.join(slices[1], "manifest.json")))
    assert m["shard"] == "2/3", m
    rows = list(csv.DictReader(open(os.path.join(slices[1], "runs.csv"))))
    assert [(r["rule"], r["nodes"], r["seed"]) for r in rows] == \
        [("seed", "60", "2"), ("hyparview", "60", "1"), ("hyparview", "90", "2")], rows
    # Resuming a slice reuses its runs.
    r = p2p_run(p2p, "run", study, "--shard", "2/3", "-o", slices[1])
    assert "0 run, 3 reused" in r.stderr, r.stderr
    merged = os.path.join(tmp, "merged")
    r = p2p_run(p2p, "merge", slices[2], slices[0], slices[1], "--out", merged)
    assert "8 copied" in r.stderr, r.stderr
    same_tree(single, merged)
    # Merging again reuses what is there.
    r = p2p_run(p2p, "merge", *slices, "--out", merged)
    assert "0 copied, 8 already there" in r.stderr, r.stderr
    same_tree(single, merged)


def merge_refuses(p2p, src, tmp):
    study, single = setup(p2p, tmp)
    a = [os.path.join(tmp, f"a{i}") for i in (1, 2)]
    for i, d in enumerate(a, 1):
        p2p_run(p2p, "run", study, "--shard", f"{i}/2", "-o", d, "-q")
    other = os.path.join(tmp, "other.toml")
    open(other, "w").write(STUDY.replace("nodes = 60\n", "nodes = 61\n"))
    b2 = os.path.join(tmp, "b2")
    p2p_run(p2p, "run", other, "--shard", "2/2", "-o", b2, "-q")
    out = os.path.join(tmp, "m")
    err = one_line_error(p2p_run(p2p, "merge", a[0], b2, "--out", out, check=False))
    assert "different studies" in err, err
    assert not os.path.exists(os.path.join(out, "runs.csv"))
    err = one_line_error(p2p_run(p2p, "merge", a[0], "--out", out, check=False))
    assert "slice 2/2 is missing" in err, err
    err = one_line_error(p2p_run(p2p, "merge", a[0], a[0], "--out", out, check=False))
    assert "given twice" in err, err
    err = one_line_error(p2p_run(p2p, "merge", single, a[1], "--out", out, check=False))
    assert "not a slice" in err, err
    # A slice that lost a run is refused before anything is written.
    import shutil
    shutil.rmtree(os.path.join(a[1], runs_of(a[1])[0]))
    err = one_line_error(p2p_run(p2p, "merge", *a, "--out", out, check=False))
    assert "missing or incomplete" in err and "slice 2/2" in err, err
    for bad in ("0/3", "4/3", "3", "a/b", "1/0"):
        err = one_line_error(p2p_run(p2p, "run", study, "--shard", bad, "-o", out, check=False))
        assert "--shard" in err, err
    err = one_line_error(p2p_run(p2p, "run", study, "--shard", "1/2", check=False))
    assert "--out" in err, err


def omitted_note(p2p, src, tmp):
    # A metric the analysis options leave out is said in runs.csv, per run.
    out = os.path.join(tmp, "o")
    p2p_run(p2p, "sim", "-n", "80", "--seeds", "1..2", "--spectral-up-to", "10",
            "--resilience-runs", "1", "-o", out, "-q")
    rows = list(csv.DictReader(open(os.path.join(out, "runs.csv"))))
    assert list(rows[0])[-1] == "omitted", list(rows[0])
    for r in rows:
        assert r.get("algebraic_connectivity", "") == "", r
        assert "algebraic_connectivity omitted" in r["omitted"], r
        assert "--spectral-up-to 10" in r["omitted"], r
    # Nothing omitted: no such column.
    out2 = os.path.join(tmp, "o2")
    p2p_run(p2p, "sim", "-n", "80", "--seeds", "1..2", "--resilience-runs", "1", "-o", out2, "-q")
    rows = list(csv.DictReader(open(os.path.join(out2, "runs.csv"))))
    assert "omitted" not in rows[0] and rows[0]["algebraic_connectivity"] != "", rows[0]


def mpi_env():
    env = dict(os.environ)
    # mpirun refuses to start as root (CI runs as root) unless both are set.
    env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    # Shared memory and loopback only; no probing for network hardware.
    env["OMPI_MCA_btl"] = "self,vader,tcp"
    env["OMPI_MCA_btl_tcp_if_include"] = "lo"
    env["OMPI_MCA_oob_tcp_if_include"] = "lo"
    env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
    return env


def mpirun(mpiexec, np, p2p, *args, extra=(), check=True, timeout=120):
    cmd = [mpiexec, "-np", str(np), *extra, p2p, *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=mpi_env())
    if check and r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stdout}{r.stderr}")
    return r


def mpi(p2p, src, tmp, mpiexec):
    study, single = setup(p2p, tmp)
    two = os.path.join(tmp, "np2")
    r = mpirun(mpiexec, 2, p2p, "run", study, "-o", two)
    assert "8 run, 0 reused from before, on 2 ranks" in r.stderr, r.stderr
    same_tree(single, two)
    three = os.path.join(tmp, "np3")
    mpirun(mpiexec, 3, p2p, "run", study, "-o", three, "-q", extra=["--oversubscribe"])
    same_tree(single, three)
    # Resume: a lost run is redone, the rest reused.
    import shutil
    shutil.rmtree(os.path.join(three, runs_of(three)[-1]))
    r = mpirun(mpiexec, 3, p2p, "run", study, "-o", three, extra=["--oversubscribe"])
    assert "1 run, 7 reused" in r.stderr, r.stderr
    same_tree(single, three)


def mpi_slices_and_errors(p2p, src, tmp, mpiexec):
    study = os.path.join(tmp, "study.toml")
    open(study, "w").write(STUDY)
    # A slice on ranks is the same slice.
    s1 = os.path.join(tmp, "s1")
    p2p_run(p2p, "run", study, "--shard", "1/2", "-o", s1, "-q")
    s1m = os.path.join(tmp, "s1m")
    mpirun(mpiexec, 2, p2p, "run", study, "--shard", "1/2", "-o", s1m, "-q")
    same_tree(s1, s1m)
    # Errors are said once, by rank 0, and fail the job.
    two = os.path.join(tmp, "np2")
    r = mpirun(mpiexec, 2, p2p, "run", study, "-o", two, "--jobs", "2", check=False)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.count("--jobs under mpirun") == 1, r.stderr
    changed = os.path.join(tmp, "changed.toml")
    open(changed, "w").write(STUDY.replace("resilience_runs = 1", "resilience_runs = 2"))
    r = mpirun(mpiexec, 2, p2p, "run", changed, "-o", s1m, check=False)
    assert r.returncode == 2 and r.stderr.count("manifest.json differs") == 1, r.stderr


def mpi_killed_rank(p2p, src, tmp, mpiexec):
    # Runs long enough to kill rank 1 while it works: 6 runs of 3000 nodes.
    study = os.path.join(tmp, "slow.toml")
    open(study, "w").write('seeds = "1..6"\nnodes = 3000\nresilience_runs = 1\n')
    out = os.path.join(tmp, "k")
    proc = subprocess.Popen([mpiexec, "-np", "2", p2p, "run", study, "-o", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=mpi_env())
    # Rank 1 is the p2p process whose environment says so.
    victim, deadline = None, time.time() + 30
    while victim is None and time.time() < deadline:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
                cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            except OSError:
                continue
            if cmdline[0] == p2p.encode() and b"OMPI_COMM_WORLD_RANK=1" in environ and \
                    out.encode() in cmdline:
                victim = int(pid)
        time.sleep(0.1)
    assert victim is not None, "rank 1 never started"
    # Let each rank finish a run or so first.
    done = lambda: [n for n in os.listdir(out) if n.startswith("seed=")] if os.path.isdir(out) else []
    while len(done()) < 1 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(victim, signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0, err
    assert "signal 9" in err or "Killed" in err or "without reporting" in err, err
    kept = done()
    assert kept, err
    for n in kept:  # every finished run is whole
        assert os.path.exists(os.path.join(out, n, "manifest.json")), n
    # The same command resumes and ends with the folder a single process writes.
    r = mpirun(mpiexec, 2, p2p, "run", study, "-o", out)
    assert f"{len(kept)} reused" in r.stderr, (kept, r.stderr)
    single = os.path.join(tmp, "single")
    p2p_run(p2p, "run", study, "--jobs", "1", "-o", single, "-q")
    same_tree(single, out)


def mpi_sim_and_compare(p2p, src, tmp, mpiexec):
    # `sim --seeds` and `compare` spread their runs over the ranks like `run`: the same folder
    # and the same printout as one process with --jobs 1.
    sim = ["sim", "-n", "80", "--seeds", "1..3", "--resilience-runs", "1", "-o"]
    single = os.path.join(tmp, "sim1")
    one = p2p_run(p2p, *sim, single, "--jobs", "1")
    two = os.path.join(tmp, "sim2")
    r = mpirun(mpiexec, 2, p2p, *sim, two)
    assert "3 runs on 2 ranks" in r.stderr, r.stderr
    assert r.stdout == one.stdout and r.stdout.count("\n") == 4, (r.stdout, one.stdout)
    same_tree(single, two)
    # Resume on ranks: a lost run is redone, the others reused.
    import shutil
    shutil.rmtree(os.path.join(two, "seed=2"))
    r = mpirun(mpiexec, 3, p2p, *sim, two, extra=["--oversubscribe"])
    assert "1 runs on 3 ranks, 2 reused from before" in r.stderr, r.stderr
    same_tree(single, two)
    compare = ["compare", "-n", "60", "--seeds", "1..2", "--rules", "seed,hyparview",
               "--resilience-runs", "1", "-o"]
    single = os.path.join(tmp, "cmp1")
    one = p2p_run(p2p, *compare, single, "-j", "1")
    two = os.path.join(tmp, "cmp2")
    r = mpirun(mpiexec, 2, p2p, *compare, two)
    assert "4 runs on 2 ranks" in r.stderr, r.stderr
    assert r.stdout == one.stdout and "flood_coverage" in r.stdout, (r.stdout, one.stdout)
    same_tree(single, two)
    # An error is said once, by rank 0, and fails the job; nothing is written.
    bad = os.path.join(tmp, "bad")
    for args, said in ((["--rules", "seed,seed"], "named twice"),
                       (["--jobs", "2"], "--jobs under mpirun")):
        r = mpirun(mpiexec, 2, p2p, "compare", "-n", "60", *args, "-o", bad, check=False)
        assert r.returncode == 2 and r.stderr.count(said) == 1, (args, r.stderr)
        assert not os.path.exists(os.path.join(bad, "runs.csv")), args
    # One run cannot be spread: refused on every rank before anything is simulated.
    r = mpirun(mpiexec, 2, p2p, "sim", "-n", "80", "-o", bad, check=False)
    assert r.returncode == 2 and "give --seeds A..B" in r.stderr, r.stderr
    assert not os.path.exists(bad), os.listdir(bad)


CASES = {f.__name__: f for f in (shards, merge_refuses, omitted_note, mpi, mpi_slices_and_errors,
                                 mpi_killed_rank, mpi_sim_and_compare)}

if __name__ == "__main__":
    p2p, src, case = sys.argv[1], sys.argv[2], sys.argv[3]
    extra = sys.argv[4:]
    with tempfile.TemporaryDirectory() as tmp:
        CASES[case](p2p, src, tmp, *extra)
    print(f"{case}: ok")
