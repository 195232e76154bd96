"""Finding and parsing the numbers written in a Chinese report.

A *mention* is one number expression as written (``60万余起``, ``近千万元``, ``98%以上``,
``百分之五``, ``十几户``, ``零命案``) with the value it states, the qualifier written around it and,
for changes, the direction word that precedes it. The build re-derives every curated value from
the mentions in its quote, so this module is the single definition of "what a number in the text
says". Values are :class:`~decimal.Decimal` so that 35.58万 is exactly 355800.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

# Qualifier vocabulary (see data/raw/qualifiers.csv). Longer markers first so that 超过 wins over 超.
PREFIX_QUALIFIERS = {
    "将近": "nearly",
    "接近": "nearly",
    "近": "nearly",
    "大约": "about",
    "约": "about",
    "超过": "more_than",
    "超": "more_than",
    "逾": "more_than",
    "至少": "at_least",
    "不少于": "at_least",
}
# 余/多 ("more than") may stand between the digits and a multiplier (60余万) or after it (60万余);
# the pattern below reads them in both places.
SUFFIX_QUALIFIERS = {"以上": "more_than", "左右": "about"}

MULTIPLIERS = {"万亿": Decimal(10) ** 12, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6,
               "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4, "千": Decimal(10) ** 3}

DECREASE_WORDS = ("下降", "减少", "降低", "回落", "下滑", "压降", "减")
INCREASE_WORDS = ("上升", "增长", "提高", "增加", "提升", "攀升", "增")
# After 近 + a number, these mean "in the last N years", not "nearly N".
RECENT_PERIOD_SUFFIXES = ("年来", "年以来", "年里", "年中", "年间")
# A zero claim: 零命案, 没有发生, 未发生, 无…, 杜绝. 零 as a digit inside a numeral (一百零五) is
# not one (see _is_inside_numeral).
ZERO_MARKERS = ("零", "没有", "未发生", "未出现", "无", "杜绝")

_CN_DIGITS = "零〇一二两三四五六七八九"
# Measure words that may stand between a number and 以上/左右 (300人左右, 10起以上).
_CLASSIFIERS = "人个件起名次户场元家所条项处批期辆台座套份类天年月"
_CN_UNITS = "十百千万亿"
# 成 after a numeral is tenths (三成 = 30%, 近三成 = nearly 30%), except where 成 begins a word
# (三成员, 一成不变, 两成立).
_TENTHS = "成(?![员立为效功果本绩熟长就都交不])"
_prefix = "|".join(sorted(PREFIX_QUALIFIERS, key=len, reverse=True))
_mult = "|".join(sorted(MULTIPLIERS, key=len, reverse=True))

_MENTION = re.compile(
    rf"""
    (?P<prefix>{_prefix}|上(?=[百千万])|数(?=[十百千万亿])|几(?=[十百千万]))?
    (?:
        百分之(?P<pct_cn>[{_CN_DIGITS}{_CN_UNITS}点]+|\d+(?:\.\d+)?)
      |
        (?P<arabic>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)
        (?P<infix_a>[余多])?
        (?P<mult_a>{_mult})?
      |
        (?P<chinese>[{_CN_DIGITS}{_CN_UNITS}]+)
        (?P<several>几)?
        (?P<infix_c>[余多])?
        (?P<mult_c>{_mult})?
    )
    (?P<infix_after>[余多](?![少]))?
    (?P<percent>%|个百分点|{_TENTHS})?
    (?:[{_CLASSIFIERS}]?(?P<suffix>以上|左右))?
    """,
    re.VERBOSE,
)


class NumberParseError(ValueError):
    """Text that looks like a number but is not one this module can read."""


@dataclass(frozen=True)
class Mention:
    """One number expression in a text."""

    start: int
    end: int
    text: str
    value: Decimal
    qualifier: str  # exact, more_than, nearly, about, at_least
    is_percent: bool
    is_zero_claim: bool = False
    direction: int = 0  # -1 after a decrease word, +1 after an increase word, 0 when none


def parse_chinese_integer(text: str) -> Decimal:
    """三 → 3, 两千 → 2000, 一百零五 → 105, 千万 → 10000000 (a bare unit means one of it)."""
    if text and text[0] in _CN_UNITS and text[0] != "十":
        text = "一" + text
    try:
        # "normal" mode accepts 两 as a digit; "strict" refuses it.
        return Decimal(cn2an.cn2an(text, "normal"))
    except (ValueError, KeyError, TypeError) as exc:
        raise NumberParseError(f"not a Chinese numeral: {text!r}") from exc


def parse_arabic(text: str) -> Decimal:
    """'1,885' → 1885; '35.58' → 35.58. Thousands separators must group by three."""
    if "," in text and not re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        raise NumberParseError(f"badly grouped thousands separators: {text!r}")
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise NumberParseError(f"not a number: {text!r}") from exc


def _chinese_decimal(text: str) -> Decimal:
    """九十八点五 → 98.5 (for 百分之…)."""
    if "点" in text:
        whole, frac = text.split("点", 1)
        digits = "".join(str(parse_chinese_integer(c)) for c in frac)
        return parse_chinese_integer(whole) + Decimal("0." + digits)
    return parse_chinese_integer(text)


_DIRECTION = re.compile("|".join(sorted(DECREASE_WORDS + INCREASE_WORDS, key=len, reverse=True)))
_SIGN = {**{w: -1 for w in DECREASE_WORDS}, **{w: 1 for w in INCREASE_WORDS}}
_ZERO = re.compile("|".join(ZERO_MARKERS))
_NUMERAL_CHARS = frozenset(_CN_DIGITS + _CN_UNITS + "0123456789")


def _direction_words(text: str) -> tuple[list[int], list[int]]:
    """Ends and signs of the direction words in ``text``, in order (found once per text)."""
    ends, signs = [], []
    for m in _DIRECTION.finditer(text):
        ends.append(m.end())
        signs.append(_SIGN[m.group(0)])
    return ends, signs


def _direction_before(directions: tuple[list[int], list[int]], position: int) -> int:
    """The sign of the nearest direction word ending at or before ``position`` (0: none)."""
    ends, signs = directions
    i = bisect_right(ends, position)
    return signs[i - 1] if i else 0


def _mention_from_match(m: re.Match, text: str, in_running_text: bool = True,
                        directions: tuple[list[int], list[int]] | None = None) -> Mention | None:
    g = m.groupdict()
    prefix = g["prefix"]
    qualifier = "exact"
    if prefix in PREFIX_QUALIFIERS:
        qualifier = PREFIX_QUALIFIERS[prefix]
    elif prefix == "上":
        qualifier = "about"
    elif prefix in ("数", "几"):
        qualifier = "more_than"

    if g["pct_cn"] is not None:
        raw = g["pct_cn"]
        value = parse_arabic(raw) if raw[0].isdigit() else _chinese_decimal(raw)
        is_percent = True
    else:
        if g["arabic"] is not None:
            value = parse_arabic(g["arabic"])
            infix, mult = g["infix_a"], g["mult_a"]
        else:
            chinese = g["chinese"]
            if chinese == "一" and in_running_text and not (prefix or g["mult_c"] or g["percent"]):
                return None  # a lone 一 (一头耕牛, 一步) is an article, not a count
            if chinese[0] in "百千万亿" and not prefix:
                return None  # 千年古县, 万一: a bare unit counts only after 近/上/数 (近千万, 上百)
            value = parse_chinese_integer(chinese)
            infix, mult = g["infix_c"], g["mult_c"]
            if g["several"]:
                qualifier = "more_than"
        if mult:
            value *= MULTIPLIERS[mult]
        if infix or g["infix_after"]:
            qualifier = "more_than"
        is_percent = g["percent"] is not None
        if g["percent"] == "成":
            value *= 10
    if g["suffix"]:
        qualifier = SUFFIX_QUALIFIERS[g["suffix"]]
    start = m.start()
    if prefix == "近" and text.startswith(RECENT_PERIOD_SUFFIXES, m.end()):
        # 近五年来 is "in the last five years": 近 dates the period, it does not qualify the number.
        qualifier, start = "exact", start + 1
    return Mention(
        start=start,
        end=m.end(),
        text=text[start : m.end()],
        value=value,
        qualifier=qualifier,
        is_percent=is_percent,
        direction=_direction_before(directions or _direction_words(text[:start]), start),
    )


def find_mentions(text: str) -> list[Mention]:
    """Every number expression in ``text``, in order, and the zero claims."""
    mentions: list[Mention] = []
    directions = _direction_words(text)
    for m in _MENTION.finditer(text):
        if not m.group(0) or not any(c.isdigit() or c in _CN_DIGITS + _CN_UNITS for c in m.group(0)):
            continue
        chinese = m.group("chinese")
        if chinese is not None and set(chinese) <= {"零", "〇"}:
            continue  # a bare 零 is a zero claim, found below
        try:
            mention = _mention_from_match(m, text, directions=directions)
        except NumberParseError:
            # A run of numeral characters that is not one numeral (十四五 = 十四 + 五, the 14th
            # Five-Year Plan): read it as consecutive numerals, so that no number goes unseen.
            mentions.extend(_split_numeral_run(m.start(), m.end(), text, directions))
            continue
        if mention is not None:
            mentions.append(mention)
    for m in _ZERO.finditer(text):
        if m.group(0) == "零" and _is_inside_numeral(text, m.start()):
            continue
        mentions.append(Mention(m.start(), m.end(), m.group(0), Decimal(0), "exact", False, True, 0))
    mentions.sort(key=lambda x: (x.start, x.end))
    return mentions


def _split_numeral_run(start: int, end: int, text: str, directions) -> list[Mention]:
    """The longest readable numerals, left to right, in text[start:end]; unreadable characters
    are skipped."""
    found, at = [], start
    while at < end:
        for stop in range(end, at, -1):
            m = _MENTION.fullmatch(text, at, stop)
            if m is None:
                continue
            try:
                mention = _mention_from_match(m, text, directions=directions)
            except NumberParseError:
                continue
            if mention is not None:
                found.append(mention)
            at = stop
            break
        else:
            at += 1
    return found


def _is_inside_numeral(text: str, index: int) -> bool:
    """Whether the 零 at ``index`` is a digit of a numeral such as 一百零五."""
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    return before in _NUMERAL_CHARS and after in _NUMERAL_CHARS


def parse_number(text: str) -> tuple[Decimal, str]:
    """Parse one complete number expression, returning (value, qualifier).

    ``parse_number("60万余")`` → (600000, "more_than"). Raises :class:`NumberParseError` when the
    text is not exactly one number expression.
    """
    m = _MENTION.fullmatch(text)
    if m is None or not text:
        raise NumberParseError(f"not a number expression: {text!r}")
    mention = _mention_from_match(m, text, in_running_text=False)
    if mention is None:
        raise NumberParseError(f"not a number expression: {text!r}")
    return mention.value, mention.qualifier


def plain_number(value: Decimal | None) -> str:
    """Decimal → '600000', '-10.2', '0.5' (no exponent, no trailing zeros); None → ''."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


CHANGE_MEASURES = frozenset({"relative_change_pct", "change_pp", "change_unspecified"})


def derivable_values(quote: str, measure: str) -> set[tuple[Decimal, str]]:
    """The (value, qualifier) pairs a row citing ``quote`` may state.

    A zero claim needs a zero marker in the quote, and a stock stated as cleared to zero (清零) the
    numeral 零; a change takes its sign from the direction word before the number; any other
    measure takes the number as written.
    """
    found: set[tuple[Decimal, str]] = set()
    for mention in find_mentions(quote):
        if mention.is_zero_claim:
            if measure == "zero_claim" or (measure == "stock_count" and mention.text == "零"):
                found.add((Decimal(0), "exact"))
            continue
        value = mention.value
        if measure in CHANGE_MEASURES and mention.direction < 0:
            value = -value
        found.add((value, mention.qualifier))
    return found
