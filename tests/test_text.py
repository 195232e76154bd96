"""Normalization: the text every quote is matched against."""

import pytest

from analysis.dataset.text import (TextDecodingError, decode_utf8, normalize, normalize_whitespace,
                           strip_html, strip_pinyin)


def test_strip_html_removes_tags_even_without_their_opening_bracket():
    # In 003 the "<" of a tag was lost to an encoding conversion.
    assert strip_html('走来?。?span style="letter-spacing: 0.2px;">天门') == "走来?。?天门"
    assert strip_html('打印<span id="printapp">字体</span>') == "打印字体"
    assert strip_html("a &amp; b&nbsp;c") == "a & b\xa0c"


def test_strip_html_leaves_ordinary_text_with_angle_brackets():
    assert strip_html("首页 > 学术探索 > 平安") == "首页 > 学术探索 > 平安"


def test_strip_pinyin_only_after_han_characters():
    assert strip_pinyin("發(fā)布時間 調(diào)解") == "發布時間 調解"
    assert strip_pinyin("(fa)") == "(fa)"  # not after a Han character
    assert strip_pinyin("社区(村)") == "社区(村)"  # Han text in parentheses is kept


def test_normalize_converts_traditional_only_when_asked():
    traditional = "發(fā)布時間:2022年11月24日 平安建設"
    assert normalize(traditional, "Traditional") == "发布时间:2022年11月24日 平安建设\n"
    assert normalize("發布", "Simplified") == "發布\n"


def test_normalize_folds_full_width_forms_and_white_space():
    text = "  全省\u3000４９２７个社区，占９８％ \r\n\r\n\t下一段  "
    assert normalize(text) == "全省 4927个社区,占98%\n下一段\n"


def test_normalize_is_deterministic_and_idempotent():
    text = "發(fā)布 <b>x</b>  y\n\n z"
    once = normalize(text, "Traditional")
    assert once == normalize(text, "Traditional")
    assert normalize(once, "Simplified") == once


def test_normalize_whitespace_drops_blank_lines():
    assert normalize_whitespace("a\n \n\nb") == "a\nb\n"


def test_normalize_refuses_an_unknown_script():
    with pytest.raises(ValueError, match="unknown script"):
        normalize("x", "Latin")


def test_decode_accepts_bom_and_names_the_file_on_bad_bytes():
    assert decode_utf8("\ufeff平安".encode("utf-8"), "a.txt") == "平安"
    with pytest.raises(TextDecodingError, match=r"b\.csv: not UTF-8 \(invalid byte 0xb0 at byte offset 4\)"):
        decode_utf8(b"ab" + "平安".encode("gbk"), "b.csv")  # GBK: C6 BD B0 B2
