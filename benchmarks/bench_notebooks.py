"""Benchmark: the notebook build against its floor, and incremental builds (issues 3 and 15).

floor = (number of runs × time to execute an empty notebook) ÷ parallel jobs, the empty notebook
executed as one command (Python, the executor, papermill, a kernel) with a bare `python3`
kernel (ipykernel, nothing imported): what a build of one command and one kernel per run could
not go below. The same with the project's kernel (its start-up imports pandas, matplotlib,
geopandas and the font) is printed too.
Target: the full notebook build within 1.5× the bare-kernel floor (kernels, one more than the
cores, execute run after run, longest first: publish/execute.py); a second `make all` with nothing changed
does nothing in under 2 s; touching one notebook re-executes only its runs; changing the data
re-executes all (checked with `make -n`, without executing).

Run with `make benchmark-notebooks`. It moves build/notebooks aside and restores it on failure;
it changes no file's content (only touches modification times).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.config import PROJ_ROOT
from analysis.publish.execute import BUILD_NOTEBOOKS, KERNEL_NAME
from analysis.publish.runs import load_runs

JOBS = os.cpu_count() or 2


BARE_KERNEL = "python3"  # ipykernel's own kernel spec, installed in the venv with it


def empty_notebook_seconds(kernel: str, repeats: int = 5) -> float:
    """Median time of one command executing an empty notebook with ``kernel``: start Python,
    import the executor and papermill, start the kernel, run one cell, stop."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "empty.ipynb", Path(tmp) / "out.ipynb"
        nbformat.write(nb, source)
        script = ("import analysis.__main__, analysis.publish.execute as e, analysis.publish.runs as r; r.load_runs(); "
                  f"e._import_papermill().execute_notebook({str(source)!r}, {str(out)!r}, "
                  f"kernel_name={kernel!r}, progress_bar=False, log_output=False)")
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def make(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(["make", *args], cwd=PROJ_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"make {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - start, result.stdout


def executed(output: str) -> int:
    """Runs executed, from Make's progress lines ("run 12/26 <run_id>"), or, for `make -n`, which
    executes nothing and prints no progress, the commands it would run."""
    lines = output.splitlines()
    return (sum(bool(re.match(r"run \d+/\d+ ", line)) for line in lines)
            or sum(len(line.split(" -- ", 1)[1].split()) for line in lines
                   if "-m analysis execute " in line and " -- " in line))


def main() -> int:
    runs = load_runs().runs
    bare, own = empty_notebook_seconds(BARE_KERNEL), empty_notebook_seconds(KERNEL_NAME)
    floor = len(runs) * bare / JOBS
    kernels = os.environ.get("KERNELS", str(JOBS + 1))  # as make passes it
    print(f"runs: {len(runs)}, on {kernels} kernels at once (the Makefile's KERNELS; {JOBS} cores), "
          "each executing run after run")
    print(f"empty notebook as one command (median of 5): {bare:.2f} s with a bare {BARE_KERNEL} kernel, "
          f"{own:.2f} s with the project's kernel")
    print(f"floor = {len(runs)} × {bare:.2f} s ÷ {JOBS} = {floor:.1f} s "
          f"(with the project's kernel: {len(runs) * own / JOBS:.1f} s)")

    backup = Path(tempfile.mkdtemp(prefix="notebooks-", dir=PROJ_ROOT / "build"))
    if BUILD_NOTEBOOKS.exists():
        os.rename(BUILD_NOTEBOOKS, backup / "notebooks")
    try:
        wall, output = make("notebooks")
    except SystemExit:
        if (backup / "notebooks").exists():
            shutil.rmtree(BUILD_NOTEBOOKS, ignore_errors=True)
            os.rename(backup / "notebooks", BUILD_NOTEBOOKS)
        raise
    shutil.rmtree(backup, ignore_errors=True)
    ratio = wall / floor
    print(f"full notebook build: {wall:.1f} s for {executed(output)} runs = {ratio:.2f} × the bare-kernel floor "
          f"(target ≤ 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")

    make("all")
    second, output = make("all")
    print(f"second `make all`, nothing changed: {second:.2f} s, {executed(output)} runs executed "
          f"(target < 2 s and none: {'met' if second < 2 and executed(output) == 0 else 'NOT met'})")

    notebook = PROJ_ROOT / "notebooks" / "05_discourse.ipynb"
    expected = sum(r.notebook == "05_discourse" for r in runs)
    notebook.touch()
    wall, output = make("all")
    print(f"touch notebooks/05_discourse.ipynb: {executed(output)} run(s) re-executed "
          f"(expected {expected}) in {wall:.1f} s")

    data_file = PROJ_ROOT / "data" / "processed" / "observations.csv"
    data_file.touch()
    _, output = make("-n", "notebooks")
    print(f"touch data/processed/observations.csv: `make -n` would re-execute {executed(output)} of {len(runs)} runs")
    make("notebooks")  # leave the tree built
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
