"""From any number on the site to its words: the provenance page and the links to it.

The provenance page has one anchor per observation (``#obs-<obs_id>``): its region, indicator,
value, qualifier, period and evidence, under a section per source. An archived report's section
gives its headline, publisher, date, address and a link to the normalized text the quote offsets
refer to, and each row its quote; a cited source's section (marked 引用 cited) gives the page's
address, outlet, date and what was read, and each row the number as printed and its locator, so
that a reader finds it on the page with Ctrl+F. Every
obs_id printed on another page (in a table, in text) becomes a link to that anchor; ids are
recognised by their shape (``<source_id>-<nnn>``) and linked only when the dataset knows them.
Everything that comes from the reports is HTML-escaped.
"""

from __future__ import annotations

import csv
import html
import io
import re

from ..spreadsheet import restore

PAGE = "provenance"
TEXTS_DIR = "texts"  # on the site: texts/<source_id>.txt, the normalized text of each report
# On the site: data/observations.csv and data/sources.csv, those of data/processed with a byte-order
# mark for spreadsheets (analysis.spreadsheet.download_bytes).
DATA_DIR = "data"
OBS_ID = re.compile(r"(?<![\w-])([a-z0-9][a-z0-9_]*-\d{3})(?![\w-])")
# Text inside these elements is never linked: a link inside a link is invalid HTML, and scripts,
# styles and form controls hold no text a reader follows.
_NO_LINK = frozenset({"a", "script", "style", "textarea", "title", "button", "select", "option"})
_TAG = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>", re.S)


def anchor(obs_id: str) -> str:
    return f"obs-{obs_id}"


def link_obs_ids(page_html: str, known: set[str] | frozenset[str], href: str) -> str:
    """Every known obs_id in the text of ``page_html`` becomes a link to ``href#obs-<obs_id>``.

    Only text between tags changes (never attributes), and never inside a link, script or form
    control. The text is escaped HTML already, and an obs_id has no character escaping changes.
    """
    out, position, inside = [], 0, []
    for match in _TAG.finditer(page_html):
        text = page_html[position:match.start()]
        out.append(text if inside else _link_text(text, known, href))
        out.append(match.group(0))
        position = match.end()
        name = (match.group(2) or "").lower()
        if name not in _NO_LINK:
            continue
        if match.group(1):  # a closing tag
            if inside and inside[-1] == name:
                inside.pop()
        elif not match.group(0).endswith("/>"):
            inside.append(name)
    rest = page_html[position:]
    out.append(rest if inside else _link_text(rest, known, href))
    return "".join(out)


def _link_text(text: str, known, href: str) -> str:
    if "-" not in text:
        return text

    def replace(match: re.Match) -> str:
        obs_id = match.group(1)
        if obs_id not in known:
            return obs_id
        return f'<a class="pingan-obs" href="{href}#{anchor(obs_id)}">{obs_id}</a>'

    return OBS_ID.sub(replace, text)


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _read(csv_text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(csv_text)))




def _url(value: str) -> str:
    if value.startswith(("http://", "https://")):
        return f'<a href="{_e(value)}">{_e(value)}</a>'
    return _e(value) or "—"


def provenance_markdown(observations_csv: str, sources_csv: str, footer: str = "") -> str:
    """The provenance page (MyST markdown: headings in markdown, the rest escaped HTML), ending
    with ``footer``. Cells are shown as the report printed them (the spreadsheet guard of
    data/processed undone)."""
    observations = [{k: restore(v) for k, v in row.items()} for row in _read(observations_csv)]
    sources = [{k: restore(v) for k, v in row.items()} for row in _read(sources_csv)]
    parts = [
        "# 溯源 Provenance: every number and its words\n",
        '<div class="pingan-intro">\n'
        "<p>Each row is one observation. Two kinds of evidence stand behind the numbers: an "
        "<strong>archived report</strong> (原文引用 quoted), whose words the project keeps: the row "
        "gives the words the number was read from (<code>quote</code>) and their position in the "
        "normalized text (characters <code>quote_start</code>–<code>quote_end</code>); and a "
        "<strong>cited source</strong> (引用 cited), a public page whose words cannot be kept here: "
        "the row gives the number as printed, where it stands on the page (locator), and the "
        "page's address, so that you can find it with Ctrl+F. Every observation id on the other "
        "pages links here. 每个观测编号都链接到这里。</p>\n"
        "<p>The normalized texts are the reports as published, cleaned of stray HTML and "
        "converted to Simplified characters; they remain the work of their publishers and are "
        "shown only so that every quote can be verified.</p>\n"
        f'<p>⬇ <a href="{DATA_DIR}/observations.csv" download>observations.csv</a> · '
        f'<a href="{DATA_DIR}/sources.csv" download>sources.csv</a> (the tables of '
        "<code>data/processed</code>, described in the project's README)</p>\n"
        "</div>\n",
    ]
    by_source: dict[str, list[dict]] = {}
    for row in observations:
        by_source.setdefault(row["source_id"], []).append(row)
    archived = [s for s in sources if s.get("evidence_kind", "archived_quote") == "archived_quote"]
    cited = [s for s in sources if s.get("evidence_kind") == "cited"]
    parts.append("## 原文引用 Archived reports: numbers and their words\n")
    for source in sorted(archived, key=lambda s: s["source_id"]):
        sid = source["source_id"]
        rows = by_source.get(sid, [])
        parts.append(f"### {markdown_text(source['headline'])}\n")
        parts.append(
            f'<div class="pingan-source" id="source-{_e(sid)}">\n'
            f"<p><code>{_e(sid)}</code> · {_e(source['publisher'])}"
            + (f" · {_e(source['byline'])}" if source.get("byline") else "")
            + f" · {_e(source['date_published'])}</p>\n"
            f"<p>Address 原文地址: {_url(source.get('original_url', ''))}<br>\n"
            f'Normalized text 规范化文本: <a href="{TEXTS_DIR}/{_e(sid)}.txt">{_e(sid)}.txt</a> · '
            f"archived as <code>data/raw/reports/{_e(source['file'])}</code> "
            f"(SHA-256 <code>{_e(source['sha256'])}</code>)<br>\n"
            f"Region and period covered: {_e(source['region_code'])}, "
            f"{_e(source['period_start'])}–{_e(source['period_end'])} · {len(rows)} observations</p>\n"
            "</div>\n")
        if rows:
            parts.append(_observation_table(rows))
    parts.append("## 引用 Cited sources: numbers as printed, and where\n")
    parts.append('<p class="pingan-intro">The words of these pages are not kept: each number is '
                 "shown as printed, with where it stands on the page. 这些网页的文字不予保存:"
                 "每个数值按原样列出,并注明其在网页中的位置。</p>\n")
    for source in sorted(cited, key=lambda s: s["source_id"]):
        sid = source["source_id"]
        rows = by_source.get(sid, [])
        title = source["headline"] or f"{source['publisher']} ({source['region_code']})"
        parts.append(f"### {markdown_text(title)}\n")
        parts.append(
            f'<div class="pingan-source pingan-cited" id="source-{_e(sid)}">\n'
            f"<p><span class=\"pingan-evidence\">引用 cited</span> <code>{_e(sid)}</code> · "
            f"{_e(source.get('original_outlet') or '')}"
            + (f" · {_e(source['publisher'])}" if source["publisher"] != source.get("original_outlet") else "")
            + f" · {_e(source['date_published'] or 'date not printed 未注明日期')}</p>\n"
            f"<p>Read at 网页地址: {_url(source.get('read_at_url', ''))}"
            + (f"<br>\nAlso at 亦见: {' '.join(_url(u) for u in source['other_urls'].split())}"
               if source.get("other_urls") else "")
            + f"<br>\nWhat was read 已读部分: {_e(source.get('what_was_read', ''))}<br>\n"
            f"Region and period covered: {_e(source['region_code'])}, "
            f"{_e(source['period_start'])}–{_e(source['period_end'])} · {len(rows)} observations</p>\n"
            "</div>\n")
        if rows:
            parts.append(_cited_table(rows))
    return "\n".join(parts + [footer])


def _observation_table(rows: list[dict]) -> str:
    """The rows of an archived report: each with its quote and where it stands in the text."""
    return _table(rows, ("quote 引文", "characters 位置"), "pingan-table pingan-provenance",
                  lambda row: (_e(row["quote"]), f"{_e(row['quote_start'])}–{_e(row['quote_end'])}"))


def _cited_table(rows: list[dict]) -> str:
    """The rows of a cited source: each with its number as printed and where it stands."""
    def evidence(row: dict) -> tuple[str, str]:
        printed = (row.get("direction_as_printed") or "") + (row.get("number_as_printed") or "")
        return _e(printed) or "(in words 文字表述)", _e(row.get("locator", ""))
    return _table(rows, ("as printed 原样", "where on the page 位置"),
                  "pingan-table pingan-provenance pingan-cited", evidence)


def _table(rows: list[dict], evidence_header: tuple[str, str], classes: str, evidence) -> str:
    header = ("观测编号 observation", "region 地区", "indicator 指标", "value 数值", "qualifier 限定",
              "period 时期", *evidence_header)
    lines = [f'<table class="{classes}">',
             "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr></thead>",
             "<tbody>"]
    for row in rows:
        value = row["value"] + (f" {row['unit']}" if row.get("unit") else "")
        cells = (
            f"<td><code>{_e(row['obs_id'])}</code></td>",
            f"<td>{_e(row['region_name_zh'])} {_e(row['region_name_en'])} ({_e(row['region_code'])})</td>",
            f"<td>{_e(row['indicator_name_zh'])} {_e(row['indicator_name_en'])}</td>",
            f"<td>{_e(value)}</td>",
            f"<td>{_e(row['qualifier'])}</td>",
            f"<td>{_e(row['period_label'])}</td>",
            *(f"<td>{cell}</td>" for cell in evidence(row)),
        )
        lines.append(f'<tr id="{_e(anchor(row["obs_id"]))}">' + "".join(cells) + "</tr>")
    lines += ["</tbody>", "</table>", ""]
    return "\n".join(lines)


def markdown_text(text: str) -> str:
    """Text as literal markdown inline content: every ASCII punctuation character escaped, so
    that nothing in it is read as markup (CommonMark allows a backslash before any of them)."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", " ".join(str(text).split()))
