"""What each number mention of a new report probably is: the rows of its candidate sheet.

For every mention in an article body (:func:`analysis.dataset.audit.extract_mentions`) and every
zero claim written in words only (未发生, 没有, 无…, which the audit leaves out), a row gives the
value (signed for a change: 下降12.5% → -12.5) and *either* an indicator of the codebook *or* a likely
exclusion reason, *or* nothing when the words do not say enough.

An indicator is suggested only when it agrees with the mention's kind:

- a percentage (%, 成, 百分之) gets a percent indicator: a change measure (relative_change_pct,
  change_unspecified) when a direction word (下降, 上升…) stands before it in its clause, a rate or
  share otherwise; 个百分点 after a direction word gets change_pp;
- a count gets a count indicator whose unit the measure word after the number counts
  (``data/raw/counters.csv``: 起 → cases, 名 → persons, 个 → organisations, places…); without a
  measure word, nothing;
- a zero claim (零, 未发生, 无…) gets a zero_claim indicator (清零: also a stock);

and among those, the one whose names share most with the words that name what the number counts
(the words before it since the previous number or clause mark, or the noun after its measure word:
9个高标准警务站), weighted by how rare each pair of characters is among the codebook's names. An
indicator's names are its ``name_zh`` and, when observations are given, the same words around the
value in the quotes of its observations. A tie, or too little in common, suggests nothing.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from . import schema
from .audit import NumberMention, extract_mentions
from .numbers import CHANGE_MEASURES, DECREASE_WORDS, INCREASE_WORDS, find_mentions, plain_number

# Clause marks (the normalized text has half-width punctuation; full-width kept for raw input).
CLAUSE_MARKS = ",;!?:\n。,;!?:"  # not ".": a decimal point (10.2%), or an ellipsis
# Between the items of a list: 刑事警情、治安警情; 重复信访和涉检信访. (与/及 also join nouns inside
# one item: 与2017年相比, 涉黑涉恶腐败及“保护伞”.)
LIST_MARKS = "、和"
# Where the noun after a measure word ends.
NOUN_END = CLAUSE_MARKS + "、和及与并“”\"「」"
OPEN_QUOTES, CLOSE_QUOTES = "“\"「『", "”\"」』"
_DIGIT_OF = dict(zip("零〇一二两三四五六七八九", "0012234567899"))
_DIRECTION = re.compile("|".join(sorted(DECREASE_WORDS + INCREASE_WORDS, key=len, reverse=True)))
_SIGN = {**{w: -1 for w in DECREASE_WORDS}, **{w: 1 for w in INCREASE_WORDS}}
# Special-service and public-service telephone numbers (110, 119, 120, 122; 12345, 12368, 12315;
# 96xxx), as allocated in China's telecommunication numbering plan (MIIT): a hotline's name.
_HOTLINE = re.compile(r"1\d\d|12\d{3}|96\d{3}")
# What ends the name of a change indicator (刑事警情变化率, 刑事案件破案率变化).
_CHANGE_SUFFIX = re.compile("(变化率|变化)$")
_YEAR = re.compile(r"(?:19|20)\d\d")
# 前 that is not a rank: 提前, 目前, 以前, 此前, 之前, 当前, 眼前, 空前, 事前, 生前.
_NOT_RANK_BEFORE = "提目以此之当眼空事生"
# After N日: a duration, not a day of the month (10日内).
_DURATION_AFTER_DAY = ("内", "以内", "之内", "后", "来")
# Names need at least this much in common with the words (inverse document frequency summed over
# shared character pairs; one pair found in 1 name of 118 weighs log(118) ≈ 4.8), and the best
# must beat the second by this factor, or nothing is suggested. Chosen on the five archived
# reports, leave-one-report-out (benchmarks/suggestion_precision.py).
MIN_SHARED = 4.0
MIN_LEAD = 1.15
# A codebook name outweighs the same words quoted from another report (a near tie between the
# general 排查化解矛盾纠纷数 and another report's police figure goes to the general one).
EXAMPLE_WEIGHT = 0.9


@dataclass(frozen=True)
class CounterWord:
    """A measure word of counters.csv: the units it counts; whether it names parts of a scheme."""

    units: frozenset[str]
    label_with_chinese_numeral: bool

    @property
    def is_label(self) -> bool:
        return not self.units


def read_counters(path: Path) -> dict[str, CounterWord]:
    """counters.csv → {measure word: CounterWord}; validated with the raw data (schema.COUNTERS)."""
    units: dict[str, set[str]] = {}
    label: dict[str, bool] = {}
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            units.setdefault(row["counter"], set())
            if row["unit_code"]:
                units[row["counter"]].add(row["unit_code"])
            label[row["counter"]] = label.get(row["counter"], False) or row["label_with_chinese_numeral"] == "true"
    return {c: CounterWord(frozenset(u), label[c]) for c, u in units.items()}


@dataclass(frozen=True)
class SheetRow:
    """One row of a candidate sheet: a mention, its signed value and what it probably is."""

    start: int
    end: int
    text: str
    kind: str  # the audit's kinds; "zero" also for a zero claim in words (未发生)
    value: str  # signed for a change after a direction word
    qualifier: str
    counter: str  # the measure word after the number, "" when none
    words: str  # the words that name what it counts
    indicator_code: str
    suggested_exclusion: str
    value_high: str = ""  # a stated range (两三百): its upper end, signed like value

    @property
    def in_words_only(self) -> bool:
        """A zero claim with no numeral (未发生, 没有): not one of the audit's mentions."""
        return self.kind == "zero" and self.text != "零"


def _bigrams(text: str) -> list[str]:
    """Pairs of adjacent characters, Chinese digits read as digits (八类 = 8类), punctuation dropped."""
    chars = [_DIGIT_OF.get(c, c) for c in text if c.isalnum()]
    return [a + b for a, b in zip(chars, chars[1:])]


class Suggester:
    """Suggestions from a codebook, the measure words, and (optionally) curated observations whose
    quotes serve as further names of their indicators.

    ``indicators``: rows of indicators.csv; ``counters``: :func:`read_counters`; ``observations``:
    rows of observations.csv (quote, value, indicator_code) to learn names from.
    """

    def __init__(self, indicators: list[dict[str, str]], counters: dict[str, CounterWord],
                 observations: list[dict[str, str]] = ()):
        self.indicators = {r["indicator_code"]: r for r in indicators}
        self.counters = counters
        self._counter_words = sorted(counters, key=len, reverse=True)
        names: dict[str, list[str]] = {code: [r["name_zh"]] for code, r in self.indicators.items()}
        frequency = Counter(b for name in names.values() for b in set(_bigrams(name[0])))
        self._idf = {b: math.log(len(names) / n) for b, n in frequency.items()}
        for obs in observations:
            if obs["indicator_code"] in names:
                names[obs["indicator_code"]].extend(self._words_for_value(obs))
        self._names = {code: [set(_bigrams(n)) for n in ns] for code, ns in names.items()}

    # --- reading a text ---------------------------------------------------------------------------

    def rows(self, text: str, lo: int = 0, hi: int | None = None) -> list[SheetRow]:
        """A row for every mention in ``text[lo:hi]`` (offsets in ``text``), in reading order."""
        return self._read(text, lo, len(text) if hi is None else hi, with_codes=True)

    def _read(self, text: str, lo: int, hi: int, with_codes: bool) -> list[SheetRow]:
        mentions: list[NumberMention | _WordZero] = list(extract_mentions(text, lo, hi))
        mentions += [_WordZero(lo + m.start, lo + m.end, m.text) for m in find_mentions(text[lo:hi])
                     if m.is_zero_claim and m.text != "零"]
        mentions.sort(key=lambda m: (m.start, m.end))
        counters = [self._counter_after(text, m) for m in mentions]
        exclusions = [self._exclusion(text, lo, mentions, counters, i) for i in range(len(mentions))]
        lists = _lists(text, mentions, counters, exclusions)
        out = []
        for i, m in enumerate(mentions):
            counter, exclusion = counters[i], exclusions[i]
            # a change: a percentage, a multiple (增长2倍) or a range of percent (下降两三成)
            is_change_form = m.kind in ("percent", "multiple") or (
                m.kind == "range" and m.text.endswith(("成", "%")))
            direction = _direction(text, _clause_start(text, lo, m.start), m.start) if is_change_form else 0
            narrow, words = self._words(text, lo, hi, mentions, counters, exclusions, lists, i)
            code = ""
            if with_codes and not exclusion:
                eligible = self._eligible(text, m, counter, direction, words)
                code = self._best(words, eligible)
                if narrow:
                    # the noun after the number names what it counts; the words before may
                    # name something else (随县、广水警务站及28个快反点): they decide only a tie
                    code = self._best(narrow, eligible) or code
            value, high = m.value, getattr(m, "value_high", "")
            if direction < 0 and value and not value.startswith("-"):
                value, high = ("-" + high, "-" + value) if high else ("-" + value, "")
            out.append(SheetRow(m.start, m.end, m.text, m.kind, value, m.qualifier, counter, words,
                                code, exclusion, high))
        return out

    def _counter_after(self, text: str, m) -> str:
        if m.kind not in ("number", "range"):
            return ""
        return next((c for c in self._counter_words if text.startswith(c, m.end)), "")

    def _exclusion(self, text: str, lo: int, mentions: list, counters: list[str], i: int) -> str:
        """A reason a curator will often choose for a mention of this shape, "" when it looks like
        data (see docs/curation_guide.md, Exclusions)."""
        m, counter = mentions[i], counters[i]
        if isinstance(m, _WordZero):
            return ""  # not one of the audit's mentions: nothing to set aside
        if m.kind in ("date", "phone"):
            return {"date": "date", "phone": "other"}[m.kind]
        if m.kind == "ordinal":
            return "rhetorical"  # 第一方阵; a rank
        if m.kind != "number":
            return ""
        before, after = text[max(lo, m.start - 1) : m.start], text[m.end : m.end + 1]
        chinese = not any(c.isdigit() for c in m.text)
        word = self.counters.get(counter)
        if _in_short_quotation(text, m.start, m.end) and (chinese or not (word and word.units)):
            return "programme_name"  # “五做五力”, “1234”工程, “雷火2023”, “12345”
        if m.text.isdigit() and _HOTLINE.fullmatch(m.text) and not counter:
            return "programme_name"  # 拨打110, 12345政务热线: a hotline
        if _YEAR.fullmatch(m.text) and not counter and (
                re.match(r"[\u4e00-\u9fff]", before) or
                (before == "-" and re.match(r"[\u4e00-\u9fff]", text[m.start - 2 : m.start - 1]))):
            return "programme_name"  # 雷火2023, 剑锋-2024; 查获窝点2015个 is a count
        day_or_month = m.text.isdigit() or chinese
        if day_or_month and after == "月" and text[m.start - 1 : m.start] != "个" and _number(m) in range(1, 13):
            return "date"  # 3月15日: a month without its year
        if (day_or_month and after in "日号" and _number(m) in range(1, 32)
                and not text.startswith(_DURATION_AFTER_DAY, m.end + 1)):
            return "date"  # 记者9日获悉
        if text.startswith("周年", m.end):
            return "date"  # 成立70周年
        if word and word.units == {"years"}:
            # 5年来, 这十年: the review period; 连续四年, 为期3年, 三年攻坚: a campaign's term or a streak
            if text.startswith(("来", "以来", "间", "里"), m.end + 1) or before in "这近":
                return "review_period"
            return "campaign_attribute"
        if before == "前" and text[m.start - 2 : m.start - 1] not in _NOT_RANK_BEFORE and (
                not counter or text.startswith(("名", "位", "强", "列"), m.end)):
            return "rhetorical"  # 前三, 前10名: a rank
        if word and (word.is_label or (chinese and word.label_with_chinese_numeral)):
            return "structural_label"  # 五级, 三大, 十个方面, 四项制度
        if word and word.label_with_chinese_numeral and self._labels_next(text, mentions, counters, i):
            return "structural_label"  # 8类刑事案件下降9.1%: 8 is part of what 9.1% counts
        if chinese and (not counter or re.fullmatch(r"(.)\1+", m.text)):
            return "idiom"  # a numeral inside a word: 四川, 两卡, 十分, 唯一一个
        return ""

    def _labels_next(self, text: str, mentions: list, counters: list[str], i: int) -> bool:
        """Whether the noun after mention i's measure word runs, in the same clause and with no
        list mark, into the next number (8类刑事案件下降9.1%)."""
        if i + 1 >= len(mentions):
            return False
        m, nxt = mentions[i], mentions[i + 1]
        between = text[m.end + len(counters[i]) : nxt.start]
        return bool(between) and not any(c in NOUN_END for c in between) and nxt.kind in ("number", "percent")

    def _words(self, text: str, lo: int, hi: int, mentions: list, counters: list[str],
               exclusions: list[str], lists: list[tuple[int, int]], i: int) -> tuple[str, str]:
        """The words that name what mention i counts: the noun right after it (9个高标准警务站,
        零命案, 未发生命案) when there is one, and those words with the words before it."""
        m, counter = mentions[i], counters[i]
        if m.kind == "zero":
            after = _noun_after(text, m.end, hi, mentions, i)
            noun = re.sub("^(发生|出现)", "", after)  # “零发生”: what did not happen precedes
            narrow = m.text + after
        else:
            after = noun = _noun_after(text, m.end + len(counter), hi, mentions, i) if counter else ""
            narrow = counter + after
        lead = self._lead(text, lo, mentions, counters, exclusions, lists, i)
        wide = lead + (m.text if m.kind == "zero" else "") + counter + after
        return (narrow if len(re.findall(r"[\u4e00-\u9fff]", noun)) >= 2 else ""), wide

    @staticmethod
    def _lead(text: str, lo: int, mentions: list, counters: list[str], exclusions: list[str],
              lists: list[tuple[int, int]], i: int) -> str:
        """The words before mention i since the previous number that looks like data (or the clause
        mark); for a list of numbers (下降10.2%、8.3%), its own item of the list of names before it."""
        first, last = lists[i]
        clause = _clause_start(text, lo, mentions[first].start)
        previous = [j for j in range(first) if not exclusions[j] and mentions[j].end > clause]
        start = mentions[previous[-1]].end + len(counters[previous[-1]]) if previous else clause
        head = text[start : mentions[first].start]
        if first == last:
            return head.split(LIST_MARKS[0])[-1]  # 、涉恶犯罪集团和团伙1542个
        size = last - first + 1
        items = [s for s in re.split(f"[{LIST_MARKS}]", head) if s]
        if len(items) < size and "分别" in head and start == clause and clause > lo:
            # 八类主要刑事案件、命案等恶性案件逐年减少,分别下降31.7%、33%: the names stand in the clause before
            before = text[_clause_start(text, lo, clause - 1) : mentions[first].start]
            items = [s for s in re.split(f"[{LIST_MARKS}]", before) if s]
        if len(items) >= size:
            return items[len(items) - size + (i - first)]
        return head

    def _eligible(self, text: str, m, counter: str, direction: int, words: str) -> list[str]:
        """The indicators whose measure and unit agree with the mention's kind."""
        out = []
        for code, row in self.indicators.items():
            measure, unit = row["measure"], row["unit"]
            if m.kind == "percent":
                if m.text.endswith("个百分点"):
                    ok = direction != 0 and measure == "change_pp"
                elif direction:
                    # a rate's change (破案率上升5%) and a count's change (发案下降5%) are told
                    # apart by 率 in the words
                    ok = (measure in CHANGE_MEASURES and unit == "percent"
                          and ("率" in _CHANGE_SUFFIX.sub("", row["name_zh"])) == ("率" in words))
                else:
                    ok = measure in ("rate", "share") and unit == "percent"
            elif m.kind == "zero":
                # 隐患动态清零: a stock cleared to zero (docs/curation_guide.md)
                ok = measure == "zero_claim" or (measure == "stock_count" and text[m.start - 1 : m.start] == "清")
            elif m.kind in ("number", "range") and counter:
                ok = unit in self.counters[counter].units and measure not in (
                    *CHANGE_MEASURES, "zero_claim", "rate", "share")
            else:
                ok = False
            if ok:
                out.append(code)
        return out

    def _best(self, words: str, codes: list[str]) -> str:
        """The code among ``codes`` whose names share most with ``words``; "" when none shares
        MIN_SHARED or the best does not lead the next by MIN_LEAD."""
        have = set(_bigrams(words))
        scores = []
        for code in codes:
            best = 0.0
            for n, name in enumerate(self._names[code]):
                shared = sum(self._idf.get(b, 0.0) for b in have & name)
                if shared >= MIN_SHARED:
                    total = sum(self._idf.get(b, 0.0) for b in name | have)
                    # the codebook's name defines the indicator; another report's words only echo it
                    best = max(best, shared / total * (1 if n == 0 else EXAMPLE_WEIGHT))
            if best:
                scores.append((best, code))
        scores.sort(reverse=True)
        if not scores or (len(scores) > 1 and scores[0][0] < MIN_LEAD * scores[1][0]):
            return ""
        return scores[0][1]

    def _words_for_value(self, obs: dict[str, str]) -> list[str]:
        """The words naming the value in an observation's quote (an extra name of its indicator)."""
        quote = obs["quote"]
        measure = self.indicators[obs["indicator_code"]]["measure"]
        for row in self._read(quote, 0, len(quote), with_codes=False):
            if row.kind == "zero" and measure == "zero_claim":
                return [row.words]
            if row.kind != "zero" and not row.suggested_exclusion and _same_number(row.value, obs["value"]):
                return [row.words]
        return []


@dataclass(frozen=True)
class _WordZero:
    """A zero claim written in words only (未发生, 没有): shaped like the audit's mentions."""

    start: int
    end: int
    text: str
    kind: str = "zero"
    value: str = "0"
    qualifier: str = "exact"


def _same_number(a: str, b: str) -> bool:
    try:
        return abs(Decimal(a)) == abs(Decimal(b))
    except ArithmeticError:
        return False


def _number(m) -> int:
    try:
        return int(Decimal(m.value))
    except ArithmeticError:
        return -1


def _lists(text: str, mentions: list, counters: list[str], exclusions: list[str]) -> list[tuple[int, int]]:
    """For each mention, the first and last index of the list it stands in: numbers that look like
    data separated only by list marks or nothing after their measure words (10.2%、8.3%;
    1885件1909人). A mention alone is a list of one."""
    out: list[tuple[int, int]] = []
    first = 0
    for i in range(len(mentions)):
        joined = (i > 0 and not exclusions[i] and not exclusions[i - 1] and
                  not text[mentions[i - 1].end + len(counters[i - 1]) : mentions[i].start].strip(LIST_MARKS))
        if not joined:
            first = i
        out.append((first, i))
    # the last of each list, now that every list is complete
    last_of = {}
    for i, (first, _) in enumerate(out):
        last_of[first] = i
    return [(first, last_of[first]) for first, _ in out]


def _clause_start(text: str, lo: int, at: int) -> int:
    """The offset just after the last clause mark before ``at`` (not before ``lo``)."""
    i = at - 1
    while i >= lo and text[i] not in CLAUSE_MARKS:
        i -= 1
    return i + 1


def _direction(text: str, clause: int, at: int) -> int:
    """-1/+1 for the last direction word in text[clause:at], 0 when none or when it states a level
    (下降至5%, 提高到98%)."""
    found = list(_DIRECTION.finditer(text, clause, at))
    if not found:
        return 0
    last = found[-1]
    if re.match(r"[至到为]", text[last.end() : last.end() + 1]):
        return 0
    return _SIGN[last.group(0)]


def _noun_after(text: str, at: int, hi: int, mentions: list, i: int) -> str:
    """The words after ``at`` up to a clause or list mark, a quotation mark or the next number."""
    stop = mentions[i + 1].start if i + 1 < len(mentions) else hi
    end = at
    while end < min(stop, hi, at + 12) and text[end] not in NOUN_END:
        end += 1
    return text[at:end]


def _in_short_quotation(text: str, start: int, end: int, longest: int = 12) -> bool:
    """Whether [start, end) stands inside quotation marks enclosing at most ``longest`` characters."""
    left = max(text.rfind(q, max(0, start - longest), start) for q in OPEN_QUOTES)
    if left < 0 or any(q in text[left + 1 : start] for q in CLOSE_QUOTES):
        return False
    right = [text.find(q, end, left + longest + 2) for q in CLOSE_QUOTES]
    right = [r for r in right if r >= 0]
    return bool(right) and not any(q in text[end : min(right)] for q in OPEN_QUOTES)


# --- how good the suggestions are: leave one report out -------------------------------------------

# Exclusion reasons of mentions that are not quantities at all (a sheet should flag them).
NOT_QUANTITIES = ("date", "programme_name", "proper_name", "idiom", "rhetorical", "structural_label", "other")


@dataclass(frozen=True)
class ReportScore:
    """How one report's sheet compares with its curation."""

    source_id: str
    rows: int  # sheet rows (mentions, and zero claims in words)
    suggested: int  # rows with an indicator or an exclusion suggested
    plausible: int  # suggestions equal to the curated indicator, or exclusions of excluded mentions
    observations: int  # curated observations of the report
    found: int  # observations whose value got their own indicator
    not_quantities: int  # mentions excluded as NOT_QUANTITIES
    flagged: int  # of those, rows with a suggested exclusion

    @property
    def precision(self) -> float:
        return self.plausible / self.suggested if self.suggested else float("nan")

    @property
    def recall(self) -> float:
        return self.found / self.observations if self.observations else float("nan")


def _read(path: Path) -> list[dict[str, str]]:
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def report_body(processed: Path, source: dict[str, str]) -> tuple[str, int, int]:
    """A report's normalized text (data/processed/text/<source_id>.txt) and its body's bounds, from
    the markers of its sources.csv row."""
    text = (Path(processed) / "text" / f"{source['source_id']}.txt").read_text(encoding="utf-8")
    lo = text.find(source["body_start"])
    hi = text.find(source["body_end"]) + len(source["body_end"])
    return text, lo, hi


def leave_one_report_out(raw: Path, processed: Path) -> list[ReportScore]:
    """For each archived report, its sheet suggested from the codebook and the observations of the
    *other* reports, scored against its own curation: data/processed/mentions.csv (which mention is
    curated in which observation, or excluded for which reason) and data/raw/observations.csv."""
    raw, processed = Path(raw), Path(processed)
    indicators = _read(raw / schema.INDICATORS.path)
    counters = read_counters(raw / schema.COUNTERS.path)
    observations = _read(raw / schema.OBSERVATIONS.path)
    code_of = {o["obs_id"]: o["indicator_code"] for o in observations}
    decided = {(m["source_id"], int(m["start"]), int(m["end"])): m for m in _read(processed / "mentions.csv")}
    scores = []
    for source in _read(raw / schema.SOURCES.path):
        sid = source["source_id"]
        own = [o for o in observations if o["source_id"] == sid]
        suggester = Suggester(indicators, counters, [o for o in observations if o["source_id"] != sid])
        text, lo, hi = report_body(processed, source)
        body = text[lo:hi]
        spans = {o["obs_id"]: (lo + body.find(o["quote"]), lo + body.find(o["quote"]) + len(o["quote"])) for o in own}
        measures = {r["indicator_code"]: r["measure"] for r in indicators}
        suggested = plausible = not_quantities = flagged = 0
        found: set[str] = set()
        rows = suggester.rows(text, lo, hi)
        for row in rows:
            if row.in_words_only:  # curated through a zero_claim observation whose quote holds it
                status, reason = "", ""
                by = [o for o, (a, b) in spans.items() if a <= row.start and row.end <= b
                      and measures[code_of[o]] == "zero_claim"]
            else:
                decision = decided[(sid, row.start, row.end)]
                status, reason = decision["status"], decision["role"]
                by = decision["decided_by"].split() if status == "curated" and "value" in reason.split("+") else []
            if status == "excluded" and reason in NOT_QUANTITIES:
                not_quantities += 1
                flagged += bool(row.suggested_exclusion)
            if row.indicator_code or row.suggested_exclusion:
                suggested += 1
                if row.indicator_code:
                    right = [o for o in by if code_of[o] == row.indicator_code]
                    plausible += bool(right)
                    found.update(right)
                else:
                    plausible += status == "excluded"
        scores.append(ReportScore(sid, len(rows), suggested, plausible, len(own), len(found),
                                  not_quantities, flagged))
    return scores
