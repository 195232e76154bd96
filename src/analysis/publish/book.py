"""The book's source tree, generated from notebooks/runs.yaml, the executed runs and the data.

Jupyter Book 1 (Sphinx) renders it into the site; nothing here is written by hand:

    _config.yml         the book's settings (execution off: the runs are executed by papermill)
    _toc.yml            the table of contents: one part per notebook of runs.yaml (its
                        title_zh · title_en), one chapter per run (its label)
    index.md            the landing page: what the project is, how to read a page, every run
    provenance.md       one anchor per observation (see provenance.py)
    <run_id>.ipynb      a copy of each executed run, with a header (label, parameters, downloads)
                        and a footer (the data on the page, how to cite it); each output carrying
                        data (views.DATA_MIME) becomes its HTML plus a download link
    _extra/             published as is beside the pages (site.published_files):
                        <run_id>/<name>.csv, a chart's figure as <run_id>/<name>.svg when the
                        run recorded one (its PNG is the page's image), <run_id>.ipynb,
                        texts/<source_id>.txt
    _assets/            the site's CSS and JavaScript, and the DataTables bundle of itables
    glossary.md         the terms a reader meets, from docs/glossary.csv (see glossary.py)
    _pingan/            what the Sphinx extension reads: the known obs_ids, the search dictionary
                        and the search synonyms

Every function here is pure (inputs → file contents), so that it can be tested without Sphinx.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import re
from dataclasses import dataclass, field

import yaml

from ..questions.views import DATA_MIME
from .glossary import PAGE as GLOSSARY_PAGE
from .glossary import Term
from .provenance import PAGE as PROVENANCE_PAGE
from .provenance import markdown_text
from .runs import Run, RunList

EXTRA = "_extra"
# Sphinx copies it to _static/. Not named _static: Jupyter Book would add every .js and .css
# file there to every page, in no order we choose.
STATIC = "_assets"
PRIVATE = "_pingan"
OBS_IDS_FILE = f"{PRIVATE}/obs_ids.json"
SEARCH_DICTIONARY = f"{PRIVATE}/jieba_words.txt"
SEARCH_SYNONYMS = f"{PRIVATE}/search_synonyms.json"
# A table longer than this becomes sortable and filterable on the site (DataTables); a shorter
# one reads better as it is.
LONG_TABLE_ROWS = 12
TITLE_ZH = "平安建设:湖北与湖南"
TITLE_EN = "Ping'an governance in Hubei and Hunan"
AUTHOR = "The Ping'an Hubei-Hunan project contributors"


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _markdown_cell(source: str, cell_id: str, tags: tuple[str, ...] = ()) -> dict:
    metadata = {"tags": list(tags)} if tags else {}
    return {"cell_type": "markdown", "id": cell_id, "metadata": metadata, "source": source}


# --- the table of contents ----------------------------------------------------------------------

def book_toc(run_list: RunList) -> dict:
    """One part per notebook listed in runs.yaml (in its order), one chapter per run."""
    titles = run_list.titles()
    unknown = sorted({run.notebook for run in run_list.runs} - set(titles))
    if unknown:
        raise ValueError(f"notebooks/runs.yaml: runs of {', '.join(unknown)}, which is not in its "
                         "notebooks: list (add it with title_zh and title_en)")
    parts = []
    for notebook in run_list.notebooks:
        runs = [run for run in run_list.runs if run.notebook == notebook["notebook"]]
        if runs:
            parts.append({"caption": f"{notebook['title_zh']} · {notebook['title_en']}",
                          "chapters": [{"file": run.run_id, "title": run.label or run.run_id}
                                       for run in runs]})
    parts.append({"caption": "溯源 Provenance",
                  "chapters": [{"file": PROVENANCE_PAGE, "title": "每个数字的原文 Every number's words"},
                               {"file": GLOSSARY_PAGE, "title": "术语表 · Glossary"}]})
    return {"format": "jb-book", "root": "index", "parts": parts}


# --- one run's page -----------------------------------------------------------------------------

@dataclass
class Download:
    """A file written beside a page: <run_id>/<name>.csv, and for a chart the figures drawn
    before it in its cell (``figures``: one dict per figure, file extension → content)."""

    name: str
    kind: str  # "table" or "chart"
    caption: str
    rows: int
    csv: str
    figures: list[dict[str, bytes]] = field(default_factory=list)

    def path(self, run_id: str) -> str:
        return f"{run_id}/{self.name}.csv"

    def _figure_names(self) -> list[tuple[str, str, bytes]]:
        """(file name, extension, content) of each figure file: <name>.png, <name>.svg, the
        second figure of a chart <name>-2.png, …"""
        return [(f"{self.name}{'' if number == 1 else f'-{number}'}.{extension}", extension, content)
                for number, figure in enumerate(self.figures, 1) for extension, content in figure.items()]

    def figure_links(self, run_id: str) -> list[tuple[str, str]]:
        """(href, file name) of each figure. A PNG is the image the page shows, which myst-nb
        publishes as _images/<sha256 of its bytes>.png: linked there (named by the link's
        ``download`` attribute) rather than copied, which would double the site's size."""
        return [(f"_images/{hashlib.sha256(content).hexdigest()}.png" if extension == "png"
                 else f"{run_id}/{name}", name) for name, extension, content in self._figure_names()]

    def figure_files(self, run_id: str) -> dict[str, bytes]:
        """The figure files to write beside the page: those the page does not show (SVG)."""
        return {f"{run_id}/{name}": content for name, extension, content in self._figure_names()
                if extension != "png"}


@dataclass
class Page:
    notebook: dict
    downloads: list[Download] = field(default_factory=list)
    source_ids: list[str] = field(default_factory=list)


def parameters_text(run: Run) -> str:
    return ", ".join(f"{name} = {value!r}" for name, value in run.parameters.items()) or "none"


def _download_html(run_id: str, download: Download) -> str:
    what = "数据 Data behind the chart" if download.kind == "chart" else "表格数据 Table data"
    figures = ""
    if download.figures:
        links = " · ".join(f'<a href="{_e(href)}" download="{_e(name)}">{_e(name)}</a>'
                           for href, name in download.figure_links(run_id))
        figures = f" · 图 Figure: {links}"
    return (f'<p class="pingan-download">⬇ <a href="{_e(download.path(run_id))}" download>'
            f"{what}: {_e(download.name)}.csv</a> ({download.rows} rows){figures}</p>")


def _table_html(data_html: str, download: Download, run_id: str) -> str:
    if download.rows > LONG_TABLE_ROWS:
        # pingan-tables.js makes these tables sortable and filterable.
        data_html = data_html.replace('class="pingan-table"', 'class="pingan-table pingan-long"', 1)
        data_html = data_html.replace('class="dataframe pingan-table"',
                                      'class="dataframe pingan-table pingan-long"', 1)
    link = _download_html(run_id, download) if download.rows else ""
    return f'<div class="pingan-data">\n{data_html}\n{link}\n</div>'


def _figure(data: dict) -> dict[str, bytes]:
    """A figure output's files: its PNG, and its SVG when the kernel recorded one (taken out of
    the output, so that the page shows the PNG whatever myst-nb prefers)."""
    figure = {"png": base64.b64decode("".join(data["image/png"]))}
    if "image/svg+xml" in data:
        figure["svg"] = "".join(data.pop("image/svg+xml")).encode("utf-8")
    return figure


def extract_downloads(notebook: dict, run_id: str) -> tuple[dict, list[Download]]:
    """A copy of the notebook whose data outputs show their HTML and a download link, and the
    files to write beside the page: each table's and chart's CSV, and each chart's figures (the
    images output before it in its cell, as views.chart_data shows them). Fails on two outputs
    of one page with the same name."""
    notebook = copy.deepcopy(notebook)
    downloads: dict[str, Download] = {}
    for cell in notebook.get("cells", []):
        figures = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                figures.append(_figure(data))
            if DATA_MIME not in data:
                continue
            carried = data.pop(DATA_MIME)
            download = Download(carried["name"], carried["kind"], carried.get("caption", ""),
                                int(carried["rows"]), carried["csv"])
            if download.name in downloads:
                raise ValueError(f"run {run_id}: two tables or charts are named {download.name!r} "
                                 "(names must be unique within a notebook)")
            downloads[download.name] = download
            if download.kind == "chart":
                download.figures, figures = figures, []
            shown = "".join(data.get("text/html", ""))
            data["text/html"] = (_table_html(shown, download, run_id) if download.kind == "table"
                                 else _download_html(run_id, download))
    return notebook, [d for d in downloads.values() if d.rows]


def sources_on_page(notebook: dict, source_ids: list[str]) -> list[str]:
    """The sources a page shows numbers or text from: their ids (or obs_ids) appear in its
    outputs. Images are not read (they hold no id, and megabytes of base64), and all ids are
    looked for in one pass."""
    outputs = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            outputs.append({k: v for k, v in data.items() if not k.startswith("image/")}
                           if data else output)
    text = json.dumps(outputs, ensure_ascii=False)
    if not source_ids:
        return []
    names = "|".join(re.escape(sid) for sid in sorted(source_ids, key=len, reverse=True))
    found = set(re.findall(rf"(?<![\w-])({names})(?![\w])", text))
    return [sid for sid in source_ids if sid in found]


def terms_on_page(notebook: dict, glossary: list[Term]) -> list[Term]:
    """The glossary's terms a page uses (by any of their names) in its text or outputs, in the
    glossary's order. Images are not read."""
    parts = ["".join(cell.get("source", "")) for cell in notebook.get("cells", [])
             if cell.get("cell_type") == "markdown"]
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append(json.dumps({k: v for k, v in data.items() if not k.startswith("image/")}
                                    if data else output, ensure_ascii=False))
    text = "\n".join(parts)
    return [term for term in glossary if any(name in text for name in term.names)]


def _terms_html(terms: list[Term]) -> str:
    if not terms:
        return ""
    links = " · ".join(f'<a href="{GLOSSARY_PAGE}.html#{_e(term.anchor)}">{_e(term.term_zh)}</a>'
                       for term in terms)
    return f'<p class="pingan-terms">本页术语 Terms on this page (术语表 Glossary): {links}</p>\n\n'


@dataclass
class Citation:
    """What every page's "How to cite this page" says."""

    version: str
    fingerprint: str
    sources: dict[str, dict]  # source_id → its row of sources.csv
    boundaries: str
    released: str = ""  # CITATION.cff's date-released (YYYY-MM-DD): the BibTeX entry's year


_BIBTEX_SPECIAL = re.compile(r"([&%$#_])")


def _bibtex_text(text: str) -> str:
    """A BibTeX field's text: LaTeX's special characters escaped, braces and backslashes (which
    would unbalance the entry) dropped."""
    return _BIBTEX_SPECIAL.sub(r"\\\1", re.sub(r"[{}\\]", "", text))


def bibtex(title: str, page: str, citation: Citation) -> str:
    """The page as a BibTeX @misc entry (key ``pingan:<page>``): the project as author, the page
    in the dataset with its version and data fingerprint, and the year CITATION.cff gives."""
    key = re.sub(r"[^A-Za-z0-9_:-]", "_", f"pingan:{page}")
    fields = [("author", f"{{{_bibtex_text(AUTHOR)}}}"),
              ("title", _bibtex_text(title)),
              ("howpublished", _bibtex_text(f"{TITLE_EN}: a traceable dataset, version "
                                            f"{citation.version}, page {page}")),
              ("note", _bibtex_text(f"Data fingerprint {citation.fingerprint}. Tables CC BY 4.0; "
                                    "cite the original reports for any figure you use"))]
    if citation.released:
        fields.append(("year", citation.released[:4]))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def _header(run: Run, kind: str) -> str:
    return (
        f"# {markdown_text(run.label or run.run_id)}\n\n"
        '<div class="pingan-run">\n'
        f'<p class="pingan-run-kind">{_e(kind)} · <code>{_e(run.run_id)}</code></p>\n'
        f"<p>参数 Parameters: <code>{_e(parameters_text(run))}</code> · "
        f'⬇ <a href="{_e(run.run_id)}.ipynb" download>执行后的笔记本 Executed notebook</a></p>\n'
        '<p class="pingan-hint">代码已隐藏,点击“Show code cell source”可展开 · Code is folded: '
        "open “Show code cell source” to see it. Every observation id links to its words "
        f'(<a href="{PROVENANCE_PAGE}.html">溯源 Provenance</a>); the data of each table and chart '
        "can be downloaded below it.</p>\n"
        "</div>\n")


def how_to_cite(title: str, page: str, source_ids: list[str], citation: Citation) -> str:
    """The "How to cite this page" section: the page in the dataset (version and data
    fingerprint), the reports it shows, and the boundaries' terms."""
    reports = []
    for sid in source_ids:
        row = citation.sources[sid]
        address = row.get("original_url", "")
        link = (f' <a href="{_e(address)}">{_e(address)}</a>'
                if address.startswith(("http://", "https://")) else "")
        reports.append(f"<li>{_e(row['publisher'])}. “{_e(row['headline'])}”. "
                       f"{_e(row['date_published'])}.{link} "
                       f'(<a href="{PROVENANCE_PAGE}.html#source-{_e(sid)}">{_e(sid)}</a>)</li>')
    if not reports:
        reports.append("<li>This page shows no number from a report.</li>")
    return (
        "## 引用本页 How to cite this page\n\n"
        '<div class="pingan-cite">\n'
        f"<p>{_e(AUTHOR)}. “{_e(title)}” (page <code>{_e(page)}</code>). In: "
        f"<em>{_e(TITLE_EN)}: a traceable dataset</em>, version {_e(citation.version)} "
        f"(data fingerprint <code>{_e(citation.fingerprint)}</code>). Tables CC BY 4.0; code MIT.</p>\n"
        "<p>Cite the original reports for any figure you use 请同时引用原始报告:</p>\n"
        '<ul class="pingan-reports">\n' + "\n".join(reports) + "\n</ul>\n"
        f"<p>Maps: {_e(citation.boundaries)} Cite the boundaries under any map you reuse.</p>\n"
        "<p>BibTeX:</p>\n"
        f'<pre class="pingan-bibtex">{_e(bibtex(title, page, citation))}</pre>\n'
        "</div>\n")


def _footer(run: Run, kind: str, downloads: list[Download], source_ids: list[str],
            citation: Citation, terms: list[Term] = ()) -> str:
    items = [f'<li><a href="{_e(d.path(run.run_id))}" download>{_e(d.name)}.csv</a> — '
             f"{'chart' if d.kind == 'chart' else 'table'}{': ' + _e(d.caption) if d.caption else ''}"
             f" ({d.rows} rows)"
             + "".join(f' · <a href="{_e(href)}" download="{_e(name)}">{_e(name)}</a>'
                       for href, name in d.figure_links(run.run_id))
             + "</li>" for d in downloads]
    items.append(f'<li><a href="{_e(run.run_id)}.ipynb" download>{_e(run.run_id)}.ipynb</a> — '
                 "the executed notebook 执行后的笔记本</li>")
    return ("## 本页数据 Data on this page\n\n"
            '<ul class="pingan-downloads">\n' + "\n".join(items) + "\n</ul>\n\n"
            + _terms_html(list(terms))
            + how_to_cite(f"{run.label or run.run_id} — {kind}", run.run_id, source_ids, citation))


def page_notebook(executed: dict, run: Run, kind: str, citation: Citation,
                  glossary: list[Term] = ()) -> Page:
    """The page of one run: the executed notebook with a header, its data outputs turned into
    HTML with download links, and a footer (its data, the glossary's terms it uses with links to
    them, how to cite it). Nothing is executed."""
    notebook, downloads = extract_downloads(executed, run.run_id)
    cells = notebook["cells"]
    if cells and cells[0]["cell_type"] == "markdown":
        # The notebook's own title names the notebook, not the run: the header replaces it.
        first = "".join(cells[0]["source"])
        if first.startswith("# "):
            cells[0]["source"] = first.split("\n", 1)[1].lstrip("\n") if "\n" in first else ""
    source_ids = sources_on_page(notebook, sorted(citation.sources))
    cells.insert(0, _markdown_cell(_header(run, kind), "pingan-header"))
    terms = terms_on_page(notebook, list(glossary))
    cells.append(_markdown_cell(_footer(run, kind, downloads, source_ids, citation, terms), "pingan-footer"))
    return Page(notebook, downloads, source_ids)


# --- the landing page ---------------------------------------------------------------------------

def landing_markdown(run_list: RunList, summaries: dict[str, str], observations: int,
                     reports: int, citation: Citation) -> str:
    sections = []
    for notebook in run_list.notebooks:
        runs = [r for r in run_list.runs if r.notebook == notebook["notebook"]]
        if not runs:
            continue
        rows = "\n".join(
            f'<tr><td><a href="{_e(run.run_id)}.html">{_e(run.label or run.run_id)}</a></td>'
            f'<td class="pingan-summary">{_e(summaries.get(run.run_id, ""))}</td></tr>'
            for run in runs)
        sections.append(
            f"### {markdown_text(notebook['title_zh'] + ' · ' + notebook['title_en'])}\n\n"
            '<table class="pingan-table pingan-runs">\n'
            "<thead><tr><th>页面 Page</th><th>摘要 What it shows</th></tr></thead>\n"
            f"<tbody>\n{rows}\n</tbody>\n</table>\n")
    return f"""# {markdown_text(TITLE_ZH)} · {markdown_text(TITLE_EN)}

<div class="pingan-intro">
<p>What five Chinese-language reports (province, city and county level, 2012–2024) say, in
numbers, about "Ping'an" (平安建设: public safety and social governance) work in Hubei and Hunan:
{observations} numbers from {reports} reports, each with the exact words it was read from.
本站汇集五份湖北、湖南平安建设报告中的 {observations} 个数字,每个数字都附有报告原文。</p>
</div>

## 如何阅读 How to read a page

<ul class="pingan-howto">
<li><strong>Navigate 导航</strong>: the menu on the left lists every page, grouped by question;
“Next” and “Previous” at the bottom of each page go through them in order.</li>
<li><strong>Search 搜索</strong>: the search box (top left, or press Ctrl+K) finds words in Chinese
and English, e.g. 枫桥 or mediation.</li>
<li><strong>Code 代码</strong>: each page shows charts, maps and tables; the code that made them is
folded — open “Show code cell source” under a heading to see it.</li>
<li><strong>Numbers 数字</strong>: every number carries its observation id (such as
<code>hubei_2023-017</code>); the id links to the <a href="{PROVENANCE_PAGE}.html">provenance page</a>
with the quote, its place in the report and the report itself. Qualified numbers (余, 近, 约) are
drawn as what they are: an open bar ending in &gt; is a lower bound.</li>
<li><strong>Tables 表格</strong>: long tables can be sorted (click a column) and filtered (type in
the box above them).</li>
<li><strong>Data 数据</strong>: under each table and chart, a link downloads its data as CSV; every
page ends with the list of its data, the executed notebook, and how to cite the page.</li>
</ul>

## 页面 The pages

{chr(10).join(sections)}
## 关于 About

<div class="pingan-about">
<p>Dataset version {_e(citation.version)} (data fingerprint <code>{_e(citation.fingerprint)}</code>).
The curated tables are CC BY 4.0 and the code MIT; the reports remain the work of their publishers.
{_e(citation.boundaries)} Built by <code>make all</code> from the project's repository.</p>
</div>
"""


# --- the book's configuration -------------------------------------------------------------------

def book_config(fingerprint: str, observations_count: int) -> dict:
    """Jupyter Book's _config.yml. Sphinx options are explained where they are set."""
    return {
        "title": f"{TITLE_ZH} · {TITLE_EN}",
        "author": AUTHOR,
        "copyright": "the project contributors",  # no year: a rebuild next year gives the same bytes
        "only_build_toc_files": True,
        "exclude_patterns": [EXTRA, PRIVATE, STATIC],
        # The runs are executed by papermill (make notebooks); the book only renders them.
        "execute": {"execute_notebooks": "off", "stderr_output": "remove-warn"},
        # No $…$ maths (a report's "$" must stay text, and MathJax would load from a CDN), no
        # automatic links.
        "parse": {"myst_enable_extensions": ["colon_fence"]},
        "latex": {"use_jupyterbook_latex": False},
        "html": {"use_multitoc_numbering": False, "home_page_in_navbar": True,
                 "extra_footer": "", "use_repository_button": False, "use_issues_button": False,
                 "use_edit_page_button": False},
        "launch_buttons": {"notebook_interface": "classic", "binderhub_url": "", "jupyterhub_url": "",
                           "thebe": False, "colab_url": "", "deepnote_url": ""},
        "sphinx": {
            "config": {
                # Jupyter Book's list without sphinx_thebe (live code through a remote service,
                # loaded from unpkg) and intersphinx (network), plus ours. sphinx_comments adds
                # nothing unless comments are configured (they are not).
                "extensions": ["sphinx_togglebutton", "sphinx_copybutton", "myst_nb", "jupyter_book",
                               "sphinx_comments", "sphinx_external_toc", "sphinx_design",
                               "sphinx_book_theme", "analysis.publish.sphinx_pingan"],
                # Chinese UI strings and html lang; Sphinx's search index segments Chinese with
                # jieba (and stems English words).
                "language": "zh_CN",
                # html_search_options (the jieba dictionary's absolute path) is set by site.py.
                "html_static_path": [STATIC],
                "html_css_files": ["datatables.css", "pingan.css"],
                # Classic scripts, run in order once the page is parsed (module scripts would not
                # run on a page opened from disk).
                "html_js_files": [["datatables.js", {"defer": "defer"}],
                                  ["pingan-tables.js", {"defer": "defer"}],
                                  ["pingan-search-terms.js", {"defer": "defer"}],
                                  ["pingan-search.js", {"defer": "defer"}]],
                "html_copy_source": False,  # no _sources/*.ipynb: the executed notebook is in _extra
                "html_show_sourcelink": False,
                "html_favicon": f"{STATIC}/favicon.svg",
                "html_last_updated_fmt": None,
                # Without a default colour mode the theme logs a console error on a first visit.
                "html_context": {"default_mode": "auto"},
                "html_theme_options": {
                    "home_page_in_toc": True,
                    "show_navbar_depth": 1,
                    "show_toc_level": 2,
                    "use_download_button": False,
                    "use_fullscreen_button": False,
                    "use_repository_button": False,
                    "launch_buttons": {},
                    "navigation_with_keys": False,
                    "search_bar_text": "搜索 Search…",
                },
                "nb_merge_streams": True,
                "pingan_fingerprint": fingerprint,
                "pingan_observations": observations_count,
                # Warnings fail the build (-W), except these, each expected here:
                "suppress_warnings": [
                    # myst-nb: outputs whose MIME type has no renderer (none expected; keeps a
                    # new library's output from failing the build before it is looked at).
                    "mystnb.unknown_mime_type",
                ],
            },
        },
    }


def dump_yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def fingerprint(parts: list[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:12]
