"""Benchmark: the book (site) build, with the notebooks already executed.

Measures, through Make as a reader of the README would run it:
1. the full site build from scratch (build/book removed: Sphinx reads and writes every page);
2. a second `make all` with nothing changed (target: < 2 s, and nothing done);
3. the rebuild after one executed notebook is touched (same content: no page is re-rendered),
   and after it changes (its page and the landing page, which shows its summary, are);
then restores that notebook, rebuilds, and checks that the site is byte-identical to the one
built from scratch. Prints the number of pages. Target for 1: < 60 s on two cores.

Run with `make benchmark-site`. It changes no file's content in the end (one executed notebook
is altered and restored; build/book is rebuilt).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from analysis.config import PROJ_ROOT
from analysis.publish.execute import BUILD_NOTEBOOKS
from analysis.publish.runs import load_runs
from analysis.publish.site import BOOK_DIR, SITE_DIR

STAMP = PROJ_ROOT / "build" / ".site-built"
ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


def make(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(["make", *args], cwd=PROJ_ROOT, capture_output=True, text=True, env=ENV)
    if result.returncode != 0:
        raise SystemExit(f"make {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return time.perf_counter() - start, result.stdout + result.stderr


def site_digest() -> dict[str, str]:
    return {p.relative_to(SITE_DIR).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(SITE_DIR.rglob("*")) if p.is_file()}


def written_pages(since: float) -> int:
    """Pages of the book Sphinx wrote since then (not its search and index pages, always written)."""
    return sum(p.stat().st_mtime > since for p in (BOOK_DIR / "_build" / "html").glob("*.html")
               if p.name not in ("search.html", "genindex.html"))


def main() -> int:
    runs = load_runs().runs
    pages = len(runs) + 2
    print(f"pages: {pages} ({len(runs)} runs, the landing page and the provenance page); "
          f"cores: {os.cpu_count()}")
    make("notebooks")  # the premise: every run executed

    shutil.rmtree(BOOK_DIR, ignore_errors=True)
    STAMP.unlink(missing_ok=True)
    full, output = make("site")
    print(f"full site build from scratch: {full:.1f} s (target < 60 s: {'met' if full < 60 else 'NOT met'})")
    print("  " + output.strip().splitlines()[-1])
    scratch = site_digest()

    noop, output = make("all")
    nothing = "Nothing to be done" in output and "site:" not in output
    print(f"second `make all`, nothing changed: {noop:.2f} s, "
          f"{'nothing done' if nothing else 'SOMETHING DONE'} "
          f"(target < 2 s and nothing done: {'met' if noop < 2 and nothing else 'NOT met'})")

    run = runs[len(runs) // 2]
    path = BUILD_NOTEBOOKS / f"{run.run_id}.ipynb"
    path.touch()
    before = time.time()
    touched, _ = make("all")
    print(f"touch one executed notebook ({run.run_id}), same content: `make all` {touched:.1f} s, "
          f"{written_pages(before)} page(s) rewritten by Sphinx")
    original = path.read_bytes()
    try:
        notebook = json.loads(original)
        summary = next(c for c in notebook["cells"] if "summary" in c["metadata"].get("tags", []))
        summary["outputs"][0]["text"] = ["(changed by the benchmark) "] + list(summary["outputs"][0]["text"])
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        before = time.time()
        one, output = make("site")
        print(f"rebuild after one executed notebook changed ({run.run_id}): {one:.1f} s, "
              f"{written_pages(before)} page(s) rewritten by Sphinx (its page, and the landing page "
              "that shows its summary)")
    finally:
        path.write_bytes(original)
    make("site")
    identical = site_digest() == scratch
    print(f"notebook restored and site rebuilt: byte-identical to the build from scratch: "
          f"{'yes' if identical else 'NO'}")
    return 0 if full < 60 and noop < 2 and nothing and identical else 1


if __name__ == "__main__":
    sys.exit(main())
