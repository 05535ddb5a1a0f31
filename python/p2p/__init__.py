"""p2p from Python: simulate, run campaigns and analyse graphs with p2p's C++ library, get pandas
frames back, and write join rules as Python classes. docs/python.md describes it.

    import p2p
    r = p2p.simulate(nodes=10_000, rule="hyparview", seed=1)
    r.summary["mean_degree"], r.degrees, r.graph()
"""

import io
import os
import shutil
import tempfile
import warnings

import pandas as pd

from . import _core
from ._core import JoinRequest, Link, NodeView, accept, drop, pass_to

__all__ = [
    "simulate", "campaign", "analyze", "plot", "rules", "register_rule", "JoinRule", "Result",
    "CampaignResult", "accept", "drop", "pass_to", "Link", "JoinRequest", "NodeView",
]
__version__ = _core.version()

# The frames of a result and the file each is read from (docs/output.md).
_FRAMES = {
    "degrees": "degree_distribution.csv",
    "edges": "edges.csv",
    "nodes": "nodes.csv",
    "resilience": "resilience.csv",
    "timeseries": "timeseries.csv",
    "broadcasts": "broadcasts.csv",
    "phases": "phases.csv",
    "groups": "groups.csv",
}


def _frame(data):
    """A CSV file's bytes as a frame; ids stay as written (node ids may be names)."""
    if data is None or not data.strip():
        return pd.DataFrame()
    return pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])


class Result:
    """One graph's report: a simulation's or an analysed edge list's.

    `summary` is a dict metric -> value (summary.csv); `degrees`, `edges`, `nodes`, `resilience`,
    `timeseries`, `broadcasts` are frames with the CSV files' columns (an empty frame when the run
    writes no such file)."""

    def __init__(self, tables, run=None):
        self._tables = tables
        self._run = run  # the C++ run while it is held: write() needs it, dropping frees it
        self._frames = {}
        summary = _frame(tables.get("summary.csv"))
        self.summary = dict(zip(summary["metric"], summary["value"])) if len(summary) else {}

    def __getattr__(self, name):
        if name in _FRAMES:
            if name not in self._frames:
                self._frames[name] = _frame(self._tables.get(_FRAMES[name]))
            return self._frames[name]
        raise AttributeError(name)

    @property
    def summary_frame(self):
        """summary.csv as a frame (metric, value)."""
        return _frame(self._tables.get("summary.csv"))

    @property
    def seed(self):
        return self._run.seed if self._run is not None else None

    @property
    def events(self):
        """Events the simulation handled (None for an analysed edge list)."""
        return self._run.events if self._run is not None else None

    def graph(self):
        """The graph as a networkx.Graph: every node of nodes.csv (isolated ones too), every edge."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(self.nodes["node"]) if len(self.nodes) else None
        if len(self.edges):
            g.add_edges_from(zip(self.edges["source"], self.edges["target"]))
        return g

    def write(self, folder, force=False):
        """Writes the output folder: for a simulation the same bytes `p2p sim` writes for the same
        options and seed (manifest.json included); for an analysis the report's CSV files."""
        if self._run is not None:
            self._run.write(os.fspath(folder), force)
            return
        os.makedirs(folder, exist_ok=True)
        for name, data in self._tables.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)

    def __repr__(self):
        s = self.summary
        return "<p2p.Result: %s nodes, %s edges, mean degree %s>" % (
            _fmt(s.get("nodes")), _fmt(s.get("edges")), _fmt(s.get("mean_degree")))


def _fmt(v):
    return "?" if v is None else "%g" % v


def _bar(total, description, delay):
    """A tqdm bar (in a notebook or a terminal), or None when tqdm is not installed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm
        return tqdm(total=total, desc=description, delay=delay, leave=False)
    except ImportError:
        return None


def simulate(seed=1, progress=True, **settings):
    """Simulates one run, as `p2p sim --seed SEED` with the same settings, and returns a Result.

    Settings are `p2p sim`'s flags in snake case: nodes, rule, scenario, join_requests,
    max_hops, min_connections, max_connections, arrival_interval_ms, latency_model,
    latency_min_ms, latency_max_ms, latency_mu, latency_sigma, site_matrix, loss,
    sample_every_s, flood, message, signed, resilience_runs, exact_paths_up_to, path_samples,
    paths, spectral, spectral_up_to. A bad value raises ValueError with the command line's message.
    The run happens in C++ with the interpreter's lock released; Ctrl-C stops it
    (KeyboardInterrupt) and nothing is kept."""
    bar = _bar(None, "simulating", 1.0) if progress else None
    if bar is not None:
        bar.bar_format = "{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s virtual [{elapsed}]"

    def show(now, end):
        # Virtual seconds against the scenario's planned end (a final flood may run past it).
        bar.total = max(end, 1e-9)
        bar.n = min(now, bar.total)
        bar.refresh()

    try:
        run = _core.simulate(seed=seed, progress=show if bar is not None else None, **settings)
    finally:
        if bar is not None:
            bar.close()
    return Result(run.tables(), run)


class CampaignResult:
    """A finished campaign: `runs` (runs.csv: parameters, seed, every metric) and `aggregate`
    (aggregate.csv: mean, stddev and 95% interval per point and metric) as frames; `out` is its
    folder when one was named (None when it lived in a temporary folder)."""

    def __init__(self, tables, out):
        self.runs = _frame(tables["runs"].encode())
        self.aggregate = _frame(tables["aggregate"].encode())
        self.ran = int(tables["ran"])
        self.reused = int(tables["skipped"])
        self.out = out

    def __repr__(self):
        return "<p2p.CampaignResult: %d runs (%d reused)>" % (len(self.runs), self.reused)


def _seed_range(seeds):
    if isinstance(seeds, str):
        return seeds
    if isinstance(seeds, int):
        return str(seeds)
    seeds = list(seeds)
    if not seeds or seeds != list(range(seeds[0], seeds[0] + len(seeds))):
        raise ValueError("seeds: give consecutive seeds (a range, 'A..B' or one int)")
    return "%d..%d" % (seeds[0], seeds[-1])


def campaign(study=None, *, rules=None, seeds="1..5", out=None, jobs=0, force=False,
             progress=True, comparison=False, **settings):
    """Runs a campaign and returns a CampaignResult.

    `campaign("study.toml")` runs a study file as `p2p run` does; the keyword form
    `campaign(rules=["seed", "hyparview"], seeds=range(1, 11), nodes=2000)` runs every rule on
    every seed as `p2p compare` lays it out (settings as for simulate(); comparison=True takes
    `p2p compare`'s defaults and measures: a crash run, entry share, ...). With `out` the folder
    is kept and a second call resumes it; without, it is temporary. Runs go on `jobs` threads
    (0: one per core); the tables do not depend on it. Ctrl-C stops the runs in progress
    (KeyboardInterrupt); the finished ones stay in `out`."""
    if (study is None) == (rules is None):
        raise TypeError("campaign() takes a study file or rules=[...], not both")
    if study is not None and settings:
        raise TypeError("campaign(): a study file sets everything itself; unexpected %s"
                        % ", ".join(sorted(settings)))
    folder = os.fspath(out) if out is not None else tempfile.mkdtemp(prefix="p2p-campaign-")
    bar = _bar(0, "runs", 0.0) if progress else None

    def show(done, total):
        if bar is None:
            return
        bar.total = total
        bar.update(done - bar.n)

    callback = show if bar is not None else None
    try:
        if study is not None:
            tables = _core.campaign_study(os.fspath(study), folder, jobs, force, callback)
        else:
            if isinstance(rules, str):
                rules = [rules]
            tables = _core.campaign_rules(list(rules), _seed_range(seeds), folder, jobs, force,
                                          callback, comparison, **settings)
    finally:
        if bar is not None:
            bar.close()
        if out is None:
            shutil.rmtree(folder, ignore_errors=True)
    return CampaignResult(tables, os.fspath(out) if out is not None else None)


def analyze(edges, seed=1, **options):
    """The report of a graph, as `p2p analyze`: `edges` is a frame (columns source and target,
    else its first two), a networkx graph (its edges; isolated nodes have no row) or a path to an
    edge list (CSV `source,target` or SNAP text). Options: resilience_runs, exact_paths_up_to,
    path_samples, paths, spectral, spectral_up_to."""
    if isinstance(edges, (str, os.PathLike)):
        return Result(_core.analyze(os.fspath(edges), seed, **options))
    if hasattr(edges, "edges") and callable(edges.edges):  # a networkx graph
        frame = pd.DataFrame(list(edges.edges()), columns=["source", "target"])
    elif isinstance(edges, pd.DataFrame):
        cols = ["source", "target"] if {"source", "target"} <= set(edges.columns) else list(
            edges.columns[:2])
        if len(cols) < 2:
            raise ValueError("analyze(): a frame of edges needs two columns, source and target")
        frame = edges[cols].set_axis(["source", "target"], axis=1)
    else:
        raise TypeError("analyze() takes a DataFrame, a networkx graph or a path, not %s"
                        % type(edges).__name__)
    with tempfile.TemporaryDirectory(prefix="p2p-analyze-") as tmp:
        path = os.path.join(tmp, "edges.csv")
        frame.to_csv(path, index=False)
        return Result(_core.analyze(path, seed, **options))


def _plot_script():
    here = os.path.dirname(os.path.abspath(__file__))
    # Beside the build tree's build/python/p2p, or an installed P/lib/pythonX.Y/.../p2p.
    for up in (2, 3, 4):
        script = os.path.join(here, *[".."] * up, "share", "p2p", "plot", "p2p_plot.py")
        if os.path.exists(script):
            return os.path.normpath(script)
    raise RuntimeError("p2p.plot: the plotting scripts (share/p2p/plot) are not beside the "
                       "module; build or install p2p")


def plot(folder, *args):
    """Draws the figures of an output folder, as `p2p plot FOLDER ARGS...` (a separate process,
    so the notebook's own matplotlib settings stay as they are). Raises RuntimeError with the
    plotting script's error line when it fails."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, _plot_script(), os.fspath(folder), *map(str, args)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or "p2p plot failed")
    return done.stdout


def rules():
    """The registered join rules as a frame: name, summary and parameters with defaults."""
    return pd.DataFrame(_core.rules(), columns=["name", "summary", "params"])


class JoinRule:
    """Base of a join rule written in Python. Subclass it, set `name` (and optionally `summary`
    and `params`, name -> default), define on_join_request(node, request) returning p2p.accept,
    p2p.drop or p2p.pass_to(link), optionally make_state() for per-node state (node.state), and
    register the class with p2p.register_rule. An instance is made per rule spec with the
    parameters' values as keywords; they are in self.params."""

    name = None
    summary = ""
    params = {}
    make_state = None

    def __init__(self, **params):
        self.params = params

    def on_join_request(self, node, request):
        raise NotImplementedError("a join rule defines on_join_request(node, request)")


_python_rules = {}


def register_rule(cls):
    """Registers a JoinRule class under cls.name (usable as a class decorator). Registering a
    class of the same name again replaces it (a notebook cell run twice), if its parameters are
    the same."""
    name = getattr(cls, "name", None)
    if name in _python_rules:
        if dict(getattr(cls, "params", {})) != dict(getattr(_python_rules[name], "params", {})):
            raise ValueError("rule %s is registered with other parameters; restart to change them"
                             % name)
    else:
        _core.register_rule(cls)
    _python_rules[name] = cls
    return cls


def _make_python_rule(name, **params):
    return _python_rules[name](**params)
