#!/usr/bin/env python3
"""p2p as an installed CMake package, tried from outside the source tree: `cmake --install` into a
prefix of the test's own, a project of its own (examples/custom_rule) configured and built
against it with find_package(p2p), and that program run.

Usage: install_test.py --build DIR --work DIR [options] CASE. The cases share WORK: `install`
fills WORK/prefix, `build_example` WORK/example; ctest's fixtures order them."""
import argparse
import csv
import os
import re
import shutil
import subprocess
import sys

SKIP = 77  # ctest's SKIP_RETURN_CODE for these tests
LAYERS = ["protocol", "analysis", "sim", "transport"]
LIBRARIES = ["protocol", "codec", "analysis", "sim", "transport", "cli"]
USER_RULE = "sqrt_degree"  # the rule examples/custom_rule defines


def fail(message):
    sys.exit(f"FAIL: {message}")


def run(command, timeout=600, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)


def run_ok(command, timeout=600, **kwargs):
    r = run(command, timeout=timeout, **kwargs)
    if r.returncode != 0:
        fail(f"{' '.join(command)} exited {r.returncode}:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")
    return r


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def configure_command(args, source, build, *extra):
    """Configures a project of its own against the installed prefix, with the compiler, build
    type and sanitizer flags p2p itself was built with (a sanitized library needs its runtime)."""
    command = [args.cmake, "-S", source, "-B", build, "-G", args.generator,
               f"-DCMAKE_PREFIX_PATH={args.prefix}", f"-DCMAKE_BUILD_TYPE={args.config}",
               f"-DCMAKE_CXX_COMPILER={args.cxx}"]
    if args.make_program:
        command.append(f"-DCMAKE_MAKE_PROGRAM={args.make_program}")
    if args.sanitize_flags:
        command += [f"-DCMAKE_CXX_FLAGS={args.sanitize_flags}",
                    f"-DCMAKE_EXE_LINKER_FLAGS={args.sanitize_flags}"]
    return command + list(extra)


def installed_headers(prefix):
    found = []
    for root, _, files in os.walk(os.path.join(prefix, "include")):
        found += [os.path.relpath(os.path.join(root, f), os.path.join(prefix, "include"))
                  for f in files]
    return sorted(found)


# --- the cases ---------------------------------------------------------------------------------


def install(args):
    """`cmake --install` puts headers, libraries, executable, plotting scripts and the package
    files where find_package and the executable look for them."""
    fresh(args.prefix)
    run_ok([args.cmake, "--install", args.build, "--prefix", args.prefix])
    headers = set(installed_headers(args.prefix))
    for layer in LAYERS:
        top = os.path.join(args.source, layer)
        expected = sorted(os.path.relpath(os.path.join(root, f), top)
                          for root, _, files in os.walk(top) for f in files if f.endswith(".hpp"))
        if not expected:
            fail(f"{layer}/ has no headers to compare with")
        missing = [h for h in expected if f"p2p/{layer}/{h}" not in headers]
        if missing:
            fail(f"headers of {layer}/ not installed under include/p2p/{layer}/: {missing}")
    runner_headers = sorted(h for h in headers if h.startswith("p2p/runner/"))
    if runner_headers != ["p2p/runner/cli.hpp"]:
        fail(f"the runner's public headers should be exactly cli.hpp, got {runner_headers}")
    stray = [h for h in headers if not h.startswith("p2p/")]
    if stray:
        fail(f"headers outside include/p2p/: {stray}")

    libdirs = [d for d in ("lib", "lib64", "lib/x86_64-linux-gnu")
               if os.path.isdir(os.path.join(args.prefix, d))]
    libs = {f for d in libdirs for f in os.listdir(os.path.join(args.prefix, d))}
    for lib in LIBRARIES:
        if not {f"libp2p_{lib}.a", f"libp2p_{lib}.so"} & libs:
            fail(f"library {lib} not installed (found {sorted(libs)})")
    cmake_dirs = [os.path.join(args.prefix, d, "cmake", "p2p") for d in libdirs]
    cmake_dir = next((d for d in cmake_dirs if os.path.isdir(d)), None)
    if cmake_dir is None:
        fail(f"no <libdir>/cmake/p2p/ in {args.prefix}")
    for f in ("p2pConfig.cmake", "p2pConfigVersion.cmake", "p2pTargets.cmake"):
        if not os.path.isfile(os.path.join(cmake_dir, f)):
            fail(f"{f} not installed in {cmake_dir}")
    with open(os.path.join(cmake_dir, "p2pTargets.cmake")) as f:
        targets = f.read()
    for lib in LIBRARIES:
        if f"add_library(p2p::{lib} " not in targets:
            fail(f"p2p::{lib} is not exported")

    plot = os.path.join(args.prefix, "share", "p2p", "plot")
    for f in ("p2p_plot.py", os.path.join("p2pplot", "__init__.py")):
        if not os.path.isfile(os.path.join(plot, f)):
            fail(f"share/p2p/plot/{f} not installed")
    pycache = [r for r, dirs, _ in os.walk(plot) if "__pycache__" in dirs]
    if pycache:
        fail(f"__pycache__ installed under {pycache}")

    p2p = os.path.join(args.prefix, "bin", "p2p")
    r = run_ok([p2p, "--version"])
    if r.stdout.strip() != f"p2p {args.version}":
        fail(f"installed p2p --version says {r.stdout.strip()!r}, project() says {args.version}")


def no_source_path(args):
    """No path of the source or build tree is baked into anything installed (what `strings`
    would find, searched for as bytes in every file)."""
    if args.config not in ("Release", "MinSizeRel"):
        print(f"SKIP: a {args.config} build keeps source paths in its debug information and "
              "assertion messages by design; the Release build is checked")
        return SKIP
    needles = {os.path.realpath(p).encode() for p in (args.source, args.build)}
    needles |= {os.path.abspath(p).encode() for p in (args.source, args.build)}
    found = []
    for root, _, files in os.walk(args.prefix):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                data = f.read()
            found += [f"{os.path.relpath(path, args.prefix)} holds {n.decode()}"
                      for n in needles if n in data]
    if found:
        fail("source or build paths in installed files:\n  " + "\n  ".join(found))


CONSUMER = """cmake_minimum_required(VERSION 3.25)
project(p2p_consumer LANGUAGES CXX)
find_package(p2p ${WANTED} REQUIRED)
# sim/rule_conformance.hpp is a GoogleTest suite for a user's own test: the user brings GoogleTest.
find_package(GTest REQUIRED)
add_library(every_header OBJECT every_header.cpp)
target_link_libraries(every_header PRIVATE %s GTest::gtest)
"""


def write_consumer(args, path):
    fresh(path)
    with open(os.path.join(path, "CMakeLists.txt"), "w") as f:
        f.write(CONSUMER % " ".join(f"p2p::{lib}" for lib in LIBRARIES))
    # Every installed header, as a user writes it; each one's own "layer/x.hpp" includes must
    # resolve from the installed tree alone. Asio needs <utility> first (Boost 1.74, g++ 12).
    with open(os.path.join(path, "every_header.cpp"), "w") as f:
        f.write("#include <utility>\n")
        for h in installed_headers(args.prefix):
            f.write(f"#include <{h}>\n")


def every_header_compiles(args):
    """Every installed header compiles from the installed tree alone, through the exported
    targets (include directories, C++20, dependencies found by p2pConfig.cmake)."""
    path = os.path.join(args.work, "consumer")
    write_consumer(args, path)
    build = os.path.join(path, "build")
    run_ok(configure_command(args, path, build, f"-DWANTED={args.version}"))
    run_ok([args.cmake, "--build", build])


def incompatible_version_is_refused(args):
    """p2pConfigVersion.cmake accepts the installed major.minor and refuses the next ones."""
    path = os.path.join(args.work, "version")
    write_consumer(args, path)
    major, minor, _ = (int(x) for x in args.version.split("."))
    for wanted, accepted in ((f"{major}.{minor}", True), (f"{major}.{minor + 1}", False),
                             (f"{major + 1}.0", False)):
        build = fresh(os.path.join(path, f"build-{wanted}"))
        r = run(configure_command(args, path, build, f"-DWANTED={wanted}"))
        if accepted and r.returncode != 0:
            fail(f"find_package(p2p {wanted}) refused:\n{r.stderr[-3000:]}")
        if not accepted and (r.returncode == 0 or args.version not in r.stderr):
            fail(f"find_package(p2p {wanted}) should be refused naming {args.version}, got "
                 f"exit {r.returncode}:\n{r.stderr[-3000:]}")


def build_example(args):
    """examples/custom_rule, a project of its own, builds against the installed package."""
    build = fresh(os.path.join(args.work, "example"))
    run_ok(configure_command(args, os.path.join(args.source, "examples", "custom_rule"), build))
    run_ok([args.cmake, "--build", build])
    if not os.access(os.path.join(build, "custom_rule"), os.X_OK):
        fail("the example's build made no custom_rule executable")


def example(args):
    return os.path.join(args.work, "example", "custom_rule")


def summary(out):
    with open(os.path.join(out, "summary.csv")) as f:
        return {row["metric"]: float(row["value"]) for row in csv.DictReader(f)}


def example_without_arguments(args):
    """Run with no arguments, the example simulates through the library, under its own rule and
    two built-in ones, and prints one row per (rule, seed); every row agrees with `p2p sim` on the
    same rule and seed (the installed p2p for a built-in rule, the example's own command line for
    its rule, which the installed p2p does not know)."""
    r = run_ok([example(args)])
    lines = r.stdout.splitlines()
    header = next((i for i, line in enumerate(lines) if line.split()[:2] == ["rule", "seed"]),
                  None)
    if header is None:
        fail(f"no table header in:\n{r.stdout}")
    columns = lines[header].split()
    if columns != ["rule", "seed", "links", "mean_degree", "max_degree", "largest_component",
                   "flood_coverage"]:
        fail(f"unexpected columns {columns}")
    rows = [dict(zip(columns, line.split())) for line in lines[header + 1:] if line.strip()]
    if len(rows) < 4 or any(len(row) != len(columns) for row in rows):
        fail(f"expected a row per rule and seed, got:\n{r.stdout}")
    rules = sorted({row["rule"].split(":")[0] for row in rows})
    if len(rules) < 3 or USER_RULE not in rules:
        fail(f"expected {USER_RULE} and two built-in rules, got {rules}")
    p2p = os.path.join(args.prefix, "bin", "p2p")
    r = run([p2p, "sim", "--nodes", "20", "--rule", USER_RULE, "--quiet",
             "--out", os.path.join(args.work, "sim-oracle", "unknown")])
    if r.returncode != 2 or USER_RULE not in r.stderr:
        fail(f"the installed p2p should not know {USER_RULE}: exit {r.returncode}, {r.stderr!r}")
    for k, row in enumerate(rows):
        out = os.path.join(args.work, "sim-oracle", str(k))
        shutil.rmtree(out, ignore_errors=True)
        program = example(args) if row["rule"].split(":")[0] == USER_RULE else p2p
        run_ok([program, "sim", "--nodes", "2000", "--seed", row["seed"], "--rule", row["rule"],
                "--resilience-runs", "1", "--quiet", "--out", out])
        s = summary(out)
        wanted = {"links": s["edges"], "max_degree": s["max_degree"],
                  "mean_degree": s["mean_degree"],
                  "largest_component": s["largest_component_fraction"],
                  "flood_coverage": s["flood_coverage"]}
        for column, value in wanted.items():
            if abs(float(row[column]) - value) > 5.1e-5:
                fail(f"{row['rule']} seed {row['seed']}: the example says {column} "
                     f"{row[column]}, p2p sim says {value}")
        if s["nodes"] != 2000:
            fail(f"p2p sim reports {s['nodes']} nodes, not 2000")


def example_command_line(args):
    """With arguments the example is the full `p2p` command line: help, every subcommand, the
    same bytes as the installed p2p for the same run, one line and exit 2 for a bad flag."""
    r = run_ok([example(args), "--help"])
    for command in ("sim", "compare", "analyze", "peer", "plot"):
        if not re.search(rf"^\s+{command}\s", r.stdout, re.MULTILINE):
            fail(f"--help does not list {command}:\n{r.stdout}")
    r = run_ok([example(args), "rules"])
    if not re.search(rf"^\s*{USER_RULE}\b", r.stdout, re.MULTILINE):
        fail(f"`rules` does not list the example's {USER_RULE}:\n{r.stdout}")
    r = run_ok([example(args), "--version"])
    if r.stdout.strip() != f"p2p {args.version}":
        fail(f"--version says {r.stdout.strip()!r}")

    runs = {}
    for name, program in (("example", example(args)),
                          ("p2p", os.path.join(args.prefix, "bin", "p2p"))):
        out = os.path.join(args.work, "command-line", name)
        shutil.rmtree(out, ignore_errors=True)
        r = run_ok([program, "sim", "--nodes", "200", "--seed", "5", "--rule", "inverse_degree",
                    "--resilience-runs", "2", "--quiet", "--out", out])
        runs[name] = (r.stdout, {f: open(os.path.join(out, f), "rb").read()
                                 for f in sorted(os.listdir(out))})
    if summary(os.path.join(args.work, "command-line", "example"))["nodes"] != 200:
        fail("sim --nodes 200 did not simulate 200 nodes")
    if runs["example"] != runs["p2p"]:
        fail("the example's `sim` and the installed p2p's differ for the same run")
    for f in ("summary.csv", "edges.csv", "degree_distribution.csv"):
        if f not in runs["example"][1]:
            fail(f"sim wrote no {f}")

    r = run([example(args), "sim", "--nodes", "0"])
    lines = r.stderr.strip().splitlines()
    if r.returncode != 2 or len(lines) != 1:
        fail(f"a bad flag should give one line and exit 2, got {r.returncode}: {r.stderr!r}")


CASES = {
    "install": install,
    "no_source_path": no_source_path,
    "every_header_compiles": every_header_compiles,
    "incompatible_version_is_refused": incompatible_version_is_refused,
    "build_example": build_example,
    "example_without_arguments": example_without_arguments,
    "example_command_line": example_command_line,
}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--source", required=True, help="p2p's source tree")
    p.add_argument("--build", required=True, help="p2p's build tree, built")
    p.add_argument("--work", required=True, help="the tests' own folder")
    p.add_argument("--cmake", default="cmake")
    p.add_argument("--generator", default="Ninja")
    p.add_argument("--make-program", default="")
    p.add_argument("--cxx", default="c++")
    p.add_argument("--config", default="Release")
    p.add_argument("--sanitize-flags", default="")
    p.add_argument("--version", required=True, help="project()'s version")
    p.add_argument("case", choices=sorted(CASES))
    args = p.parse_args()
    args.prefix = os.path.join(args.work, "prefix")
    os.makedirs(args.work, exist_ok=True)
    sys.exit(CASES[args.case](args) or 0)


if __name__ == "__main__":
    main()
