"""Reading an output folder through the CSV contract of ARCHITECTURE.md, and nothing else.

A folder written by any version of `p2p sim`, `p2p analyze` or `p2p compare` may lack files or
carry extra columns; a file that is present must still parse, or the whole run stops with one line
that names the file and the problem.
"""

import math
import os

import pandas as pd


class MalformedFile(Exception):
    """A file exists but breaks the contract; the message is one line and names the file."""


class MissingFile(Exception):
    """A file a figure needs is absent (or has no rows): that figure is skipped, not the run."""


# Columns whose values must be numbers when present. Anything else is carried along untouched.
NUMERIC_COLUMNS = {
    "value", "degree", "count", "clustering", "component", "core",
    "fraction_removed", "largest_component_fraction", "largest_component_fraction_std", "time_s",
    "live_nodes", "edges", "mean_degree", "components", "seed", "mean", "std", "stddev",
    "ci95_low", "ci95_high", "start_s", "end_s",
}
NON_NEGATIVE_COLUMNS = {"degree", "count"}
# Node ids: the simulator's indices (non-negative integers), or whatever names an edge list
# given to `p2p analyze` used ("alice", "10.0.0.7:4000"), kept as text.
ID_COLUMNS = {"source", "target", "node"}


class OutputFolder:
    """One folder of CSV files; each table is read at most once and checked on the way in."""

    def __init__(self, path):
        if not os.path.isdir(path):
            raise MalformedFile(f"{path}: not a folder")
        self.path = path
        self._tables = {}

    def has(self, name):
        return os.path.isfile(os.path.join(self.path, name))

    def file(self, name):
        return os.path.join(self.path, name)

    def table(self, name, required=()):
        """The table in `name` with at least the `required` columns; raises MissingFile or
        MalformedFile."""
        if name not in self._tables:
            self._tables[name] = self._read(name)
        frame = self._tables[name]
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise MalformedFile(
                f"{self.file(name)}: missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} (has {', '.join(map(str, frame.columns))})")
        if frame.empty:
            raise MissingFile(f"{name} has a header but no rows")
        return frame

    def summary(self):
        """summary.csv as a metric -> float dict; empty when the file is absent."""
        if not self.has("summary.csv"):
            return {}
        frame = self.table("summary.csv", ("metric", "value"))
        return {str(m): float(v) for m, v in zip(frame["metric"], frame["value"])}

    def _read(self, name):
        path = self.file(name)
        if not os.path.isfile(path):
            raise MissingFile(f"no {name}")
        try:
            frame = pd.read_csv(path, skipinitialspace=True)
        except pd.errors.EmptyDataError:
            raise MalformedFile(f"{path}: empty file (expected a header row)") from None
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else "unreadable"
            raise MalformedFile(f"{path}: not a CSV table ({first})") from None
        unnamed = [str(c) for c in frame.columns if str(c).startswith("Unnamed:")]
        if unnamed or len(set(frame.columns)) != len(frame.columns):
            raise MalformedFile(f"{path}: header has empty or repeated column names")
        for column in frame.columns:
            if column in NUMERIC_COLUMNS:
                frame[column] = _numbers(frame[column], path, column)
        ids = [c for c in frame.columns if c in ID_COLUMNS]
        if ids and all(pd.to_numeric(frame[c], errors="coerce").notna().all() for c in ids):
            for column in ids:
                frame[column] = _numbers(frame[column], path, column, non_negative=True)
        else:
            for column in ids:
                frame[column] = _names(frame[column], path, column)
        return frame


def _names(series, path, column):
    if series.isna().any():
        row = int(series.isna().to_numpy().nonzero()[0][0])
        raise MalformedFile(f"{path}: column {column}, data row {row + 1}: empty")
    return series.astype(str)


def _numbers(series, path, column, non_negative=False):
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() & series.notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise MalformedFile(
            f"{path}: column {column}, data row {row + 1}: {series.iloc[row]!r} is not a number")
    if non_negative or column in NON_NEGATIVE_COLUMNS:
        if values.isna().any():
            row = int(values.isna().to_numpy().nonzero()[0][0])
            raise MalformedFile(f"{path}: column {column}, data row {row + 1}: empty")
        if values.dtype.kind == "u":
            wrong = values.to_numpy() >= 2**63
        elif values.dtype.kind == "i":
            wrong = values.to_numpy() < 0
        else:
            finite = values.to_numpy(dtype=float)
            wrong = ~((finite >= 0) & (finite == finite.round()) & (finite < 2**63))
        if wrong.any():
            row = int(wrong.nonzero()[0][0])
            raise MalformedFile(
                f"{path}: column {column}, data row {row + 1}: {series.iloc[row]!r} is not an "
                "integer from 0 to 2^63-1")
        values = values.astype("int64")
    return values


def finite(value):
    return value is not None and isinstance(value, float) and math.isfinite(value)
