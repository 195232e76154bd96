"""Number parsing: every form the reports use, and properties over generated numbers."""

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.dataset.numbers import (NumberParseError, derivable_values, find_mentions, mentions_within, parse_arabic,
                              parse_printed,
                              parse_chinese_integer, parse_number)


def mentions(text):
    return [(m.text, m.value, m.qualifier) for m in find_mentions(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("排查化解各类矛盾纠纷60万余起", [("60万余", Decimal(600000), "more_than")]),
        ("查扣涉黑涉恶资产2亿多元", [("2亿多", Decimal(200000000), "more_than")]),
        ("共报送相关线索1885件1909人", [("1885", Decimal(1885), "exact"), ("1909", Decimal(1909), "exact")]),
        ("安全感持续保持98%以上", [("98%以上", Decimal(98), "more_than")]),
        ("增加集体收入近千万元", [("近千万", Decimal(10**7), "nearly")]),
        ("每个湾村一般住十几户人", [("十几", Decimal(10), "more_than")]),
        ("每天多达上百件", [("上百", Decimal(100), "about")]),
        ("挽回损失数万元", [("数万", Decimal(10000), "more_than")]),
        ("全市累计建设视频点位12.45万个", [("12.45万", Decimal(124500), "exact")]),
        ("当场搜出现金35.58万元", [("35.58万", Decimal(355800), "exact")]),
        ("约3000人", [("约3000", Decimal(3000), "about")]),
        ("300人左右", [("300人左右", Decimal(300), "about")]),
        ("10起以上", [("10起以上", Decimal(10), "more_than")]),
        ("逾500起", [("逾500", Decimal(500), "more_than")]),
        ("超过20个", [("超过20", Decimal(20), "more_than")]),
        ("至少8次", [("至少8", Decimal(8), "at_least")]),
        ("二十余万人", [("二十余万", Decimal(200000), "more_than")]),
        ("百分之九十八点五", [("百分之九十八点五", Decimal("98.5"), "exact")]),
        ("提高3.5个百分点", [("3.5个百分点", Decimal("3.5"), "exact")]),
        ("共1,234,567人", [("1,234,567", Decimal(1234567), "exact")]),
        ("两批", [("两", Decimal(2), "exact")]),
        ("三年攻坚", [("三", Decimal(3), "exact")]),
    ],
)
def test_forms_found_in_the_reports(text, expected):
    assert [(t, v, q) for t, v, q in mentions(text)] == expected


def test_recent_years_is_not_a_nearly_qualifier():
    # 近五年来 = "in the last five years": the number is exact and 近 is not part of it.
    (five, zero) = find_mentions("近五年来实现“零命案”")
    assert (five.text, five.value, five.qualifier) == ("五", 5, "exact")
    assert zero.is_zero_claim and zero.value == 0
    assert mentions("近3万人") == [("近3万", Decimal(30000), "nearly")]


def test_articles_and_words_are_not_numbers():
    assert mentions("一头耕牛,一步一个脚印,万一,千年古县,第一方阵") == []


def test_rank_words_after_a_number_are_not_qualifiers():
    # 以上 qualifies 正科级, not 36.
    assert mentions("36名正科级以上领导干部") == [("36", Decimal(36), "exact")]


def test_zero_claims():
    found = find_mentions("全市没有发生吸毒人员肇事肇祸案事件")
    assert [m.is_zero_claim for m in found] == [True]
    assert not any(m.is_zero_claim for m in find_mentions("一百零五人"))


def test_changes_take_their_sign_from_the_nearest_direction_word():
    quote = "全省刑事警情、治安警情分别同比下降10.2%、8.3%"
    assert derivable_values(quote, "relative_change_pct") == {(Decimal("-10.2"), "exact", None),
                                                              (Decimal("-8.3"), "exact", None)}
    assert derivable_values("破案率同比上升27.7%", "change_unspecified") == {(Decimal("27.7"), "exact", None)}
    # the same number read as a count keeps its sign as written
    assert (Decimal("10.2"), "exact", None) in derivable_values(quote, "flow_count")
    mixed = "发案下降5%,破案增长7%"
    assert derivable_values(mixed, "relative_change_pct") == {(Decimal(-5), "exact", None),
                                                              (Decimal(7), "exact", None)}


def test_zero_needs_a_zero_claim_measure():
    assert derivable_values("近五年来实现“零命案”", "zero_claim") == {(Decimal(0), "exact", None),
                                                                (Decimal(5), "exact", None)}
    assert (Decimal(0), "exact", None) not in derivable_values("近五年来实现“零命案”", "flow_count")


def test_parse_number_refuses_anything_but_one_number():
    assert parse_number("60万余") == (Decimal(600000), "more_than")
    for text in ("", "平安", "60万 余人"):
        with pytest.raises(NumberParseError):
            parse_number(text)


def test_badly_grouped_separators_are_refused():
    with pytest.raises(NumberParseError):
        parse_arabic("12,34")
    with pytest.raises(NumberParseError):
        parse_chinese_integer("平安")


# --- properties ---------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**12)
decimals = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@given(counts)
def test_arabic_integers_round_trip(n):
    assert parse_number(str(n)) == (n, "exact")


@given(st.integers(min_value=1000, max_value=10**12))
def test_thousands_separators_round_trip(n):
    assert parse_number(f"{n:,}") == (n, "exact")


@given(decimals)
def test_decimals_round_trip(d):
    assert parse_number(str(d)) == (d, "exact")


@given(decimals, st.sampled_from([("万", 10**4), ("亿", 10**8), ("千万", 10**7)]))
def test_multipliers_are_exact(d, multiplier):
    word, factor = multiplier
    assert parse_number(f"{d}{word}") == (d * factor, "exact")


@given(st.integers(min_value=1, max_value=10**8 - 1))
def test_chinese_numerals_round_trip(n):
    assert parse_number(cn2an.an2cn(n)) == (n, "exact")


@given(st.integers(min_value=1, max_value=99))
def test_chinese_percent_round_trip(n):
    assert parse_number("百分之" + cn2an.an2cn(n)) == (n, "exact")


@given(counts, st.sampled_from([("{}余", "more_than"), ("{}多", "more_than"), ("{}以上", "more_than"),
                               ("超{}", "more_than"), ("逾{}", "more_than"), ("近{}", "nearly"),
                               ("约{}", "about"), ("{}左右", "about"), ("至少{}", "at_least"),
                               ("{}%以上", "more_than")]))
def test_qualifiers_are_read_around_any_number(n, form):
    pattern, qualifier = form
    assert parse_number(pattern.format(n)) == (n, qualifier)


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=5),
       st.sampled_from(["件", "人", "个", "起"]))
def test_every_number_in_a_sentence_is_found(values, unit):
    sentence = "共" + ",".join(f"{v}{unit}" for v in values) + "。"
    assert [m.value for m in find_mentions(sentence)] == values


@given(st.integers(1, 10), st.booleans(), st.sampled_from(["", "近", "约", "超"]),
       st.sampled_from(["", "以上", "左右"]))
def test_cheng_is_tenths_of_the_whole(n, arabic, prefix, suffix):
    """三成 = 30%, 近三成 = nearly 30%, 两成左右 = about 20%, 九成以上 = more than 90%."""
    numeral = str(n) if arabic else ("两" if n == 2 else cn2an.an2cn(n))
    text = f"参与率{prefix}{numeral}成{suffix},"
    (mention,) = find_mentions(text)
    expected_qualifier = {"以上": "more_than", "左右": "about"}.get(suffix) or \
        {"近": "nearly", "约": "about", "超": "more_than"}.get(prefix, "exact")
    assert (mention.value, mention.qualifier, mention.is_percent) == (Decimal(10 * n), expected_qualifier, True)
    assert parse_number(f"{prefix}{numeral}成{suffix}") == (Decimal(10 * n), expected_qualifier)


@pytest.mark.parametrize("text", ["成立三个中心", "三成员", "一成不变", "建成五个", "十成为"])
def test_cheng_that_begins_a_word_is_not_tenths(text):
    assert not any(m.is_percent for m in find_mentions(text))


# --- forms people write (issue 12): each was read wrongly before ----------------------------------

def one(text):
    """The single mention of ``text`` as (text, value, qualifier, value_high, form)."""
    found = find_mentions(text)
    assert len(found) == 1, [(m.text, m.value) for m in found]
    m = found[0]
    return m.text, m.value, m.qualifier, m.value_high, m.form


@pytest.mark.parametrize("text, printed, value, qualifier", [
    ("捐款1万2千元", "1万2千", 12000, "exact"),       # was 10000 and 2000
    ("1万2", "1万2", 12000, "exact"),                 # was 10000 and 2
    ("13万2", "13万2", 132000, "exact"),              # was 130000 and 2
    ("一万二", "一万二", 12000, "exact"),
    ("3亿5000万元", "3亿5000万", 350000000, "exact"),
    ("3亿5", "3亿5", 350000000, "exact"),
    ("2万3千余人", "2万3千余", 23000, "more_than"),
    ("1万2000件", "1万2000", 12000, "exact"),
    ("6千5百元", "6千5百", 6500, "exact"),
])
def test_digits_after_a_multiplier_continue_the_number(text, printed, value, qualifier):
    assert one(text) == (printed, Decimal(value), qualifier, None, "number")


def test_a_year_after_a_multiplier_is_not_part_of_it():
    assert [(m.text, m.value) for m in find_mentions("投入10万2019年起")] == [
        ("10万", 10**5), ("2019", 2019)]


@pytest.mark.parametrize("text, printed, low, high", [
    ("两三百人", "两三百", 200, 300),                 # was 23
    ("十七八个", "十七八", 17, 18),                   # was 17 and 8
    ("三四十万元", "三四十万", 300000, 400000),
    ("一百五六十人", "一百五六十", 150, 160),
    ("五六千件", "五六千", 5000, 6000),
    ("七八个", "七八", 7, 8),
    ("三五年", "三五", 3, 5),
    ("一两个", "一两", 1, 2),
    ("二三十起", "二三十", 20, 30),
])
def test_neighbouring_numerals_state_a_range(text, printed, low, high):
    assert one(text) == (printed, Decimal(low), "range", Decimal(high), "range")


@pytest.mark.parametrize("text, expected", [
    ("“十四五”规划", [("十四", 14), ("五", 5)]),       # the 14th Five-Year Plan, not 14-15
    ("十三五期间", [("十三", 13), ("五", 5)]),
    ("三四线城市", [("三", 3), ("四", 4)]),             # was 34
    ("唯一一个", []),                                   # was 11
    ("逐一排查", []),
])
def test_neighbouring_numerals_that_are_no_range(text, expected):
    assert [(m.text, m.value) for m in find_mentions(text)] == expected


def test_a_year_in_chinese_digits_is_read_digit_by_digit():
    assert [(m.text, m.value) for m in find_mentions("一九九八年")] == [("一九九八", 1998)]


@pytest.mark.parametrize("text, printed, value, qualifier", [
    ("排查化解矛盾纠纷千余件", "千余", 1000, "more_than"),   # was no mention at all
    ("百余人", "百余", 100, "more_than"),
    ("万余元", "万余", 10000, "more_than"),
    ("百多家", "百多", 100, "more_than"),
    ("5百余人", "5百余", 500, "more_than"),               # was 5, exact
    ("3千多起", "3千多", 3000, "more_than"),
    ("投入警力过万人次", "过万", 10000, "more_than"),
    ("超万人", "超万", 10000, "more_than"),
])
def test_a_bare_unit_with_a_qualifier_is_a_number(text, printed, value, qualifier):
    assert one(text) == (printed, Decimal(value), qualifier, None, "number")


@pytest.mark.parametrize("text, printed, value, qualifier", [
    ("3万多亿元", "3万多亿", 3 * 10**12, "more_than"),    # was 30000
    ("2万余亿元", "2万余亿", 2 * 10**12, "more_than"),
    ("5千多万元", "5千多万", 5 * 10**7, "more_than"),
    ("三万多亿元", "三万多亿", 3 * 10**12, "more_than"),
    ("1.2万亿元", "1.2万亿", Decimal("1.2") * 10**12, "exact"),
])
def test_compound_multipliers_multiply(text, printed, value, qualifier):
    assert one(text) == (printed, Decimal(value), qualifier, None, "number")


@pytest.mark.parametrize("text, measure, value", [
    ("案件数翻一番", "relative_change_pct", 100),          # was no mention
    ("翻两番", "relative_change_pct", 300),
    ("同比增长了一倍", "relative_change_pct", 100),          # was no mention
    ("同比增长2倍", "relative_change_pct", 200),            # was 2, suggested as 2 %
    ("提高3倍", "relative_change_pct", 300),
    ("增长到3倍", "relative_change_pct", 200),              # N times as much: (N - 1) x 100
    ("增至4倍", "relative_change_pct", 300),
    ("是去年的3倍", "relative_change_pct", 200),
    ("减少一半", "relative_change_pct", -50),
    ("发案减半", "relative_change_pct", -50),
    ("下降了一半", "relative_change_pct", -50),
])
def test_multiples_and_halves_are_changes_in_percent(text, measure, value):
    (m,) = find_mentions(text)
    assert m.is_percent
    assert derivable_values(text, measure) == {(Decimal(value), "exact", None)}


def test_a_multiple_keeps_what_was_printed():
    (m,) = find_mentions("同比增长2倍")
    assert (m.text, m.factor, m.value, m.form) == ("2倍", 2, 200, "multiple")
    (m,) = find_mentions("翻两番")
    assert (m.text, m.factor, m.value) == ("翻两番", 4, 300)


@pytest.mark.parametrize("text, value, qualifier", [
    ("四分之一", 25, "exact"),
    ("三分之一", Decimal("33.33"), "about"),
    ("三分之二", Decimal("66.67"), "about"),
    ("千分之五", Decimal("0.5"), "exact"),
    ("五分之四", 80, "exact"),
    ("超过三分之一", Decimal("33.33"), "more_than"),
    ("一半", 50, "exact"),
    ("过半", 50, "more_than"),
    ("近半数", 50, "nearly"),
    ("半数", 50, "exact"),
])
def test_fractions_and_halves_are_percentages(text, value, qualifier):
    (m,) = find_mentions(text)
    assert (m.value, m.qualifier, m.is_percent) == (Decimal(value), qualifier, True)


@pytest.mark.parametrize("text", ["上半年", "半年来", "半小时"])
def test_half_of_a_period_is_no_number(text):
    assert find_mentions(text) == []


@pytest.mark.parametrize("text", ["千家万户", "百警进百企", "万所联万会", "一村一辅警", "一头耕牛",
                                  "万一", "千年古县", "百姓", "一个不漏"])
def test_forms_that_are_never_numbers(text):
    """The written rule (module docstring; docs/curation_guide.md): a bare unit with no qualifier
    and a lone 一 are parts of words."""
    assert find_mentions(text) == []


@pytest.mark.parametrize("text, value, qualifier", [
    ("挽回損失3.5萬元", 35000, "exact"),    # was 3.5
    ("查扣資產2億多元", 2 * 10**8, "more_than"),
    ("數萬元", 10000, "more_than"),
    ("兩三百人", 200, "range"),
])
def test_traditional_numerals_are_read(text, value, qualifier):
    (m,) = find_mentions(text)
    assert (m.value, m.qualifier) == (Decimal(value), qualifier)


def test_parse_printed_reads_a_cited_number():
    assert parse_printed("两三百").value_high == 300
    assert (parse_printed("一").value, parse_printed("千").value) == (1, 1000)
    assert parse_number("近三成") == (30, "nearly")
    assert parse_number("5.2万余") == (52000, "more_than")
    for text in ("两三百人", "下降12%", "平安2023"):
        with pytest.raises(NumberParseError):
            parse_printed(text)


# A number written in the forms people use: Arabic, Chinese, and Arabic with 万/亿 (whole and
# decimal), alone or with 余/多 after it. Every form must give the same value.

def _forms(n: int) -> list[str]:
    forms = [str(n), f"{n:,}", cn2an.an2cn(n)]
    for word, unit in (("亿", 10**8), ("万", 10**4)):
        if n >= unit:
            high, rest = divmod(n, unit)
            if rest == 0:
                forms.append(f"{high}{word}")
            else:
                forms.append(f"{Decimal(n) / unit}{word}")          # 12.3456万
                if rest >= unit // 10:
                    forms.append(f"{high}{word}{rest}")             # 1万2000
            break
    return forms


@given(st.integers(min_value=1, max_value=10**12 - 1))
def test_every_form_of_an_integer_parses_to_it(n):
    for form in _forms(n):
        assert parse_number(form) == (n, "exact"), form


@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["万", "亿"]), st.sampled_from(["余", "多"]),
       st.booleans())
def test_more_than_a_multiple_in_every_form(n, word, more, chinese):
    unit = {"万": 10**4, "亿": 10**8}[word]
    numeral = cn2an.an2cn(n) if chinese else str(n)
    for form in (f"{numeral}{word}{more}", f"{numeral}{more}{word}"):
        assert parse_number(form) == (n * unit, "more_than"), form


@given(st.decimals(min_value=Decimal("0.01"), max_value=9999, places=2), st.sampled_from(["万", "亿"]))
def test_decimal_multiples_in_running_text(d, word):
    unit = {"万": 10**4, "亿": 10**8}[word]
    (m,) = find_mentions(f"共投入{d}{word}元,")
    assert m.value == d * unit


# Pieces of text that exercise every context rule: numerals and units, qualifiers before and after,
# direction words, zero markers, halves and multiples, years, ranges, and the separators.
_PIECES = ["3", "12", "1,885", "35.58", "二", "十", "三四", "两三百", "千", "万", "余", "多", "近", "约",
           "超过", "上", "数", "几", "%", "成", "倍", "翻一番", "半", "减", "过", "下降", "增长", "增",
           "到", "了", "年", "年来", "以上", "左右", "个", "起", "人", "零", "没有", "无", "少", "员",
           "分之", "百分之", "点", "〇", "萬", "減", "，", "。", "；", "、", "\n", "的", "是"]


@given(st.lists(st.sampled_from(_PIECES), max_size=14), st.data())
def test_a_quote_between_separators_reads_alone_as_in_its_report(pieces, data):
    """mentions_within gives exactly what parsing the slice alone gives (every field), or None."""
    text = "".join(pieces)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    within = mentions_within(text, find_mentions(text), start, end)
    if within is not None:
        assert within == find_mentions(text[start:end])


def test_a_quote_between_separators_takes_its_numbers_from_its_report():
    text = "全年下降，刑事案件同比下降10.2%、立案3万余起，近五年来零命案。"
    start = text.index("刑事")
    end = text.index("，近")
    within = mentions_within(text, find_mentions(text), start, end)
    assert within == find_mentions(text[start:end]) and len(within) == 2
    assert [m.direction for m in within] == [-1, -1]
    # the direction word before the quote does not sign a number in it
    after = text.index("立案")
    assert [m.direction for m in mentions_within(text, find_mentions(text), after, end)] == [0]
    # not between separators, or holding a multiple: read alone instead
    assert mentions_within(text, find_mentions(text), start + 1, end) is None
    doubled = "，增长，3倍。"
    assert mentions_within(doubled, find_mentions(doubled), 4, 6) is None
    # the starts a caller keeps give the same slice
    found = find_mentions(text)
    assert mentions_within(text, found, start, end, [m.start for m in found]) == within
