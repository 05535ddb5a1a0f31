"""The scenario's phases, as the output folder records them (phases.csv), drawn onto time axes.

phases.csv has one row per phase: `phase` (arrivals, churn, mass_failure, partition, broadcasts),
`start_s`, `end_s` (equal to start_s for an instant, empty when the end was not fixed in advance)
and a short `detail`. A window is shaded, an instant is a dashed vertical line, and a partition
also gets a line where it heals, so a reader sees why a curve moves. A folder without the file
(an older p2p, p2p analyze) simply gets no marks.
"""

from dataclasses import dataclass

import matplotlib.patches as mpatches
from matplotlib.lines import Line2D

from .folder import MissingFile

COLOURS = {
    "arrivals": "#009E73",
    "churn": "#CC79A7",
    "mass_failure": "#D55E00",
    "partition": "#E69F00",
    "broadcasts": "#56B4E9",
}
NAMES = {
    "arrivals": "arrivals",
    "churn": "churn",
    "mass_failure": "mass failure",
    "partition": "partition",
    "broadcasts": "broadcasts",
}


@dataclass
class Phase:
    kind: str
    start: float
    end: float  # equal to start for an instant; None when open-ended
    detail: str

    @property
    def instant(self):
        return self.end is not None and self.end <= self.start

    def legend(self):
        what = NAMES.get(self.kind, self.kind.replace("_", " "))
        if self.detail:
            what += f" ({self.detail})"
        if self.instant:
            return f"{what} at {self.start:g} s"
        if self.end is None:
            return f"{what} from {self.start:g} s"
        if self.kind == "partition":
            return f"{what} {self.start:g} s, healed at {self.end:g} s"
        return f"{what} {self.start:g}-{self.end:g} s"


def read(folder):
    """The folder's phases in start order; empty when it records none."""
    if not folder.has("phases.csv"):
        return []
    try:
        table = folder.table("phases.csv", ("phase", "start_s", "end_s"))
    except MissingFile:
        return []  # a header without rows: a scenario with no phase
    details = table["detail"] if "detail" in table.columns else [""] * len(table)
    result = []
    for kind, start, end, detail in zip(table["phase"], table["start_s"], table["end_s"],
                                        details):
        if start != start:  # NaN: a row without a start marks nothing
            continue
        detail = "" if detail != detail else str(detail).strip()
        result.append(Phase(str(kind).strip(), float(start),
                            None if end != end else float(end), detail))
    return sorted(result, key=lambda p: p.start)


def within(phases, low, high):
    """The phases that touch [low, high], the span the figure shows."""
    return [p for p in phases if p.start <= high and (p.end if p.end is not None else p.start)
            >= low]


def mark(axes, phases, words=True):
    """Shades windows and draws lines at instants on `axes`; `words` adds a short label at the
    top of each mark (on the top row of a grid only, to keep the panels readable)."""
    top = axes.get_xaxis_transform()  # x in data, y in axes fraction
    for phase in phases:
        colour = COLOURS.get(phase.kind, "0.5")
        short = NAMES.get(phase.kind, phase.kind.replace("_", " "))
        if phase.instant or phase.end is None:
            axes.axvline(phase.start, color=colour, linestyle="--", linewidth=1.4, zorder=1)
        else:
            axes.axvspan(phase.start, phase.end, color=colour, alpha=0.13, linewidth=0,
                         zorder=0)
            if phase.kind == "partition":
                axes.axvline(phase.end, color=colour, linestyle=":", linewidth=1.4, zorder=1)
        if words:
            axes.text(phase.start, 1.0, " " + short, transform=top, rotation=90, va="top",
                      ha="left", fontsize=8, color=colour, clip_on=True)
            if phase.kind == "partition" and phase.end is not None and not phase.instant:
                axes.text(phase.end, 1.0, " heal", transform=top, rotation=90, va="top",
                          ha="left", fontsize=8, color=colour, clip_on=True)


def handles(phases):
    """Legend entries, one per phase."""
    result = []
    for phase in phases:
        colour = COLOURS.get(phase.kind, "0.5")
        if phase.instant or phase.end is None:
            result.append(Line2D([0], [0], color=colour, linestyle="--", linewidth=1.4,
                                 label=phase.legend()))
        else:
            result.append(mpatches.Patch(color=colour, alpha=0.3, label=phase.legend()))
    return result
