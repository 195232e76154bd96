"""The book's source tree (publish/book.py, provenance.py, site.py): pure functions, no Sphinx."""

from __future__ import annotations

import copy
import json
import re

import pytest

from analysis.config import PROCESSED_DIR
from analysis.publish import book
from analysis.publish.book import Citation, book_toc, extract_downloads, page_notebook
from analysis.publish.provenance import link_obs_ids, provenance_markdown
from analysis.publish.runs import Run, RunList, load_runs
from analysis.publish.site import search_words, sync_tree
from analysis.questions import views

NOTEBOOKS = [{"notebook": "01_dataset", "title_zh": "数据集", "title_en": "The dataset"},
             {"notebook": "02_region_profile", "title_zh": "地区概况", "title_en": "Region profiles"},
             {"notebook": "06_change_over_time", "title_zh": "变化", "title_en": "Change over time"}]
SOURCES_CSV = (PROCESSED_DIR / "sources.csv").read_text(encoding="utf-8")
OBSERVATIONS_CSV = (PROCESSED_DIR / "observations.csv").read_text(encoding="utf-8")
HOSTILE = '<script>alert(1)</script>'


def citation(**sources) -> Citation:
    rows = sources or {"hubei_2023": {"publisher": "法治资讯网 <b>", "headline": f"平安湖北{HOSTILE}",
                                      "date_published": "2024-02-06",
                                      "original_url": "http://www.hbcaw.gov.cn/zfgg/54694.jhtml"}}
    return Citation("0.1.0", "abc123def456", rows, "Boundaries: 天地图 Tianditu; not an open licence.")


# --- table of contents --------------------------------------------------------------------------

def test_toc_has_a_part_per_listed_notebook_with_runs_in_runs_yaml_order():
    runs = RunList(NOTEBOOKS, [Run("02_region_profile", {"region_code": "421300"}, "随州市 Suizhou"),
                               Run("01_dataset", {"processed_dir": ""}, "五份报告"),
                               Run("06_change_over_time", {"indicator": "x"}, ""),
                               Run("02_region_profile", {"region_code": "420000"}, "湖北省 Hubei")])
    toc = book_toc(runs)
    assert (toc["format"], toc["root"]) == ("jb-book", "index")
    assert [p["caption"] for p in toc["parts"]] == [
        "数据集 · The dataset", "地区概况 · Region profiles", "变化 · Change over time", "溯源 Provenance"]
    assert toc["parts"][1]["chapters"] == [
        {"file": "02_region_profile--421300", "title": "随州市 Suizhou"},
        {"file": "02_region_profile--420000", "title": "湖北省 Hubei"}]
    # A run without a label is named by its id; the provenance page closes the book.
    assert toc["parts"][2]["chapters"] == [{"file": "06_change_over_time--x", "title": "06_change_over_time--x"}]
    assert toc["parts"][3]["chapters"][0]["file"] == "provenance"


def test_toc_skips_notebooks_without_runs_and_refuses_unlisted_notebooks():
    toc = book_toc(RunList(NOTEBOOKS, [Run("01_dataset", {}, "a")]))
    assert [p["caption"] for p in toc["parts"]] == ["数据集 · The dataset", "溯源 Provenance"]
    with pytest.raises(ValueError, match="runs of 07_region_pair, which is not in its notebooks: list"):
        book_toc(RunList(NOTEBOOKS, [Run("07_region_pair", {}, "a")]))


def test_toc_of_the_project_lists_every_run_once():
    run_list = load_runs()
    files = [c["file"] for p in book_toc(run_list)["parts"] for c in p["chapters"]]
    assert files == [r.run_id for r in run_list.runs] + ["provenance", "glossary"]


# --- data outputs become HTML with download links -----------------------------------------------

def executed_notebook(*outputs) -> dict:
    return {"cells": [
        {"cell_type": "markdown", "id": "c0", "metadata": {},
         "source": "# 地区概况 Region profile\n\n**Question.** What?"},
        {"cell_type": "code", "id": "c1", "metadata": {"tags": ["hide-input"]}, "execution_count": 1,
         "source": "views.table(...)", "outputs": list(outputs)}]}


def display(bundle: dict) -> dict:
    return {"output_type": "display_data", "metadata": {}, "data": bundle}


def test_data_outputs_become_html_with_a_download_link_and_their_csv():
    import pandas as pd

    long = pd.DataFrame({"obs_id": [f"hubei_2023-{i:03d}" for i in range(1, 16)], "value": range(15)})
    short = pd.DataFrame({"quote": [HOSTILE]})
    nb = executed_notebook(display(views.table_bundle(long, "observations")),
                           display(views.chart_data_bundle(short, "chart_1")),
                           display(views.table_bundle(short.iloc[:0], "empty")))
    before = copy.deepcopy(nb)
    converted, downloads = extract_downloads(nb, "02_region_profile--420000")
    assert nb == before  # the executed notebook is not modified
    assert [(d.name, d.kind, d.rows) for d in downloads] == [("observations", "table", 15), ("chart_1", "chart", 1)]
    assert downloads[0].path("02_region_profile--420000") == "02_region_profile--420000/observations.csv"
    assert downloads[1].csv == 'quote\n<script>alert(1)</script>\n'
    table, chart, empty = (o["data"] for o in converted["cells"][1]["outputs"])
    assert all(views.DATA_MIME not in d for d in (table, chart, empty))
    assert 'class="dataframe pingan-table pingan-long"' in table["text/html"]  # long: sortable
    assert 'href="02_region_profile--420000/observations.csv" download' in table["text/html"]
    assert 'href="02_region_profile--420000/chart_1.csv" download' in chart["text/html"]
    assert "<script>" not in chart["text/html"] and "download" not in empty["text/html"]


def test_two_outputs_with_one_name_fail_with_a_clear_message():
    import pandas as pd

    first, second = (views.table_bundle(pd.DataFrame({"a": [n]}), "sources") for n in (1, 2))
    with pytest.raises(ValueError, match="run r: two tables or charts are named 'sources'"):
        extract_downloads(executed_notebook(display(first), display(second)), "r")


def test_a_page_has_a_header_and_ends_with_how_to_cite_it_all_escaped():
    import pandas as pd

    run = Run("02_region_profile", {"region_code": "<420000>"}, "湖北省 *Hubei* <b>")
    bundle = views.table_bundle(pd.DataFrame({"obs_id": ["hubei_2023-017"]}), "observations")
    page = page_notebook(executed_notebook(display(bundle)), run, "地区概况 Region profile", citation())
    cells = page.notebook["cells"]
    header, footer = cells[0]["source"], cells[-1]["source"]
    assert header.startswith("# 湖北省 \\*Hubei\\* \\<b\\>\n")  # markdown-escaped title
    assert "<code>region_code = &#x27;&lt;420000&gt;&#x27;</code>" in header
    assert 'href="02_region_profile--%3C420000%3E.ipynb"' not in header  # the run id is file-safe
    assert f'href="{run.run_id}.ipynb" download' in header
    assert cells[1]["source"] == "**Question.** What?"  # the notebook's own title gave way
    assert footer.index("## 本页数据 Data on this page") < footer.index("## 引用本页 How to cite this page")
    assert f'href="{run.run_id}/observations.csv" download' in footer
    assert "version 0.1.0 (data fingerprint <code>abc123def456</code>)" in footer
    assert "平安湖北&lt;script&gt;alert(1)&lt;/script&gt;" in footer and HOSTILE not in footer
    assert "Boundaries: 天地图 Tianditu; not an open licence." in footer
    assert page.source_ids == ["hubei_2023"]


def test_landing_page_escapes_labels_and_summaries():
    runs = RunList([{"notebook": "01_dataset", "title_zh": "数据<集>", "title_en": "The dataset"}],
                   [Run("01_dataset", {"processed_dir": "<b>"}, HOSTILE)])
    page = book.landing_markdown(runs, {"01_dataset--b": "<img src=x onerror=alert(1)>"}, 1, 1, citation())
    assert HOSTILE not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "数据\\<集\\>" in page
    assert 'href="01_dataset--b.html"' in page and "How to read a page" in page


# --- obs_id links and the provenance page -------------------------------------------------------

def test_known_obs_ids_in_text_link_to_their_anchor_and_nothing_else_changes():
    known = {"hubei_2023-017", "tianmen_2012_2022-001"}
    page = ('<td>hubei_2023-017</td><td>随州市 2023 · tianmen_2012_2022-001</td>'
            '<td title="hubei_2023-017">hubei_2023-999 xhubei_2023-017 hubei_2023-0170</td>'
            '<a href="#">hubei_2023-017</a><script>"hubei_2023-017"</script><pre>hubei_2023-017</pre>')
    linked = link_obs_ids(page, known, "provenance.html")
    link = '<a class="pingan-obs" href="provenance.html#obs-{0}">{0}</a>'
    assert linked == (f'<td>{link.format("hubei_2023-017")}</td>'
                      f'<td>随州市 2023 · {link.format("tianmen_2012_2022-001")}</td>'
                      '<td title="hubei_2023-017">hubei_2023-999 xhubei_2023-017 hubei_2023-0170</td>'
                      '<a href="#">hubei_2023-017</a><script>"hubei_2023-017"</script>'
                      f'<pre>{link.format("hubei_2023-017")}</pre>')
    assert link_obs_ids(linked, known, "provenance.html") == linked  # a second pass changes nothing


def test_provenance_page_has_one_anchor_per_observation_and_escapes_report_text():
    import csv
    import io

    page = provenance_markdown(OBSERVATIONS_CSV, SOURCES_CSV)
    ids = [row["obs_id"] for row in csv.DictReader(io.StringIO(OBSERVATIONS_CSV))]
    assert all(page.count(f'<tr id="obs-{obs_id}">') == 1 for obs_id in ids)
    assert page.count("<tr id=") == len(ids)
    for sid in ("hubei_2023", "tianmen_2012_2022"):
        assert f'<a href="texts/{sid}.txt">' in page and f'id="source-{sid}"' in page
    rows = [r for r in csv.DictReader(io.StringIO(OBSERVATIONS_CSV))
            if r["evidence_kind"] == "archived_quote"][:1]
    rows[0]["quote"] = '<span id="printapp">零命案</span>'
    hostile_obs = io.StringIO()
    writer = csv.DictWriter(hostile_obs, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    hostile = provenance_markdown(hostile_obs.getvalue(), SOURCES_CSV)
    assert '<span id="printapp">' not in hostile and "&lt;span id=&quot;printapp&quot;&gt;" in hostile


def test_search_dictionary_keeps_the_practices_and_places_whole():
    words = search_words(PROCESSED_DIR).splitlines()
    assert {"枫桥经验", "网格", "黄梅县", "矛盾纠纷化解"} <= set(words)
    assert words == sorted(set(words))


def test_sync_tree_writes_only_what_changed_and_removes_the_rest(tmp_path):
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build" / "keep.html").write_text("built")
    (tmp_path / "old.md").write_text("stale")
    assert sorted(sync_tree({"a.md": b"a", "d/b.csv": b"b"}, tmp_path)) == ["a.md", "d/b.csv", "old.md"]
    mtime = (tmp_path / "a.md").stat().st_mtime_ns
    assert sync_tree({"a.md": b"a", "d/b.csv": b"b2"}, tmp_path) == ["d/b.csv"]
    assert (tmp_path / "a.md").stat().st_mtime_ns == mtime
    assert sync_tree({"a.md": b"a"}, tmp_path) == ["d/b.csv"] and not (tmp_path / "d").exists()
    assert (tmp_path / "_build" / "keep.html").read_text() == "built"


def test_book_config_builds_offline_from_executed_notebooks():
    config = book.book_config("f", 1)
    assert config["execute"]["execute_notebooks"] == "off"
    extensions = config["sphinx"]["config"]["extensions"]
    assert "sphinx_thebe" not in extensions and "sphinx.ext.intersphinx" not in extensions
    assert "dollarmath" not in config["parse"]["myst_enable_extensions"]  # MathJax would load remotely
    assert config["sphinx"]["config"]["language"] == "zh_CN"
    assert json.loads(json.dumps(config)) == config  # plain data, as YAML


def test_datatables_becomes_a_classic_script_that_runs_from_disk():
    from analysis.publish.site import datatables_script

    assets = datatables_script()
    script = assets["datatables.js"].decode("utf-8")
    assert script.startswith('(function () {\n"use strict";\n') and script.endswith("\n})();\n")
    assert "window.pinganDataTables = {DataTable: " in script
    assert not re.search(r"export\s*\{", script)
    assert b"url(http" not in assets["datatables.css"]


# --- downloads open in spreadsheets -------------------------------------------------------------

def test_every_csv_download_is_utf8_with_a_byte_order_mark(tmp_path):
    # Excel reads a CSV without a byte-order mark in the machine's code page (GBK under Chinese
    # settings): the Chinese came out garbled. data/processed itself stays without one.
    import csv
    import io

    import pandas as pd

    from analysis.publish.site import book_files

    run = Run("02_region_profile", {"region_code": "420000"}, "湖北省 Hubei")
    frame = pd.DataFrame({"地区 region": ["湖北省"], "quote": ["平安湖北建设\n=1+1"], "value": [98.0]})
    executed = executed_notebook(display(views.table_bundle(frame, "observations")),
                                 display(views.chart_data_bundle(frame, "chart_1")))
    (tmp_path / f"{run.run_id}.ipynb").write_text(json.dumps(executed), encoding="utf-8")
    files = book_files(RunList(NOTEBOOKS, [run]), tmp_path, PROCESSED_DIR)
    downloads = sorted(path for path in files if path.endswith(".csv"))
    assert downloads == [f"{book.EXTRA}/{run.run_id}/chart_1.csv",
                         f"{book.EXTRA}/{run.run_id}/observations.csv",
                         f"{book.EXTRA}/data/observations.csv", f"{book.EXTRA}/data/sources.csv"]
    for path in downloads:
        content = files[path]
        assert content.startswith(b"\xef\xbb\xbf"), path
        header = next(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        assert not header[0].startswith("\ufeff") and header[0] in ("地区 region", "obs_id", "source_id")
    table = list(csv.reader(io.StringIO(files[downloads[1]].decode("utf-8-sig"), newline="")))
    assert table == [["地区 region", "quote", "value"], ["湖北省", "平安湖北建设\n'=1+1", "98.0"]]
    # The data tables are those of data/processed, byte for byte after the mark.
    assert files[downloads[2]] == b"\xef\xbb\xbf" + (PROCESSED_DIR / "observations.csv").read_bytes()
    assert not (PROCESSED_DIR / "observations.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_provenance_page_shows_each_line_of_a_cell_as_written():
    import csv
    import io

    rows = [r for r in csv.DictReader(io.StringIO(OBSERVATIONS_CSV))
            if r["evidence_kind"] == "archived_quote"][:1]
    rows[0]["quote"] = "first line\r'=1+1"  # as data/processed guards it
    observations = io.StringIO()
    writer = csv.DictWriter(observations, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    page = provenance_markdown(observations.getvalue(), SOURCES_CSV)
    assert "first line\r=1+1" in page and "&#x27;=1+1" not in page


def test_cited_numbers_are_shown_apart_with_their_address_as_printed_and_locator():
    import csv
    import io

    page = provenance_markdown(OBSERVATIONS_CSV, SOURCES_CSV)
    archived_at, cited_at = page.index("Archived reports"), page.index("Cited sources")
    assert archived_at < cited_at
    rows = {r["obs_id"]: r for r in csv.DictReader(io.StringIO(OBSERVATIONS_CSV))}
    sources = {r["source_id"]: r for r in csv.DictReader(io.StringIO(SOURCES_CSV))}
    row = rows["hb_enshi_2025-001"]
    assert row["evidence_kind"] == "cited"
    anchor_at = page.index('<tr id="obs-hb_enshi_2025-001">')
    assert anchor_at > cited_at  # under the cited sources, never among the quoted numbers
    line = page[anchor_at:page.index("</tr>", anchor_at)]
    assert f"<td>{row['number_as_printed']}</td>" in line and row["locator"].split(",")[0] in line
    section = page[page.index('id="source-hb_enshi_2025"'):anchor_at]
    assert f'<a href="{sources["hb_enshi_2025"]["read_at_url"]}">' in section and "引用 cited" in section
    assert 'href="texts/hb_enshi_2025.txt"' not in page  # no words of a cited page are published
    # a change shows the direction word printed before its number
    change = next(r for r in rows.values() if r["evidence_kind"] == "cited" and r["direction_as_printed"])
    at = page.index(f'<tr id="obs-{change["obs_id"]}">')
    assert f"<td>{change['direction_as_printed']}{change['number_as_printed']}</td>" in page[at:page.index("</tr>", at)]
