#!/usr/bin/env python3
"""Attackers through `p2p sim` and `p2p rules`: the attack rules are listed, a mix with attackers
adds its figures to summary.csv and timeseries.csv, and the share of honest links held by attackers
agrees with groups.csv (honest links towards the other group over all honest link ends), while a
run without attackers writes neither. Usage: adversary_cli_test.py P2P"""
import csv
import os
import subprocess
import sys
import tempfile


def p2p(*args):
    r = subprocess.run([sys.argv[1], *args], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        sys.exit(f"p2p {' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r.stdout


def summary(folder):
    with open(os.path.join(folder, "summary.csv")) as f:
        return {row["metric"]: float(row["value"]) for row in csv.DictReader(f)}


def rows(folder, name):
    with open(os.path.join(folder, name)) as f:
        return list(csv.DictReader(f))


def check(ok, what):
    if not ok:
        sys.exit(what)


listed = p2p("rules")
for name in ("flooder", "eclipse", "spoofer"):
    check(f"\n{name}:" in "\n" + listed, f"p2p rules does not list {name}")

with tempfile.TemporaryDirectory() as tmp:
    for seed in ("1", "2"):
        out = os.path.join(tmp, "mix" + seed)
        p2p("sim", "--nodes", "400", "--seed", seed, "--sample-every", "1", "--rule",
            "seed+eclipse:via=1,target=1,conns=2,rounds=4@10%", "--out", out, "-q")
        s = summary(out)
        groups = rows(out, "groups.csv")
        check(len(groups) == 2 and "eclipse" in groups[1]["rule"], f"groups.csv: {groups}")
        honest = groups[0]
        ends = float(honest["mean_degree"]) * int(honest["nodes"])
        expected = int(honest["links_across"]) / ends
        check(abs(s["adversary_link_share"] - expected) < 1e-9,
              f"adversary_link_share {s['adversary_link_share']} but groups.csv says {expected}")
        check(0 < expected < 1, f"the attackers hold no honest link ({expected})")
        check("injected_deliveries" in s, "injected_deliveries missing")
        ts = rows(out, "timeseries.csv")
        check("adversary_link_share" in ts[0] and "honest_delivery_ratio" in ts[0],
              f"timeseries.csv columns: {list(ts[0])}")
        check(abs(float(ts[-1]["adversary_link_share"]) - expected) < 1e-9,
              "the last sample and the summary describe the same network")

    plain = os.path.join(tmp, "plain")
    p2p("sim", "--nodes", "200", "--rule", "seed+hyparview@20%", "--out", plain, "-q")
    s = summary(plain)
    for name in ("adversary_link_share", "honest_delivery_ratio", "injected_deliveries"):
        check(name not in s, f"{name} written for a run without attackers")
    check("adversary_link_share" not in rows(plain, "timeseries.csv")[0],
          "timeseries.csv grew attacker columns without attackers")
print("ok")
