"""Normalization: the text every quote is matched against."""

import pytest

from analysis.dataset.text import (TextDecodingError, decode_utf8, detect_script, normalize, normalize_whitespace,
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


# --- glosses whose base character was lost --------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("申?(qǐng)表", "申?表"),  # the ? is the lost character: it stays, the gloss goes
    ("申？(qǐng)表", "申？表"),  # full-width question mark
    ("?(qǐng)?(qiú)?(lǜ)", "???"),  # several in a row (lǜ: ü with a tone mark)
    ("當?(shù)地", "當?地"),
    ("見附件?(PDF)", "見附件?(PDF)"),  # a parenthesised Latin word is not a gloss
    ("見附件?(pdf)", "見附件?(pdf)"),  # lower case, but no syllable of Mandarin
    ("好嗎?(ok)", "好嗎?(ok)"),
    ("why?(really)", "why?(really)"),
    ("發(fā)布", "發布"),  # after a Han character, as before
    ("發(pdf)布", "發(pdf)布"),
])
def test_strip_pinyin_removes_glosses_of_lost_characters(text, expected):
    assert strip_pinyin(text) == expected


def test_a_lost_base_gloss_leaves_the_question_mark_in_the_normalized_text():
    assert normalize("申?(qǐng)人數(shù)1.2萬", "Traditional") == "申?人数1.2万\n"


# --- script detection ---------------------------------------------------------------------------

def test_the_script_of_every_archived_report_is_detected():
    from analysis.config import RAW_DIR
    from conftest import read_rows

    _, sources = read_rows(RAW_DIR / "sources.csv")
    assert sorted(r["script"] for r in sources) == ["Simplified"] * 4 + ["Traditional"]
    for row in sources:
        text = decode_utf8((RAW_DIR / "reports" / row["file"]).read_bytes(), row["file"])
        assert detect_script(text).script == row["script"], row["source_id"]


@pytest.mark.parametrize("text, script", [
    ("發布時間:2022年11月24日 平安建設 全縣公安機關化解矛盾糾紛1200餘起", "Traditional"),
    ("发布时间:2022年11月24日 平安建设 全县公安机关化解矛盾纠纷1200余起", "Simplified"),
    # a Simplified report quoting a few Traditional words is still Simplified
    ("发布时间:2022年 平安建设工作综述 化解矛盾纠纷 进一步 发展经济 “平安建設”", "Simplified"),
    # half and half: no guess
    ("平安建設工作綜述 發布時間 平安建设工作综述 发布时间", ""),
    # almost no Han characters: no guess
    ("Annual report 2024 (PDF) 平安", ""),
    ("", ""),
    # only characters both scripts share
    ("平安 人民 中心 工作 一二三四五六七八九十", ""),
])
def test_detect_script(text, script):
    evidence = detect_script(text)
    assert evidence.script == script, evidence.describe()


def test_detect_script_describes_what_it_counted():
    assert detect_script("發布時間 平安建設 綜述 發布時間 平安建設 數萬").describe() == (
        "Traditional (11 Traditional and 0 Simplified forms among 20 Han characters)")
    assert detect_script("发布时间 平安建设 发布时间 平安建设").describe() == (
        "undetermined: too few characters tell the scripts apart (0 Traditional and 8 Simplified "
        "forms among 16 Han characters; at least 10 needed)")
