"""Normalization of the archived reports into the text that quotes are checked against.

Every step is deterministic and documented, because every curated quote must be found again,
character for character, in the output of :func:`normalize`. Changing a step here changes what a
valid quote is: rebuild and re-validate the whole dataset after any change.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Stray HTML in the reports. In 003 the "<" of a tag was lost to a site's encoding conversion
# (`?。?span id="printapp">`), so the opening bracket is optional; the element names are listed
# so that ordinary text followed by ">" is never taken for a tag.
_HTML_TAG = re.compile(
    r"<?/?(?:span|div|p|a|br|img|font|strong|em|b|i|section|table|tr|td)\b[^<>\n]*>"
    r"|<!--.*?-->",
    re.IGNORECASE | re.DOTALL,
)

# Pinyin glosses inserted after Han characters by a site's "annotation" feature: 發(fā)布. Where
# the same conversion lost the base character, a question mark stands before the gloss:
# ?(qǐng) (full-width ？ too). The question mark stays: it records the lost character, so the
# audit and quote matching see that a character is missing rather than two words joined.
_GLOSS_BASE = r"[\u4e00-\u9fff?？]"
_PINYIN_GLOSS = re.compile(rf"(?<={_GLOSS_BASE})\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+)\)")
# The shape of one Mandarin syllable (initial, then final), after tone marks are removed: what
# tells a gloss from a parenthesised Latin word such as (pdf) or (ok), which has no such shape.
# ü has lost its diaeresis with the tone marks, so lǘ is checked as lu.
_PINYIN_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ong|ian|iao|ing|uai|uan|ai|ao|an|ei|en|er|ia|ie|in|iu"
    r"|ou|ua|ui|un|uo|ue|a|o|e|i|u)")

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
    import opencc  # imported lazily: the build needs it only for Traditional-script reports

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t_converter():
    import opencc

    return opencc.OpenCC("s2t")


def strip_html(text: str) -> str:
    """Remove tags and comments, then resolve character entities (&nbsp; &amp; ...)."""
    return html.unescape(_HTML_TAG.sub("", text))


def _is_pinyin_syllable(word: str) -> bool:
    bare = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    return _PINYIN_SYLLABLE.fullmatch(bare) is not None


def strip_pinyin(text: str) -> str:
    """Remove pinyin glosses: one lower-case syllable in parentheses right after a Han character
    or after the ``?``/``？`` that stands for a Han character lost in the page's conversion.

    ``發(fā)布`` → ``發布``; ``申?(qǐng)`` → ``申?`` (the question mark is kept as the trace of the
    lost character). A parenthesised word that is not shaped like a syllable stays: ``?(PDF)``,
    ``?(ok)``; so does Han text in parentheses: ``社区(村)``.
    """
    return _PINYIN_GLOSS.sub(lambda m: "" if _is_pinyin_syllable(m.group(1)) else m.group(0), text)


def to_simplified(text: str) -> str:
    """Traditional to Simplified Chinese with OpenCC's t2s profile."""
    return _t2s_converter().convert(text)


# Script detection (see detect_script). A decision needs at least this many characters that the
# two scripts write differently: a report has hundreds, a headline a handful.
MIN_TELLING_CHARACTERS = 10
# Share of those characters in Traditional form above which a text is Traditional, and below
# which it is Simplified. In the archived reports: 0.946 for the Tianmen page (a converted site;
# its "Simplified" forms are characters that Traditional text uses too, such as 于 and 后) and at
# most 0.001 for the four Simplified ones (one 乾). Between the two a text is mixed: no guess.
TRADITIONAL_SHARE_MIN = 0.8
SIMPLIFIED_SHARE_MAX = 0.2
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class ScriptEvidence:
    """What :func:`detect_script` counted: Han characters, those only Traditional writes that way
    (OpenCC t2s changes them), those only Simplified writes that way (s2t changes them, t2s does
    not), and the decision: "Simplified", "Traditional", or "" when the text does not tell."""

    han: int
    traditional: int
    simplified: int
    script: str

    @property
    def traditional_share(self) -> float:
        telling = self.traditional + self.simplified
        return self.traditional / telling if telling else 0.0

    def describe(self) -> str:
        """One line for a curator: the decision and the counts it rests on."""
        counts = (f"{self.traditional} Traditional and {self.simplified} Simplified forms among "
                  f"{self.han} Han characters")
        if self.script:
            return f"{self.script} ({counts})"
        if self.traditional + self.simplified < MIN_TELLING_CHARACTERS:
            return (f"undetermined: too few characters tell the scripts apart ({counts}; "
                    f"at least {MIN_TELLING_CHARACTERS} needed)")
        return (f"undetermined: mixed scripts ({counts}, a Traditional share of "
                f"{self.traditional_share:.2f}, between {SIMPLIFIED_SHARE_MAX} and {TRADITIONAL_SHARE_MIN})")


def detect_script(text: str) -> ScriptEvidence:
    """Which script a report is written in, from its characters after HTML and pinyin glosses
    are removed.

    Each Han character is converted on its own with OpenCC: t2s changes a Traditional form
    (發 → 发), s2t a Simplified one (发 → 發). The text is Traditional when at least
    ``TRADITIONAL_SHARE_MIN`` of the characters that changed are Traditional forms, Simplified
    when at most ``SIMPLIFIED_SHARE_MAX`` are, and undetermined (``script == ""``) when the share
    lies between (mixed text) or fewer than ``MIN_TELLING_CHARACTERS`` characters changed (a text
    with almost no Han characters, or only characters both scripts share). Counts are of
    occurrences, not of distinct characters. Never raises.
    """
    han = _HAN.findall(strip_pinyin(strip_html(text)))
    distinct = sorted(set(han))
    # One character per line: OpenCC converts phrases as well as characters, and a line break
    # keeps each character alone.
    t2s_of = dict(zip(distinct, _t2s_converter().convert("\n".join(distinct)).split("\n")))
    s2t_of = dict(zip(distinct, _s2t_converter().convert("\n".join(distinct)).split("\n")))
    traditional = sum(1 for c in han if t2s_of[c] != c)
    simplified = sum(1 for c in han if t2s_of[c] == c and s2t_of[c] != c)
    evidence = ScriptEvidence(len(han), traditional, simplified, "")
    if traditional + simplified < MIN_TELLING_CHARACTERS:
        return evidence
    share = evidence.traditional_share
    script = ("Traditional" if share >= TRADITIONAL_SHARE_MIN
              else "Simplified" if share <= SIMPLIFIED_SHARE_MAX else "")
    return ScriptEvidence(len(han), traditional, simplified, script)


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


# A body marker is one line in sources.csv (raw cells hold no line break): a line break inside
# it, as in a marker reaching back over the end of a repeated paragraph, is written \n.
MARKER_LINE_BREAK = "\\n"


def decode_marker(cell: str) -> str:
    """A body marker as sources.csv writes it → as it stands in the normalized text."""
    return cell.replace(MARKER_LINE_BREAK, "\n")


def encode_marker(marker: str) -> str:
    """A body marker as it stands in the normalized text → as sources.csv writes it (one line)."""
    return marker.replace("\n", MARKER_LINE_BREAK)
