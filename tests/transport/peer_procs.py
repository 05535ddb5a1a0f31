"""Drives real `p2p peer` processes through their stdin/stdout/stderr pipes.

Every peer listens on a port the kernel picks (--port 0) on this machine only; every wait is
bounded; `Cluster` kills whatever is still running when it is closed.
"""
import os
import select
import signal
import subprocess
import time


class Peer:
    """One `p2p peer` process and everything it has printed so far, line by line."""

    def __init__(self, exe, *args):
        self.proc = subprocess.Popen(
            [exe, "peer", "--port", "0", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        self.out, self.err = [], []
        self._partial = {self.proc.stdout.fileno(): b"", self.proc.stderr.fileno(): b""}
        for f in (self.proc.stdout, self.proc.stderr):
            os.set_blocking(f.fileno(), False)
        self._closed = set()
        self.address = None
        self.key = None
        self.fingerprint = None

    def fds(self):
        return [fd for fd in self._partial if fd not in self._closed]

    def absorb(self, fd):
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            self._closed.add(fd)
            return
        data = self._partial[fd] + chunk
        *lines, self._partial[fd] = data.split(b"\n")
        sink = self.out if fd == self.proc.stdout.fileno() else self.err
        sink.extend(l.decode("utf-8", "replace") for l in lines)

    def type(self, line):
        self.proc.stdin.write((line + "\n").encode())

    def deliveries(self, text):
        """Origin addresses of every `ORIGIN [KEY] -> TEXT` line printed for `text`."""
        return [who.split(" [")[0] for who in self.authors(text)]

    def authors(self, text):
        """`ORIGIN [KEY]` of every line printed for `text`."""
        suffix = " -> " + text
        return [l[: -len(suffix)] for l in self.out if l.endswith(suffix)]


class Cluster:
    def __init__(self, exe):
        self.exe = exe
        self.peers = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in self.peers:
            if p.proc.poll() is None:
                p.proc.kill()
            p.proc.wait(timeout=5)

    def start(self, *args):
        p = Peer(self.exe, *args)
        self.peers.append(p)
        prefix = "listening on "
        self.wait(lambda: any(l.startswith(prefix) for l in p.out) or p.proc.poll() is not None,
                  what="peer to listen")
        line = next(l for l in p.out if l.startswith(prefix))
        p.address = line.split("advertising ")[1].strip()
        self.wait(lambda: any(l.startswith("identity ") for l in p.out), what="peer's identity")
        ident = next(l for l in p.out if l.startswith("identity ")).split()
        p.key = bytes.fromhex(ident[1])  # its Ed25519 public key
        p.fingerprint = ident[2].strip("[],")
        return p

    def pump(self, seconds):
        """Reads every peer's output for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            fds = {fd: p for p in self.peers for fd in p.fds()}
            left = deadline - time.monotonic()
            if left <= 0 or not fds:
                return
            ready, _, _ = select.select(list(fds), [], [], min(left, 0.05))
            for fd in ready:
                fds[fd].absorb(fd)

    def wait(self, predicate, timeout=5.0, what="condition"):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for " + what)
            self.pump(0.02)

    def neighbours(self, p, timeout=3.0):
        """Asks `p` for its neighbours with the `peers` command."""
        mark = len(p.out)
        p.type("peers")
        self.wait(lambda: any(l.startswith("peers: ") for l in p.out[mark:]), timeout,
                  "peers listing")
        start = next(i for i in range(mark, len(p.out)) if p.out[i].startswith("peers: "))
        n = int(p.out[start].split(": ")[1])
        self.wait(lambda: len(p.out) >= start + 1 + n, timeout, "peers lines")
        return [l.strip() for l in p.out[start + 1: start + 1 + n]]

    def join(self, newcomer, entry, attempts=5):
        """`connect`s until the newcomer has a neighbour (acceptance is random, so one round of
        JOIN_REQs can in principle all be turned down)."""
        for _ in range(attempts):
            newcomer.type("connect " + entry.address)
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:
                if self.neighbours(newcomer):
                    return
                self.pump(0.05)
        raise AssertionError(newcomer.address + " never got a neighbour")

    def quit_all(self, timeout=5.0):
        for p in self.peers:
            if p.proc.poll() is None:
                try:
                    p.type("quit")
                except BrokenPipeError:
                    pass
        self.wait(lambda: all(p.proc.poll() is not None for p in self.peers), timeout,
                  "peers to quit")
        return [p.proc.returncode for p in self.peers]


def graph_of(cluster, peers):
    """Undirected neighbour sets by address, from every peer's own `peers` listing."""
    adj = {p.address: set() for p in peers}
    for p in peers:
        for q in cluster.neighbours(p):
            if q in adj and q != p.address:
                adj[p.address].add(q)
                adj[q].add(p.address)
    return adj


def connected_without(adj, removed):
    nodes = [n for n in adj if n != removed]
    if not nodes:
        return True
    seen, stack = {nodes[0]}, [nodes[0]]
    while stack:
        for m in adj[stack.pop()]:
            if m != removed and m not in seen:
                seen.add(m)
                stack.append(m)
    return len(seen) == len(nodes)


def kill(peer):
    peer.proc.send_signal(signal.SIGKILL)
    peer.proc.wait(timeout=5)
