"""Normalization of the archived reports into the text that quotes are checked against.

Every step is deterministic and documented, because every curated quote must be found again,
character for character, in the output of :func:`normalize`. Changing a step here changes what a
valid quote is: rebuild and re-validate the whole dataset after any change.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# Stray HTML in the reports. In 003 the "<" of a tag was lost to a site's encoding conversion
# (`?。?span id="printapp">`), so the opening bracket is optional; the element names are listed
# so that ordinary text followed by ">" is never taken for a tag.
_HTML_TAG = re.compile(
    r"<?/?(?:span|div|p|a|br|img|font|strong|em|b|i|section|table|tr|td)\b[^<>\n]*>"
    r"|<!--.*?-->",
    re.IGNORECASE | re.DOTALL,
)

# Pinyin glosses inserted after Han characters by a site's "annotation" feature: 發(fā)布.
_PINYIN_GLOSS = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")

# Runs of horizontal white space (NFKC has already turned U+3000 and NBSP into spaces).
_HORIZONTAL_SPACE = re.compile(r"[ \t\f\v]+")


class TextDecodingError(ValueError):
    """A report or table that is not UTF-8."""


def decode_utf8(data: bytes, name: str) -> str:
    """Decode UTF-8, accepting a BOM; refuse anything else with the file's name and the byte offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TextDecodingError(
            f"{name}: not UTF-8 (invalid byte 0x{data[exc.start]:02x} at byte offset {exc.start})"
        ) from None


@lru_cache(maxsize=1)
def _t2s_converter():
    import opencc  # imported lazily: only Traditional-script reports need it

    return opencc.OpenCC("t2s")


def strip_html(text: str) -> str:
    """Remove tags and comments, then resolve character entities (&nbsp; &amp; ...)."""
    return html.unescape(_HTML_TAG.sub("", text))


def strip_pinyin(text: str) -> str:
    """Remove pinyin glosses written in parentheses right after a Han character."""
    return _PINYIN_GLOSS.sub("", text)


def to_simplified(text: str) -> str:
    """Traditional to Simplified Chinese with OpenCC's t2s profile."""
    return _t2s_converter().convert(text)


def normalize_whitespace(text: str) -> str:
    """One space for any run of spaces, no blank lines, no leading/trailing space on a line."""
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line) + "\n"


def normalize(text: str, script: str = "Simplified") -> str:
    """The normalized text of a report: the only text quotes are matched against.

    Steps, in order: HTML removed; pinyin glosses removed; Traditional converted to Simplified
    (only when ``script`` is "Traditional", so that Simplified reports are never touched by a
    conversion table); Unicode NFKC (full-width digits, %, and spaces become ASCII); white space
    normalized line by line.
    """
    if script not in ("Simplified", "Traditional"):
        raise ValueError(f"unknown script {script!r}: expected Simplified or Traditional")
    text = strip_pinyin(strip_html(text))
    if script == "Traditional":
        text = to_simplified(text)
    text = unicodedata.normalize("NFKC", text)
    return normalize_whitespace(text)


def normalize_fragment(text: str, script: str = "Simplified") -> str:
    """A few words (a body marker typed or pasted by a curator) normalized exactly as a report is,
    so that "2025年，全县" finds "2025年,全县" in the normalized text."""
    return normalize(text, script).rstrip("\n")
