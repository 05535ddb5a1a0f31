"""`p2p testbed` and `p2p gap` end to end, with a handful of real peers.

Every case bounds its waits and kills what it started in a `finally`; the testbed's own peers die
with it (the kernel ends them when their parent goes), which `interrupted` checks.

  testbed_test.py --p2p BUILD/p2p CASE
CASES: twin (a 20-peer testbed and its simulator twin stay inside the gap bounds below),
latency (a peer holds a packet for the emulated latency), interrupted (Ctrl-C ends every peer,
writes nothing, exit 130), refused (a port in use, too few descriptors: one line, exit 2).
"""
import argparse
import csv
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    """A port free on 127.1.0.1 right now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.1.0.1", 0))
        return s.getsockname()[1]


def run(cmd, timeout=60, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def summary(path):
    return {r["metric"]: float(r["value"]) for r in rows(path)}


def peers_on(port):
    """Pids of `p2p peer` processes whose command line names `port`."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if b"peer" in args and b"--control" in args and str(port).encode() in args:
            found.append(int(pid))
    return found


def case_twin(p2p, tmp, real_seeds=2):
    """A 20-peer testbed, 2 seeds (1 under a sanitizer, where a peer takes seconds to start),
    against 5 simulator seeds of the same scenario.

    Bounds (stated in docs/reality-gap.md): every peer ends up in one component and the final flood
    reaches all of them, as in the simulator; the mean degree is within 15% of the simulator's;
    the degree distribution's distance to the simulator's is within what two simulator seeds
    show plus 0.15 (at 20 nodes sampling noise alone is large); JOIN_REQ hops per accept within
    50%."""
    port = free_port()
    real, sim = os.path.join(tmp, "real"), os.path.join(tmp, "sim")
    common = ["--arrival-interval", "20"]
    r = run([p2p, "testbed", "--peers", "20", "--seeds", f"1..{real_seeds}", "--port", str(port),
             "--settle", "2", "--flood-wait", "4", "--out", real, "-q", *common], timeout=150)
    assert r.returncode == 0, r.stderr
    assert not peers_on(port), "peers left running after a successful testbed"
    r = run([p2p, "sim", "--nodes", "20", "--seeds", "1..5", "--out", sim, "-q", *common])
    assert r.returncode == 0, r.stderr
    for seed in range(1, real_seeds + 1):
        d = os.path.join(real, f"seed={seed}")
        for f in ("edges.csv", "summary.csv", "timeseries.csv", "broadcasts.csv",
                  "manifest.json", "degree_distribution.csv"):
            assert os.path.exists(os.path.join(d, f)), f"{d}/{f} missing"
        s = summary(os.path.join(d, "summary.csv"))
        assert s["nodes"] == 20, s
        assert s["largest_component_fraction"] == 1, s
        assert s["flood_coverage"] == 1, s
        assert s["join_requests_accepted"] > 0, s
    r = run([p2p, "gap", real, sim])
    assert r.returncode == 0, r.stderr
    assert "degree_distribution_tvd" in r.stdout, r.stdout
    gap = {g["metric"]: g for g in rows(os.path.join(real, "gap.csv"))}
    md = gap["mean_degree"]
    assert abs(float(md["relative_difference"])) < 0.15, md
    assert float(gap["flood_coverage"]["real_mean"]) == float(gap["flood_coverage"]["sim_mean"]) == 1
    tvd = gap["degree_distribution_tvd"]
    assert float(tvd["real_mean"]) <= float(tvd["sim_mean"]) + 0.15, tvd
    hops = gap["join_hops_per_accept"]
    assert abs(float(hops["relative_difference"])) < 0.5, hops
    # Latencies are emulated from the same model: a flood over a few hops of 10-50 ms links.
    p50 = float(gap["latency_p50_ms"]["real_mean"])
    assert 10 <= p50 <= 500, gap["latency_p50_ms"]


def case_latency(p2p, tmp):
    """Two peers with a fixed emulated latency of 300 ms: the chat line arrives no sooner."""
    port = free_port()
    def start(i, *extra):
        ip = f"127.1.0.{i + 1}"
        return subprocess.Popen(
            [p2p, "peer", "--control", "--quiet", "--bind", ip, "--port", str(port),
             "--advertise", f"{ip}:{port}", "--seed", str(i + 7), "--emulate-latency", "uniform",
             "--emulate-latency-min", "300", "--emulate-latency-max", "300", *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    a = b = None
    try:
        a = start(0)
        assert a.stdout.readline().startswith("listening on 127.1.0.1")
        assert a.stdout.readline().startswith("identity ")  # its key, for this run only
        b = start(1)
        assert b.stdout.readline().startswith("listening on 127.1.0.2")
        assert b.stdout.readline().startswith("identity ")  # its key, for this run only
        b.stdin.write(f"join 127.1.0.1:{port}\n")
        deadline = time.time() + 10
        # The newcomer holds its link once the entry's answer has waited out the latency.
        while time.time() < deadline:
            b.stdin.write("links\n")
            line = b.stdout.readline().split()
            if len(line) > 2:
                break
            time.sleep(0.1)
        assert len(line) > 2 and line[2] == f"127.1.0.1:{port}", line
        b.stdin.write("say hi\n")
        said = b.stdout.readline().split()
        assert said[0] == "said", said
        got = a.stdout.readline().split()
        while got and got[0] != "deliver":
            got = a.stdout.readline().split()
        assert got[0] == "deliver" and got[3] == said[1], got
        waited_ms = (int(got[1]) - int(said[2])) / 1000
        assert 300 <= waited_ms < 1500, waited_ms
    finally:
        for p in (a, b):
            if p and p.poll() is None:
                p.kill()
                p.wait()


def case_interrupted(p2p, tmp):
    port = free_port()
    out = os.path.join(tmp, "stopped")
    tb = subprocess.Popen([p2p, "testbed", "--peers", "12", "--port", str(port), "--settle",
                           "30", "--out", out], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 20
        while len(peers_on(port)) < 12 and time.time() < deadline:
            time.sleep(0.1)
        assert len(peers_on(port)) == 12, "the peers did not start"
        time.sleep(1.0)
        tb.send_signal(signal.SIGINT)
        err = tb.communicate(timeout=20)[1]
        assert tb.returncode == 130, (tb.returncode, err)
        deadline = time.time() + 5
        while peers_on(port) and time.time() < deadline:
            time.sleep(0.1)
        assert not peers_on(port), "peers survived Ctrl-C"
        assert not os.path.exists(os.path.join(out, "summary.csv"))
        assert not [n for n in os.listdir(out) if n.endswith(".partial")], os.listdir(out)
    finally:
        if tb.poll() is None:
            tb.kill()
            tb.wait()


def case_refused(p2p, tmp):
    port = free_port()
    with socket.socket() as held:
        held.bind(("127.1.0.3", port))
        held.listen()
        r = run([p2p, "testbed", "--peers", "5", "--port", str(port), "--out",
                 os.path.join(tmp, "a")])
    assert r.returncode == 2, r
    assert r.stderr.count("\n") == 1 and "127.1.0.3" in r.stderr, r.stderr
    assert not peers_on(port)

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    r = run([p2p, "testbed", "--peers", "100", "--port", str(free_port()), "--out",
             os.path.join(tmp, "b")], preexec_fn=low_limit)
    assert r.returncode == 2, r
    assert r.stderr.count("\n") == 1 and "file descriptors" in r.stderr, r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p2p", required=True)
    ap.add_argument("--real-seeds", type=int, default=2, help="twin: testbed seeds")
    ap.add_argument("case", choices=["twin", "latency", "interrupted", "refused"])
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if a.case == "twin":
            case_twin(a.p2p, tmp, a.real_seeds)
        else:
            globals()["case_" + a.case](a.p2p, tmp)
    print("ok")


if __name__ == "__main__":
    sys.exit(main())
