"""Runs one notebook top to bottom, headless, as CI does: exit 0 when every cell ran, 1 when one
raised, 77 (skipped) when the p2p executable or Python module the notebooks drive has not been
built.

usage: run_notebook.py NOTEBOOK OUT_DIR   (environment: P2P_BIN, the built p2p; PYTHONPATH
       naming the folder of the p2p module, build/python)
"""

import os
import subprocess
import sys


def main():
    notebook, out_dir = sys.argv[1], sys.argv[2]
    binary = os.environ.get("P2P_BIN", "")
    if not binary or not os.access(binary, os.X_OK):
        print(f"skipped: no built p2p at P2P_BIN={binary!r}; build it first")
        return 77
    try:
        import p2p  # noqa: F401  (the notebooks drive the Python module)
    except ImportError as e:
        print(f"skipped: the p2p Python module does not import ({e}); build it and put "
              "build/python on PYTHONPATH")
        return 77
    for module in ("nbconvert", "ipykernel"):
        try:
            __import__(module)
        except ImportError:
            print(f"{sys.executable} lacks {module} (Debian: apt-get install jupyter-nbconvert "
                  "python3-ipykernel)")
            return 1
    os.makedirs(out_dir, exist_ok=True)
    env = dict(os.environ, P2P_NOTEBOOK_OUT=os.path.join(out_dir, "results"), MPLBACKEND="Agg",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    # The kernel named python3 is Debian's (python3-ipykernel), the python3 with the packages.
    command = [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
               "--ExecutePreprocessor.kernel_name=python3",
               "--ExecutePreprocessor.timeout=240", "--output-dir", out_dir, notebook]
    result = subprocess.run(command, env=env, timeout=290)
    return 0 if result.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
