"""`p2p plot DIR...`: every figure the files in each folder allow, written beside the CSV, all
drawn in this one process; `--summary` writes one page of the panels a reader needs first instead.

Exit status: 0 when the folders were read (figures whose files are absent are skipped with a
one-line notice), 2 for bad arguments or a malformed file, each reported on one line.
"""

import argparse
import sys

FIGURES = ("degree", "clustering", "resilience", "timeseries", "broadcasts", "compare", "network")
KNOWN_FILES = ("summary.csv", "degree_distribution.csv", "edges.csv", "nodes.csv",
               "resilience.csv", "timeseries.csv", "broadcasts.csv", "runs.csv", "aggregate.csv",
               "comparison.csv", "link_events.csv", "node_events.csv", "phases.csv")
# The files of one run's graph; a folder with none of them (a comparison) has no run figures.
RUN_FILES = ("summary.csv", "degree_distribution.csv", "edges.csv", "nodes.csv",
             "resilience.csv", "timeseries.csv", "broadcasts.csv")
FORMATS = ("png", "svg", "pdf")


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def parser():
    p = Parser(
        prog="p2p plot",
        description="Turn p2p output folders (from p2p sim, analyze, compare or run) into PNG "
        "and SVG figures written beside the CSV files. A figure whose file is missing is skipped "
        "with a notice.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("folders", nargs="+", metavar="DIR", help="output folder(s) to plot")
    p.add_argument("--out", metavar="OUTDIR", default=None,
                   help="write figures here instead of beside the CSV (one DIR only)")
    p.add_argument("--format", default=None,
                   help="comma-separated image formats from png, svg, pdf (default: png,svg; "
                   "with --summary png,svg,pdf)")
    p.add_argument("--summary", action="store_true",
                   help="write only summary.{png,svg,pdf}: one page of the panels a reader needs "
                   "first (for a run, a comparison or a campaign folder)")
    p.add_argument("--only", default=",".join(FIGURES),
                   help="comma-separated figures to make, from: " + ", ".join(FIGURES))
    p.add_argument("--draw-limit", type=int, default=300, metavar="N",
                   help="draw or animate the network only up to N nodes")
    p.add_argument("--entry", default=None, metavar="NODE",
                   help="node to mark as the entry ('none' for no mark); default: an 'entry' "
                   "column in nodes.csv, else node 0 for a simulation's folder")
    p.add_argument("--animate", default=None, metavar="FILE.gif",
                   help="also write an animated GIF of the network growing and losing nodes")
    p.add_argument("--animate-removal", default="degree", choices=("degree", "random"),
                   help="order in which the animation removes nodes")
    p.add_argument("--seed", type=int, default=1, help="seed for --animate-removal random")
    p.add_argument("--quiet", action="store_true", help="print no paths or notices")
    return p


def main(argv=None, written=None):
    """Runs `p2p plot ARGV`; returns the exit status. `written`, a dict, receives each figure's
    words (title, axis labels, legend) by file stem."""
    try:
        return _run(argv, written)
    except UsageError as error:
        print(f"p2p plot: {error}", file=sys.stderr)
        return 2


def _run(argv, written):
    args = parser().parse_args(argv)
    chosen = args.format or ("png,svg,pdf" if args.summary else "png,svg")
    formats = list(dict.fromkeys(f.strip().lower() for f in chosen.split(",") if f.strip()))
    if not formats or any(f not in FORMATS for f in formats):
        raise UsageError(f"--format {chosen}: expected a comma-separated list of "
                         + ", ".join(FORMATS))
    only = [f.strip() for f in args.only.split(",") if f.strip()]
    unknown = [f for f in only if f not in FIGURES]
    if unknown or not only:
        raise UsageError(f"--only {args.only}: unknown figure(s); choose from "
                         + ", ".join(FIGURES))
    if args.out is not None and len(args.folders) > 1:
        raise UsageError("--out takes one DIR; plot several folders into their own folders")
    if args.draw_limit < 1:
        raise UsageError("--draw-limit must be at least 1")
    if args.animate is not None and not args.animate.lower().endswith(".gif"):
        raise UsageError(f"--animate {args.animate}: the file name must end in .gif")
    if args.animate is not None and len(args.folders) > 1:
        raise UsageError("--animate takes one DIR")
    # Imported only now, so that a bad argument is reported without loading matplotlib.
    from .folder import MalformedFile, MissingFile, OutputFolder
    from . import campaign, compare, figures, network, style, summary

    style.apply()

    def notice(text):
        if not args.quiet:
            print(f"p2p plot: {text}", file=sys.stderr)

    for path in args.folders:
        try:
            folder = OutputFolder(path)
        except MalformedFile as error:
            raise UsageError(str(error)) from None
        if not any(folder.has(name) for name in KNOWN_FILES):
            raise UsageError(f"{path}: none of the files p2p writes ({', '.join(KNOWN_FILES)})")
        # Every file present is checked before any figure is drawn, so a malformed file stops
        # the run even when no figure asked for it yet.
        for name in KNOWN_FILES:
            if folder.has(name):
                try:
                    folder.table(name)
                except MissingFile:
                    pass  # a header without rows: the figures that need it say so
                except MalformedFile as error:
                    raise UsageError(str(error)) from None
        writer = style.FigureWriter(args.out or path, formats, quiet=args.quiet)
        if written is not None:
            writer.texts = written
        only_compare = (compare.is_compare_folder(folder) and
                        not any(folder.has(name) for name in RUN_FILES))
        plan = [] if only_compare else [
            ("degree", "degree distribution", lambda: figures.degree_distribution(folder, writer)),
            ("clustering", "clustering against degree",
             lambda: figures.clustering_vs_degree(folder, writer)),
            ("resilience", "resilience curves", lambda: figures.resilience(folder, writer)),
            ("timeseries", "time series", lambda: figures.timeseries(folder, writer)),
            ("broadcasts", "broadcasts", lambda: figures.broadcasts(folder, writer)),
            ("network", "network drawing",
             lambda: network.network_drawing(folder, writer, args.draw_limit, args.entry)),
        ]
        if compare.is_compare_folder(folder):
            plan.append(("compare", "rule comparison", lambda: compare.compare(folder, writer)))
            plan.append(("compare", "figures per point", lambda: campaign.point_figures(
                folder, compare.comparison(folder), writer)))
        if args.summary:
            plan = [("summary", "the summary page",
                     lambda: summary.page(folder, writer, args.draw_limit, args.entry))]
        for key, title, make in plan:
            if key not in only and key != "summary":
                continue
            try:
                make()
            except MissingFile as why:
                notice(f"{path}: skipping {title} ({why})")
            except MalformedFile as error:
                raise UsageError(str(error)) from None
            except OSError as error:
                raise UsageError(f"{error.filename or writer.out_dir}: cannot write "
                                 f"({error.strerror})") from None
        if args.animate is not None:
            from . import animation

            try:
                animation.animate(folder, args.animate, args.draw_limit, args.entry,
                                  args.animate_removal, args.seed)
                if not args.quiet:
                    print(args.animate)
            except MissingFile as why:
                notice(f"{path}: skipping the animation ({why})")
            except MalformedFile as error:
                raise UsageError(str(error)) from None
            except OSError as error:
                raise UsageError(f"{args.animate}: cannot write ({error.strerror})") from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
