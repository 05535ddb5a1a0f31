#!/usr/bin/env python3
"""Drives `p2p peer` as a person would: in a tmux pane, typing with send-keys and reading the
screen with capture-pane. A second peer, on pipes, is the other end of the chat.

Exits 77 (skipped) when tmux is not installed.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_procs import Cluster  # noqa: E402


class Pane:
    """A tmux server of our own (its own socket name), so no user session is touched."""

    def __init__(self, command):
        self.server = f"p2p-terminal-test-{os.getpid()}"
        self.tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "40", command)
        self.tmux("set-option", "-t", "t", "remain-on-exit", "on")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.server, *args], check=True,
                              capture_output=True, text=True).stdout

    def keys(self, text):
        self.tmux("send-keys", "-t", "t", "-l", text)
        self.tmux("send-keys", "-t", "t", "Enter")

    def screen(self):
        # The visible screen and its scrollback: a burst of log lines may scroll a line away.
        return self.tmux("capture-pane", "-p", "-S", "-", "-t", "t").splitlines()

    def close(self):
        subprocess.run(["tmux", "-L", self.server, "kill-server"], capture_output=True)


def wait_for(predicate, what, timeout=5.0, pump=None):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        if pump:
            pump(0.05)
        else:
            time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--p2p", required=True)
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        print("tmux not installed: skipped")
        return 77
    exe = os.path.abspath(args.p2p)
    with Cluster(exe) as c:
        other = c.start("--seed", "7")
        pane = Pane(f"sh -c '{exe} peer --port 0 --seed 8; echo exit status $?'")
        try:
            wait_for(lambda: any(l.startswith("listening on ") for l in pane.screen()), "banner")
            banner = next(l for l in pane.screen() if l.startswith("listening on "))
            me = banner.split("advertising ")[1].strip()

            pane.keys("connect " + other.address)
            wait_for(lambda: any("link up: " + other.address in l for l in pane.screen()),
                     "link up on screen", pump=c.pump)

            pane.keys("hello from the terminal")
            c.wait(lambda: other.deliveries("hello from the terminal") == [me], 5.0, "delivery")

            other.type("hello back")
            expected = f"{other.address} [{other.fingerprint}] -> hello back"
            wait_for(lambda: expected in pane.screen(), "the reply on screen", pump=c.pump)

            pane.keys("peers")
            wait_for(lambda: "  " + other.address in pane.screen(), "peers listing",
                     pump=c.pump)

            pane.keys("quit")
            # The shell around the peer prints its exit status (tmux's own pane_dead_status is
            # sometimes left empty when the pane's output ends before the exit is reaped).
            wait_for(lambda: any(l.startswith("exit status ") for l in pane.screen()),
                     "the peer to exit", pump=c.pump)
            status = next(l for l in pane.screen() if l.startswith("exit status ")).split()[2]
            assert status == "0", "exit status " + status
            print("\n".join(l for l in pane.screen() if l.strip()))
        finally:
            pane.close()
        c.quit_all()
    print("terminal: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
