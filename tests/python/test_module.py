"""The p2p Python module against the command line: the same runs give the same bytes, bad
arguments the same one-line messages; Python join rules run, fail loudly and pass the
conformance checks; campaigns stop on Ctrl-C and resume; results free their memory.

Run by ctest through pytest with PYTHONPATH=build/python, P2P_BIN=build/p2p."""

import filecmp
import gc
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unittest

import networkx as nx
import pandas as pd

import p2p
import p2p.conformance

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rules_for_tests  # noqa: E402,F401  (registers the Python rules)

P2P = os.environ.get("P2P_BIN", "p2p")
SOURCE = os.environ.get("P2P_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def cli(*args):
    return subprocess.run([P2P, *map(str, args)], capture_output=True, text=True, timeout=120)


def same_tree(a, b):
    """Every file under a and b, recursively, with equal bytes; returns the differences."""
    diffs = []
    cmp = filecmp.dircmp(a, b)
    diffs += cmp.left_only + cmp.right_only
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    diffs += mismatch + errors
    for sub in cmp.common_dirs:
        diffs += [os.path.join(sub, d) for d in same_tree(os.path.join(a, sub), os.path.join(b, sub))]
    return diffs


SCENARIO = """
end_s = 8
sample_every_s = 2
[[arrivals]]
at_s = 0.01
count = 150
interval_ms = 20
[[mass_failure]]
at_s = 5
fraction = 0.2
order = "degree"
departure = "crash"
[snapshots]
at_s = [4, 6]
"""


class Simulate(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_write_gives_the_bytes_of_p2p_sim(self):
        r = p2p.simulate(nodes=300, seed=3, rule="hyparview", progress=False)
        r.write(os.path.join(self.dir, "py"))
        done = cli("sim", "--nodes", 300, "--seed", 3, "--rule", "hyparview", "--quiet", "--out",
                   os.path.join(self.dir, "cli"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(same_tree(os.path.join(self.dir, "py"), os.path.join(self.dir, "cli")), [])
        self.assertIn("manifest.json", os.listdir(os.path.join(self.dir, "py")))

    def test_a_scenario_with_snapshots_gives_the_bytes_of_p2p_sim(self):
        scenario = os.path.join(self.dir, "churn.toml")
        with open(scenario, "w") as f:
            f.write(SCENARIO)
        r = p2p.simulate(scenario=scenario, seed=5, progress=False)
        r.write(os.path.join(self.dir, "py"))
        done = cli("sim", "--scenario", scenario, "--seed", 5, "--quiet", "--out",
                   os.path.join(self.dir, "cli"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(os.path.isdir(os.path.join(self.dir, "cli", "snapshots", "t=4")))
        self.assertEqual(same_tree(os.path.join(self.dir, "py"), os.path.join(self.dir, "cli")), [])
        self.assertEqual(len(r.timeseries), len(pd.read_csv(os.path.join(self.dir, "cli",
                                                                        "timeseries.csv"))))

    def test_frames_have_the_csv_files_columns_and_rows(self):
        r = p2p.simulate(nodes=250, seed=2, progress=False)
        out = os.path.join(self.dir, "cli")
        self.assertEqual(cli("sim", "--nodes", 250, "--seed", 2, "--quiet", "--out", out).returncode, 0)
        for attr, name in [("degrees", "degree_distribution.csv"), ("edges", "edges.csv"),
                           ("nodes", "nodes.csv"), ("resilience", "resilience.csv"),
                           ("broadcasts", "broadcasts.csv")]:
            expected = pd.read_csv(os.path.join(out, name))
            pd.testing.assert_frame_equal(getattr(r, attr), expected, check_dtype=False, obj=attr)
        summary = pd.read_csv(os.path.join(out, "summary.csv"))
        self.assertEqual(r.summary, dict(zip(summary["metric"], summary["value"])))

    def test_graph_is_networkx_and_agrees_with_the_summary(self):
        r = p2p.simulate(nodes=400, seed=4, rule="inverse_degree", progress=False)
        g = r.graph()
        self.assertIsInstance(g, nx.Graph)
        self.assertEqual(g.number_of_nodes(), r.summary["nodes"])
        self.assertEqual(g.number_of_edges(), r.summary["edges"])
        # networkx is the independent oracle for the report's numbers.
        self.assertAlmostEqual(nx.average_clustering(g), r.summary["average_clustering"], places=9)
        self.assertAlmostEqual(nx.transitivity(g), r.summary["transitivity"], places=9)
        self.assertEqual(nx.number_connected_components(g), r.summary["components"])

    def test_signed_grows_the_same_network_and_says_so(self):
        plain = p2p.simulate(nodes=150, seed=6, rule="hyparview", min_connections=2,
                             progress=False)
        signed = p2p.simulate(nodes=150, seed=6, rule="hyparview", min_connections=2,
                              signed=True, progress=False)
        pd.testing.assert_frame_equal(signed.edges, plain.edges)
        self.assertEqual(signed.summary.pop("forged_packets"), 0)
        self.assertNotIn("forged_packets", plain.summary)
        self.assertEqual(signed.summary, plain.summary)
        with self.assertRaises(TypeError):
            p2p.simulate(signed="yes", progress=False)

    def test_bad_arguments_raise_with_the_command_lines_message(self):
        for kwargs, flags in [({"rule": "fixed:p=7"}, ["--rule", "fixed:p=7"]),
                              ({"rule": "seed+hyparview@120%"}, ["--rule", "seed+hyparview@120%"]),
                              ({"latency_model": "warp"}, ["--latency-model", "warp"]),
                              ({"loss": 1.5}, ["--loss", "1.5"])]:
            with self.assertRaises(ValueError, msg=str(kwargs)) as caught:
                p2p.simulate(progress=False, **kwargs)
            done = cli("sim", *flags, "--out", os.path.join(self.dir, "never"))
            self.assertEqual(done.returncode, 2)
            line = done.stderr.strip()
            self.assertEqual(len(line.splitlines()), 1)
            # The command line names itself first ("p2p sim: ", or "p2p: " for a flag's check).
            self.assertRegex(line, r"^p2p( sim)?: ")
            self.assertEqual(line.split(": ", 1)[1], str(caught.exception))
        with self.assertRaises(TypeError):
            p2p.simulate(nodes="many", progress=False)
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'nodez'"):
            p2p.simulate(nodez=10, progress=False)

    def test_memory_is_released_when_a_result_is_dropped(self):
        gc.collect()
        before = p2p._core.live_runs()
        results = [p2p.simulate(nodes=200, seed=s, progress=False) for s in (1, 2, 3)]
        self.assertEqual(p2p._core.live_runs(), before + 3)
        del results
        gc.collect()
        self.assertEqual(p2p._core.live_runs(), before)

    def test_the_interpreter_runs_other_threads_during_a_run(self):
        counted, running = [0], [True]

        def count():
            while running[0]:
                counted[0] += 1

        other = threading.Thread(target=count)
        other.start()
        try:
            r = p2p.simulate(nodes=20000, seed=1, paths=False, spectral=False, resilience_runs=1,
                             progress=False)
        finally:
            running[0] = False
            other.join()
        self.assertEqual(r.summary["nodes"], 20000)
        # With the lock held through the run the other thread would get no more than the
        # interpreter's switch interval before and after it.
        self.assertGreater(counted[0], 1_000_000)

    def test_ctrl_c_stops_a_run_with_keyboard_interrupt(self):
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        start = time.monotonic()
        with self.assertRaises(KeyboardInterrupt):
            p2p.simulate(nodes=2_000_000, seed=1, progress=False)
        self.assertLess(time.monotonic() - start, 10)
        # The module goes on working afterwards.
        self.assertEqual(p2p.simulate(nodes=50, progress=False).summary["nodes"], 50)


class PythonRules(unittest.TestCase):
    def test_a_python_port_of_inverse_degree_makes_the_cpp_rules_network(self):
        py = p2p.simulate(nodes=600, seed=7, rule="py_inverse_degree", progress=False)
        cpp = p2p.simulate(nodes=600, seed=7, rule="inverse_degree", progress=False)
        self.assertGreater(py.summary["edges"], 600)
        self.assertEqual(py.summary, cpp.summary)
        pd.testing.assert_frame_equal(py.edges, cpp.edges)
        pd.testing.assert_frame_equal(py.nodes, cpp.nodes)

    def test_parameters_and_per_node_state(self):
        one = p2p.simulate(nodes=300, seed=1, rule="py_first_come:quota=1", progress=False)
        three = p2p.simulate(nodes=300, seed=1, rule="py_first_come:quota=3", progress=False)
        self.assertNotEqual(one.summary["edges"], three.summary["edges"])
        # Each node accepts at most `quota` newcomers; joining adds up to join_requests more.
        self.assertLessEqual(one.summary["max_degree"], 1 + 4 + 1)
        with self.assertRaisesRegex(ValueError, "quota"):
            p2p.simulate(rule="py_first_come:quota=x", progress=False)

    def test_a_rule_that_raises_stops_the_run_with_its_exception(self):
        try:
            p2p.simulate(nodes=300, seed=1, rule="py_broken", progress=False)
        except ZeroDivisionError as e:
            frames = [f.name for f in traceback.extract_tb(e.__traceback__)]
        else:
            self.fail("the rule's ZeroDivisionError did not stop the run")
        self.assertIn("on_join_request", frames)
        self.assertEqual(p2p._core.live_runs(), 0)

    def test_a_rule_answering_nonsense_is_a_type_error(self):
        with self.assertRaisesRegex(TypeError, "py_nonsense.on_join_request returned 'yes'"):
            p2p.simulate(nodes=50, seed=1, rule="py_nonsense", progress=False)

    def test_registered_rules_are_listed_and_names_are_checked(self):
        self.assertIn("py_inverse_degree", list(p2p.rules()["name"]))
        with self.assertRaises(ValueError):
            p2p.register_rule(type("Clash", (p2p.JoinRule,), {"name": "hyparview",
                                                              "on_join_request": None}))

    def test_a_python_rule_passes_the_conformance_checks(self):
        p2p.conformance.check("py_inverse_degree")
        p2p.conformance.check("py_first_come:quota=3")

    def test_the_conformance_checks_catch_a_broken_rule(self):
        with self.assertRaisesRegex(AssertionError, "py_takes_all"):
            p2p.conformance.check("py_takes_all")
        with self.assertRaisesRegex(AssertionError, "py_takes_all, seed 1"):
            p2p.conformance.links_are_mutual("py_takes_all")


STUDY = """
seeds = "1..2"
rule = "seed"
nodes = 150
resilience_runs = 2
[sweep]
rule = ["seed", "py_inverse_degree"]
"""


class Campaign(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_a_study_gives_the_folder_of_p2p_run(self):
        study = os.path.join(self.dir, "study.toml")
        with open(study, "w") as f:
            f.write(STUDY.replace("py_inverse_degree", "inverse_degree"))
        c = p2p.campaign(study, jobs=2, out=os.path.join(self.dir, "py"), progress=False)
        done = cli("run", study, "--jobs", 1, "--quiet", "--out", os.path.join(self.dir, "cli"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(same_tree(os.path.join(self.dir, "py"), os.path.join(self.dir, "cli")), [])
        pd.testing.assert_frame_equal(c.runs, pd.read_csv(os.path.join(self.dir, "cli", "runs.csv")))
        pd.testing.assert_frame_equal(c.aggregate,
                                      pd.read_csv(os.path.join(self.dir, "cli", "aggregate.csv")))
        self.assertEqual(c.ran, 4)

    def test_keyword_form_with_a_python_rule_on_two_threads(self):
        c = p2p.campaign(rules=["seed", "py_inverse_degree"], seeds=range(1, 4), nodes=150,
                         resilience_runs=2, jobs=2, progress=False)
        self.assertEqual(list(c.runs["rule"]), ["seed"] * 3 + ["py_inverse_degree"] * 3)
        self.assertEqual(list(c.runs["seed"]), [1, 2, 3] * 2)
        row = c.aggregate[(c.aggregate["rule"] == "seed") & (c.aggregate["metric"] == "edges")]
        self.assertAlmostEqual(row["mean"].item(), c.runs[c.runs["rule"] == "seed"]["edges"].mean())
        with self.assertRaises(ValueError):
            p2p.campaign(rules=["seed"], seeds=[1, 5], progress=False)

    def test_ctrl_c_stops_cleanly_and_the_campaign_resumes(self):
        out = os.path.join(self.dir, "stopped")
        settings = dict(rules=["seed"], seeds="1..12", nodes=2500, resilience_runs=1, paths=False,
                        jobs=2, out=out, progress=False)

        def interrupt_after_the_first_run():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if os.path.isdir(out) and any(n.startswith("rule=") for n in os.listdir(out)):
                    break
                time.sleep(0.01)
            os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=interrupt_after_the_first_run, daemon=True).start()
        with self.assertRaises(KeyboardInterrupt):
            p2p.campaign(**settings)
        left = os.listdir(out)
        self.assertFalse([n for n in left if "partial" in n], left)
        self.assertNotIn("runs.csv", left)
        finished = [n for n in left if n.startswith("rule=")]
        self.assertTrue(0 < len(finished) < 12, left)
        # The same call resumes: the finished runs are reused, the others run.
        c = p2p.campaign(**settings)
        self.assertEqual((c.reused, c.ran), (len(finished), 12 - len(finished)))
        self.assertEqual(list(c.runs["seed"]), list(range(1, 13)))


class Analyze(unittest.TestCase):
    def test_frame_graph_and_path_give_the_report_of_p2p_analyze(self):
        g = nx.barabasi_albert_graph(300, 3, seed=1)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "edges.csv")
            pd.DataFrame(list(g.edges()), columns=["source", "target"]).to_csv(path, index=False)
            done = cli("analyze", path, "--out", os.path.join(d, "cli"), "--quiet")
            self.assertEqual(done.returncode, 0, done.stderr)
            expected = pd.read_csv(os.path.join(d, "cli", "summary.csv"))
            expected = dict(zip(expected["metric"], expected["value"]))
            frame = pd.read_csv(path)
            for given in (path, frame, g):
                r = p2p.analyze(given)
                self.assertEqual(r.summary, expected)
            r.write(os.path.join(d, "py"))
            for name in ("summary.csv", "edges.csv", "nodes.csv", "resilience.csv"):
                self.assertTrue(filecmp.cmp(os.path.join(d, "py", name),
                                            os.path.join(d, "cli", name), shallow=False), name)
        self.assertAlmostEqual(r.summary["average_clustering"], nx.average_clustering(g), places=9)
        with self.assertRaises(ValueError):
            p2p.analyze(os.path.join(SOURCE, "README.md"))
        with self.assertRaises(TypeError):
            p2p.analyze(42)


if __name__ == "__main__":
    unittest.main()
