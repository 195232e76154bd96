"""Finding and parsing the numbers written in a Chinese report.

A *mention* is one number expression as written (``60万余起``, ``近千万元``, ``98%以上``,
``百分之五``, ``十几户``, ``零命案``, ``1万2千``, ``两三百``, ``四分之一``, ``增长2倍``) with the value
it states, the qualifier written around it and, for changes, the direction word that precedes it.
The build re-derives every curated value from the mentions in its quote, and a cited number from
the number as printed, so this module is the single definition of "what a number in the text
says". Values are :class:`~decimal.Decimal` so that 35.58万 is exactly 355800.

What is never a number (docs/curation_guide.md, "Which forms are numbers"):

- a bare unit character with nothing before it and no 余/多 after it (千家万户, 百警进百企,
  万所联万会, 万一, 千年古县): part of a word. With a qualifier before it (近千万, 上百, 数万, 过万,
  超万) or 余/多 after it (千余件, 百多人) it is a number: one of that unit;
- a lone 一 (一村一辅警, 一头耕牛, 一步): an article or a distributive, unless a multiplier, 成, a
  percent sign or 倍 follows it (一万, 一成, 增长了一倍) or it is part of a longer numeral;
- two equal numeral characters side by side (唯一一个: 唯一 + 一个): never read as one numeral.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

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
    "不低于": "at_least",
    "突破": "more_than",
}
# 余/多 ("more than") may stand between the digits and a multiplier (60余万) or after it (60万余);
# the pattern below reads them in both places.
SUFFIX_QUALIFIERS = {"以上": "more_than", "左右": "about"}

MULTIPLIERS = {"万亿": Decimal(10) ** 12, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6,
               "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4, "千": Decimal(10) ** 3,
               "百": Decimal(10) ** 2}

DECREASE_WORDS = ("下降", "减少", "降低", "回落", "下滑", "压降", "减")
INCREASE_WORDS = ("上升", "增长", "提高", "增加", "提升", "攀升", "增")
# After 近 + a number, these mean "in the last N years", not "nearly N".
RECENT_PERIOD_SUFFIXES = ("年来", "年以来", "年里", "年中", "年间")
# A zero claim: 零命案, 没有发生, 未发生, 无…, 杜绝. 零 as a digit inside a numeral (一百零五) is
# not one (see _is_inside_numeral).
ZERO_MARKERS = ("零", "没有", "未发生", "未出现", "无", "杜绝")

_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_NONZERO = "一二两三四五六七八九"
# Measure words that may stand between a number and 以上/左右 (300人左右, 10起以上).
_CLASSIFIERS = "人个件起名次户场元家所条项处批期辆台座套份类天年月"
_CN_UNITS = "十百千万亿"
# 成 after a numeral is tenths (三成 = 30%, 近三成 = nearly 30%), except where 成 begins a word
# (三成员, 一成不变, 两成立).
_TENTHS = "成(?![员立为效功果本绩熟长就都交不])"
_prefix = "|".join(sorted(PREFIX_QUALIFIERS, key=len, reverse=True))
_mult = "|".join(sorted(MULTIPLIERS, key=len, reverse=True))
_numeral = rf"[{_CN_DIGITS}{_CN_UNITS}]+|\d+(?:\.\d+)?"

_MENTION = re.compile(
    rf"""
    # fail fast where no number can begin (most characters of a text)
    (?=[\d{_CN_DIGITS}{_CN_UNITS}半翻近将接大约超逾至不上过数几减突])
    (?P<prefix>{_prefix}|[上过](?=[百千万亿])|数(?=[十百千万亿])|几(?=[十百千万]))?
    (?:
        # a fraction: 四分之一, 三分之二, 千分之五; 百分之九十八点五 is one too (of 100)
        (?P<den>{_numeral})分之(?P<num>[{_CN_DIGITS}{_CN_UNITS}点]+|\d+(?:\.\d+)?)
      |
        # a half: 一半, 半数, 过半, 近半, 减半 (半年, 上半年 are periods, not halves)
        (?P<half>一半|半数|(?<=[过超近减])半数?)
      |
        # doubling: 翻一番 (x2), 翻两番 (x4)
        翻(?P<doublings>[一二两三四五六七八九]|\d+)番
      |
        (?P<arabic>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)
        (?P<infix_a>[余多])?
        (?P<mult_a>(?:{_mult})(?:[余多]?(?:{_mult}))?)?
      |
        # two neighbouring numerals state a range: 两三百, 十七八, 三四十万, 一百五六十
        # (a unit ends it, or a measure word follows: 十四五规划 is the 14th Five-Year Plan)
        (?P<range>(?:[{_CN_NONZERO}]?[十百千万亿])*[{_CN_NONZERO}]{{2}}
                  (?:[十百千万亿]+|(?=[{_CLASSIFIERS}岁成余多])))
      |
        (?P<chinese>[{_CN_DIGITS}{_CN_UNITS}]+)
        (?P<several>几)?
        (?P<infix_c>[余多])?
        (?P<mult_c>{_mult})?
    )
    (?P<infix_after>[余多](?![少]))?
    (?P<percent>%|个百分点|{_TENTHS}|倍)?
    (?:[{_CLASSIFIERS}]?(?P<suffix>以上|左右))?
    """,
    re.VERBOSE,
)

_DIGIT_VALUE = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0}
# Neighbouring numerals that state a range: each digit and the next (两三, 十七八), and the
# idiomatic 三五 ("three to five") and 一两 / 一二 ("one or two") when nothing stands before them.
_RANGE_PAIRS_WITHOUT_HEAD = {("三", "五"), ("一", "两"), ("一", "二")}
# Where a multiple (倍) says the new value is N times the old (增长到3倍, 是去年的3倍), the change
# is (N - 1) x 100 %; after an increase word alone (增长2倍, 提高了一倍) it is N x 100 %.
_TIMES_BEFORE = ("到", "至", "为", "的", "是")
# Decimal places kept for a fraction that does not end (三分之二 = 66.67, qualifier about).
_FRACTION_PLACES = Decimal("0.01")


class NumberParseError(ValueError):
    """Text that looks like a number but is not one this module can read."""


@dataclass(frozen=True)
class Mention:
    """One number expression in a text.

    ``value`` is what the expression states: for a percentage, a fraction (四分之一 = 25) or a
    half, the percent; for a multiple (增长2倍, 翻一番), the change it means in percent (200, 100)
    and ``factor`` the number printed before 倍 or the doublings of 翻N番; for a stated range
    (两三百) the lower end, with ``value_high`` the upper end and qualifier ``range``.
    """

    start: int
    end: int
    text: str
    value: Decimal
    qualifier: str  # exact, more_than, nearly, about, at_least, range
    is_percent: bool
    is_zero_claim: bool = False
    direction: int = 0  # -1 after a decrease word, +1 after an increase word, 0 when none
    value_high: Decimal | None = None  # the upper end of a stated range
    form: str = "number"  # number, range, fraction, half, multiple
    factor: Decimal | None = None  # a multiple: the N of N倍 (翻N番: 2**N)


def parse_chinese_integer(text: str) -> Decimal:
    """三 → 3, 两千 → 2000, 一百零五 → 105, 千万 → 10000000 (a bare unit means one of it).

    Raises :class:`NumberParseError` for anything else (十四五, 两三百: not one numeral).
    """
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


def _any_numeral(text: str) -> Decimal:
    return parse_arabic(text) if text[0].isdigit() else _chinese_decimal(text)


def _multiplier(text: str) -> Decimal:
    """万 → 10**4; 万多亿 / 万亿 → 10**12 (a compound multiplier is the product of its parts)."""
    if text in MULTIPLIERS:
        return MULTIPLIERS[text]
    parts = re.findall(_mult, text)
    if "".join(parts) != text.replace("余", "").replace("多", ""):
        raise NumberParseError(f"not a multiplier: {text!r}")
    product = Decimal(1)
    for part in parts:
        product *= MULTIPLIERS[part]
    return product


def _range_ends(text: str) -> tuple[Decimal, Decimal]:
    """两三百 → (200, 300); 十七八 → (17, 18); 一百五六十 → (150, 160).

    Raises :class:`NumberParseError` when the two neighbouring numerals are not a range (十四五:
    the 14th Five-Year Plan; 一一 in 唯一一个)."""
    m = re.fullmatch(rf"(?P<head>.*?)(?P<d1>[{_CN_NONZERO}])(?P<d2>[{_CN_NONZERO}])(?P<unit>[{_CN_UNITS}]*)", text)
    if m is None:
        raise NumberParseError(f"not a range: {text!r}")
    d1, d2 = m.group("d1"), m.group("d2")
    consecutive = _DIGIT_VALUE[d2] == _DIGIT_VALUE[d1] + 1
    if not consecutive and not (not m.group("head") and (d1, d2) in _RANGE_PAIRS_WITHOUT_HEAD):
        raise NumberParseError(f"not a range: {text!r}")
    if m.group("head") and not m.group("head")[-1] in _CN_UNITS:
        raise NumberParseError(f"not a range: {text!r}")
    if not m.group("unit") and m.group("head")[-1:] not in ("十", ""):
        # 一百五六 has no unit for 五六: not a range a report writes
        raise NumberParseError(f"not a range: {text!r}")
    head, unit = m.group("head"), m.group("unit")
    low = parse_chinese_integer(head + d1 + unit) if head or unit else Decimal(_DIGIT_VALUE[d1])
    high = parse_chinese_integer(head + d2 + unit) if head or unit else Decimal(_DIGIT_VALUE[d2])
    if head == "十" and not unit:
        low, high = 10 + Decimal(_DIGIT_VALUE[d1]), 10 + Decimal(_DIGIT_VALUE[d2])
    return low, high


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


def _multiple_is_times(text: str, start: int) -> bool:
    """Whether the N倍 starting at ``start`` says "N times as much" (增长到3倍, 是去年的3倍,
    3倍于) rather than "up by N times" (增长2倍, 提高了一倍)."""
    before = text[max(0, start - 4) : start].rstrip("了")
    if before.endswith(_TIMES_BEFORE):
        return True
    return not _DIRECTION.search(before[-2:] if before else "")


def _mention_from_match(m: re.Match, text: str, in_running_text: bool = True,
                        directions: tuple[list[int], list[int]] | None = None) -> Mention | None:
    g = m.groupdict()
    prefix = g["prefix"]
    qualifier = "exact"
    if prefix in PREFIX_QUALIFIERS:
        qualifier = PREFIX_QUALIFIERS[prefix]
    elif prefix == "上":
        qualifier = "about"
    elif prefix in ("数", "几", "过"):
        qualifier = "more_than"
    value_high, form, factor, direction = None, "number", None, None
    start = m.start()

    if g["den"] is not None:
        den, num = _any_numeral(g["den"]), _any_numeral(g["num"])
        if den == 0:
            raise NumberParseError(f"a fraction of zero: {m.group(0)!r}")
        value = num * 100 / den
        if value != value.quantize(_FRACTION_PLACES) and value.as_tuple().exponent < -10:
            value = value.quantize(_FRACTION_PLACES, rounding=ROUND_HALF_EVEN)
            qualifier = "about" if qualifier == "exact" else qualifier
        is_percent, form = True, "fraction" if den != 100 else "number"
    elif g["half"] is not None:
        value, is_percent, form = Decimal(50), True, "half"
        if prefix is None and m.start() > 0 and text[m.start() - 1] in "过超近减" and g["half"][0] == "半":
            marker = text[m.start() - 1]
            start -= 1
            if marker == "减":
                direction = -1  # 减半: halved
            else:
                qualifier = {"过": "more_than", "超": "more_than", "近": "nearly"}[marker]
    elif g["doublings"] is not None:
        n = _any_numeral(g["doublings"])
        factor = Decimal(2) ** int(n)
        value, is_percent, form, direction = (factor - 1) * 100, True, "multiple", 1
    elif g["range"] is not None:
        value, value_high = _range_ends(g["range"])
        qualifier, is_percent, form = "range", False, "range"
        if g["percent"] == "成":
            value, value_high = value * 10, value_high * 10
        is_percent = g["percent"] is not None
    else:
        if g["arabic"] is not None:
            value = parse_arabic(g["arabic"])
            infix, mult = g["infix_a"], g["mult_a"]
        else:
            chinese = g["chinese"]
            qualified = prefix or g["infix_c"] or g["infix_after"]
            if chinese == "一" and in_running_text and not (qualified or g["mult_c"] or g["percent"]):
                return None  # a lone 一 (一头耕牛, 一村一辅警) is an article, not a count
            if chinese[0] in "百千万亿" and not qualified and in_running_text:
                return None  # 千家万户, 万一: a bare unit counts only after 近/上/数/过 or before 余/多
            if len(chinese) > 1 and not set(chinese) & set(_CN_UNITS) and not (
                    len(chinese) == 4 and text.startswith("年", m.end())):
                # Digits without units are read digit by digit only in a year (二〇二三年); 三四线
                # is 三 + 四, 唯一一个 is 唯一 + 一个, never 34 or 11.
                raise NumberParseError(f"neighbouring numerals, not one number: {chinese!r}")
            value = parse_chinese_integer(chinese)
            infix, mult = g["infix_c"], g["mult_c"]
            if g["several"]:
                qualifier = "more_than"
        if mult:
            value *= _multiplier(mult)
            if "余" in mult or "多" in mult:
                qualifier = "more_than"
        if infix or g["infix_after"]:
            qualifier = "more_than"
        is_percent = g["percent"] is not None
        if g["percent"] == "成":
            value *= 10
        if g["percent"] == "倍":
            factor = value
            times = _multiple_is_times(text, start)
            value = (factor - 1) * 100 if times else factor * 100
            form = "multiple"
    if g["suffix"]:
        qualifier = SUFFIX_QUALIFIERS[g["suffix"]] if qualifier != "range" else qualifier
    if prefix == "近" and text.startswith(RECENT_PERIOD_SUFFIXES, m.end()):
        # 近五年来 is "in the last five years": 近 dates the period, it does not qualify the number.
        qualifier, start = "exact", start + 1
    if direction is None:
        direction = _direction_before(directions or _direction_words(text[:start]), start)
    return Mention(
        start=start,
        end=m.end(),
        text=text[start : m.end()],
        value=value,
        qualifier=qualifier,
        is_percent=is_percent,
        direction=direction,
        value_high=value_high,
        form=form,
        factor=factor,
    )


# Traditional forms of the characters numbers, qualifiers and direction words are written with,
# one character each, so that offsets hold: 3.5萬 reads as 3.5万 in a text not yet converted
# (a cited number as printed, a report whose script was not detected).
_TRADITIONAL = str.maketrans("萬億兩餘幾數點個約將過減長發沒無", "万亿两余几数点个约将过减长发没无")


def find_mentions(text: str) -> list[Mention]:
    """Every number expression in ``text``, in order, and the zero claims.

    ``text`` may be Simplified or Traditional (萬, 億, 兩 … are read as 万, 亿, 两); each
    mention's ``text`` is the original characters at its offsets.
    """
    original, text = text, text.translate(_TRADITIONAL)
    mentions = _find_mentions(text)
    if original is not text and original != text:
        mentions = [m.__class__(**{**m.__dict__, "text": original[m.start : m.end]}) for m in mentions]
    return mentions


# Punctuation that no number expression, direction word or zero marker contains, begins with or
# looks at (none is in _MENTION, _DIRECTION or ZERO_MARKERS): a stretch of text standing between
# two of them is read alone exactly as inside its text, but for direction words before it and the
# four characters N倍 looks back at.
SEPARATORS = frozenset("，。；：！？、\n")


def mentions_within(text: str, mentions: list[Mention], start: int, end: int,
                    starts: list[int] | None = None) -> list[Mention] | None:
    """``find_mentions(text[start:end])`` (offsets in the slice) taken from ``mentions``, which
    must be ``find_mentions(text)``: the mentions lying in the slice, each with the direction word
    before it in the slice alone. None where the slice might read otherwise alone, to be parsed
    then: it does not stand between SEPARATORS (or the ends of ``text``), or it holds a half or a
    multiple (减半, 翻一番 and N倍 read the words around them). ``starts``: the mentions' starts,
    where a caller keeps them (bisected instead of the mentions)."""
    if (start > 0 and text[start - 1] not in SEPARATORS) or (end < len(text) and text[end] not in SEPARATORS):
        return None
    first = bisect_left(mentions, start, key=_start_of) if starts is None else bisect_left(starts, start)
    if first > 0 and mentions[first - 1].end > start:
        return None  # a mention runs into the slice from before it
    directions = None
    found = []
    for m in mentions[first:]:
        if m.start >= end:
            break
        if m.end > end or m.form in ("half", "multiple"):
            return None
        if directions is None:
            directions = _direction_words(text[start:end].translate(_TRADITIONAL))
        at = m.start - start
        # every field, as dataclasses.replace would copy them, at a third of its cost
        found.append(Mention(at, m.end - start, m.text, m.value, m.qualifier, m.is_percent,
                             m.is_zero_claim, 0 if m.is_zero_claim else _direction_before(directions, at),
                             m.value_high, m.form, m.factor))
    return found


assert [f.name for f in fields(Mention)] == ["start", "end", "text", "value", "qualifier", "is_percent",
                                            "is_zero_claim", "direction", "value_high", "form", "factor"], \
    "mentions_within copies every field of Mention by position"


def _start_of(mention: Mention) -> int:
    return mention.start


def _find_mentions(text: str) -> list[Mention]:
    mentions: list[Mention] = []
    directions = _direction_words(text)
    for m in _MENTION.finditer(text):
        if not m.group(0) or not (any(c.isdigit() or c in _CN_DIGITS + _CN_UNITS for c in m.group(0))
                                  or m.group("half")):
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
    mentions = _join_lower_units(mentions, text)
    for m in _ZERO.finditer(text):
        if m.group(0) == "零" and _is_inside_numeral(text, m.start()):
            continue
        mentions.append(Mention(m.start(), m.end(), m.group(0), Decimal(0), "exact", False, True, 0))
    mentions.sort(key=lambda x: (x.start, x.end))
    return mentions


_ENDS_IN_MULTIPLIER = re.compile(rf"(?:\d|[{_CN_DIGITS}])(?:{_mult})$")
_YEAR = re.compile(r"(19|20)\d\d")


def _join_lower_units(mentions: list[Mention], text: str) -> list[Mention]:
    """1万2千 → 12000, 1万2 → 12000, 13万2 → 132000, 3亿5000万 → 350000000: a number written
    right after a multiplier continues it. A single digit with no unit of its own stands for the
    next lower unit (1万2 is 1.2万), as the spoken form has it; anything else adds as written."""
    joined: list[Mention] = []
    for m in mentions:
        prev = joined[-1] if joined else None
        if (prev is not None and prev.end == m.start and prev.form == "number" and m.form == "number"
                and not prev.is_percent and prev.qualifier == "exact" and prev.value_high is None
                and _ENDS_IN_MULTIPLIER.search(prev.text) and not m.text[0] in "近约超逾上数几过"
                and not (_YEAR.fullmatch(m.text) and text.startswith("年", m.end))):
            unit = MULTIPLIERS[re.search(f"(?:{_mult})$", prev.text).group(0)]
            tail = m.value
            if re.fullmatch(rf"\d|[{_CN_NONZERO}]", m.text):
                tail = m.value * unit / 10
            if tail < unit:
                joined[-1] = Mention(prev.start, m.end, text[prev.start : m.end], prev.value + tail,
                                     m.qualifier, m.is_percent, direction=prev.direction)
                continue
        joined.append(m)
    return joined


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

    ``parse_number("60万余")`` → (600000, "more_than"); ``parse_number("两三百")`` → (200,
    "range") (see :func:`parse_printed` for both ends). Raises :class:`NumberParseError` when the
    text is not exactly one number expression.
    """
    mention = parse_printed(text)
    return mention.value, mention.qualifier


def parse_printed(text: str) -> Mention:
    """The one number expression ``text`` is, read as in running text except that a bare 一 or a
    bare unit is a number (a cell holding 一 means one): value, qualifier, range, form.

    Raises :class:`NumberParseError` when ``text`` holds anything but exactly one number
    expression (with its qualifier and multiplier characters).
    """
    if not text:
        raise NumberParseError("not a number expression: ''")
    found = [m for m in find_mentions(text) if not m.is_zero_claim or text == "零"]
    if len(found) == 1 and (found[0].start, found[0].end) == (0, len(text)):
        return found[0]
    m = _MENTION.fullmatch(text)
    if m is not None:
        try:
            mention = _mention_from_match(m, text, in_running_text=False)
        except NumberParseError:
            mention = None
        if mention is not None:
            return mention
    raise NumberParseError(f"not a number expression: {text!r}")


def plain_number(value: Decimal | None) -> str:
    """Decimal → '600000', '-10.2', '0.5' (no exponent, no trailing zeros); None → ''."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


CHANGE_MEASURES = frozenset({"relative_change_pct", "change_pp", "change_unspecified"})


def signed_value(mention: Mention, measure: str) -> tuple[Decimal, Decimal | None]:
    """(value, value_high) a row of ``measure`` takes from ``mention``: a change takes its sign
    from the direction word before the number (下降12.5% → -12.5); anything else the number as
    written. A negative range keeps low <= high (下降两三成 → -30, -20)."""
    value, high = mention.value, mention.value_high
    if measure in CHANGE_MEASURES and mention.direction < 0:
        value, high = -value, (-high if high is not None else None)
        if high is not None:
            value, high = high, value
    return value, high


def derivable_values(quote: str, measure: str, mentions: list[Mention] | None = None
                     ) -> set[tuple[Decimal, str, Decimal | None]]:
    """The (value, qualifier, value_high) triples a row citing ``quote`` may state; value_high is
    None except for a stated range (qualifier ``range``). ``mentions``: ``find_mentions(quote)``
    where it is known already (:func:`mentions_within`), else it is found here.

    A zero claim needs a zero marker in the quote, and a stock stated as cleared to zero (清零) the
    numeral 零; a change takes its sign from the direction word before the number; any other
    measure takes the number as written.
    """
    found: set[tuple[Decimal, str, Decimal | None]] = set()
    for mention in find_mentions(quote) if mentions is None else mentions:
        if mention.is_zero_claim:
            if measure == "zero_claim" or (measure == "stock_count" and mention.text == "零"):
                found.add((Decimal(0), "exact", None))
            continue
        value, high = signed_value(mention, measure)
        found.add((value, mention.qualifier, high))
    return found


# English direction words, for cited pages in English (a government site's English edition).
ENGLISH_DIRECTIONS = {"fell": -1, "decreased": -1, "declined": -1, "dropped": -1, "down": -1,
                      "rose": 1, "increased": 1, "grew": 1, "up": 1}
_PRINTED_DIRECTION = re.compile(
    "(?:" + "|".join(sorted(DECREASE_WORDS + INCREASE_WORDS + ("降", "升"), key=len, reverse=True))
    + ")(?:了)?(?:到|至|为)?")
# What a number as printed may hold besides the number: nothing but its qualifier and multiplier
# characters (checked by parsing it as exactly one number expression).


def derive_printed(number: str, direction: str, measure: str) -> tuple[Decimal, str, Decimal | None]:
    """(value, qualifier, value_high) of a cited number, from the number as printed and the
    direction word printed before it, exactly as a quote's number is read.

    ``derive_printed("23.8%", "下降", "relative_change_pct")`` → (-23.8, "exact", None);
    ``derive_printed("2倍", "增长", ...)`` → (200, ...); ``derive_printed("3倍", "增长到", ...)`` →
    (200, ...); an empty number with measure ``zero_claim`` → (0, "exact", None).

    Raises :class:`NumberParseError` when ``number`` holds more than one number expression with
    its qualifier and multiplier characters (a word, a unit, a sentence), or ``direction`` is not
    a direction word (下降, 增长, 增长到, 降, English fell/rose …).
    """
    if direction and not (_PRINTED_DIRECTION.fullmatch(direction) or direction.lower() in ENGLISH_DIRECTIONS):
        raise NumberParseError(f"not a direction word: {direction!r} (下降, 上升, 增长到, fell, rose …)")
    if not number:
        if measure == "zero_claim":
            return Decimal(0), "exact", None
        raise NumberParseError("the number as printed is empty (only a zero claim written in words "
                               "may leave it empty)")
    if number in ("零", "0") and measure == "zero_claim":
        return Decimal(0), "exact", None
    if direction and direction.lower() not in ENGLISH_DIRECTIONS:
        text = direction.translate(_TRADITIONAL) + number
        found = [m for m in find_mentions(text) if not m.is_zero_claim]
        if len(found) != 1 or (found[0].start, found[0].end) != (len(direction), len(text)):
            raise NumberParseError(f"not a number expression: {number!r}")
        mention = found[0]
        if mention.direction == 0 and direction.rstrip("了到至为") in ("降", "升"):
            mention = Mention(**{**mention.__dict__, "direction": -1 if direction[0] == "降" else 1})
    else:
        mention = parse_printed(number)
        if direction:
            mention = Mention(**{**mention.__dict__, "direction": ENGLISH_DIRECTIONS[direction.lower()]})
    value, high = signed_value(mention, measure)
    return value, mention.qualifier, high
