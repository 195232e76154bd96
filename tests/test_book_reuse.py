"""What readers reuse and how they find it (publish/book.py, glossary.py, site.py,
sphinx_pingan.py): figures as PNG and SVG beside their CSV, BibTeX beside "How to cite this page",
the glossary, and the words and synonyms of the Chinese search index. No Sphinx build."""

from __future__ import annotations

import base64
import re

import pytest

from analysis.config import PROCESSED_DIR
from analysis.publish import book
from analysis.publish.book import Citation, extract_downloads, how_to_cite
from analysis.publish.glossary import GLOSSARY_FILE, load_glossary, synonym_groups
from analysis.publish.site import search_words
from analysis.questions import views
from tests.test_book import display, executed_notebook

PNG = b"\x89PNG\r\n\x1a\n" + b"figure"
SVG = '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>\n'


def figure(svg: bool) -> dict:
    data = {"image/png": base64.b64encode(PNG).decode("ascii"), "text/plain": "<Figure>"}
    if svg:
        data["image/svg+xml"] = SVG.splitlines(keepends=True)
    return display(data)


def test_each_chart_offers_its_figures_as_png_and_svg_beside_its_csv():
    import hashlib

    import pandas as pd

    frame = pd.DataFrame({"value": [1]})
    nb = executed_notebook(figure(svg=True), display(views.chart_data_bundle(frame, "bars")),
                           figure(svg=False), figure(svg=False),
                           display(views.chart_data_bundle(frame, "panels")))
    converted, downloads = extract_downloads(nb, "r")
    bars, panels = downloads
    shown = f"_images/{hashlib.sha256(PNG).hexdigest()}.png"  # where myst-nb publishes the image
    assert bars.figure_links("r") == [(shown, "bars.png"), ("r/bars.svg", "bars.svg")]
    assert bars.figure_files("r") == {"r/bars.svg": SVG.encode()}  # the PNG is not copied
    # Two figures before one chart's data: numbered, PNG only (the run recorded no SVG).
    assert panels.figure_links("r") == [(shown, "panels.png"), (shown, "panels-2.png")]
    assert panels.figure_files("r") == {}
    outputs = [o["data"] for o in converted["cells"][1]["outputs"]]
    # The page shows the PNG; the SVG is a download, not a second rendering.
    assert all("image/svg+xml" not in data for data in outputs)
    links = outputs[1]["text/html"]
    assert 'href="r/bars.csv" download' in links
    assert f'href="{shown}" download="bars.png"' in links and 'href="r/bars.svg" download="bars.svg"' in links
    assert 'download="panels-2.png"' in outputs[4]["text/html"]


def test_a_table_has_no_figure_and_figures_of_one_cell_go_to_its_chart_only():
    import pandas as pd

    frame = pd.DataFrame({"value": [1]})
    nb = executed_notebook(display(views.table_bundle(frame, "t")), figure(svg=False),
                           display(views.chart_data_bundle(frame, "c")))
    _, (table, chart) = extract_downloads(nb, "r")
    assert table.figure_links("r") == [] and [name for _, name in chart.figure_links("r")] == ["c.png"]


def test_how_to_cite_gives_a_bibtex_entry_with_special_characters_escaped():
    cite = how_to_cite("安全 & 50% {x} <b>", "03_theme_comparison--crime_policing", [],
                       Citation("0.1.0", "abc123def456", {}, "Boundaries.", "2026-11-22"))
    entry = re.search(r'<pre class="pingan-bibtex">(.*?)</pre>', cite, re.S).group(1)
    assert entry.startswith("@misc{pingan:03_theme_comparison--crime_policing,\n")
    assert "title = {安全 \\&amp; 50\\% x &lt;b&gt;}" in entry  # LaTeX-escaped, then HTML-escaped
    assert "page 03\\_theme\\_comparison--crime\\_policing" in entry
    assert "data fingerprint abc123def456" in entry.lower() and "year = {2026}" in entry
    assert entry.count("{") == entry.count("}")


def test_the_glossary_defines_the_terms_a_reader_meets_and_their_codebook_concepts():
    terms = {term.term_zh: term for term in load_glossary(PROCESSED_DIR)}
    assert {"平安建设", "综治中心", "网格化管理", "扫黑除恶", "枫桥经验", "一感两度两率", "雪亮工程",
            "电信网络诈骗", "命案", "安全感", "同比"} <= set(terms)
    assert terms["电信网络诈骗"].variants == ("电诈", "电信诈骗")
    assert "Telecom fraud cases solved" in terms["电信网络诈骗"].codebook_name
    assert all(term.definition_zh and term.definition_en for term in terms.values())


@pytest.mark.parametrize("edit, message", [
    (lambda text: text.replace(",telecom_fraud_cases_solved,", ",telecom_fraud,"),
     r"line \d+, field codebook: 'telecom_fraud' is not a code"),
    (lambda text: text.replace("电诈/电信诈骗", "电诈/综治"), r"line \d+, field variants: '综治' is already named on line 3"),
    (lambda text: text.replace(",homicide case,", ",,"), r"line \d+, field term_en: empty"),
    (lambda text: text.replace("definition_en", "definition"), "missing column"),
])
def test_a_faulty_glossary_row_is_named_by_file_line_and_field(tmp_path, edit, message):
    path = tmp_path / "glossary.csv"
    path.write_text(edit(GLOSSARY_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*{message}"):
        load_glossary(PROCESSED_DIR, path)


def test_search_keeps_domain_words_whole_and_knows_their_short_forms():
    words = set(search_words(PROCESSED_DIR).splitlines())
    # From the glossary, the codebook's concept and indicator names, and the lexicon's patterns.
    assert {"平安建设", "电诈", "电信网络诈骗", "网格员", "综治中心", "社会治安综合治理中心",
            "电诈破案", "查处行政案件数", "群防", "法治"} <= words
    assert not any(len(word) < 2 or " " in word for word in words)
    groups = synonym_groups(load_glossary(PROCESSED_DIR))
    assert groups["电诈"] == ["电信网络诈骗", "电信诈骗"] and "电诈" in groups["电信网络诈骗"]
    assert "命案" not in groups  # a term without variants has no group


def test_a_page_is_indexed_under_every_name_of_a_term_it_uses(tmp_path):
    from sphinx.search import zh

    from analysis.publish import sphinx_pingan

    dictionary = tmp_path / "words.txt"
    dictionary.write_text(search_words(PROCESSED_DIR), encoding="utf-8")
    jieba_split = getattr(zh.SearchChinese.split, "pingan_jieba_split", zh.SearchChinese.split)
    split = sphinx_pingan._split_with_synonyms(jieba_split)
    language = zh.SearchChinese.__new__(zh.SearchChinese)
    language.init({"dict": str(dictionary)})
    language.pingan_synonyms = synonym_groups(load_glossary(PROCESSED_DIR))
    words = split(language, "严厉打击电信网络诈骗犯罪,推进平安建设")
    assert {"电信网络诈骗", "电诈", "电信诈骗", "平安建设"} <= set(words)
    assert words[:len(jieba_split(language, "严厉打击电信网络诈骗犯罪,推进平安建设"))] \
        == jieba_split(language, "严厉打击电信网络诈骗犯罪,推进平安建设")  # jieba's words first, unchanged
    assert split(language, "化解矛盾纠纷") == jieba_split(language, "化解矛盾纠纷")  # no variant: nothing added
    # a name inside a word the segmenter keeps whole (a codebook name): the index holds it too
    whole = jieba_split(language, "建成乡镇级综治中心")
    assert "乡镇级综治中心" in whole and "综治中心" not in whole
    assert {"综治中心", "社会治安综合治理中心"} <= set(split(language, "建成乡镇级综治中心"))


def test_a_page_links_the_glossary_terms_it_uses_by_any_name():
    import pandas as pd

    from analysis.publish.book import page_notebook
    from analysis.publish.runs import Run

    glossary = load_glossary(PROCESSED_DIR)
    frame = pd.DataFrame({"indicator": ["电诈破案数"], "quote": ["推进平安建设"]})
    nb = executed_notebook(display(views.table_bundle(frame, "t")))
    run = Run("02_region_profile", {"region_code": "420000"}, "湖北省")
    footer = page_notebook(nb, run, "地区概况", Citation("0.1.0", "f", {}, "b"), glossary).notebook["cells"][-1]["source"]
    terms = re.search(r'<p class="pingan-terms">(.*?)</p>', footer).group(1)
    assert re.findall(r'href="([^"]+)"', terms) == ["glossary.html#term-平安建设", "glossary.html#term-电信网络诈骗"]
    assert footer.index("pingan-terms") < footer.index("How to cite this page")
    bare = page_notebook(executed_notebook(), run, "地区概况", Citation("0.1.0", "f", {}, "b"), glossary)
    assert "pingan-terms" not in bare.notebook["cells"][-1]["source"]


def test_the_web_font_subset_logs_nothing_at_info(caplog):
    """Its subsetter logged about sixty INFO lines into every site build's output."""
    import logging

    from analysis.publish.webfont import subset_font

    logging.getLogger("fontTools").setLevel(logging.NOTSET)
    with caplog.at_level(logging.INFO):
        assert subset_font(["平", "安"]).startswith(b"wOFF")
    assert [r for r in caplog.records if r.name.startswith("fontTools")] == []


def test_a_pages_search_words_do_not_depend_on_the_pages_indexed_before_it(tmp_path):
    """Sphinx's Chinese stemmer keeps a short word whole ("ids", not "id") where it has met it as
    a Latin word, and remembered such words across every page of a process: a page indexed after
    another (a first build) got other words than indexed alone (an incremental build)."""
    from types import SimpleNamespace

    from docutils.core import publish_doctree
    from sphinx.search import IndexBuilder

    from analysis.publish import sphinx_pingan

    class App:  # what setup needs of Sphinx's application
        outdir = str(tmp_path / "html")

        def add_config_value(self, *args):
            pass

        def connect(self, *args):
            pass

    sphinx_pingan.setup(App())  # a process that has indexed nothing yet: no Latin word met
    dictionary = tmp_path / "words.txt"
    dictionary.write_text(search_words(PROCESSED_DIR), encoding="utf-8")

    def words_of(pages):
        env = SimpleNamespace(**{f"_search_index_{name}": {} for name in (
            "titles", "filenames", "mapping", "title_mapping", "all_titles", "index_entries", "objtypes",
            "objnames")})  # the build environment's stores of the index, as Sphinx 7.4 keeps them
        builder = IndexBuilder(env, "zh", {"dict": str(dictionary)}, None)
        for name, text in pages:
            builder.feed(name, f"{name}.rst", name, publish_doctree(text))
        return {word for word, names in builder._mapping.items() if "region" in names}

    region = ("region", "每个数字的 obs_ids 见下表")
    alone = words_of([region])  # as an incremental build indexes a changed page
    assert words_of([("dataset", "ids of every observation 观测"), region]) == alone  # as a first build
    assert "ids" not in alone and "id" in alone  # the page's own words, stemmed as Sphinx does
