"""Behaviour of `p2p plot`: every figure is made and is a real image, the same input gives the same
bytes, a missing file skips one figure, a malformed file is a one-line error.

Run one behaviour: python3 test_plot.py Plot.test_renders_every_figure_as_valid_images
The environment gives P2P_BIN (the built p2p) and P2P_SOURCE_DIR (the repository).
"""

import contextlib
import filecmp
import io
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("P2P_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
SCRIPT = os.path.join(SOURCE, "plot", "p2p_plot.py")
BIN = os.environ.get("P2P_BIN", "")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SOURCE, "plot"))

import fixtures  # noqa: E402
from p2pplot import cli  # noqa: E402

RUN_FIGURES = ["degree_distribution", "clustering_vs_degree", "resilience", "timeseries",
               "broadcasts", "network"]
COMPARE_FIGURES = ["compare_average_clustering", "compare_diameter",
                   "compare_largest_component_fraction", "compare_mean_degree"]


def plot_process(*args):
    """`python3 plot/p2p_plot.py ARGS` in a process of its own, as a user runs it."""
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=120)


def plot(*args):
    """The same entry point called in this process: the result of plot_process, without paying
    for a fresh interpreter and fresh matplotlib imports on every call."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main([str(a) for a in args])
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


def check_png(test, path):
    test.assertTrue(os.path.isfile(path), path)
    with open(path, "rb") as f:
        test.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", path)
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        width, height = image.size
        # Readable where a README shows it, yet not a poster.
        test.assertTrue(500 <= width <= 2500 and 300 <= height <= 2500, (path, image.size))
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        test.assertTrue(colours is None or len(colours) > 20, f"{path} is nearly blank")
    test.assertGreater(os.path.getsize(path), 10_000, path)


def check_svg(test, path):
    test.assertTrue(os.path.isfile(path), path)
    root = ElementTree.parse(path).getroot()
    test.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg", path)
    test.assertTrue(root.get("width", "").endswith("pt"), path)
    test.assertGreater(float(root.get("width")[:-2]), 300, path)
    # A figure with axes, labels and data has many drawn paths.
    test.assertGreater(sum(1 for _ in root.iter("{http://www.w3.org/2000/svg}path")), 30, path)


class Plot(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="p2p-plot-test-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_renders_every_figure_as_valid_images(self):
        run = fixtures.run_folder(os.path.join(self.dir, "run"), nodes=50, seed=3)
        gif = os.path.join(self.dir, "grow.gif")
        result = plot_process(run, "--animate", gif)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "", "a complete folder skips nothing")
        self.assertEqual(len(result.stdout.split()), 2 * len(RUN_FIGURES) + 1, result.stdout)
        for stem in RUN_FIGURES:
            check_png(self, os.path.join(run, stem + ".png"))
            check_svg(self, os.path.join(run, stem + ".svg"))
        with Image.open(gif) as image:
            self.assertEqual(image.format, "GIF")
            self.assertGreaterEqual(image.n_frames, 20)
            self.assertGreaterEqual(min(image.size), 400)
            self.assertTrue(image.is_animated)
        compare = fixtures.compare_folder(os.path.join(self.dir, "compare"))
        result = plot(compare, "--quiet")
        self.assertEqual(result.returncode, 0, result.stderr)
        for stem in COMPARE_FIGURES:
            check_png(self, os.path.join(compare, stem + ".png"))
            check_svg(self, os.path.join(compare, stem + ".svg"))

    def test_every_figure_has_a_title_labelled_axes_and_a_legend(self):
        run = fixtures.run_folder(os.path.join(self.dir, "run"), nodes=40, seed=3)
        compare = fixtures.compare_folder(os.path.join(self.dir, "compare"))
        words = {}
        for folder in (run, compare):
            status = cli.main([folder, "--quiet", "--format", "png"], written=words)
            self.assertEqual(status, 0)
        self.assertEqual(sorted(words), sorted(RUN_FIGURES + COMPARE_FIGURES))
        for stem, said in words.items():
            with self.subTest(stem):
                self.assertTrue(said["title"].strip(), "no title")
                self.assertTrue(said["legend"], "no legend")
                charts = [a for a in said["axes"] if not a["drawing"]]
                self.assertTrue(all(a["y"].strip() for a in charts), said["axes"])
                if charts:
                    self.assertTrue(any(a["x"].strip() for a in charts), said["axes"])
        self.assertTrue(any(t.startswith("mean degree") for t in
                            words["degree_distribution"]["legend"]))
        self.assertTrue(any("random failures" in t for t in words["resilience"]["legend"]))
        self.assertTrue(any("entry node" in t for t in words["network"]["legend"]))
        self.assertTrue(any("95% confidence" in t for t in
                            words["compare_mean_degree"]["legend"]))
        self.assertIn("virtual time (s)", [a["x"] for a in words["timeseries"]["axes"]])

    def test_same_input_gives_identical_files(self):
        first = fixtures.run_folder(os.path.join(self.dir, "a"), nodes=40, seed=5)
        second = fixtures.run_folder(os.path.join(self.dir, "b"), nodes=40, seed=5)
        self.assertTrue(filecmp.cmp(os.path.join(first, "edges.csv"),
                                    os.path.join(second, "edges.csv"), shallow=False))
        # Two processes, so Python's per-process string hashing gets a say too.
        for folder in (first, second):
            result = plot_process(folder, "--quiet", "--animate",
                                  os.path.join(folder, "grow.gif"))
            self.assertEqual(result.returncode, 0, result.stderr)
        made = sorted(f for f in os.listdir(first) if not f.endswith(".csv"))
        self.assertEqual(len(made), 2 * len(RUN_FIGURES) + 1)
        self.assertEqual(made, sorted(f for f in os.listdir(second) if not f.endswith(".csv")))
        for name in made:
            self.assertTrue(filecmp.cmp(os.path.join(first, name), os.path.join(second, name),
                                        shallow=False), f"{name} differs between two renders")

    def test_row_order_does_not_change_the_drawing(self):
        folder = fixtures.run_folder(os.path.join(self.dir, "a"), nodes=40, seed=5)
        out_a, out_b = os.path.join(self.dir, "out_a"), os.path.join(self.dir, "out_b")
        self.assertEqual(plot(folder, "--quiet", "--only", "network", "--out", out_a)
                         .returncode, 0)
        path = os.path.join(folder, "edges.csv")
        with open(path) as f:
            header, *rows = f.read().splitlines()
        with open(path, "w") as f:
            f.write("\n".join([header, *reversed(rows)]) + "\n")
        self.assertEqual(plot(folder, "--quiet", "--only", "network", "--out", out_b)
                         .returncode, 0)
        self.assertTrue(filecmp.cmp(os.path.join(out_a, "network.png"),
                                    os.path.join(out_b, "network.png"), shallow=False))

    def test_missing_file_is_skipped_with_a_notice(self):
        folder = fixtures.run_folder(os.path.join(self.dir, "old"), nodes=30, seed=2,
                                     with_timeseries=False, with_broadcasts=False)
        os.remove(os.path.join(folder, "resilience.csv"))
        result = plot(folder)
        self.assertEqual(result.returncode, 0, result.stderr)
        notices = result.stderr.splitlines()
        self.assertEqual(len(notices), 3, result.stderr)
        for missing in ("resilience.csv", "timeseries.csv", "broadcasts.csv"):
            self.assertEqual(sum(missing in line for line in notices), 1, result.stderr)
        self.assertTrue(all(line.startswith("p2p plot: ") for line in notices))
        self.assertFalse(os.path.exists(os.path.join(folder, "resilience.png")))
        check_png(self, os.path.join(folder, "degree_distribution.png"))

    def test_malformed_file_is_a_one_line_error(self):
        cases = {
            "not_a_number": ("degree_distribution.csv", "degree,count\n1,3\n2,lots\n", "lots"),
            "missing_column": ("resilience.csv", "strategy,fraction_removed\nrandom,0\n",
                               "largest_component_fraction"),
            "empty_file": ("summary.csv", "", "empty"),
            "negative_id": ("edges.csv", "source,target\n0,1\n-4,2\n", "-4"),
            "ragged_rows": ("nodes.csv", "node,degree,clustering\n0,1,0\n1,2,0,7,9\n",
                            "nodes.csv"),
            "binary": ("edges.csv", "\x00\x01\x02\xff\xfe", "edges.csv"),
            "blank_header": ("degree_distribution.csv", "degree,,count\n1,2,3\n", "column"),
        }
        for name, (filename, text, expected) in cases.items():
            with self.subTest(name):
                folder = os.path.join(self.dir, name)
                os.makedirs(folder)
                mode = "wb" if name == "binary" else "w"
                with open(os.path.join(folder, filename), mode) as f:
                    f.write(text.encode("latin-1") if mode == "wb" else text)
                result = (plot_process if name == "binary" else plot)(folder, "--quiet")
                self.assertEqual(result.returncode, 2, result.stderr)
                lines = result.stderr.splitlines()
                self.assertEqual(len(lines), 1, result.stderr)
                self.assertIn(filename, lines[0])
                self.assertIn(expected, lines[0])
                self.assertNotIn("Traceback", result.stderr)

    def test_extreme_values_are_drawn_without_blowing_up(self):
        # A hub with a billion links once made the Poisson reference a billion-term loop.
        folder = os.path.join(self.dir, "extreme")
        os.makedirs(folder)
        tables = {
            "degree_distribution.csv": "degree,count\n0,4\n1,5\n1000000000,1\n",
            "nodes.csv": "node,degree,clustering\n0,1000000000,0\n1,1,\n2,0,0\n",
            "resilience.csv": "strategy,fraction_removed,largest_component_fraction\n"
                              "random,0,1\n",
            "summary.csv": "metric,value\nnodes,3\ndegree_assortativity,nan\n",
            "edges.csv": "source,target\n0,1\n0,9223372036854775806\n",
        }
        for name, text in tables.items():
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        result = plot(folder, "--format", "png")
        self.assertEqual(result.returncode, 0, result.stderr)
        for stem in ("degree_distribution", "clustering_vs_degree", "resilience", "network"):
            check_png(self, os.path.join(folder, stem + ".png"))

    def test_folder_without_p2p_files_is_an_error(self):
        result = plot(self.dir)
        self.assertEqual(result.returncode, 2)
        self.assertIn("none of the files p2p writes", result.stderr)
        result = plot(os.path.join(self.dir, "absent"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("not a folder", result.stderr)

    def test_network_above_the_draw_limit_is_not_drawn(self):
        folder = fixtures.run_folder(os.path.join(self.dir, "big"), nodes=60, seed=4)
        result = plot(folder, "--only", "network", "--draw-limit", "50", "--animate",
                      os.path.join(self.dir, "x.gif"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("more than --draw-limit 50", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(folder, "network.png")))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "x.gif")))

    def test_drawing_marks_entry_and_counts_bridges(self):
        # A path 0-1-2 hanging off a triangle 2-3-4: two bridges, entry node 0.
        folder = os.path.join(self.dir, "small")
        os.makedirs(folder)
        with open(os.path.join(folder, "edges.csv"), "w") as f:
            f.write("source,target\n0,1\n1,2\n2,3\n2,4\n3,4\n")
        from p2pplot import network
        from p2pplot.folder import OutputFolder

        loaded = OutputFolder(folder)
        graph = network.load_graph(loaded)
        self.assertEqual(network.bridge_set(graph), {(0, 1), (1, 2)})
        self.assertIsNone(network.entry_node(loaded, graph, None), "no simulation, no entry")
        self.assertEqual(network.entry_node(loaded, graph, "3"), 3)
        result = plot(folder, "--only", "network", "--entry", "0", "--format", "svg")
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.path.join(folder, "network.svg")) as f:
            svg = f.read()
        # The title and legend are drawn as glyph paths; their text survives as ids/comments
        # only in part, so check the bridge colour is used for the two bridges.
        self.assertIn("#d55e00", svg.lower())

    def test_recorded_history_is_replayed_split_and_healed(self):
        folder, pieces_after_loss = fixtures.history_folder(os.path.join(self.dir, "h"),
                                                            nodes=40, seed=1)
        self.assertGreater(pieces_after_loss, 1, "the fixture must split the network")
        from p2pplot import animation
        from p2pplot.folder import OutputFolder
        import networkx as nx

        everyone, states = animation.history(OutputFolder(folder), frames=400)
        self.assertEqual(everyone.number_of_nodes(), 40)
        most_pieces = max(nx.number_connected_components(g) for _, g, _ in states if len(g))
        self.assertGreaterEqual(most_pieces, pieces_after_loss)
        _, final, gone = states[-1]
        self.assertEqual(len(gone), 40 // 5)
        self.assertEqual(final.number_of_nodes(), 40 - 40 // 5)
        self.assertEqual(nx.number_connected_components(final), 1, "healed into one piece")
        self.assertTrue(all(v not in final for v in gone))
        gif = os.path.join(self.dir, "h.gif")
        result = plot(folder, "--only", "network", "--format", "png", "--animate", gif)
        self.assertEqual(result.returncode, 0, result.stderr)
        with Image.open(gif) as image:
            self.assertEqual(image.n_frames, animation.REPLAY_FRAMES)

    def test_snapshots_are_replayed_in_time_order(self):
        folder = os.path.join(self.dir, "snap")
        # Times chosen so that text order (10 < 9.5) and time order differ.
        graphs = {"9.5": "0,1\n1,2\n2,3\n", "10": "2,3\n", "0.5": "0,1\n",
                  "12": "0,1\n1,3\n2,3\n"}
        alive = {"9.5": [0, 1, 2, 3], "10": [0, 2, 3], "0.5": [0, 1], "12": [0, 1, 2, 3]}
        for at, text in graphs.items():
            snap = os.path.join(folder, "snapshots", f"t={at}")
            os.makedirs(snap)
            with open(os.path.join(snap, "edges.csv"), "w") as f:
                f.write("source,target\n" + text)
            with open(os.path.join(snap, "nodes.csv"), "w") as f:
                f.write("node,degree\n" + "".join(f"{v},0\n" for v in alive[at]))
        with open(os.path.join(folder, "edges.csv"), "w") as f:
            f.write("source,target\n0,1\n")
        from p2pplot import animation
        from p2pplot.folder import OutputFolder

        everyone, states = animation.snapshot_history(OutputFolder(folder))
        self.assertEqual([t for t, _, _ in states], [0.5, 9.5, 10.0, 12.0])
        self.assertEqual(sorted(states[2][1].nodes), [0, 2, 3], "node 1 left before t=10")
        self.assertEqual(states[2][2], [1])
        self.assertEqual(states[3][2], [], "node 1 came back")
        self.assertEqual(sorted(everyone.edges), [(0, 1), (1, 2), (1, 3), (2, 3)])
        gif = os.path.join(self.dir, "s.gif")
        result = plot(folder, "--only", "network", "--format", "png", "--animate", gif)
        self.assertEqual(result.returncode, 0, result.stderr)
        with Image.open(gif) as image:
            self.assertEqual(image.n_frames, 4)

    def test_bad_link_event_is_a_one_line_error(self):
        folder, _ = fixtures.history_folder(os.path.join(self.dir, "h"), nodes=20, seed=1)
        with open(os.path.join(folder, "link_events.csv"), "a") as f:
            f.write("9.5,teleport,1,2\n")
        result = plot(folder, "--quiet", "--only", "network", "--animate",
                      os.path.join(self.dir, "x.gif"))
        self.assertEqual(result.returncode, 2)
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        self.assertIn("teleport", result.stderr)

    def test_bad_arguments_are_one_line_errors(self):
        folder = fixtures.run_folder(os.path.join(self.dir, "run"), nodes=20, seed=1)
        for args in (["--format", "jpg"], ["--only", "pie"], ["--animate", "out.mp4"],
                     ["--draw-limit", "0"], ["--entry", "999"], ["--bogus"]):
            with self.subTest(args=args):
                result = plot(folder, "--quiet", *args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)


@unittest.skipUnless(BIN and os.path.exists(BIN), "P2P_BIN (the built p2p) is not given")
class PlotCommand(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="p2p-plot-command-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def p2p(self, *args):
        return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120)

    def test_passes_arguments_and_exit_status_through(self):
        folder = fixtures.run_folder(os.path.join(self.dir, "run"), nodes=30, seed=1)
        result = self.p2p("plot", "--only", "degree,resilience", "--format", "png", folder)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(sorted(result.stdout.split()),
                         sorted(os.path.join(folder, f) for f in
                                ("degree_distribution.png", "resilience.png")))
        result = self.p2p("plot", "--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("--animate", result.stdout)
        result = self.p2p("plot", os.path.join(self.dir, "absent"))
        self.assertEqual(result.returncode, 2)
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)

    def test_same_seed_gives_the_same_figures(self):
        if "sim" not in self.p2p("--help").stdout:
            self.skipTest("this p2p has no sim subcommand")
        made = []
        for name in ("first", "second"):
            out = os.path.join(self.dir, name)
            result = self.p2p("sim", "--nodes", "80", "--seed", "11", "--out", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            result = self.p2p("plot", out, "--quiet", "--animate", os.path.join(out, "grow.gif"))
            self.assertEqual(result.returncode, 0, result.stderr)
            made.append(out)
        figures = sorted(f for f in os.listdir(made[0]) if not f.endswith(".csv"))
        self.assertIn("network.svg", figures)
        self.assertIn("grow.gif", figures)
        for name in figures:
            self.assertTrue(filecmp.cmp(os.path.join(made[0], name), os.path.join(made[1], name),
                                        shallow=False), f"{name} differs for the same seed")

    def test_animates_a_simulated_failure_from_its_snapshots(self):
        if "--scenario" not in self.p2p("sim", "--help").stdout:
            self.skipTest("this p2p sim has no --scenario")
        scenario = os.path.join(self.dir, "failure.toml")
        with open(scenario, "w") as f:
            f.write("end_s = 3\n[[arrivals]]\ncount = 40\ninterval_ms = 10\n"
                    "[[mass_failure]]\nat_s = 1\nfraction = 0.3\norder = \"degree\"\n"
                    "[snapshots]\nevery_s = 0.25\nuntil_s = 3\n")
        out = os.path.join(self.dir, "failure")
        made = self.p2p("sim", "--scenario", scenario, "--seed", "2", "--out", out)
        self.assertEqual(made.returncode, 0, made.stderr)
        snapshots = sorted(os.listdir(os.path.join(out, "snapshots")))
        self.assertGreaterEqual(len(snapshots), 10, snapshots)
        gif = os.path.join(out, "failure.gif")
        result = self.p2p("plot", out, "--only", "network", "--format", "png", "--animate", gif)
        self.assertEqual(result.returncode, 0, result.stderr)
        with Image.open(gif) as image:
            # One frame per snapshot, and the final graph when the run ended later.
            self.assertIn(image.n_frames, (len(snapshots), len(snapshots) + 1))

    def test_plots_what_p2p_itself_wrote(self):
        """The contract, end to end: a folder from `p2p sim` (or `p2p analyze` while the
        simulator has no CLI) plots without a notice for the files it writes."""
        out = os.path.join(self.dir, "real")
        commands = self.p2p("--help").stdout
        if " sim " in commands or "\n  sim" in commands:
            made = self.p2p("sim", "--nodes", "60", "--seed", "3", "--out", out)
        elif "analyze" in commands:
            source = fixtures.run_folder(os.path.join(self.dir, "source"), nodes=60, seed=3)
            made = self.p2p("analyze", os.path.join(source, "edges.csv"), "--out", out)
        else:
            self.skipTest("this p2p has neither sim nor analyze")
        self.assertEqual(made.returncode, 0, made.stderr)
        result = self.p2p("plot", out, "--format", "png", "--animate",
                          os.path.join(out, "grow.gif"))
        self.assertEqual(result.returncode, 0, result.stderr)
        for stem in ("degree_distribution", "network"):
            check_png(self, os.path.join(out, stem + ".png"))
        for name in ("degree_distribution", "nodes", "resilience", "edges"):
            if os.path.exists(os.path.join(out, name + ".csv")):
                self.assertNotIn(f"no {name}.csv", result.stderr)
        self.assertTrue(os.path.getsize(os.path.join(out, "grow.gif")) > 10_000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
