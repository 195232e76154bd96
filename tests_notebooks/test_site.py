"""The rendered book, read as files: every page and link, every image and download, no remote
script or font, report text escaped, obs_ids linked, the same bytes on a rebuild."""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image

from analysis.config import PROCESSED_DIR, PROJ_ROOT
from analysis.publish.provenance import OBS_ID
from analysis.publish.runs import RunList, load_runs
from analysis.publish.site import build_site

RUNS = load_runs().runs
OBSERVATIONS = list(csv.DictReader(io.StringIO((PROCESSED_DIR / "observations.csv").read_text(encoding="utf-8"))))
KNOWN = {row["obs_id"] for row in OBSERVATIONS}


class Page(HTMLParser):
    """Links, images, scripts and stylesheets of a page, and the obs_ids in its text (with the
    link each is inside, if any)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs, self.images, self.scripts, self.styles, self.ids = [], [], [], [], set()
        self.downloads, self.obs_ids, self._link, self._skip = [], [], None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a":
            self._link = attrs.get("href")
            if attrs.get("href"):
                self.hrefs.append(attrs["href"])
                if "download" in attrs:
                    self.downloads.append(attrs["href"])
        elif tag == "img":
            self.images.append(attrs.get("src", ""))
        elif tag == "script":
            self._skip += 1
            if attrs.get("src"):
                self.scripts.append(attrs["src"])
        elif tag == "style":
            self._skip += 1
        elif tag == "link" and attrs.get("href"):
            (self.styles if attrs.get("rel") == "stylesheet" else self.hrefs).append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "a":
            self._link = None
        elif tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.obs_ids += [(m.group(1), self._link) for m in OBS_ID.finditer(data)]


@functools.lru_cache(maxsize=None)
def parse(path: Path) -> Page:
    """The page's links, images and ids, read once per session (several checks read every page)."""
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def pages(site: Path) -> list[Path]:
    return sorted(site.glob("*.html"))


def local(href: str) -> bool:
    return not href.startswith(("http://", "https://", "mailto:", "#", "data:", "javascript:"))


def test_every_run_is_a_page_listed_in_the_navigation_of_every_page(site):
    expected = {f"{run.run_id}.html" for run in RUNS} | {"index.html", "provenance.html", "glossary.html"}
    assert expected <= {p.name for p in pages(site)}
    for name in ("index.html", f"{RUNS[-1].run_id}.html", "provenance.html", "glossary.html"):
        nav = {href.split("#")[0] for href in parse(site / name).hrefs}
        assert expected - {name} <= nav, f"{name}: the table of contents misses pages"


def test_every_internal_link_and_anchor_resolves(site):
    anchors = {p.name: parse(p).ids for p in pages(site)}
    for path in pages(site):
        page = parse(path)
        for href in page.hrefs + page.images + page.scripts + page.styles:
            if not local(href):
                continue
            url = urlsplit(href)
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            assert target.is_file(), f"{path.name}: broken link {href}"
            if url.fragment and target.suffix == ".html":
                assert url.fragment in anchors[target.name], f"{path.name}: no anchor for {href}"


def test_no_remote_script_stylesheet_or_font(site):
    for path in pages(site):
        page = parse(path)
        remote = [src for src in page.scripts + page.styles if not local(src)]
        assert not remote, f"{path.name} loads {remote}"
    for asset in sorted((site / "_static").rglob("*")):
        if asset.suffix in (".css", ".js") and asset.is_file():
            text = asset.read_text(encoding="utf-8", errors="replace")
            assert not re.search(r"url\(\s*['\"]?https?://|@import\s+(url\()?['\"]?https?://", text), asset
            assert not re.search(r"""\bimport\s*(\(|[^;]*from\s*)['"]https?://""", text), asset


def test_chinese_has_a_font_on_every_machine(site):
    """The pages' Chinese is drawn with a subset of Noto Sans SC shipped beside the stylesheet, so a
    reader without a CJK system font reads it; the subset holds every CJK character of the site."""
    from fontTools.ttLib import TTFont

    from analysis.publish.webfont import FONT_DIR, FONT_FILE, characters_used

    font = TTFont(str(site / FONT_DIR / FONT_FILE))
    cmap = font.getBestCmap()
    used = characters_used(site)
    assert len(used) > 500 and [c for c in used if ord(c) not in cmap] == []
    assert font["name"].getDebugName(1) == "Noto Sans SC"
    css = (site / "_static" / "pingan.css").read_text(encoding="utf-8")
    assert 'src: url("fonts/pingan-noto-sans-sc.woff") format("woff")' in css
    assert '"Pingan Noto Sans SC"' in css.split("--pst-font-family-base:")[1].split(";")[0]


def test_every_image_decodes(site):
    count = 0
    for path in pages(site):
        for src in parse(path).images:
            with Image.open(path.parent / unquote(src)) as image:
                image.verify()
            count += 1
    assert count >= len(RUNS)


def test_every_download_is_there_and_readable(site):
    for run in RUNS:
        page = parse(site / f"{run.run_id}.html")
        assert f"{run.run_id}.ipynb" in page.downloads, f"{run.run_id}: no link to the executed notebook"
        executed = json.loads((site / f"{run.run_id}.ipynb").read_text(encoding="utf-8"))
        assert executed["metadata"]["papermill"]["parameters"] == run.parameters
        csvs = [href for href in page.downloads if href.endswith(".csv")]
        assert csvs, f"{run.run_id}: no data to download"
        for href in csvs:
            assert href.startswith(f"{run.run_id}/"), "data is written next to its page"
            assert_opens_in_a_spreadsheet(site / href)


def test_every_chart_offers_its_figure_beside_its_data(site):
    """Each chart's data link is followed by its figure as PNG (the image the page shows, byte for
    byte, saved under the chart's name) and SVG when the run recorded one."""
    import xml.etree.ElementTree as ElementTree

    charts = 0
    for run in RUNS:
        text = (site / f"{run.run_id}.html").read_text(encoding="utf-8")
        shown = set(parse(site / f"{run.run_id}.html").images)
        for line in re.findall(r'<p class="pingan-download">.*?</p>', text, re.S):
            if "Data behind the chart" not in line:
                continue
            charts += 1
            links = re.findall(r'href="([^"]+)" download="([^"]+)"', line)
            pngs = [(href, name) for href, name in links if name.endswith(".png")]
            assert pngs, f"{run.run_id}: a chart without its figure: {line}"
            for href, name in pngs:
                assert href in shown, f"{run.run_id}: {name} is not the image the page shows"
                with Image.open(site / unquote(href)) as image:
                    image.verify()
            for href, name in links:
                if name.endswith(".svg"):
                    root = ElementTree.parse(site / unquote(href)).getroot()
                    assert root.tag == "{http://www.w3.org/2000/svg}svg", href
    assert charts >= 10


def test_each_page_gives_its_citation_as_bibtex(site):
    for page in [f"{run.run_id}.html" for run in RUNS] + ["provenance.html", "glossary.html"]:
        text = (site / page).read_text(encoding="utf-8")
        entry = re.search(r'<pre class="pingan-bibtex">(.*?)</pre>', text, re.S)
        assert entry, f"{page}: no BibTeX"
        bib = html.unescape(entry.group(1))
        assert bib.startswith(f"@misc{{pingan:{page[:-5]},"), page
        assert "version 0.1.0" in bib and "year = {" in bib and bib.count("{") == bib.count("}"), page


def test_the_glossary_defines_each_term_and_pages_link_the_terms_they_use(site):
    from analysis.publish.glossary import load_glossary

    terms = load_glossary(PROCESSED_DIR)
    glossary = parse(site / "glossary.html")
    assert {term.anchor for term in terms} <= glossary.ids
    linking = [path.name for path in pages(site)
               if any(href.startswith("glossary.html#term-") for href in parse(path).hrefs)]
    assert len(linking) >= len(RUNS) // 2, linking


def assert_opens_in_a_spreadsheet(path: Path) -> list[list[str]]:
    """UTF-8 with a byte-order mark (Excel under Chinese settings reads a CSV without one as GBK),
    every record as long as the header."""
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf"), f"{path.name}: no UTF-8 byte-order mark"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert not rows[0][0].startswith("\ufeff"), path.name
    assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows), path.name
    return rows


def test_the_data_tables_download_from_the_provenance_page(site):
    page = parse(site / "provenance.html")
    assert [h for h in page.downloads if h.endswith(".csv")] == ["data/observations.csv", "data/sources.csv"]
    rows = assert_opens_in_a_spreadsheet(site / "data" / "observations.csv")
    assert rows[0][0] == "obs_id" and len(rows) == len(OBSERVATIONS) + 1


def test_each_page_ends_with_how_to_cite_it(site):
    for page in [f"{run.run_id}.html" for run in RUNS] + ["provenance.html"]:
        text = (site / page).read_text(encoding="utf-8")
        text = text[text.index('<article class="bd-article"'):text.index("</article>")]
        cite = text.rindex("How to cite this page")
        assert text.rindex("<h2") < cite, f"{page}: the citation is not the last section"
        assert "version 0.1.0" in text[cite:] and "Tianditu" in text[cite:]


def test_report_text_is_escaped_everywhere(site):
    # The tianmen report carried <span ...> tags; quotes reach the pages through tables.
    quotes_with_markup = [row["quote"] for row in OBSERVATIONS if "<" in row["quote"]]
    for path in pages(site):
        text = path.read_text(encoding="utf-8")
        assert '<span id="printapp">' not in text and "<script>alert" not in text, path.name
        for quote in quotes_with_markup:
            assert quote not in text, f"{path.name}: unescaped quote {quote!r}"


def test_every_obs_id_on_a_page_links_to_its_words(site):
    provenance = parse(site / "provenance.html")
    assert {f"obs-{obs_id}" for obs_id in KNOWN} <= provenance.ids
    linked = 0
    for path in pages(site):
        if path.name in ("provenance.html", "search.html", "genindex.html"):
            continue
        for obs_id, link in parse(path).obs_ids:
            if obs_id in KNOWN:
                assert link == f"provenance.html#obs-{obs_id}", f"{path.name}: {obs_id} is not linked"
                linked += 1
    assert linked >= len(KNOWN)


def test_search_index_holds_chinese_and_english_words(site):
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(text[text.index("(") + 1:text.rindex(")")])["terms"]
    assert {"枫桥", "枫桥经验", "网格", "mediat", "proven"} <= set(terms)  # English words stemmed
    # Domain words whole (site.search_words), and a page under every name of a term it uses.
    assert {"平安建设", "网格员", "综治中心", "电诈", "电信网络诈骗"} <= set(terms)
    docnames = json.loads(text[text.index("(") + 1:text.rindex(")")])["docnames"]

    def pages_of(word):
        files = terms[word]
        return {docnames[f] for f in ([files] if isinstance(files, int) else files)}

    assert pages_of("电信网络诈骗") <= pages_of("电诈") and pages_of("电诈") <= pages_of("电信网络诈骗")


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_rebuild_from_scratch_gives_the_same_bytes(site, tmp_path):
    """The published site (built incrementally) is exactly what a fresh build makes."""
    build_site(site_dir=tmp_path / "fresh", book_dir=tmp_path / "book")
    fresh = files(tmp_path / "fresh")
    built = files(site)
    assert sorted(fresh) == sorted(built)
    assert [name for name in built if built[name] != fresh[name]] == []


def test_an_incremental_build_after_a_run_changed_and_changed_back_gives_the_same_bytes(
        executed, tmp_path, monkeypatch):
    """A run's page changes (its summary, and so the landing page and the search index), then
    changes back: the incremental build gives what a fresh build made. The book holds the first
    run of each notebook (every kind of page, the landing, provenance and glossary pages): an
    incremental build of the whole book re-reads as much as a fresh one, a minute each."""
    import analysis.publish.site as site_module

    runs = load_runs()
    firsts = [run for number, run in enumerate(runs.runs)
              if run.notebook not in {other.notebook for other in runs.runs[:number]}]
    assert {run.notebook for run in firsts} == {run.notebook for run in RUNS} and RUNS[0] in firsts
    monkeypatch.setattr(site_module, "load_runs", lambda: RunList(runs.notebooks, firsts))
    build_site(site_dir=tmp_path / "fresh", book_dir=tmp_path / "book")
    fresh = files(tmp_path / "fresh")

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for run in firsts:
        shutil.copy2(executed / f"{run.run_id}.ipynb", notebooks)
    path = notebooks / f"{RUNS[0].run_id}.ipynb"
    original = path.read_bytes()
    notebook = json.loads(original)
    summary = next(c for c in notebook["cells"] if "summary" in c["metadata"].get("tags", []))
    summary["outputs"][0]["text"] = ["a word no other page has: zyzzyva\n"]
    path.write_text(json.dumps(notebook), encoding="utf-8")
    build_site(site_dir=tmp_path / "changed", notebooks_dir=notebooks, book_dir=tmp_path / "book")
    assert "zyzzyva" in (tmp_path / "changed" / "searchindex.js").read_text(encoding="utf-8")
    path.write_bytes(original)
    build_site(site_dir=tmp_path / "back", notebooks_dir=notebooks, book_dir=tmp_path / "book")
    back = files(tmp_path / "back")
    assert [name for name in sorted(set(back) | set(fresh)) if back.get(name) != fresh.get(name)] == []


def test_a_build_that_warns_fails_and_keeps_the_last_good_site(executed, tmp_path, monkeypatch, capfd):
    """A warning fails the build (here: a run that wrote to stderr, which readers must not see);
    the last good site stays, and the next build warns again rather than passing.
    The book holds that run alone (with the landing, provenance and glossary pages): the failure
    does not depend on the other pages, and two builds of the whole book take minutes."""
    import analysis.publish.site as site_module

    runs = load_runs()
    monkeypatch.setattr(site_module, "load_runs", lambda: RunList(runs.notebooks, [RUNS[-1]]))
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    path = notebooks / f"{RUNS[-1].run_id}.ipynb"
    notebook = json.loads((executed / path.name).read_text(encoding="utf-8"))
    notebook["cells"][-1]["outputs"].append({"output_type": "stream", "name": "stderr", "text": "oops\n"})
    path.write_text(json.dumps(notebook), encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the last good site")
    for _ in range(2):
        capfd.readouterr()
        with pytest.raises(SystemExit, match="the book build failed"):
            build_site(site_dir=site, notebooks_dir=notebooks, book_dir=tmp_path / "book")
        warning = capfd.readouterr().err
        assert f"{path.name}" in warning and "stderr was found in the cell outputs" in warning, warning
        assert [p.name for p in site.iterdir()] == ["index.html"]
        assert (site / "index.html").read_text() == "the last good site"


def test_make_all_does_nothing_after_the_build():
    # A make of its own, not the one running these tests (it would share its jobs and options).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(["make", "all"], cwd=PROJ_ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.strip() == "make: Nothing to be done for 'all'."
