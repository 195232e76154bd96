"""The glossary (术语表 · Glossary): the terms a reader of the book meets, defined in the project's
own words in docs/glossary.csv, one row a term:

    term_zh        the term as reports write it (平安建设)
    variants       other names and short forms of the same thing, "/"-separated (电诈/电信诈骗):
                   search finds a page that uses any of them when asked for any other
    term_en        an English rendering
    codebook       the concept (data/processed/concepts.csv), indicator (indicators.csv) or
                   lexicon term (lexicon.csv) the term relates to, if one exists
    definition_zh  the definition, in Chinese
    definition_en  the definition, in English

It gives the glossary page, the words that the search segmenter keeps whole, and the synonym
groups of the search index (sphinx_pingan).
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from pathlib import Path

from ..config import PROJ_ROOT

GLOSSARY_FILE = PROJ_ROOT / "docs" / "glossary.csv"
PAGE = "glossary"
COLUMNS = ("term_zh", "variants", "term_en", "codebook", "definition_zh", "definition_en")
REQUIRED = ("term_zh", "term_en", "definition_zh", "definition_en")
# Where a codebook code may come from: file in data/processed → its code column.
CODEBOOK = {"concepts.csv": "concept_code", "indicators.csv": "indicator_code", "lexicon.csv": "term_code"}


@dataclass(frozen=True)
class Term:
    term_zh: str
    variants: tuple[str, ...]
    term_en: str
    codebook: str
    codebook_name: str  # the codebook entry's name_zh / name_en (or term_zh / gloss_en)
    definition_zh: str
    definition_en: str

    @property
    def names(self) -> tuple[str, ...]:
        """The term and its variants: the words search treats as one."""
        return (self.term_zh, *self.variants)

    @property
    def anchor(self) -> str:
        return f"term-{self.term_zh}"


def _codebook_names(processed_dir: Path) -> dict[str, str]:
    names = {}
    for name, column in CODEBOOK.items():
        for row in csv.DictReader(io.StringIO((processed_dir / name).read_text(encoding="utf-8"))):
            zh = row.get("name_zh") or row.get("term_zh", "")
            en = row.get("name_en") or row.get("gloss_en", "")
            names[row[column]] = f"{zh} · {en} ({name}: {row[column]})"
    return names


def load_glossary(processed_dir: Path, path: Path = GLOSSARY_FILE) -> list[Term]:
    """The glossary's terms in the file's order.

    Raises ValueError naming the file, row (line) and field when a column is missing, a required
    field is empty, a codebook code is unknown, or a name (term or variant) is given twice."""
    text = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    codebook = _codebook_names(processed_dir)
    terms, seen = [], {}
    for row in reader:
        line = reader.line_num
        for field in REQUIRED:
            if not row[field].strip():
                raise ValueError(f"{path}, line {line}, field {field}: empty")
        code = row["codebook"].strip()
        if code and code not in codebook:
            raise ValueError(f"{path}, line {line}, field codebook: {code!r} is not a code of "
                             f"data/processed/{', '.join(CODEBOOK)}")
        variants = tuple(v.strip() for v in row["variants"].split("/") if v.strip())
        term = Term(row["term_zh"].strip(), variants, row["term_en"].strip(), code,
                    codebook.get(code, ""), row["definition_zh"].strip(), row["definition_en"].strip())
        for name in term.names:
            if name in seen:
                field = "term_zh" if name == term.term_zh else "variants"
                raise ValueError(f"{path}, line {line}, field {field}: {name!r} is already named "
                                 f"on line {seen[name]}")
            seen[name] = line
        terms.append(term)
    return terms


def synonym_groups(terms: list[Term]) -> dict[str, list[str]]:
    """Each name of a term with a variant → the term's other names (for the search index)."""
    return {name: [other for other in term.names if other != name]
            for term in terms if term.variants for name in term.names}


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def glossary_markdown(terms: list[Term], cite: str) -> str:
    """The glossary page: one entry per term (anchor ``term-<term_zh>``), with its variants, its
    definitions and the codebook entry it relates to, then how to cite the page."""
    entries = []
    for term in terms:
        variants = (f'<span class="pingan-variants">（又称 also: {_e("、".join(term.variants))}）</span>'
                    if term.variants else "")
        related = (f'<dd class="pingan-codebook">相关指标 Related in the codebook: {_e(term.codebook_name)}</dd>\n'
                   if term.codebook else "")
        entries.append(
            f'<dt id="{_e(term.anchor)}"><strong>{_e(term.term_zh)}</strong> · {_e(term.term_en)} {variants}</dt>\n'
            f'<dd lang="zh-CN">{_e(term.definition_zh)}</dd>\n'
            f'<dd lang="en">{_e(term.definition_en)}</dd>\n' + related)
    return ("# 术语表 · Glossary\n\n"
            '<p class="pingan-intro">The terms a reader of the reports and of this book meets, in '
            "the project's own words. Search finds a term by any of its names (电诈 finds "
            "电信网络诈骗). 本书常见术语的简要解释。</p>\n\n"
            '<dl class="pingan-glossary">\n' + "".join(entries) + "</dl>\n\n" + cite)
