#!/usr/bin/env python3
"""Attackers through `p2p sim` and `p2p rules`: the attack rules are listed, a mix with attackers
adds its figures to summary.csv and timeseries.csv, and the share of honest links held by attackers
agrees with groups.csv (honest links towards the other group over all honest link ends), while a
run without attackers writes neither. `p2p sim --signed` (or `signed = true` in a scenario file)
grows the very network an unsigned run grows, says it signed (manifest.json, summary.csv's
forged_packets), and spoofers that deliver under another's name unsigned deliver nothing signed.
Usage: adversary_cli_test.py P2P"""
import csv
import json
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

def read(folder, name):
    with open(os.path.join(folder, name), "rb") as f:
        return f.read()


with tempfile.TemporaryDirectory() as tmp:
    # Signing changes no draw: the same links, degrees and summary, one row added.
    for rule in ("seed", "hyparview"):
        runs = {}
        for signed in (False, True):
            out = os.path.join(tmp, f"{rule}-{signed}")
            p2p("sim", "--nodes", "300", "--seed", "3", "--rule", rule, "--min-connections", "2",
                "--out", out, "-q", *(["--signed"] if signed else []))
            runs[signed] = out
        off, on = runs[False], runs[True]
        for name in ("edges.csv", "degree_distribution.csv", "nodes.csv", "resilience.csv"):
            check(read(off, name) == read(on, name), f"{rule}: --signed changed {name}")
        s_off, s_on = summary(off), summary(on)
        check(s_on.get("forged_packets") == 0, f"{rule}: forged_packets {s_on.get('forged_packets')}")
        check("forged_packets" not in s_off, f"{rule}: an unsigned run wrote forged_packets")
        del s_on["forged_packets"]
        check(s_on == s_off, f"{rule}: the summaries differ beyond forged_packets")
        options = json.loads(read(on, "manifest.json"))["options"]
        check(options.get("signed") == "true", f"{rule}: the manifest does not say signed: {options}")
        check("signed" not in json.loads(read(off, "manifest.json"))["options"],
              f"{rule}: an unsigned manifest names signing")

    # Spoofers writing under their entry's name: delivered unsigned, dropped signed.
    spoofed = {}
    for signed in (False, True):
        out = os.path.join(tmp, f"spoof-{signed}")
        p2p("sim", "--nodes", "300", "--seed", "2", "--rule", "seed+spoofer@5%", "--out", out,
            "-q", *(["--signed"] if signed else []))
        spoofed[signed] = summary(out)
    check(spoofed[False]["injected_deliveries"] > 0, "unsigned spoofers delivered nothing")
    check(spoofed[True]["injected_deliveries"] == 0,
          f"signed: {spoofed[True]['injected_deliveries']} spoofed deliveries")
    check(spoofed[True]["forged_packets"] > 0, "signed: no forged packet was dropped")

    # The scenario (and study) file's key.
    toml = os.path.join(tmp, "signed.toml")
    with open(toml, "w") as f:
        f.write('nodes = 300\nrule = "seed"\nsigned = true\n')
    filed = os.path.join(tmp, "filed")
    p2p("sim", "--scenario", toml, "--seed", "3", "--out", filed, "-q")
    check(read(filed, "edges.csv") == read(os.path.join(tmp, "seed-True"), "edges.csv"),
          "signed = true in a scenario file grows another network than --signed")
    check(json.loads(read(filed, "manifest.json"))["options"].get("signed") == "true",
          "a scenario file's signed = true is not in the manifest")
print("ok")
