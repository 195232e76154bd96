"""Benchmark: the notebook build against its floor, and incremental builds (issue 3).

floor = (number of runs × papermill time of an empty notebook with this kernel) ÷ parallel jobs,
the empty notebook executed the way every run is (one command: Python, the executor, papermill,
the kernel); the time inside papermill alone is printed too.
Target: the full notebook build within 1.5× the floor; a second `make all` with nothing changed
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


def empty_notebook_seconds(repeats: int = 5) -> tuple[float, float]:
    """Median time to execute an empty notebook with this kernel, two ways.

    command: a fresh process doing what each run's recipe does (start Python, import the
    executor and papermill, execute) — the floor of a build made of one command per run.
    in-process: papermill.execute_notebook alone (kernel start, one cell, shutdown).
    """
    import nbformat

    from analysis.publish.execute import _import_papermill

    papermill = _import_papermill()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_NAME, "language": "python"}
    command, in_process = [], []
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "empty.ipynb", Path(tmp) / "out.ipynb"
        nbformat.write(nb, source)
        script = ("import analysis.__main__, analysis.publish.execute as e, analysis.publish.runs as r; r.load_runs(); "
                  f"e._import_papermill().execute_notebook({str(source)!r}, {str(out)!r}, "
                  f"kernel_name={KERNEL_NAME!r}, progress_bar=False, log_output=False)")
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
            command.append(time.perf_counter() - start)
            start = time.perf_counter()
            papermill.execute_notebook(str(source), str(out), kernel_name=KERNEL_NAME,
                                       progress_bar=False, log_output=False)
            in_process.append(time.perf_counter() - start)
    return statistics.median(command), statistics.median(in_process)


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
            or sum("-m analysis execute " in line for line in lines))


def main() -> int:
    runs = load_runs().runs
    empty, kernel_only = empty_notebook_seconds()
    floor = len(runs) * empty / JOBS
    print(f"runs: {len(runs)}; parallel jobs: {JOBS}")
    print(f"empty notebook with this kernel (median of 5): {empty:.2f} s as a run's command, "
          f"{kernel_only:.2f} s inside papermill alone")
    print(f"floor = {len(runs)} × {empty:.2f} s ÷ {JOBS} = {floor:.1f} s "
          f"(with the in-papermill time: {len(runs) * kernel_only / JOBS:.1f} s)")

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
    print(f"full notebook build: {wall:.1f} s for {executed(output)} runs = {ratio:.2f} × floor "
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
