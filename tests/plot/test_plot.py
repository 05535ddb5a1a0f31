"""Behaviour of `p2p plot`: every figure is made and is a real image, the same input gives the same
bytes, a missing file skips one figure, a malformed file is a one-line error.

Run one behaviour: python3 test_plot.py Plot.test_renders_every_figure_as_valid_images
The environment gives P2P_BIN (the built p2p), P2P_SOURCE_DIR (the repository) and P2P_PLOT_DIR
(where that p2p finds the plotting script).
"""

import contextlib
import csv
import filecmp
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("P2P_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
PLOT_DIR = os.path.join(SOURCE, "plot")
SCRIPT = os.path.join(PLOT_DIR, "p2p_plot.py")
BIN = os.environ.get("P2P_BIN", "")
sys.path.insert(0, HERE)
sys.path.insert(0, PLOT_DIR)

import fixtures  # noqa: E402
from p2pplot import cli, labels  # noqa: E402

RUN_FIGURES = ["degree_distribution", "clustering_vs_degree", "resilience", "timeseries",
               "broadcasts", "network"]
COMPARE_FIGURES = ["compare_structure"]
# A figure with something on it: a blank page, or one holding only a title, stays below this
# variance of its grey levels (checked against such pages in test_blank_pages_fail_the_check).
PIXEL_VARIANCE_FLOOR = 150.0


def plot_process(*args):
    """`python3 plot/p2p_plot.py ARGS` in a process of its own, as a user runs it."""
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=120)


def plot(*args, written=None):
    """The same entry point called in this process: the result of plot_process, without paying
    for a fresh interpreter and fresh matplotlib imports on every call."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main([str(a) for a in args], written=written)
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


def pixel_variance(path):
    with Image.open(path) as image:
        grey = np.asarray(image.convert("L"), dtype=float)
    return float(grey.var())


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
    test.assertGreater(pixel_variance(path), PIXEL_VARIANCE_FLOOR, f"{path} is nearly blank")
    test.assertGreater(os.path.getsize(path), 10_000, path)


def check_svg(test, path):
    test.assertTrue(os.path.isfile(path), path)
    root = ElementTree.parse(path).getroot()
    test.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg", path)
    test.assertTrue(root.get("width", "").endswith("pt"), path)
    test.assertGreater(float(root.get("width")[:-2]), 300, path)
    # A figure with axes, labels and data has many drawn paths.
    test.assertGreater(sum(1 for _ in root.iter("{http://www.w3.org/2000/svg}path")), 30, path)


def check_words(test, stem, said):
    """A title; every chart's axes labelled; a legend wherever a panel has several series."""
    test.assertTrue(said["title"].strip(), f"{stem}: no title")
    charts = [a for a in said["axes"] if not a["drawing"]]
    said_axes = [{k: v for k, v in a.items() if k != "lines"} for a in said["axes"]]
    test.assertTrue(all(a["y"].strip() for a in charts), (stem, said_axes))
    if charts:
        test.assertTrue(any(a["x"].strip() for a in charts), (stem, said_axes))
    if any(a["series"] > 1 for a in said["axes"]):
        test.assertTrue(said["legend"], f"{stem}: several series and no legend")


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
            status = plot(folder, "--quiet", "--format", "png", written=words).returncode
            self.assertEqual(status, 0)
        self.assertEqual(sorted(words), sorted(RUN_FIGURES + COMPARE_FIGURES))
        for stem, said in words.items():
            with self.subTest(stem):
                check_words(self, stem, said)
        self.assertTrue(any(t.startswith("mean degree") for t in
                            words["degree_distribution"]["legend"]))
        self.assertTrue(any("random failures" in t for t in words["resilience"]["legend"]))
        self.assertTrue(any("entry node" in t for t in words["network"]["legend"]))
        self.assertTrue(any("95% confidence" in t for t in
                            words["compare_structure"]["legend"]))
        self.assertIn("virtual time (s)", [a["x"] for a in words["timeseries"]["axes"]])
        # Panel titles are words, never raw column names.
        for said in words.values():
            for axes in said["axes"]:
                self.assertNotIn("_", axes["title"], axes)

    def test_every_metric_p2p_writes_has_a_label(self):
        """Every name the C++ writes as a summary metric, a comparison metric or a CSV column
        is in the label table (read from the sources, so a new metric without a label fails)."""
        names = set()
        for path in ("analysis/report.cpp", "analysis/graph_summary.cpp", "experiment/metrics.cpp",
                     "experiment/run.cpp", "sim/rule_mix.cpp", "runner/sim_command.cpp",
                     "runner/compare_command.cpp", "runner/analyze_command.cpp"):
            with open(os.path.join(SOURCE, path)) as f:
                text = f.read()
            names.update(re.findall(r'\b(?:add|set)\("([a-z0-9_]+)"', text))
            # Header rows written as string literals: "a,b,c\n" (possibly split in two).
            for header in re.findall(r'"([a-z0-9_,]+)(?:\\n)?"', text):
                if "," in header:
                    names.update(n for n in header.split(",") if n)
            listed = re.search(r"kMetrics = \{(.*?)\};", text, re.S)
            if listed:
                names.update(re.findall(r'"([a-z0-9_]+)"', listed.group(1)))
        # The resilience curves' summary rows: `<strategy>_removal_half_fraction`.
        names.update(f"{strategy}_removal_half_fraction" for strategy in ("random", "degree"))
        self.assertGreater(len(names), 60, sorted(names))
        unlabelled = sorted(n for n in names if not labels.known(n))
        self.assertEqual(unlabelled, [], "metrics p2p writes without a label in labels.py")
        for name in names:
            self.assertTrue(labels.name(name) and labels.unit(name), name)

    def test_rules_keep_the_order_given(self):
        compare = fixtures.compare_folder(os.path.join(self.dir, "compare"),
                                          rules=("walk_z", "seed_a", "middle_m"))
        words = {}
        self.assertEqual(plot(compare, "--quiet", "--format", "png", written=words).returncode, 0)
        for stem, said in words.items():
            for axes in said["axes"]:
                if axes["xticks"] and axes["x"] == "join rule":
                    self.assertEqual(axes["xticks"], ["walk_z", "seed_a", "middle_m"], stem)

    def test_identifiers_are_never_averaged(self):
        folder = os.path.join(self.dir, "seeds")
        os.makedirs(folder)
        with open(os.path.join(folder, "runs.csv"), "w") as f:
            f.write("seed,rule,scenario,join_requests,max_hops,loss,nodes,mean_degree,"
                    "flood_origin,flood_coverage\n"
                    "1,seed,default,4,64,0,50,3.1,17,1\n2,seed,default,4,64,0,50,3.3,42,0.98\n"
                    "3,seed,default,4,64,0,50,2.9,5,1\n")
        words = {}
        result = plot(folder, "--quiet", "--format", "png", written=words)
        self.assertEqual(result.returncode, 0, result.stderr)
        titles = [a["title"] for said in words.values() for a in said["axes"]]
        self.assertIn("Mean degree", titles)
        self.assertIn("Flood coverage", titles)
        for identifier in ("Flood origin", "Seed", "Maximum hops", "JOIN_REQs per newcomer"):
            self.assertNotIn(identifier, titles)

    def test_sweep_points_are_never_pooled(self):
        """A size sweep assembled by hand: each rule is one curve against the number of nodes,
        each point its own mean (checked against numpy over that point's seeds alone)."""
        sizes, rules = (30, 60), ("inverse_degree", "random_walk")
        rows = fixtures.sweep_folder(os.path.join(self.dir, "sweep"), sizes=sizes, rules=rules)
        words = {}
        result = plot(os.path.join(self.dir, "sweep"), "--quiet", "--format", "png",
                      written=words)
        self.assertEqual(result.returncode, 0, result.stderr)
        panels = {a["title"]: a for said in words.values() for a in said["axes"]}
        for metric, title in (("mean_degree", "Mean degree"), ("max_degree", "Maximum degree"),
                              ("average_clustering", "Average clustering")):
            with self.subTest(metric):
                axes = panels[title]
                self.assertEqual(axes["x"], "nodes")
                self.assertEqual([line["label"] for line in axes["lines"]], list(rules))
                for line, rule in zip(axes["lines"], rules):
                    self.assertEqual(line["x"], [float(n) for n in sizes])
                    expected = [np.mean([r[metric] for r in rows
                                         if r["rule"] == rule and r["nodes"] == n])
                                for n in sizes]
                    np.testing.assert_allclose(line["y"], expected, rtol=1e-12)
        # The swept size measured back is no result, nor is it pooled into a band.
        self.assertNotIn("Nodes", panels)

    def test_stray_pieces_do_not_squeeze_the_drawing(self):
        """A few nodes cut off from the rest (after a failure) sit around the largest piece, which
        keeps most of the drawing instead of shrinking to a blot among them."""
        import networkx as nx
        from p2pplot import network

        graph = fixtures.grown_graph(60, 3)
        self.assertTrue(nx.is_connected(graph))
        graph.add_nodes_from([100, 101])
        graph.add_edge(102, 103)
        positions = network.layout(graph)
        self.assertEqual(sorted(positions), sorted(graph.nodes))

        def spread(nodes):
            xy = np.array([positions[v] for v in nodes])
            return float(np.ptp(xy, axis=0).max())

        self.assertGreater(spread(range(60)), 0.6 * spread(graph.nodes))
        self.assertEqual(positions, network.layout(graph), "the layout is seeded")

    def test_integer_quantities_get_integer_ticks(self):
        run = fixtures.run_folder(os.path.join(self.dir, "run"), nodes=40, seed=3)
        words = {}
        self.assertEqual(plot(run, "--quiet", "--format", "png", written=words).returncode, 0)
        bar = words["network"]["colorbar_ticks"]
        self.assertTrue(bar and all(t == int(t) for t in bar), bar)
        counts = {a["title"]: a["yticks"] for a in words["timeseries"]["axes"]}
        for title in ("Live nodes", "Connections", "Connected components"):
            self.assertTrue(all(t == int(t) for t in counts[title]), (title, counts[title]))

    def test_too_few_samples_are_said_not_drawn(self):
        run = fixtures.run_folder(os.path.join(self.dir, "run"), nodes=30, seed=3)
        with open(os.path.join(run, "timeseries.csv"), "w") as f:
            f.write("time_s,live_nodes,edges\n2.5,30,60\n")
        result = plot(run, "--only", "timeseries", "--format", "png")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("1 sample,", result.stderr)
        self.assertIn("--sample-every", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(run, "timeseries.png")))

    def test_a_few_broadcasts_are_one_table(self):
        run = fixtures.run_folder(os.path.join(self.dir, "run"), nodes=30, seed=3)
        with open(os.path.join(run, "broadcasts.csv"), "w") as f:
            f.write("broadcast,time_s,origin,reachable,deliveries,coverage,messages,duplicates,"
                    "latency_p50_ms,max_hops,finished\n0,3.2,17,29,29,1,120,61,64.5,5,1\n")
        words = {}
        result = plot(run, "--only", "broadcasts", "--format", "png", written=words)
        self.assertEqual(result.returncode, 0, result.stderr)
        axes = words["broadcasts"]["axes"]
        self.assertEqual(len(axes), 1, axes)
        self.assertTrue(axes[0]["table"])
        check_png(self, os.path.join(run, "broadcasts.png"))

    def test_time_series_mark_the_scenario_phases(self):
        run = fixtures.run_folder(os.path.join(self.dir, "run"), nodes=40, seed=3)
        with open(os.path.join(run, "phases.csv"), "w") as f:
            f.write("phase,start_s,end_s,detail\narrivals,0.01,0.3,30 nodes\n"
                    "mass_failure,0.35,0.35,30% by degree\npartition,0.4,0.5,50% cut off\n"
                    "churn,9,12,\n")
        words = {}
        self.assertEqual(plot(run, "--only", "timeseries", "--format", "png",
                              written=words).returncode, 0)
        legend = " | ".join(words["timeseries"]["legend"])
        self.assertIn("arrivals (30 nodes) 0.01-0.3 s", legend)
        self.assertIn("mass failure (30% by degree) at 0.35 s", legend)
        self.assertIn("partition (50% cut off) 0.4 s, healed at 0.5 s", legend)
        self.assertNotIn("churn", legend, "a phase after the last sample is not marked")

    def test_summary_page_for_a_run_and_a_comparison(self):
        run = fixtures.run_folder(os.path.join(self.dir, "run"), nodes=40, seed=3)
        compare = fixtures.compare_folder(os.path.join(self.dir, "compare"))
        for folder, panels in ((run, 6), (compare, 3)):
            words = {}
            result = plot(folder, "--summary", "--quiet", written=words)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(sorted(words), ["summary"])
            self.assertEqual(len(words["summary"]["axes"]), panels, words["summary"]["axes"])
            check_words(self, "summary", words["summary"])
            check_png(self, os.path.join(folder, "summary.png"))
            check_svg(self, os.path.join(folder, "summary.svg"))
            with open(os.path.join(folder, "summary.pdf"), "rb") as f:
                self.assertEqual(f.read(5), b"%PDF-")

    def test_animation_removes_what_its_title_says(self):
        import networkx as nx
        from p2pplot import animation

        star = nx.star_graph(6)  # node 0, the entry, holds every link
        star.add_edge(1, 2)
        order = animation.removal_order(star, "degree")
        self.assertEqual(order[:3], [0, 1, 2], "highest degree first, the entry included")
        self.assertIn("highest degree first", animation.loss_title("degree", 3, 7))
        self.assertIn("at random", animation.loss_title("random", 3, 7))
        self.assertEqual(sorted(animation.removal_order(star, "random", seed=3)),
                         sorted(star.nodes))

    def test_blank_pages_fail_the_check(self):
        import matplotlib.pyplot as plt

        blank = os.path.join(self.dir, "blank.png")
        Image.new("RGB", (800, 500), "white").save(blank)
        titled = os.path.join(self.dir, "titled.png")
        figure = plt.figure(figsize=(8, 5))
        figure.suptitle("A title over nothing")
        figure.savefig(titled)
        plt.close(figure)
        for path in (blank, titled):
            self.assertLess(pixel_variance(path), PIXEL_VARIANCE_FLOOR, path)

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


EVERY_PHASE = """# Every kind of phase p2p sim knows, in 4 s of virtual time.
sample_every_s = 0.1
end_s = 4

[[arrivals]]
count = 60
interval_ms = 10

[[churn]]
at_s = 1
until_s = 1.6
session = { distribution = "exponential", mean_s = 2 }
replace = true

[[mass_failure]]
at_s = 2
fraction = 0.25
order = "degree"

[[partition]]
at_s = 2.5
until_s = 3
fraction = 0.5

[[broadcasts]]
at_s = 0.8
until_s = 3.6
rate_per_s = 3
process = "fixed"

[snapshots]
every_s = 0.5
until_s = 4
"""


# Two rules on two sizes, two seeds each: a campaign of eight small runs.
SMALL_STUDY = """seeds = "1..2"
rule = "seed"
nodes = 60
arrival_interval_ms = 10
resilience_runs = 1

[sweep]
rule = ["seed", "hyparview"]
nodes = [60, 120]
"""


@unittest.skipUnless(BIN and os.path.exists(BIN), "P2P_BIN (the built p2p) is not given")
class PlotCommand(unittest.TestCase):
    """`p2p plot` as users run it, on folders the real `p2p sim`, `compare` and `analyze`
    write."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="p2p-plot-command-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def p2p(self, *args, binary=None, env=None):
        return subprocess.run([binary or BIN, *map(str, args)], capture_output=True, text=True,
                              timeout=170, env=env)

    def made(self, *args):
        result = self.p2p(*args)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def plotted(self, folder, *args):
        """Plots `folder` with the real p2p, then checks every PNG it wrote; returns what
        p2p printed and, from the same entry point in this process, each figure's words."""
        result = self.made("plot", folder, "--format", "png", *args)
        pngs = [line for line in result.stdout.split() if line.endswith(".png")]
        self.assertTrue(pngs, result.stdout)
        for path in pngs:
            with self.subTest(png=os.path.basename(path)):
                check_png(self, path)
        words = {}
        self.assertEqual(plot(folder, "--quiet", "--format", "png", *args,
                              written=words).returncode, 0)
        for stem, said in words.items():
            with self.subTest(words=stem):
                check_words(self, stem, said)
        return result, words

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

    def test_finds_the_plot_directory_beside_the_executable(self):
        """No source path is compiled in: $P2P_PLOT_DIR, else ../share/p2p/plot (an install),
        else share/p2p/plot (a build tree) beside the executable; else a one-line error."""
        env = {k: v for k, v in os.environ.items() if k != "P2P_PLOT_DIR"}
        prefix = os.path.join(self.dir, "prefix")
        binary = os.path.join(prefix, "bin", "p2p")
        os.makedirs(os.path.dirname(binary))
        shutil.copy2(BIN, binary)
        missing = self.p2p("plot", "--help", binary=binary, env=env)
        self.assertEqual(missing.returncode, 2, missing.stderr)
        self.assertEqual(len(missing.stderr.splitlines()), 1, missing.stderr)
        self.assertIn("P2P_PLOT_DIR", missing.stderr)
        self.assertNotIn(SOURCE, missing.stderr, "no source path may be compiled in")
        with open(BIN, "rb") as f:
            self.assertNotIn(os.path.join(SOURCE, "plot").encode(), f.read())
        found = self.p2p("plot", "--help", binary=binary, env=dict(env, P2P_PLOT_DIR=PLOT_DIR))
        self.assertEqual(found.returncode, 0, found.stderr)
        self.assertIn("--summary", found.stdout)
        for layout in (("bin", "share", "p2p", "plot"), ("share", "p2p", "plot")):
            with self.subTest(layout="/".join(layout)):
                link = os.path.join(prefix, *layout)
                os.makedirs(os.path.dirname(link), exist_ok=True)
                os.symlink(PLOT_DIR, link)
                found = self.p2p("plot", "--help", binary=binary, env=env)
                self.assertEqual(found.returncode, 0, found.stderr)
                self.assertIn("--summary", found.stdout)
                os.remove(link)

    def test_same_seed_gives_the_same_figures(self):
        made = []
        for name in ("first", "second"):
            out = os.path.join(self.dir, name)
            self.made("sim", "--nodes", "80", "--seed", "11", "--sample-every", "0.1", "--out",
                      out)
            self.made("plot", out, "--quiet", "--format", "png,svg,pdf", "--animate",
                      os.path.join(out, "grow.gif"))
            self.made("plot", out, "--quiet", "--summary")
            made.append(out)
        figures = sorted(f for f in os.listdir(made[0]) if not f.endswith(".csv") and
                         os.path.isfile(os.path.join(made[0], f)))
        for expected in ("network.svg", "timeseries.pdf", "grow.gif", "summary.pdf"):
            self.assertIn(expected, figures)
        for name in figures:
            self.assertTrue(filecmp.cmp(os.path.join(made[0], name), os.path.join(made[1], name),
                                        shallow=False), f"{name} differs for the same seed")

    def test_plots_a_real_sim_folder(self):
        out = os.path.join(self.dir, "sim")
        self.made("sim", "--nodes", "150", "--seed", "3", "--sample-every", "0.2", "--out", out)
        result, words = self.plotted(out)
        self.assertEqual(result.stderr, "", "a sampled run skips no figure")
        self.assertEqual(sorted(words), sorted(RUN_FIGURES))
        # One final flood: a table, not six one-bar charts.
        self.assertEqual([a["table"] for a in words["broadcasts"]["axes"]], [True])
        self.assertIn("arrivals (149 nodes) 0.01-1.49 s", words["timeseries"]["legend"])
        _, words = self.plotted(out, "--summary")
        self.assertEqual(len(words["summary"]["axes"]), 6)

    def test_default_run_says_it_has_one_sample(self):
        out = os.path.join(self.dir, "default")
        self.made("sim", "--nodes", "100", "--seed", "2", "--out", out)
        result, words = self.plotted(out)
        self.assertNotIn("timeseries", words)
        self.assertEqual(result.stderr.count("\n"), 1, result.stderr)
        self.assertIn("timeseries.csv has 1 sample", result.stderr)

    def test_plots_a_scenario_with_every_phase(self):
        scenario = os.path.join(self.dir, "every_phase.toml")
        with open(scenario, "w") as f:
            f.write(EVERY_PHASE)
        out = os.path.join(self.dir, "phases")
        self.made("sim", "--scenario", scenario, "--seed", "4", "--out", out)
        gif = os.path.join(out, "history.gif")
        result, words = self.plotted(out, "--animate", gif)
        legend = " | ".join(words["timeseries"]["legend"])
        for phase in ("arrivals (60 nodes) 0-0.59 s", "churn 1-1.6 s",
                      "mass failure (25% by degree) at 2 s",
                      "partition (50% cut off) 2.5 s, healed at 3 s",
                      "broadcasts (3 per s) 0.8-3.6 s"):
            self.assertIn(phase, legend)
        # Many broadcasts: distributions, one panel per measure.
        self.assertGreater(len(words["broadcasts"]["axes"]), 1)
        with Image.open(gif) as image:
            self.assertGreaterEqual(image.n_frames, 8)

    def test_plots_a_real_compare_folder(self):
        out = os.path.join(self.dir, "compare")
        # Not alphabetical: the figures must keep this order.
        self.made("compare", "--rules", "random_walk,seed", "--seeds", "1..3", "--nodes", "60",
                  "--crash", "0.2", "--jobs", "1", "--quiet", "--out", out)
        result, words = self.plotted(out)
        self.assertEqual(result.stderr, "", "a compare folder needs no run files")
        self.assertEqual(sorted(words), ["campaign_degrees", "campaign_resilience",
                                         "compare_flood", "compare_joining",
                                         "compare_resilience", "compare_structure"])
        for stem, said in words.items():
            for axes in said["axes"]:
                if axes["x"] == "join rule":
                    self.assertEqual(axes["xticks"], ["random_walk", "seed"], stem)
        legend = words["compare_resilience"]["legend"]
        self.assertEqual(legend[0], "random_walk, random")
        self.assertIn("seed, highest degree first", legend)
        titles = [a["title"] for said in words.values() for a in said["axes"]]
        self.assertIn("Flood messages per delivery", titles)
        self.assertIn("Entry's share of links", titles)
        _, words = self.plotted(out, "--summary")
        self.assertEqual(len(words["summary"]["axes"]), 6)

    def run_study(self, name):
        study = os.path.join(self.dir, "study.toml")
        with open(study, "w") as f:
            f.write(SMALL_STUDY)
        out = os.path.join(self.dir, name)
        self.made("run", study, "--jobs", "2", "--quiet", "--out", out)
        return out

    def test_plots_a_real_campaign_folder(self):
        """The summary page of a real `p2p run` sweep: through the real p2p, then from the same
        entry point in this process (words and data), byte for byte the same. The campaign's
        other pages are drawn by the same code as a comparison's (PlotsARealCompareFolder) and
        a hand-made sweep's (SweepPointsAreNeverPooled)."""
        out = self.run_study("campaign")
        result = self.made("plot", out, "--summary", "--format", "png")
        self.assertEqual(result.stderr, "")
        self.assertEqual(result.stdout.split(), [os.path.join(out, "summary.png")])
        check_png(self, os.path.join(out, "summary.png"))
        again, words = os.path.join(self.dir, "again"), {}
        self.assertEqual(plot(out, "--quiet", "--summary", "--format", "png", "--out", again,
                              written=words).returncode, 0)
        self.assertTrue(filecmp.cmp(os.path.join(out, "summary.png"),
                                    os.path.join(again, "summary.png"), shallow=False),
                        "the same campaign gives a different summary page")
        said = words["summary"]
        check_words(self, "summary", said)
        self.assertEqual(len(said["axes"]), 6)
        self.assertIn("against nodes", said["title"])
        # aggregate.csv, read here with the csv module: one mean per (rule, nodes).
        with open(os.path.join(out, "aggregate.csv")) as f:
            means = {(r["rule"], float(r["nodes"]), r["metric"]): float(r["mean"])
                     for r in csv.DictReader(f)}
        panels = {a["title"]: a for a in said["axes"]}
        for title, metric in (("Maximum degree", "max_degree"),
                              ("Mean shortest path", "mean_shortest_path")):
            axes = panels[title]
            self.assertEqual(axes["x"], "nodes")
            # One curve per rule, in the study's order, through each size separately.
            self.assertEqual([line["label"] for line in axes["lines"]], ["seed", "hyparview"])
            for line in axes["lines"]:
                self.assertEqual(line["x"], [60.0, 120.0])
                self.assertEqual(line["y"], [means[(line["label"], x, metric)]
                                             for x in line["x"]])
        # The resilience panel, drawn from the run folders: four curves, one rule at one size
        # each.
        drawn = [line["label"] for line in said["axes"][0]["lines"]
                 if not line["label"].startswith("upper bound")]
        self.assertEqual(drawn, [f"{rule}, nodes {n}" for rule in ("seed", "hyparview")
                                 for n in (60, 120)])

    def test_seeds_folder_never_averages_identifiers(self):
        out = os.path.join(self.dir, "seeds")
        self.made("sim", "--nodes", "60", "--seeds", "1..3", "--jobs", "1", "--quiet", "--out",
                  out)
        with open(os.path.join(out, "runs.csv")) as f:
            self.assertIn("flood_origin", f.readline())
        _, words = self.plotted(out)
        titles = [a["title"] for said in words.values() for a in said["axes"]]
        self.assertIn("Mean degree", titles)
        self.assertNotIn("Flood origin", titles)
        self.assertNotIn("Seed", titles)

    def test_plots_a_real_analyze_folder_with_named_nodes(self):
        edges = os.path.join(self.dir, "named.csv")
        names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
        with open(edges, "w") as f:
            f.write("source,target\n")
            for i, a in enumerate(names):
                for b in names[i + 1:i + 3]:
                    f.write(f"{a},{b}\n")
            f.write("heidi,ivan\n")
        out = os.path.join(self.dir, "analyzed")
        self.made("analyze", edges, "--out", out)
        result, words = self.plotted(out)
        self.assertIn("network", words)
        self.assertIn("9 nodes", words["network"]["axes"][0]["title"])
        self.assertIn("1 bridge", words["network"]["axes"][0]["title"])

    def test_every_metric_a_real_run_writes_has_a_label(self):
        scenario = os.path.join(self.dir, "every_phase.toml")
        with open(scenario, "w") as f:
            f.write(EVERY_PHASE)
        sim = os.path.join(self.dir, "sim")
        self.made("sim", "--scenario", scenario, "--seed", "5", "--loss", "0.01", "--out", sim)
        compare = os.path.join(self.dir, "compare")
        self.made("compare", "--rules", "seed,hyparview", "--seeds", "1..2", "--nodes", "40",
                  "--crash", "0.2", "--jobs", "1", "--quiet", "--out", compare)
        seen = set()
        import pandas as pd

        for folder in (sim, compare):
            for name in os.listdir(folder):
                if name.endswith(".csv"):
                    table = pd.read_csv(os.path.join(folder, name))
                    seen.update(table.columns)
                    if "metric" in table.columns:
                        seen.update(table["metric"].astype(str))
        self.assertIn("packets_lost", seen)
        self.assertIn("lcc_after_crash", seen)
        self.assertEqual(sorted(n for n in seen if not labels.known(n)), [])

    def test_animates_a_simulated_failure_from_its_snapshots(self):
        scenario = os.path.join(self.dir, "failure.toml")
        with open(scenario, "w") as f:
            f.write("end_s = 3\n[[arrivals]]\ncount = 40\ninterval_ms = 10\n"
                    "[[mass_failure]]\nat_s = 1\nfraction = 0.3\norder = \"degree\"\n"
                    "[snapshots]\nevery_s = 0.25\nuntil_s = 3\n")
        out = os.path.join(self.dir, "failure")
        self.made("sim", "--scenario", scenario, "--seed", "2", "--out", out)
        snapshots = sorted(os.listdir(os.path.join(out, "snapshots")))
        self.assertGreaterEqual(len(snapshots), 10, snapshots)
        gif = os.path.join(out, "failure.gif")
        self.made("plot", out, "--only", "network", "--format", "png", "--animate", gif)
        with Image.open(gif) as image:
            # One frame per snapshot, and the final graph when the run ended later.
            self.assertIn(image.n_frames, (len(snapshots), len(snapshots) + 1))


if __name__ == "__main__":
    unittest.main(verbosity=2)
