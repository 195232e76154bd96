"""Executing one run with papermill, and the kernel every run uses.

The kernel is registered inside the project's ``.venv`` (``python -m analysis kernel``; its process
is ``analysis.publish.kernel``) and runs ``analysis.publish.execute.kernel_startup`` before any
cell: the CJK font is registered and a missing glyph becomes an error, whatever the notebook
does. Executed notebooks are cleaned of timing metadata, so that two builds give the same outputs.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from ..config import PROJ_ROOT
from .runs import NOTEBOOK_DIR, load_runs
from .tags import REMOVE_CELL

KERNEL_NAME = "pingan-hubei-hunan"
BUILD_NOTEBOOKS = PROJ_ROOT / "build" / "notebooks"
FAILED_NOTEBOOKS = PROJ_ROOT / "build" / "failed"


def kernel_startup() -> None:
    """Runs in every kernel before the first cell."""
    from ..questions.plots import seaborn_theme

    seaborn_theme()  # registers the CJK font after seaborn's theme (which resets the font list)
    # Every notebook imports these: importing them here once makes the notebooks' own imports
    # instant, and their cost part of the kernel's start-up (the floor the benchmark measures).
    from ..questions import dataset, discourse, maps, views  # noqa: F401


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
    """Drop what changes from run to run: timestamps, durations, absolute paths. Papermill's
    injected parameters are removed from the reader's view (the page's header gives them)."""
    papermill = nb.get("metadata", {}).get("papermill", {})
    nb["metadata"]["papermill"] = {k: papermill[k] for k in ("parameters", "version") if k in papermill}
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"  # papermill gives it a random id
            if REMOVE_CELL not in tags:
                tags.append(REMOVE_CELL)
        cell.get("metadata", {}).pop("execution", None)
        meta = cell.get("metadata", {}).get("papermill")
        if meta is not None:
            cell["metadata"]["papermill"] = {k: meta[k] for k in ("exception", "status") if k in meta}
    return nb


def _import_papermill():
    # nbformat → jsonschema imports rfc3987_syntax when it is installed, which builds a grammar at
    # import (2.4 s, more than half of a run's own overhead). jsonschema uses it only to check the
    # "iri" string format, which notebook validation never asks for, and skips it when absent.
    sys.modules.setdefault("rfc3987_syntax", None)
    import papermill

    return papermill


def execute_run(run_id: str, output_dir: Path = BUILD_NOTEBOOKS) -> Path:
    """Execute one run; only a successful run replaces the previous output."""
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
            log_output=False, request_save_on_cell_execute=False)
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
