"""Number parsing: every form the reports use, and properties over generated numbers."""

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.dataset.numbers import (NumberParseError, derivable_values, find_mentions, parse_arabic,
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
    assert derivable_values(quote, "relative_change_pct") == {(Decimal("-10.2"), "exact"),
                                                              (Decimal("-8.3"), "exact")}
    assert derivable_values("破案率同比上升27.7%", "change_unspecified") == {(Decimal("27.7"), "exact")}
    # the same number read as a count keeps its sign as written
    assert (Decimal("10.2"), "exact") in derivable_values(quote, "flow_count")
    mixed = "发案下降5%,破案增长7%"
    assert derivable_values(mixed, "relative_change_pct") == {(Decimal(-5), "exact"), (Decimal(7), "exact")}


def test_zero_needs_a_zero_claim_measure():
    assert derivable_values("近五年来实现“零命案”", "zero_claim") == {(Decimal(0), "exact"),
                                                                (Decimal(5), "exact")}
    assert (Decimal(0), "exact") not in derivable_values("近五年来实现“零命案”", "flow_count")


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
