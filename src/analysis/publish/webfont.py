"""A Chinese web font for the site, so that a reader without a CJK system font reads Chinese, not boxes.

The pages' Chinese is drawn with Noto Sans SC, the font the charts already embed (the pinned PyPI
package ``pylopdf-fonts-zh-cn``; SIL Open Font License 1.1), cut with fontTools to the characters
the built pages use and written as WOFF beside the site's stylesheet (``_static/fonts/``), which
declares it for CJK characters only (``unicode-range``), after the readers' own CJK fonts. No
remote font is loaded. The subset is a pure function of the characters, so a rebuild writes the
same bytes, and it is made again only when the characters change.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from pathlib import Path

FONT_DIR = "_static/fonts"
FONT_FILE = "pingan-noto-sans-sc.woff"
# The CJK blocks the stylesheet's unicode-range names: radicals to unified ideographs, compatibility
# ideographs, CJK punctuation, full-width forms.
CJK_RANGES = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))


_CJK = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in CJK_RANGES) + "]")


def characters_used(html_dir: Path) -> list[str]:
    """Every CJK character of the built pages and of the scripts that write text into them
    (Sphinx's translations, the search page)."""
    found: set[str] = set()
    for path in sorted([*html_dir.rglob("*.html"), *html_dir.glob("_static/*.js")]):
        # a regular expression, not a loop over characters: pages carry megabytes of inline images
        found.update(_CJK.findall(path.read_text(encoding="utf-8", errors="replace")))
    return sorted(found)


def subset_font(characters: list[str]) -> bytes:
    """Noto Sans SC cut to ``characters``, as WOFF (the same characters give the same bytes)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from ..questions.plots import cjk_font_path

    # The subsetter logs every table it prunes at INFO (about sixty lines on a site build, where
    # Jupyter Book has set logging up): a build prints its one line.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    font = TTFont(str(cjk_font_path()), lazy=True, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in characters])
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff"
    font.save(out)
    return out.getvalue()


def write_web_font(html_dir: Path) -> Path:
    """Write (or keep, when its characters have not changed) the site's font under ``html_dir``."""
    characters = characters_used(html_dir)
    target = html_dir / FONT_DIR / FONT_FILE
    stamp = target.parent / f".{FONT_FILE}.chars"  # what it holds (dot: not published)
    digest = hashlib.sha256("".join(characters).encode("utf-8")).hexdigest()
    if target.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == digest:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(subset_font(characters))
    stamp.write_text(digest, encoding="utf-8")
    return target
