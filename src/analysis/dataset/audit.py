"""Every number in every report accounted for: curated, or set aside for a stated reason.

The extractor finds every numeric expression in a report's article body (``extract_mentions``).
The audit then decides each one (``decide``):

- **curated** when it lies inside the quote of an observation *and plays a role in it*: it is the
  observation's value, its period or base period (``2023年``, ``同比2022年``, ``连续5年`` for a
  five-year period), or part of what it counts, declared in the observation's ``label_numbers``
  (八 in 八类主要刑事案件);
- **excluded** when it lies inside an exclusion (``data/raw/exclusions.csv``) with its reason;
- **undecided** otherwise, which fails the build. A number inside a quote that is none of the
  quoting observation's value, period or label is undecided too: it needs an observation of its
  own or an exclusion.

A lone 一 (一头耕牛, 一步) is an article, not a number, and is not extracted; 零 counts (零命案);
word-only zero claims (没有发生, 杜绝) are not numerals and are curated when they are claims.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal

from .numbers import (CHANGE_MEASURES, Mention, _direction_before, _direction_words, find_mentions,
                      parse_chinese_integer, plain_number)

CONTEXT_CHARS = 12
_ORDINAL = re.compile(r"第(?:[一二两三四五六七八九十百千零〇]+|\d+)")
_RANGE_JOINERS = ("至", "到", "-", "~", "—", "－")
# Written as one token, not as numbers: an ISO date (2026-01-15) and a telephone number
# (0719-1234567, 13912345678). Without this they read as ranges of two numbers.
_ISO_DATE = re.compile(r"(?<!\d)(19|20)\d\d-(0?[1-9]|1[0-2])-(0?[1-9]|[12]\d|3[01])(?!\d)")
_PHONE = re.compile(r"(?<!\d)(0\d{2,3}-\d{7,8}|1[3-9]\d{9})(?!\d)")
# A date as the reports write it; a year mention's role is decided on the whole expression.
_CN_DATE = re.compile(r"((?:19|20)\d\d)年(?:(\d{1,2})月(?:(\d{1,2})[日号])?)?")
# What a duration mention counts: 连续5年, 3年来, 近五年来, 经过2年, 10天, 6个月.
_DURATION_UNIT = re.compile(r"(?:个)?(年|月|天|日)")
_DAYS_PER_UNIT = {"年": 365.25, "月": 365.25 / 12, "天": 1, "日": 1}
# How far a stated duration may be from the period's length (in its own unit) and still date it.
_DURATION_TOLERANCE = {"年": 0.1, "月": 0.5, "天": 0.5, "日": 0.5}
MENTION_KINDS = ("number", "percent", "date", "ordinal", "range", "multiple", "zero", "phone")
ROLES = ("value", "period", "base_period", "label")


@dataclass(frozen=True)
class NumberMention:
    """One numeric expression in a text, with its kind (number, percent, date, ordinal, range,
    zero, phone) and the characters around it."""

    start: int
    end: int
    text: str
    kind: str
    value: str
    qualifier: str
    context: str
    value_high: str = ""  # a stated range (两三百): its upper end
    direction: int = 0  # -1 after a decrease word, +1 after an increase word (numbers.Mention)


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


def _ordinal_value(text: str) -> str:
    """第一 → '1', 第3 → '3'."""
    numeral = text[1:]
    return numeral if numeral.isdigit() else format(parse_chinese_integer(numeral), "f")


def extract_mentions(text: str, start: int = 0, end: int | None = None,
                     numbers: list[Mention] | None = None) -> list[NumberMention]:
    """Every numeric expression in ``text[start:end]`` (offsets are in ``text``). ``numbers``:
    ``find_mentions(text[start:end])`` where it is known already, else it is found here."""
    end = len(text) if end is None else end
    body = text[start:end]
    found: list[NumberMention] = []
    # Tokens whose digits are not numbers of their own: ordinals (第一), ISO dates, phone numbers.
    token_starts: list[int] = []
    token_ends: list[int] = []
    tokens = [(m, "ordinal") for m in _ORDINAL.finditer(body)]
    tokens += [(m, "date") for m in _ISO_DATE.finditer(body)]
    tokens += [(m, "phone") for m in _PHONE.finditer(body)]
    for m, kind in sorted(tokens, key=lambda t: t[0].start()):
        a, b = start + m.start(), start + m.end()
        if token_ends and a < token_ends[-1]:
            continue  # overlapping tokens: the first wins
        value = _ordinal_value(m.group(0)) if kind == "ordinal" else ""
        found.append(NumberMention(a, b, m.group(0), kind, value, "exact", _around(text, a, b, start, end)))
        token_starts.append(a)
        token_ends.append(b)
    for m in find_mentions(body) if numbers is None else numbers:
        a, b = start + m.start, start + m.end
        i = bisect_right(token_starts, a) - 1
        if i >= 0 and b <= token_ends[i]:
            continue  # the numeral of an ordinal (第一), a date or a phone number
        if m.is_zero_claim:
            if m.text != "零":
                continue  # 没有, 无, 杜绝: words, not numerals
            kind = "zero"
        elif m.form == "range":
            kind = "range"  # 两三百: one mention stating an interval
        elif m.form == "multiple":
            kind = "multiple"  # 增长2倍, 翻一番: the change it means, in percent
        else:
            digits = re.sub(r"\D", "", m.text) if m.text[:1].isdigit() else ""
            kind = _kind(text, a, b, m.is_percent, digits or m.text)
        found.append(NumberMention(a, b, m.text, kind, "0" if kind == "zero" else
                                   plain_number(m.value), m.qualifier,
                                   _around(text, a, b, start, end), plain_number(m.value_high),
                                   m.direction))
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


# --- roles: what a number inside a quote is to the observation quoting it ------------------------

@dataclass(frozen=True)
class QuotedObservation:
    """What the audit needs of an observation: where its quote stands and what it states."""

    obs_id: str
    start: int  # offset of the quote in the normalized text
    quote: str
    measure: str
    value: Decimal
    qualifier: str
    period: tuple[dt.date, dt.date]
    base_period: tuple[dt.date, dt.date] | None
    label_numbers: frozenset[str]
    value_high: Decimal | None = None  # the upper end of a stated range

    @property
    def end(self) -> int:
        return self.start + len(self.quote)


def _date_range(match: re.Match) -> tuple[dt.date, dt.date] | None:
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if day:
            return dt.date(year, month, day), dt.date(year, month, day)
        if month:
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            return dt.date(year, month, 1), following - dt.timedelta(days=1)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError:
        return None


def _within(inner: tuple[dt.date, dt.date], outer: tuple[dt.date, dt.date] | None) -> bool:
    return outer is not None and outer[0] <= inner[0] and inner[1] <= outer[1]


def _spans_length(value: Decimal, unit: str, period: tuple[dt.date, dt.date]) -> bool:
    length = ((period[1] - period[0]).days + 1) / _DAYS_PER_UNIT[unit]
    return abs(length - float(value)) <= _DURATION_TOLERANCE[unit]


def role_in(mention: NumberMention, obs: QuotedObservation) -> str | None:
    """The role of a mention lying inside ``obs``'s quote, or None when it plays none.

    value: it states the observation's value and qualifier (for changes, with the sign of the
    nearest direction word before it in the quote); period / base_period: it dates the period
    (a date inside it, or a duration as long as it); label: the curator declared it part of what
    the observation counts (label_numbers).
    """
    if mention.text in obs.label_numbers:
        return "label"
    at = mention.start - obs.start  # offset inside the quote
    if mention.kind == "zero":
        return "value" if obs.value == 0 else None
    if mention.kind == "date":
        for m in _CN_DATE.finditer(obs.quote):
            if m.start() <= at < m.end():
                stated = _date_range(m)
                if stated and _within(stated, obs.period):
                    return "period"
                if stated and _within(stated, obs.base_period):
                    return "base_period"
        return None
    if mention.kind not in ("number", "percent", "range", "multiple", "ordinal") or not mention.value:
        return None
    value = Decimal(mention.value)
    high = Decimal(mention.value_high) if mention.value_high else None
    if obs.measure in CHANGE_MEASURES and _direction_in_quote(mention, obs.quote, at) < 0:
        value, high = (-high, -value) if high is not None else (-value, None)
    if (value, mention.qualifier, high) == (obs.value, obs.qualifier, obs.value_high):
        return "value"
    unit = _DURATION_UNIT.match(obs.quote, at + len(mention.text))
    if unit and mention.kind == "number" and _spans_length(Decimal(mention.value), unit.group(1), obs.period):
        return "period"
    return None


def _direction_in_quote(mention: NumberMention, quote: str, at: int) -> int:
    """The sign of a mention at ``at`` in ``quote``, read in the quote alone (as validation reads
    it: a direction word before the quote does not sign a number inside it). A doubling (翻一番)
    and a halving (减半) carry their own direction."""
    if mention.text.startswith("翻"):
        return 1
    if mention.text.startswith("减半"):
        return -1
    return _direction_before(_direction_words(quote[:at]), at)


@dataclass(frozen=True)
class Decision:
    mention: NumberMention
    status: str  # curated, excluded, undecided
    role: str  # curated: value, period, base_period, label (joined by + when several); excluded: the reason
    by: str  # curated: the obs_ids it plays a role in; excluded: the exclusion's context
    inside: str = ""  # undecided inside a quote: the obs_ids whose quotes contain it


def _containing(spans: list[tuple], starts: list[int], longest: int, start: int, end: int) -> list[tuple]:
    """The spans (sorted by start; (start, end, ...)) that contain [start, end)."""
    found = []
    i = bisect_left(starts, start + 1) - 1  # the last span starting at or before ``start``
    while i >= 0 and starts[i] >= start - longest:
        span = spans[i]
        if span[0] <= start and end <= span[1]:
            found.append(span)
        i -= 1
    return found


def _index(spans: list[tuple]) -> tuple[list[tuple], list[int], int]:
    spans = sorted(spans, key=lambda s: (s[0], s[1]))
    return spans, [s[0] for s in spans], max((s[1] - s[0] for s in spans), default=0)


def decide(mentions: list[NumberMention], observations: list[QuotedObservation],
           exclusion_spans: list[tuple[int, int, str, str]]) -> list[Decision]:
    """Each mention: curated when it plays a role in an observation whose quote contains it,
    excluded when it lies inside an exclusion's span ((start, end, reason, context) in text
    offsets), else undecided."""
    quotes = _index([(o.start, o.end, o) for o in observations])
    exclusions = _index(exclusion_spans)
    # An observation states its value once: where several numbers in its quote equal the value
    # (9个乡镇…九江), the first is the value and the others need a decision of their own.
    roles_by_obs: dict[str, dict[int, str]] = {}
    mentions = sorted(mentions, key=lambda m: (m.start, m.end))
    starts = [m.start for m in mentions]
    for o in observations:
        roles, has_value = {}, False
        for m in mentions[bisect_left(starts, o.start) : bisect_left(starts, o.end)]:
            if m.end <= o.end and (role := role_in(m, o)):
                if role == "value" and has_value:
                    continue
                has_value = has_value or role == "value"
                roles[m.start] = role
        roles_by_obs[o.obs_id] = roles
    decisions = []
    for m in mentions:
        quoting = sorted((span[2] for span in _containing(*quotes, m.start, m.end)), key=lambda o: o.obs_id)
        roles = [(o.obs_id, role) for o in quoting if (role := roles_by_obs[o.obs_id].get(m.start))]
        if roles:
            decisions.append(Decision(m, "curated", "+".join(sorted({r for _, r in roles}, key=ROLES.index)),
                                      " ".join(obs_id for obs_id, _ in roles)))
            continue
        excluded = sorted(_containing(*exclusions, m.start, m.end))
        if excluded:
            _, _, reason, context = excluded[0]
            decisions.append(Decision(m, "excluded", reason, context))
        else:
            decisions.append(Decision(m, "undecided", "", "", " ".join(o.obs_id for o in quoting)))
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


def period_length_years(period: tuple[dt.date, dt.date]) -> float:
    return ((period[1] - period[0]).days + 1) / _DAYS_PER_UNIT["年"]


__all__ = ["Decision", "MENTION_KINDS", "NumberMention", "QuotedObservation", "ROLES", "decide",
           "exclusion_spans", "extract_mentions", "period_length_years", "role_in"]
