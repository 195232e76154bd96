"""The rendered site: every executed run as a page of one book, built by Jupyter Book 1.

1. ``book_files`` generates the book's source tree (see book.py) from notebooks/runs.yaml, the
   executed runs in build/notebooks and data/processed; ``sync_tree`` writes into build/book only
   the files whose content changed, so that Sphinx's incremental build re-renders only those pages.
2. Sphinx (through Jupyter Book, execution off: nothing is re-executed) renders build/book into
   build/book/_build/html. A warning fails the build (``-W``), except the types suppressed, each
   with its reason, in book.book_config.
3. Only a successful build is published: its pages, the images they show and the files beside
   them (downloads, executed notebooks, report texts from _extra) are copied to a staging
   directory beside build/site, which is then swapped in. A failed build leaves the last good
   site in place.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from . import skip_iri_grammar

skip_iri_grammar()  # before anything here imports nbformat or Jupyter Book

from ..config import PROCESSED_DIR, PROJ_ROOT
from ..spreadsheet import download_bytes
from .book import (EXTRA, OBS_IDS_FILE, PRIVATE, SEARCH_DICTIONARY, SEARCH_SYNONYMS, STATIC, Citation,
                   book_config,
                   book_toc, dump_yaml, fingerprint, how_to_cite, landing_markdown, page_notebook)
from .execute import BUILD_NOTEBOOKS
from .glossary import PAGE as GLOSSARY_PAGE
from .glossary import Term, glossary_markdown, load_glossary, synonym_groups
from .provenance import PAGE as PROVENANCE_PAGE
from .provenance import DATA_DIR, TEXTS_DIR, provenance_markdown
from .runs import RunList, load_runs
from .webfont import write_web_font

SITE_DIR = PROJ_ROOT / "build" / "site"
BOOK_DIR = PROJ_ROOT / "build" / "book"
STATIC_SOURCE = Path(__file__).parent / "static"
_BUILD = "_build"


def run_summary(notebook: dict) -> str:
    """The run's line in the index: its takeaway (the cell tagged "takeaway", see
    ``views.takeaway``), else the text printed by the cell tagged "summary" ("" if neither)."""
    for tag in ("takeaway", "summary"):
        for cell in notebook.get("cells", []):
            if tag not in cell.get("metadata", {}).get("tags", []):
                continue
            if tag == "takeaway":
                return " ".join("".join(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
                                if o.get("output_type") == "display_data").strip()
            return "".join("".join(o.get("text", "")) for o in cell.get("outputs", [])
                           if o.get("output_type") == "stream").strip()
    return ""


def _csv_rows(text: str) -> list[dict]:
    import csv

    return list(csv.DictReader(io.StringIO(text)))


def dataset_release() -> tuple[str, str]:
    """CITATION.cff's version and date-released (YYYY-MM-DD, "" if it gives none)."""
    import yaml

    cff = yaml.safe_load((PROJ_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    return str(cff["version"]), str(cff.get("date-released", ""))


def search_words(processed_dir: Path, glossary: list[Term] | None = None) -> str:
    """Words jieba should keep whole in the search index (besides its own dictionary), so that a
    page is found by them whole as well as by their parts (jieba's search mode indexes both): the
    codebook's concept and indicator names, the lexicon's practices and their patterns' words, the
    themes, the regions, and the glossary's terms with their variants (平安建设, 电诈, 网格员).
    Words with spaces or of one character are left out (jieba's dictionary format is
    space-separated; one-character words are never indexed)."""
    words = set()
    for name, column in (("lexicon.csv", "term_zh"), ("lexicon.csv", "pattern"), ("themes.csv", "name_zh"),
                         ("regions.csv", "name_zh"), ("concepts.csv", "name_zh"),
                         ("indicators.csv", "name_zh")):
        for row in _csv_rows((processed_dir / name).read_text(encoding="utf-8")):
            words.update(w.strip() for w in re.split(r"[/|、]", row[column]))
    for term in glossary if glossary is not None else load_glossary(processed_dir):
        words.update(term.names)
    return "".join(f"{word}\n" for word in sorted(w for w in words if len(w) > 1 and not re.search(r"\s", w)))


def search_script(glossary: list[Term]) -> bytes:
    """pingan-search-terms.js: the glossary's synonym groups, for the snippets of the search page
    (pingan-search.js): a classic script setting a global, since a page opened from disk may not
    fetch JSON."""
    data = {"synonyms": synonym_groups(glossary)}
    return ("window.pinganSearchTerms = " + json.dumps(data, ensure_ascii=False, sort_keys=True)
            + ";\n").encode("utf-8")


def book_files(run_list: RunList, notebooks_dir: Path = BUILD_NOTEBOOKS,
               processed_dir: Path = PROCESSED_DIR) -> dict[str, bytes]:
    """Every file of the book's source tree: path relative to the book → content.

    The CSV downloads (each table's and chart's data beside its page, and data/observations.csv
    and data/sources.csv) are UTF-8 with a byte-order mark, so that Excel under any locale and
    LibreOffice open them as UTF-8. Raises SystemExit when a run has not been executed."""
    from ..questions.geo import SOURCE_NOTE

    missing = [r.run_id for r in run_list.runs if not (notebooks_dir / f"{r.run_id}.ipynb").exists()]
    if missing:
        raise SystemExit("not executed yet (run `make notebooks`): " + ", ".join(missing))
    toc = book_toc(run_list)
    # Decoded, not read as text: newline translation would turn a CR inside a quoted cell into LF.
    observations_csv = (processed_dir / "observations.csv").read_bytes().decode("utf-8")
    sources_csv = (processed_dir / "sources.csv").read_bytes().decode("utf-8")
    sources = {row["source_id"]: row for row in _csv_rows(sources_csv)}
    observations = _csv_rows(observations_csv)
    data_files = sorted(p for p in processed_dir.rglob("*") if p.is_file())
    version, released = dataset_release()
    citation = Citation(version, fingerprint([p.read_bytes() for p in data_files]),
                        sources, SOURCE_NOTE, released)
    titles = run_list.titles()
    glossary = load_glossary(processed_dir)
    files: dict[str, bytes] = {}
    summaries = {}
    for run in run_list.runs:
        executed_bytes = (notebooks_dir / f"{run.run_id}.ipynb").read_bytes()
        executed = json.loads(executed_bytes)
        summaries[run.run_id] = run_summary(executed)
        title = titles[run.notebook]
        page = page_notebook(executed, run, f"{title['title_zh']} {title['title_en']}", citation, glossary)
        files[f"{run.run_id}.ipynb"] = _json(page.notebook)
        files[f"{EXTRA}/{run.run_id}.ipynb"] = executed_bytes
        for download in page.downloads:
            files[f"{EXTRA}/{download.path(run.run_id)}"] = download_bytes(download.csv)
            for path, content in download.figure_files(run.run_id).items():
                files[f"{EXTRA}/{path}"] = content
    for sid, row in sources.items():
        if row["text_path"]:  # archived reports; a cited source has no text to publish
            files[f"{EXTRA}/{TEXTS_DIR}/{sid}.txt"] = (processed_dir / row["text_path"]).read_bytes()
    files["index.md"] = landing_markdown(run_list, summaries, len(observations), len(sources),
                                         citation).encode("utf-8")
    cite = how_to_cite("溯源 Provenance: every number and its words", PROVENANCE_PAGE,
                       sorted(sources), citation)
    files[f"{PROVENANCE_PAGE}.md"] = provenance_markdown(observations_csv, sources_csv, cite).encode("utf-8")
    # Downloads are for spreadsheets: with a byte-order mark (data/processed, read by code and
    # diffed, has none).
    for name, text in (("observations.csv", observations_csv), ("sources.csv", sources_csv)):
        files[f"{EXTRA}/{DATA_DIR}/{name}"] = download_bytes(text)
    files[OBS_IDS_FILE] = _json(sorted(row["obs_id"] for row in observations))
    cite = how_to_cite("术语表 Glossary", GLOSSARY_PAGE, [], citation)
    files[f"{GLOSSARY_PAGE}.md"] = glossary_markdown(glossary, cite).encode("utf-8")
    files[SEARCH_DICTIONARY] = search_words(processed_dir, glossary).encode("utf-8")
    files[SEARCH_SYNONYMS] = _json(synonym_groups(glossary))
    files[f"{STATIC}/pingan-search-terms.js"] = search_script(glossary)
    for asset in sorted(STATIC_SOURCE.iterdir()):
        files[f"{STATIC}/{asset.name}"] = asset.read_bytes()
    for name, content in datatables_script().items():
        files[f"{STATIC}/{name}"] = content
    files["_toc.yml"] = dump_yaml(toc).encode("utf-8")
    # The navigation of every page depends on the table of contents, links and citations on the
    # data, and the rendering on this code: when any of them changes, every page is rebuilt.
    code = [p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py"))]
    # Its CSS and JavaScript too: each page links them with their checksum.
    code += [files[f"{STATIC}/{asset.name}"] for asset in sorted(STATIC_SOURCE.iterdir())]
    files["_config.yml"] = dump_yaml(book_config(
        fingerprint([files["_toc.yml"], citation.fingerprint.encode(), files[SEARCH_DICTIONARY],
                     files[SEARCH_SYNONYMS], *code]),
        len(observations))).encode("utf-8")
    return files


_EXPORT = re.compile(r"export\s*\{([^}]*)\}\s*;?")


def datatables_script() -> dict[str, bytes]:
    """DataTables as itables ships it for offline use, as a classic script and its CSS.

    itables' bundle is an ES module, and a browser refuses module scripts on a page opened from
    disk (file://), which is how many readers open the site: its one export statement becomes a
    global (window.pinganDataTables), inside a function so that nothing else leaks."""
    import itables

    html_dir = Path(itables.__file__).parent / "html"
    module = (html_dir / "dt_bundle.js").read_text(encoding="utf-8")
    exports = _EXPORT.findall(module)
    if len(exports) != 1 or "import.meta" in module:
        raise ValueError("itables' dt_bundle.js is not the single-export ES module this build "
                         "expects: check the itables version against publish/site.py")
    names = dict(reversed(part.split(" as ")) for part in exports[0].split(",") if " as " in part)
    if not {"default", "jQuery"} <= set(names):
        raise ValueError(f"itables' dt_bundle.js exports {sorted(names)}, not DataTables (default)")
    script = ('(function () {\n"use strict";\n'
              + _EXPORT.sub(f"window.pinganDataTables = {{DataTable: {names['default']}, "
                            f"jQuery: {names['jQuery']}}};", module)
              + "\n})();\n")
    return {"datatables.js": script.encode("utf-8"), "datatables.css": (html_dir / "dt_bundle.css").read_bytes()}


def _json(data) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def sync_tree(files: dict[str, bytes], root: Path, keep: tuple[str, ...] = (_BUILD,)) -> list[str]:
    """Make ``root`` hold exactly ``files`` (outside ``keep``), writing only what changed, so that
    unchanged files keep their modification time. Returns the paths written or removed."""
    changed = []
    for relative, content in files.items():
        path = root / relative
        if path.is_file() and path.read_bytes() == content:
            continue
        _write_bytes(path, content)
        changed.append(relative)
    if root.is_dir():
        for path in sorted(root.rglob("*"), reverse=True):
            relative = path.relative_to(root).as_posix()
            if relative.split("/")[0] in keep:
                continue
            if path.is_file() and relative not in files:
                path.unlink()
                changed.append(relative)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return changed


def _write_bytes(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "wb") as f:
        f.write(content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def render_book(book_dir: Path = BOOK_DIR) -> Path:
    """Sphinx, through Jupyter Book, with warnings as errors (printed on stderr); returns the HTML
    directory. Raises SystemExit when the build fails.

    One process: sphinx_external_toc loads sphinx_multitoc_numbering, which does not declare
    itself safe for parallel reading (Sphinx warns, and the warning would fail the build); a full
    build takes seconds anyway."""
    from jupyter_book.sphinx import build_sphinx

    html_dir = book_dir / _BUILD / "html"
    result = build_sphinx(
        book_dir, html_dir, path_config=book_dir / "_config.yml", noconfig=True,
        confoverrides={"external_toc_path": str(book_dir / "_toc.yml"), "latex_individualpages": False,
                       "html_search_options": {"dict": str(book_dir / SEARCH_DICTIONARY)}},
        doctreedir=book_dir / _BUILD / ".doctrees", quiet=True, warningiserror=True,
        keep_going=True, jobs=1, builder="html")
    if result != 0:
        # Start clean next time: an incremental build would not re-read the pages that warned,
        # and would pass without fixing them.
        shutil.rmtree(book_dir / _BUILD, ignore_errors=True)
        raise SystemExit(f"site: the book build failed ({result!r}); build/site keeps the last good "
                         "site. The messages above say where.")
    return html_dir


_IMAGE = re.compile(r'(?:src|href)="_images/([^"/]+)"')


def published_files(html_dir: Path, extra_dir: Path) -> dict[str, Path]:
    """What the site consists of: Sphinx's output without what it leaves behind from earlier
    builds (images no page shows any more; content-named, they are never overwritten), and the
    files beside the pages (_extra, kept exact by sync_tree)."""
    files = {p.relative_to(html_dir).as_posix(): p for p in sorted(html_dir.rglob("*"))
             if p.is_file() and not p.name.startswith(".")}
    shown = {name for page in files if page.endswith(".html")
             for name in _IMAGE.findall(files[page].read_text(encoding="utf-8"))}
    files = {name: path for name, path in files.items()
             if not name.startswith("_images/") or name.split("/", 1)[1] in shown}
    if extra_dir.is_dir():
        files.update({p.relative_to(extra_dir).as_posix(): p for p in sorted(extra_dir.rglob("*"))
                      if p.is_file()})
    return files


def publish(files: dict[str, Path], site_dir: Path) -> None:
    """Copy the site's files into a staging directory beside ``site_dir`` and swap it in."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".site-new-", dir=site_dir.parent))
    try:
        for relative, source in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        os.chmod(staging, 0o755)
        old = site_dir.parent / f".site-old-{os.getpid()}"
        if site_dir.exists():
            os.rename(site_dir, old)
        os.rename(staging, site_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build_site(site_dir: Path = SITE_DIR, notebooks_dir: Path = BUILD_NOTEBOOKS,
               book_dir: Path = BOOK_DIR) -> Path:
    """Generate the book, render it, publish it; prints one line saying what was done."""
    start = time.perf_counter()
    run_list = load_runs()
    try:
        files = book_files(run_list, notebooks_dir)
    except ValueError as exc:  # a notebook, runs.yaml or the glossary the book cannot be made from
        raise SystemExit(f"site: {exc}") from None
    changed = sync_tree(files, book_dir)
    if {"_config.yml", "_toc.yml"} & set(changed):
        # Sphinx rebuilds every page anyway; starting clean leaves nothing of the last build
        # (a removed page, a static file no extension adds any more).
        shutil.rmtree(book_dir / _BUILD, ignore_errors=True)
    html_dir = render_book(book_dir)
    write_web_font(html_dir)
    publish(published_files(html_dir, book_dir / EXTRA), site_dir)
    pages = len(run_list.runs) + 3  # the runs, the landing page, the provenance and glossary pages
    sources = sum(1 for path in changed if not path.startswith((EXTRA, PRIVATE, STATIC)))
    where = site_dir / "index.html"
    print(f"site: {pages} pages ({sources} sources changed) in {time.perf_counter() - start:.1f} s → "
          f"{where.relative_to(PROJ_ROOT) if where.is_relative_to(PROJ_ROOT) else where}")
    return site_dir / "index.html"
