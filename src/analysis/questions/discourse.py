"""How much each report speaks of recurring governance practices (the lexicon in lexicon.csv)."""

from __future__ import annotations

import re

import pandas as pd

from .dataset import Dataset

PER_CHARACTERS = 10_000
_SENTENCE_END = re.compile(r"(?<=[。!?;])|\n")


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; a sentence ends at 。!?; or a line break."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            out.append((start, text[start : m.start()]))
        start = m.end()
    if start < len(text):
        out.append((start, text[start:]))
    return [(offset, s) for offset, s in out if s.strip()]


def term_frequencies(data: Dataset) -> pd.DataFrame:
    """One row per report and term: mentions in the article body, and per 10,000 characters."""
    rows = []
    for source in data.reports.itertuples():  # only archived texts can be counted
        body = data.body(source.source_id)
        for term in data.lexicon.itertuples():
            count = len(re.findall(term.pattern, body))
            rows.append({"source_id": source.source_id, "term_code": term.term_code,
                         "term_zh": term.term_zh, "gloss_en": term.gloss_en, "mentions": count,
                         "body_characters": len(body),
                         "per_10k_characters": round(count * PER_CHARACTERS / len(body), 2)})
    return pd.DataFrame(rows)


def matching_sentences(data: Dataset, term_code: str) -> pd.DataFrame:
    """Every body sentence that mentions the term, with its offset in the normalized text."""
    term = data.lexicon.set_index("term_code").loc[term_code]
    pattern = re.compile(term["pattern"])
    rows = []
    for source in data.reports.itertuples():
        body = data.body(source.source_id)
        for offset, sentence in sentences(body):
            found = pattern.findall(sentence)
            if found:
                rows.append({"source_id": source.source_id,
                             "offset": int(source.body_start_offset) + offset,
                             "mentions": len(found), "sentence": sentence})
    return pd.DataFrame(rows, columns=["source_id", "offset", "mentions", "sentence"])


def grouped_frequencies(data: Dataset, by: str) -> pd.DataFrame:
    """Mentions per 10,000 characters with reports pooled by ``by``: "level" or "province" of
    the region each report covers."""
    regions = data.regions.set_index("region_code")
    frequencies = term_frequencies(data)
    scope = data.reports.set_index("source_id")["region_code"]
    if by == "level":
        key = scope.map(regions["level"])
    elif by == "province":
        key = scope.map(lambda code: code[:2] + "0000").map(regions["name_zh"])
    else:
        raise ValueError(f"by must be 'level' or 'province', not {by!r}")
    frequencies[by] = frequencies["source_id"].map(key)
    characters = (frequencies.drop_duplicates("source_id").groupby(by)["body_characters"].sum())
    mentions = frequencies.pivot_table(index="term_code", columns=by, values="mentions", aggfunc="sum")
    return (mentions * PER_CHARACTERS / characters).round(2)
