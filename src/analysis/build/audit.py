"""Every number in every report accounted for: curated, or set aside for a stated reason.

The extractor finds every numeric expression in a report's article body (``extract_mentions``).
The audit then requires each one to lie inside the quote of an observation or inside an
exclusion (``data/raw/exclusions.csv``), and each exclusion to cover at least one mention.
A lone 一 (一头耕牛, 一步) is an article, not a number, and is not extracted; 零 counts (零命案);
word-only zero claims (没有发生, 杜绝) are not numerals and are curated when they are claims.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .numbers import find_mentions

CONTEXT_CHARS = 12
_ORDINAL = re.compile(r"第(?:[一二两三四五六七八九十百千零〇]+|\d+)")
_RANGE_JOINERS = ("至", "到", "-", "~", "—", "－")


@dataclass(frozen=True)
class NumberMention:
    """One numeric expression in a text, with its kind (number, percent, date, ordinal, range,
    zero) and the characters around it."""

    start: int
    end: int
    text: str
    kind: str
    value: str
    qualifier: str
    context: str


def _kind(text: str, start: int, end: int, is_percent: bool, digits: str) -> str:
    after, before = text[end : end + 1], text[start - 1 : start]
    if is_percent:
        return "percent"
    if after == "年" and re.fullmatch(r"(19|20)\d\d", digits):
        return "date"
    if after == "月" and digits.isdigit() and 1 <= int(digits) <= 12 and before in ("年", ""):
        return "date"
    if after in ("日", "号") and digits.isdigit() and 1 <= int(digits) <= 31 and before == "月":
        return "date"
    return "number"


def extract_mentions(text: str, start: int = 0, end: int | None = None) -> list[NumberMention]:
    """Every numeric expression in ``text[start:end]`` (offsets are in ``text``)."""
    end = len(text) if end is None else end
    body = text[start:end]
    found: list[NumberMention] = []
    ordinal_starts: list[int] = []
    ordinal_ends: list[int] = []
    for m in _ORDINAL.finditer(body):
        a, b = start + m.start(), start + m.end()
        found.append(NumberMention(a, b, m.group(0), "ordinal", "", "exact", _around(text, a, b, start, end)))
        ordinal_starts.append(a)
        ordinal_ends.append(b)
    for m in find_mentions(body):
        a, b = start + m.start, start + m.end
        i = bisect_right(ordinal_starts, a) - 1
        if i >= 0 and b <= ordinal_ends[i]:
            continue  # the numeral of an ordinal (第一)
        if m.is_zero_claim:
            if m.text != "零":
                continue  # 没有, 无, 杜绝: words, not numerals
            kind = "zero"
        else:
            digits = re.sub(r"\D", "", m.text) if m.text[:1].isdigit() else ""
            kind = _kind(text, a, b, m.is_percent, digits or m.text)
        found.append(NumberMention(a, b, m.text, kind, "" if kind == "zero" else
                                   format(m.value.normalize(), "f"), m.qualifier,
                                   _around(text, a, b, start, end)))
    found.sort(key=lambda x: (x.start, x.end))
    # two numbers joined by 至/到/- form a range: both ends are marked as such
    for i in range(len(found) - 1):
        left, right = found[i], found[i + 1]
        if (left.kind == right.kind == "number" and right.start - left.end <= 2
                and text[left.end : right.start].strip("个年人件起名次户") in _RANGE_JOINERS):
            found[i] = NumberMention(**{**left.__dict__, "kind": "range"})
            found[i + 1] = NumberMention(**{**right.__dict__, "kind": "range"})
    return found


def _around(text: str, start: int, end: int, lo: int, hi: int) -> str:
    """The mention with up to CONTEXT_CHARS characters each side, within the body."""
    return text[max(lo, start - CONTEXT_CHARS) : min(hi, end + CONTEXT_CHARS)].replace("\n", " ")


@dataclass(frozen=True)
class Decision:
    mention: NumberMention
    status: str  # curated, excluded, undecided
    by: str  # the obs_ids, or the exclusion's reason


def _containing(spans: list[tuple[int, int, str]], starts: list[int], longest: int,
                start: int, end: int) -> list[str]:
    """Labels of the spans (sorted by start) that contain [start, end)."""
    labels = []
    i = bisect_left(starts, start + 1) - 1  # the last span starting at or before ``start``
    while i >= 0 and starts[i] >= start - longest:
        a, b, label = spans[i]
        if a <= start and end <= b:
            labels.append(label)
        i -= 1
    return sorted(set(labels))


def decide(mentions: list[NumberMention], quote_spans: list[tuple[int, int, str]],
           exclusion_spans: list[tuple[int, int, str]]) -> list[Decision]:
    """Each mention: curated when inside an observation's quote, excluded when inside an
    exclusion's span, else undecided. Spans are (start, end, label) in text offsets."""
    prepared = []
    for spans in (quote_spans, exclusion_spans):
        spans = sorted(spans)
        prepared.append((spans, [a for a, _, _ in spans], max((b - a for a, b, _ in spans), default=0)))
    decisions = []
    for m in mentions:
        quotes = _containing(*prepared[0], m.start, m.end)
        if quotes:
            decisions.append(Decision(m, "curated", " ".join(quotes)))
            continue
        reasons = _containing(*prepared[1], m.start, m.end)
        decisions.append(Decision(m, "excluded", reasons[0]) if reasons else Decision(m, "undecided", ""))
    return decisions


def exclusion_spans(body: str, offset: int, mention: str, context: str) -> list[tuple[int, int]] | str:
    """Where an exclusion's mention stands (text offsets; every occurrence of ``mention`` inside
    ``context``, so that 三心三事 is one exclusion), or why it cannot be placed."""
    count = body.count(context)
    if count != 1:
        return (f"context occurs {count} times in the article body (must occur exactly once; "
                "lengthen it)" if count else "context is not in the article body")
    at = offset + body.find(context)
    spans, inner = [], context.find(mention)
    while inner >= 0:
        spans.append((at + inner, at + inner + len(mention)))
        inner = context.find(mention, inner + len(mention))
    return spans or "mention is not part of its context"
