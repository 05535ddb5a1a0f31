"""`p2p analyze` as a command: the progress line (on a terminal only, never under --quiet), the
manifest's hash of the input (read once, in pieces, as it is parsed) against FNV-1a computed
here over the whole file, and no partial file left in the output folder.

    python3 analyze_cli.py P2P WORKDIR
"""
import json
import os
import pty
import random
import subprocess
import sys


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def write_graph(path):
    # Over 1 MiB, so the reader takes it in several pieces; a comment line in the middle.
    rng = random.Random(17)
    lines = ["# a random graph\n"]
    for i in range(150000):
        lines.append(f"{rng.randrange(20000)}\t{rng.randrange(20000)}\n")
        if i == 70000:
            lines.append("# half way\n")
    with open(path, "w") as f:
        f.writelines(lines)


def run_on_terminal(cmd):
    """Runs cmd with stderr on a pseudo-terminal; returns (exit code, what stderr showed)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=slave)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closes when the child exits
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return proc.wait(), shown


def check(condition, message):
    if not condition:
        sys.exit("FAIL: " + message)


def main():
    p2p, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    edges = os.path.join(work, "edges.txt")
    write_graph(edges)
    check(os.path.getsize(edges) > (1 << 20), "the input should span several read pieces")

    out = os.path.join(work, "tty")
    code, shown = run_on_terminal([p2p, "analyze", edges, "--out", out, "--force", "--threads", "2"])
    check(code == 0, f"analyze on a terminal exited {code}")
    check(b"p2p analyze: reading" in shown, f"no progress line on a terminal: {shown[:200]!r}")
    check(b"p2p analyze: shortest paths" in shown, "the progress line should name each phase")
    check(shown.endswith(b"\r\x1b[K"), "the progress line should be erased at the end")

    code, shown = run_on_terminal([p2p, "analyze", edges, "--out", out, "--force", "--quiet"])
    check(code == 0 and shown == b"", f"--quiet should show nothing on a terminal: {shown[:200]!r}")

    piped = subprocess.run([p2p, "analyze", edges, "--out", out, "--force"],
                           capture_output=True, check=True)
    check(piped.stderr == b"", f"stderr not a terminal should stay empty: {piped.stderr[:200]!r}")

    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    with open(edges, "rb") as f:
        expected = fnv1a64(f.read())
    text = json.dumps(manifest)
    check(f'"edges_fnv1a64": "{expected}"' in text,
          f"manifest hash differs from FNV-1a of the file ({expected}): {text}")
    left = sorted(n for n in os.listdir(out) if n.endswith(".partial"))
    check(not left, f"partial files left behind: {left}")
    for name in ("summary.csv", "edges.csv", "nodes.csv", "resilience.csv",
                 "degree_distribution.csv"):
        check(os.path.getsize(os.path.join(out, name)) > 0, name + " is empty")
    print("ok")


if __name__ == "__main__":
    main()
