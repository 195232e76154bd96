"""Executing runs with papermill, and the kernel every run uses.

The kernel is registered inside the project's ``.venv`` (``python -m analysis kernel``; its process
is ``analysis.publish.kernel``) and runs ``analysis.publish.execute.kernel_startup`` before any
cell: the CJK font is registered and a missing glyph becomes an error, whatever the notebook
does. Executed notebooks are cleaned of timing metadata, so that two builds give the same outputs.

Runs execute on as many kernels at once as there are jobs (``execute_runs``, one worker process
a kernel), each kernel executing run after run, whatever their notebook: a kernel's start-up
(Python, ipykernel, pandas, matplotlib, geopandas, the font) costs more than most runs, so a build
pays it once a job. Each worker takes the next run as it becomes free, the longest first (by each
run's last duration, in ``build/run-seconds.json``), so that no core waits at the end while the
other finishes a long run. Between two runs the kernel is put back as it was after start-up
(``reset_between_runs``), so a run gives the same notebook, byte for byte, whether it executes
first, later or alone (tests_notebooks/test_executed.py checks it).
"""

from __future__ import annotations

import gc
import json
import os
import queue
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..config import PROJ_ROOT
from . import skip_iri_grammar
from .runs import NOTEBOOK_DIR, load_runs
from .tags import REMOVE_CELL

KERNEL_NAME = "pingan-hubei-hunan"
BUILD_NOTEBOOKS = PROJ_ROOT / "build" / "notebooks"
FAILED_NOTEBOOKS = PROJ_ROOT / "build" / "failed"
# How long each run took when last executed: only the order in which runs start (longest first).
RUN_SECONDS = PROJ_ROOT / "build" / "run-seconds.json"


# What a kernel holds just after start-up and a run may change: put back between runs.
_PRISTINE: dict = {}


def kernel_startup() -> None:
    """Runs in every kernel before the first cell."""
    import warnings

    import matplotlib

    from ..questions.plots import seaborn_theme

    seaborn_theme()  # registers the CJK font after seaborn's theme (which resets the font list)
    # Every notebook imports these: importing them here once makes the notebooks' own imports
    # instant, and their cost part of the kernel's start-up (the floor the benchmark measures).
    from ..questions import dataset, discourse, maps, views  # noqa: F401

    _PRISTINE.update(rc=dict(matplotlib.rcParams), warning_filters=list(warnings.filters),
                     cwd=os.getcwd(), sys_path=list(sys.path))
    # What start-up made lives as long as the kernel: move it out of the cyclic garbage
    # collector's sight, so that its collections (automatic ones during a run, and the one of
    # IPython's reset between runs) scan only what runs create.
    gc.collect()
    gc.freeze()


def reset_between_runs() -> None:
    """Put a kernel back as ``kernel_startup`` left it, before its next run (in the kernel).

    What a run can leave behind and would change the next run's outputs: its variables and output
    history (IPython's reset), the cell counter (the next run's first cell is [1] again),
    open figures, matplotlib's and pandas' settings, the working directory and module path, and
    Python's record of warnings already shown (a warning shown once per place would otherwise be
    missing from every later run). Imported modules stay: that is the point of sharing a kernel.
    Raises RuntimeError outside a kernel that ran ``kernel_startup``.
    """
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt
    import pandas as pd
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or not _PRISTINE:
        raise RuntimeError("reset_between_runs runs inside a kernel started with kernel_startup")
    # %reset's own code, with a new history session: the cell counter restarts at 1, and the
    # history database gets no second cell [1] of one session (IPython prints an error then).
    shell.reset(new_session=True)
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated keys and options warn when set, even to themselves
        matplotlib.rcParams.update(_PRISTINE["rc"])
        pd.reset_option("all")
    warnings.resetwarnings()  # also forgets which warnings were shown
    warnings.filters[:] = _PRISTINE["warning_filters"]
    os.chdir(_PRISTINE["cwd"])
    sys.path[:] = _PRISTINE["sys_path"]


def install_kernel(prefix: Path | None = None) -> Path:
    """Write the kernel spec into ``<prefix>/share/jupyter/kernels`` (default: this venv)."""
    prefix = Path(prefix or sys.prefix)
    target = prefix / "share" / "jupyter" / "kernels" / KERNEL_NAME
    target.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "analysis.publish.kernel", "-f", "{connection_file}",
                 "--IPKernelApp.exec_lines=import analysis.publish.execute as _a; _a.kernel_startup(); del _a"],
        "display_name": "Python (Ping'an Hubei-Hunan)",
        "language": "python",
        "metadata": {"debugger": False},
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    }
    (target / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return target


def clean_notebook(nb: dict) -> dict:
    """Drop what changes from run to run: timestamps, durations, absolute paths, the chunks in
    which a stream arrived (``merged_streams``). Papermill's
    injected parameters are removed from the reader's view (the page's header gives them)."""
    papermill = nb.get("metadata", {}).get("papermill", {})
    nb["metadata"]["papermill"] = {k: papermill[k] for k in ("parameters", "version") if k in papermill}
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"  # papermill gives it a random id
            if REMOVE_CELL not in tags:
                tags.append(REMOVE_CELL)
        if cell.get("outputs"):
            cell["outputs"] = merged_streams(cell["outputs"])
        cell.get("metadata", {}).pop("execution", None)
        meta = cell.get("metadata", {}).get("papermill")
        if meta is not None:
            cell["metadata"]["papermill"] = {k: meta[k] for k in ("exception", "status") if k in meta}
    return nb


def merged_streams(outputs: list[dict]) -> list[dict]:
    """Adjacent outputs of one stream (stdout, stderr) as one output, as Jupyter shows them.

    The kernel sends what a cell prints in chunks cut by timing (``print(x)`` may arrive as x,
    then the line end, when the machine is busy): merged, the same cell gives the same outputs on
    every run. Text is kept as nbformat writes it, one string per line.
    """
    merged: list[dict] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            text = "".join(previous["text"]) + "".join(output["text"])
            merged[-1] = {**previous, "text": text.splitlines(keepends=True)}
        else:
            merged.append(output)
    return merged


def _import_papermill():
    skip_iri_grammar()
    import papermill

    return papermill


def execute_run(run_id: str, output_dir: Path = BUILD_NOTEBOOKS) -> Path:
    """Execute one run in a kernel of its own; only a successful run replaces the previous output.

    Raises SystemExit naming the run and where its failed notebook was written."""
    return _execute(run_id, output_dir, kernel_manager=None)


def stale_runs(run_ids: list[str], prerequisites: list[Path], output_dir: Path = BUILD_NOTEBOOKS,
               notebook_dir: Path = NOTEBOOK_DIR) -> list[str]:
    """The runs whose output is missing or older than one of their ``prerequisites`` (what Make
    would re-make run by run; the notebook rule is one grouped Make target, so its recipe decides).
    A notebook of ``notebook_dir`` among the prerequisites is a prerequisite of its own runs only;
    every other file is one of every run (a run id that is no run of runs.yaml: of every file).
    A missing prerequisite raises FileNotFoundError."""
    notebooks = {r.run_id: r.notebook for r in load_runs().runs}
    notebook_dir = Path(notebook_dir).resolve()
    times = {}
    for p in prerequisites:
        path = Path(p)
        owner = path.stem if path.suffix == ".ipynb" and path.resolve().parent == notebook_dir else None
        times[path] = (owner, path.stat().st_mtime_ns)
    stale = []
    for run_id in run_ids:
        own = notebooks.get(run_id)
        newest = max((mtime for owner, mtime in times.values() if owner is None or own is None or owner == own),
                     default=0)
        output = output_dir / f"{run_id}.ipynb"
        if not output.exists() or output.stat().st_mtime_ns < newest:
            stale.append(run_id)
    return stale


def _start_kernel():
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    manager = AsyncKernelManager(kernel_name=KERNEL_NAME)
    run_sync(manager.start_kernel)(cwd=str(NOTEBOOK_DIR))
    return manager


def _reset_kernel(manager) -> None:
    """Run ``reset_between_runs`` in the kernel, silently (no output, no cell counted).

    Only the shell channel is used: the request, then its reply. A client's ``wait_for_ready``
    would also listen to the kernel's broadcasts until they are quiet for 0.2 s, idle time paid
    on every run; the kernel is known to be up (it has just finished the previous run), and the
    next run's client drains the broadcasts itself when it connects. Raises RuntimeError when the
    reset fails or gets no reply within 60 s.
    """
    client = manager.blocking_client()
    client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
    try:
        reply = client.execute(
            # the reset empties the namespace: no name of ours may be needed after it
            "__import__('analysis.publish.execute', fromlist=['_']).reset_between_runs()",
            silent=True, store_history=False, allow_stdin=False, reply=True, timeout=60)
    except TimeoutError:
        raise RuntimeError("resetting the kernel between runs got no reply in 60 s") from None
    finally:
        client.stop_channels()
    if reply["content"]["status"] != "ok":
        content = reply["content"]
        raise RuntimeError(f"resetting the kernel between runs failed: {content.get('ename')}: "
                           f"{content.get('evalue')}")


def _stop_kernel(manager) -> None:
    from jupyter_core.utils import run_sync

    run_sync(manager.shutdown_kernel)(now=False)


def execute_batch(run_ids: Iterable[str], output_dir: Path = BUILD_NOTEBOOKS,
                  progress: Callable[[str, float], None] | None = None) -> list[str]:
    """Execute runs one after another in one kernel, reset between runs.

    ``run_ids`` may be any iterable (a worker of ``execute_runs`` draws from a queue). Every run
    is attempted: a run that fails keeps its previous output (its notebook goes to build/failed)
    and the next run starts in a fresh kernel. ``progress(run_id, seconds)`` is called after each
    successful run. Returns the failure messages (empty when every run succeeded).
    """
    _import_papermill()
    failures, manager = [], None
    try:
        for run_id in run_ids:
            start = time.perf_counter()
            if manager is None:
                manager = _start_kernel()
            else:
                _reset_kernel(manager)
            try:
                _execute(run_id, output_dir, kernel_manager=manager)
            except SystemExit as exc:
                failures.append(str(exc))
                _stop_kernel(manager)  # a failed run may leave the kernel in any state
                manager = None
                continue
            if progress:
                progress(run_id, time.perf_counter() - start)
    finally:
        if manager is not None:
            _stop_kernel(manager)
    return failures


def _worker(todo, done, output_dir: str) -> None:
    """A process of ``execute_runs``: one kernel, the runs it draws from ``todo`` until None."""
    def drawn():
        while (run_id := todo.get()) is not None:
            yield run_id

    failures: list[str] = []
    try:
        failures = execute_batch(drawn(), Path(output_dir),
                                 progress=lambda run_id, seconds: done.put(("done", run_id, seconds)))
    except BaseException as exc:
        failures = [f"a notebook worker stopped: {type(exc).__name__}: {exc}"]
        raise
    finally:
        done.put(("end", failures, None))


def run_order(run_ids: list[str], seconds: dict[str, float]) -> list[str]:
    """``run_ids`` longest first by their last duration (``seconds``), runs never timed first of
    all (they may be long), ties in the given order: a worker that becomes free takes the next,
    so the last runs to start are short and no core waits long for the other at the end."""
    position = {run_id: i for i, run_id in enumerate(run_ids)}
    return sorted(run_ids, key=lambda r: (r in seconds, -seconds.get(r, 0.0), position[r]))


def execute_runs(run_ids: list[str], jobs: int, output_dir: Path = BUILD_NOTEBOOKS,
                 progress: Callable[[str, float], None] | None = None) -> list[str]:
    """Execute runs on ``jobs`` kernels at once (``jobs`` worker processes, each a kernel that
    executes one run after another, ``execute_batch``), in ``run_order`` of the durations in
    RUN_SECONDS, which is updated with the new ones when ``output_dir`` is the build's own
    (BUILD_NOTEBOOKS: runs executed elsewhere, by tests, leave it alone). Returns the failure
    messages, as execute_batch. Raises ValueError if jobs < 1."""
    if jobs < 1:
        raise ValueError(f"jobs {jobs}: at least one")
    seconds = _recorded_seconds()
    ordered = run_order(list(dict.fromkeys(run_ids)), seconds)
    timed: dict[str, float] = {}

    def record(run_id: str, took: float) -> None:
        timed[run_id] = took
        if progress:
            progress(run_id, took)

    try:
        if jobs == 1 or len(ordered) <= 1:
            return execute_batch(ordered, output_dir, progress=record)
        return _pool(ordered, min(jobs, len(ordered)), output_dir, record)
    finally:
        if timed and Path(output_dir).resolve() == BUILD_NOTEBOOKS.resolve():  # the build's runs only
            _record_seconds({**seconds, **timed})


def _pool(ordered: list[str], jobs: int, output_dir: Path, record) -> list[str]:
    import multiprocessing

    # spawn: a worker starts from a clean interpreter, with nothing of this process's state
    context = multiprocessing.get_context("spawn")
    todo, done = context.Queue(), context.Queue()
    for run_id in ordered:
        todo.put(run_id)
    for _ in range(jobs):
        todo.put(None)
    workers = [context.Process(target=_worker, args=(todo, done, str(output_dir)), daemon=False)
               for _ in range(jobs)]
    for worker in workers:
        worker.start()
    failures, ended = [], 0
    try:
        while ended < jobs:
            try:
                kind, first, second = done.get(timeout=1.0)
            except queue.Empty:
                if not any(w.is_alive() for w in workers) and done.empty():
                    failures.append(f"{jobs - ended} notebook worker(s) stopped without reporting "
                                    f"(exit codes {[w.exitcode for w in workers]})")
                    break
                continue
            if kind == "done":
                record(first, second)
            else:
                ended += 1
                failures.extend(first)
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.terminate()
    return failures


def _recorded_seconds() -> dict[str, float]:
    try:
        recorded = json.loads(RUN_SECONDS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: the order is only runs.yaml's then
    return {str(k): float(v) for k, v in recorded.items() if isinstance(v, (int, float))}


def _record_seconds(seconds: dict[str, float]) -> None:
    RUN_SECONDS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RUN_SECONDS.with_suffix(".tmp")
    tmp.write_text(json.dumps({k: round(v, 2) for k, v in sorted(seconds.items())}, indent=0) + "\n",
                   encoding="utf-8")
    os.replace(tmp, RUN_SECONDS)


def _execute(run_id: str, output_dir: Path, kernel_manager) -> Path:
    papermill = _import_papermill()

    run = load_runs().by_id().get(run_id)
    if run is None:
        raise SystemExit(f"no run {run_id!r} in notebooks/runs.yaml")
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / f"{run_id}.ipynb"
    fd, tmp = tempfile.mkstemp(suffix=".ipynb", dir=output_dir, prefix=f".{run_id}-")
    os.close(fd)
    try:
        papermill.execute_notebook(
            str(NOTEBOOK_DIR / f"{run.notebook}.ipynb"), tmp, parameters=run.parameters,
            kernel_name=KERNEL_NAME, cwd=str(NOTEBOOK_DIR), progress_bar=False,
            log_output=False, request_save_on_cell_execute=False,
            **({"km": kernel_manager} if kernel_manager is not None else {}))
    except Exception as exc:
        FAILED_NOTEBOOKS.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, FAILED_NOTEBOOKS / f"{run_id}.ipynb")
        raise SystemExit(f"run {run_id} failed ({type(exc).__name__}); the executed notebook is in "
                         f"{FAILED_NOTEBOOKS / (run_id + '.ipynb')}; the last good output is kept.\n"
                         f"{exc}") from None
    nb = clean_notebook(json.loads(Path(tmp).read_text(encoding="utf-8")))
    Path(tmp).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target
