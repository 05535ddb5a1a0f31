"""`p2p testbed` and `p2p gap` end to end, with a handful of real peers.

Every case bounds its waits and kills what it started in a `finally`; the testbed's own peers die
with it (the kernel ends them when their parent goes), which `interrupted` checks.

  testbed_test.py --p2p BUILD/p2p CASE
CASES: twin (a 20-peer testbed and its simulator twin stay inside the gap bounds below),
latency (a peer holds a packet for the emulated latency), interrupted (Ctrl-C ends every peer,
writes nothing, exit 130), refused (a port in use, too few descriptors, a latency model the
peers cannot emulate: one line, exit 2),
churn (sessions, churn with crashes and leaves, a failure by degree, snapshots: the scenario's
draws as the simulator's), drops (a peer's emulated partition and loss), partition (a testbed
partition cuts broadcasts to one side until it heals), mixed (each peer runs its group's rule).
"""
import argparse
import csv
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port(peers=64):
    """A port that 127.1.0.1 up to 127.1.0.<peers> can all listen on right now, below the
    kernel's range of ephemeral ports, so no peer's outgoing connection can take it meanwhile."""
    low = 32768
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(max(1024, low - 12000), low)
        try:
            for i in range(peers):
                with socket.socket() as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind((f"127.1.0.{i + 1}", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port for the testbed")


# Extra flags for every testbed that plays a scenario: `--time-scale F` where the peers run slowly
# (a sanitizer build), so the scenario is played as on a fast machine.
TESTBED_EXTRA = []


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
             "--settle", "2", "--flood-wait", "4", "--out", real, "-q", *common, *TESTBED_EXTRA],
            timeout=150)
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
    """Two peers with a fixed emulated latency of 300 ms: the chat line arrives no sooner; with
    the protocol's clock slowed down twice (--time-scale 2) no sooner than 600 ms."""
    latency_once(p2p, 1)
    latency_once(p2p, 2)


def latency_once(p2p, scale):
    port = free_port()
    def start(i, *extra):
        ip = f"127.1.0.{i + 1}"
        return subprocess.Popen(
            [p2p, "peer", "--control", "--quiet", "--bind", ip, "--port", str(port),
             "--advertise", f"{ip}:{port}", "--seed", str(i + 7), "--emulate-latency", "uniform",
             "--emulate-latency-min", "300", "--emulate-latency-max", "300",
             "--time-scale", str(scale), *extra],
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
        assert 300 * scale <= waited_ms < 1500 * scale, (scale, waited_ms)
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

    sites = os.path.join(tmp, "sites.csv")
    with open(sites, "w") as f:
        f.write("0,20\n20,0\n")
    r = run([p2p, "testbed", "--peers", "5", "--latency-model", "matrix", "--site-matrix", sites,
             "--port", str(port), "--out", os.path.join(tmp, "m")])
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r
    assert "matrix latency model" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(tmp, "m", "summary.csv"))

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    r = run([p2p, "testbed", "--peers", "100", "--port", str(free_port()), "--out",
             os.path.join(tmp, "b")], preexec_fn=low_limit)
    assert r.returncode == 2, r
    assert r.stderr.count("\n") == 1 and "file descriptors" in r.stderr, r.stderr


def scenario_and_twin(p2p, tmp, text, seed):
    """Plays scenario `text` on the testbed and in the simulator with `seed`; both folders. No
    peer may be left running."""
    port = free_port()
    scenario = os.path.join(tmp, "scenario.toml")
    with open(scenario, "w") as f:
        f.write(text)
    real, sim = os.path.join(tmp, "real"), os.path.join(tmp, "sim")
    r = run([p2p, "testbed", "--scenario", scenario, "--seed", str(seed), "--port", str(port),
             "--flood-wait", "3", "--out", real, "-q", *TESTBED_EXTRA], timeout=140)
    assert r.returncode == 0, r.stderr
    assert not peers_on(port), "peers left running after the testbed"
    r = run([p2p, "sim", "--scenario", scenario, "--seed", str(seed), "--out", sim, "-q"])
    assert r.returncode == 0, r.stderr
    return real, sim


CHURN = """
sample_every_s = 0.5
end_s = 3.5

[[arrivals]]
count = 15
interval_ms = 20

[[arrivals]]
at_s = 0.5
count = 4
interval_ms = 50
entry = "random"
session = { distribution = "fixed", value_s = 1.2 }
crash_fraction = 0.5

[[churn]]
at_s = 1
until_s = 2.5
session = { distribution = "exponential", mean_s = 3 }
crash_fraction = 0.5
replace = true

[[mass_failure]]
at_s = 2.8
fraction = 0.25
order = "degree"
departure = "graceful"

[snapshots]
at_s = [1.5, 3]
"""


def case_churn(p2p, tmp):
    """Arrivals with sessions, churn with replacement (crashes and graceful leaves), a failure by
    degree and snapshots, with 16-odd real peers. The scenario's own draws (who arrives, leaves,
    crashes, which live node is the entry or the origin) are the simulator's, so the counts match
    the twin's exactly; every peer is gone at the end."""
    real, sim = scenario_and_twin(p2p, tmp, CHURN, 4)
    rs, ss = summary(os.path.join(real, "summary.csv")), summary(os.path.join(sim, "summary.csv"))
    for m in ("nodes", "nodes_ever", "departures", "crashes"):
        assert rs[m] == ss[m], (m, rs[m], ss[m])
    assert rs["nodes_ever"] > 20 and rs["crashes"] > 0 and rs["departures"] > 0, rs
    times = [float(t["time_s"]) for t in rows(os.path.join(real, "timeseries.csv"))]
    assert times == [0.5 * k for k in range(8)], times
    live = [int(t["live_nodes"]) for t in rows(os.path.join(real, "timeseries.csv"))]
    assert live == [int(t["live_nodes"]) for t in rows(os.path.join(sim, "timeseries.csv"))], live
    for t in ("1.5", "3"):
        snap = os.path.join(real, "snapshots", f"t={t}")
        s = summary(os.path.join(snap, "summary.csv"))
        twin = summary(os.path.join(sim, "snapshots", f"t={t}", "summary.csv"))
        assert s["nodes"] == twin["nodes"], (t, s["nodes"], twin["nodes"])
        assert os.path.exists(os.path.join(snap, "edges.csv"))
    # Who the failure by degree takes depends on the real degrees, so from there on the live
    # nodes differ from the twin's; their number does not. So the final flood's origin may be
    # another node than the twin's, and may be isolated (then no one can get it, in the
    # simulator too): when it has a neighbour in the topology read just before, it reaches
    # someone.
    origin = int(rs["flood_origin"])
    linked_origin = any(origin in (int(e["source"]), int(e["target"]))
                        for e in rows(os.path.join(real, "edges.csv")))
    assert 0 <= rs["flood_coverage"] <= 1, rs
    assert rs["flood_coverage"] > 0 or not linked_origin, (origin, rs)


def start_peer(p2p, port, i, *extra):
    ip = f"127.1.0.{i + 1}"
    p = subprocess.Popen(
        [p2p, "peer", "--control", "--quiet", "--bind", ip, "--port", str(port),
         "--advertise", f"{ip}:{port}", "--seed", str(i + 7), *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    assert p.stdout.readline().startswith(f"listening on {ip}")
    assert p.stdout.readline().startswith("identity ")
    return p


def linked(p, timeout=5):
    """Waits until peer `p` holds a link; its neighbour list."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        p.stdin.write("links\n")
        line = p.stdout.readline().split()
        if len(line) > 2:
            return line[2:]
        time.sleep(0.1)
    return []


def command(p, line):
    """Sends `line` to peer `p` and waits until the peer has acted on it: it handles commands in
    order, so once it answers the `links` that follows, `line` has been applied."""
    p.stdin.write(line + "\n")
    p.stdin.write("links\n")
    while not p.stdout.readline().startswith("links "):
        pass


def delivered(p, wait):
    """The chat ids peer `p` reports delivered within `wait` seconds."""
    import selectors
    got = []
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    deadline = time.time() + wait
    while time.time() < deadline:
        if sel.select(timeout=max(0, deadline - time.time())):
            words = p.stdout.readline().split()
            if words and words[0] == "deliver":
                got.append(words[3])
    return got


def case_drops(p2p, tmp):
    """The peers' emulation drops what the simulator drops: every packet from the other side of a
    partition until `heal`, and with --emulate-loss 1 every packet (the JOIN_REQ included)."""
    port = free_port()
    procs = []
    try:
        a = start_peer(p2p, port, 0)
        b = start_peer(p2p, port, 1)
        procs += [a, b]
        b.stdin.write(f"join 127.1.0.1:{port}\n")
        assert linked(b) == [f"127.1.0.1:{port}"]
        for p in (a, b):
            command(p, "partition 10")  # peer 0 on side A, peer 1 on side B
        b.stdin.write("say cut\n")
        said = b.stdout.readline().split()
        assert said[0] == "said", said
        assert delivered(a, 1.0) == [], "a message crossed the partition"
        for p in (a, b):
            command(p, "heal")
        b.stdin.write("say healed\n")
        said = b.stdout.readline().split()
        assert delivered(a, 3.0) == [said[1]], "no delivery after the partition healed"
        c = start_peer(p2p, port, 2, "--emulate-loss", "1")
        d = start_peer(p2p, port, 3)
        procs += [c, d]
        d.stdin.write(f"join 127.1.0.3:{port}\n")
        assert linked(d, timeout=2) == [], "a JOIN_REQ got through a loss of 1"
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


PARTITION = """
end_s = 2.4

[[arrivals]]
count = 15
interval_ms = 20

[[partition]]
at_s = 0.8
until_s = 1.6
fraction = 0.5

[[broadcasts]]
at_s = 1.0
until_s = 1.3
rate_per_s = 5
process = "fixed"
"""


def case_partition(p2p, tmp):
    """A partition during a broadcast phase: each broadcast reaches only part of the network, as in
    the simulator (its origins are the simulator's); after it heals the final flood reaches all."""
    real, sim = scenario_and_twin(p2p, tmp, PARTITION, 2)
    rb, sb = rows(os.path.join(real, "broadcasts.csv")), rows(os.path.join(sim, "broadcasts.csv"))
    assert [b["origin"] for b in rb] == [b["origin"] for b in sb], (rb, sb)
    cut = rb[:-1]
    assert len(cut) == 2, rb
    # Each reaches at most its origin's side; at least one reaches someone there.
    assert all(float(b["coverage"]) < 0.9 for b in cut), cut
    assert any(float(b["coverage"]) > 0 for b in cut), cut
    assert float(rb[-1]["coverage"]) == 1, rb[-1]


def case_mixed(p2p, tmp):
    """Mixed rules: each peer runs the rule of the group the simulator draws for its index, so
    groups.csv has the twin's group sizes."""
    port = free_port()
    real, sim = os.path.join(tmp, "real"), os.path.join(tmp, "sim")
    common = ["--rule", "seed+hyparview@30%", "--seed", "3", "--arrival-interval", "20"]
    r = run([p2p, "testbed", "--peers", "16", "--port", str(port), "--settle", "1.5",
             "--flood-wait", "3", "--out", real, "-q", *common, *TESTBED_EXTRA], timeout=140)
    assert r.returncode == 0, r.stderr
    r = run([p2p, "sim", "--nodes", "16", "--out", sim, "-q", *common])
    assert r.returncode == 0, r.stderr
    rg, sg = rows(os.path.join(real, "groups.csv")), rows(os.path.join(sim, "groups.csv"))
    assert [(g["rule"], g["nodes"]) for g in rg] == [(g["rule"], g["nodes"]) for g in sg], (rg, sg)
    assert int(rg[0]["nodes"]) > 0 and int(rg[1]["nodes"]) > 0, rg
    r = run([p2p, "testbed", "--peers", "10", "--rule", "seed+flooder@10%", "--port", str(port),
             "--out", os.path.join(tmp, "x")])
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "attackers" in r.stderr, r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p2p", required=True)
    ap.add_argument("--real-seeds", type=int, default=2, help="twin: testbed seeds")
    ap.add_argument("--time-scale", type=float, default=1,
                    help="play every scenario this many times slower (slow builds)")
    ap.add_argument("case", choices=["twin", "latency", "interrupted", "refused", "churn", "drops",
                                     "partition", "mixed"])
    a = ap.parse_args()
    if a.time_scale != 1:
        TESTBED_EXTRA.extend(["--time-scale", str(a.time_scale)])
    with tempfile.TemporaryDirectory() as tmp:
        if a.case == "twin":
            case_twin(a.p2p, tmp, a.real_seeds)
        else:
            globals()["case_" + a.case](a.p2p, tmp)
    print("ok")


if __name__ == "__main__":
    sys.exit(main())
