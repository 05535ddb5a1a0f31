#!/usr/bin/env python3
"""Entry point of `p2p plot`; also runs on its own: `python3 plot/p2p_plot.py DIR`.

Debian's python3 carries the plotting packages; a python3 found first on PATH (a virtualenv, a
pyenv shim) may not, so the script hands itself over to /usr/bin/python3 once before giving up.
"""

import importlib.util
import os
import sys

NEEDED = ("numpy", "pandas", "matplotlib", "networkx", "PIL")
SYSTEM_PYTHON = "/usr/bin/python3"


def _missing():
    # find_spec looks without importing: the heavy imports happen once, where they are used.
    return [m for m in NEEDED if importlib.util.find_spec(m) is None]


def _keep_font_cache():
    """matplotlib lists the system's fonts (a second or more) in every process that cannot write
    its cache folder, and warns on stderr each time; give it a folder of ours, kept between
    runs, when the usual ones cannot be written."""
    if os.environ.get("MPLCONFIGDIR"):
        return
    home = os.path.expanduser("~")
    usual = [os.path.join(os.environ.get(variable) or os.path.join(home, fallback), "matplotlib")
             for variable, fallback in (("XDG_CONFIG_HOME", ".config"),
                                        ("XDG_CACHE_HOME", ".cache"))]
    try:
        for folder in usual:
            os.makedirs(folder, exist_ok=True)
        if all(os.access(folder, os.W_OK) for folder in usual):
            return
    except OSError:
        pass
    import tempfile  # only here: with its imports it costs as much as a small figure

    ours = os.path.join(tempfile.gettempdir(), f"p2p-plot-{os.getuid()}", "matplotlib")
    try:
        os.makedirs(ours, mode=0o700, exist_ok=True)
        os.environ["MPLCONFIGDIR"] = ours
    except OSError:
        pass  # matplotlib then makes a temporary folder of its own, as it always did


def main():
    missing = _missing()
    if missing:
        here = os.path.realpath(sys.executable or "")
        if (os.environ.get("P2P_PLOT_REEXEC") != "1" and os.path.exists(SYSTEM_PYTHON)
                and here != os.path.realpath(SYSTEM_PYTHON)):
            os.environ["P2P_PLOT_REEXEC"] = "1"
            os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, os.path.abspath(__file__), *sys.argv[1:]])
        print(f"p2p plot: python3 lacks {', '.join('Pillow' if m == 'PIL' else m for m in missing)}"
              " (Debian: apt-get install python3-numpy python3-pandas python3-matplotlib "
              "python3-networkx python3-pil)", file=sys.stderr)
        return 1
    _keep_font_cache()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from p2pplot.cli import main as plot_main

    return plot_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
