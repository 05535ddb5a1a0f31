"""What the command-line tests of campaigns share: running p2p, a one-line error, two folders
with the same bytes."""
import filecmp
import subprocess
import sys


def p2p_run(p2p, *args, check=True, timeout=150, env=None):
    r = subprocess.run([p2p, *args], capture_output=True, text=True, timeout=timeout, env=env)
    if check and r.returncode != 0:
        sys.exit(f"p2p {' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r


def one_line_error(r, code=2):
    lines = r.stderr.strip().splitlines()
    assert r.returncode == code, (r.returncode, r.stderr)
    assert len(lines) == 1 and lines[0].startswith("p2p"), r.stderr
    return lines[0]


def same_tree(a, b):
    """Asserts the folders hold the same files with the same bytes, recursively."""
    stack = [filecmp.dircmp(a, b)]
    while stack:
        c = stack.pop()
        assert not c.left_only and not c.right_only, (c.left, c.left_only, c.right_only)
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        assert not mismatch and not errors, (c.left, mismatch, errors)
        stack.extend(c.subdirs.values())
