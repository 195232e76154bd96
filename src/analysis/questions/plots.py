"""Charts with Chinese labels: the CJK font, and the plots the notebooks share.

``use_cjk_font()`` must run in every process that draws (the project's Jupyter kernel runs it at
start-up). It registers Noto Sans SC from the pinned PyPI package ``pylopdf-fonts-zh-cn`` and turns
matplotlib's "Glyph … missing from font" warning into an error, so that a chart can never silently
show boxes instead of characters.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from textwrap import fill
from pathlib import Path

import matplotlib

FONT_PACKAGE = "pylopdf_fonts_zh_cn"
FONT_FILE = "NotoSansSC-Regular.otf"
FONT_FAMILY = "Noto Sans SC"

# Regions without a value: a neutral grey that no class of the (blue) colour scale uses.
NO_DATA_COLOUR = "#d9d9d9"


def cjk_font_path() -> Path:
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the font package {FONT_PACKAGE} is not installed: run `make setup`")
    path = Path(next(iter(spec.submodule_search_locations))) / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"{path} is missing from the font package")
    return path


def use_cjk_font() -> None:
    """Register Noto Sans SC, make it the default, and fail on any missing glyph."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(cjk_font_path()))
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [FONT_FAMILY, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212
    # A CFF font in Type 42 PDFs shows wrong characters in some viewers; keep PDF and PS equal.
    matplotlib.rcParams["pdf.fonttype"] = 3
    matplotlib.rcParams["ps.fonttype"] = 3
    matplotlib.rcParams["svg.fonttype"] = "path"
    # SVGs whose element ids do not change from run to run (matplotlib salts them at random)
    matplotlib.rcParams["svg.hashsalt"] = "pingan"
    # PNGs without a timestamp or version: the same figure gives the same bytes. Saved figures
    # at twice the screen resolution stay sharp on high-density screens (notebook figures: see
    # crisp_inline_figures).
    matplotlib.rcParams["savefig.dpi"] = 200
    matplotlib.rcParams["figure.dpi"] = 100
    warnings.filterwarnings("error", message=r"Glyph \d+ .* missing from font")
    share_text_measures()


# Text measures (width, height, descent) shared by every figure a process draws: see
# share_text_measures. Keys hold everything a measure depends on; values are matplotlib's own.
_TEXT_MEASURES: dict[tuple, tuple[float, float, float]] = {}


def _font_key(prop) -> tuple:
    """What, besides the text and its size, a text's measure depends on: the font files
    matplotlib picks for ``prop`` (in fallback order) and the settings that shape glyphs."""
    from matplotlib.font_manager import fontManager

    rc = matplotlib.rcParams
    return (tuple(str(path) for path in fontManager._find_fonts_by_props(prop)),
            rc["text.kerning_factor"], rc["font.enable_last_resort"], rc["text.hinting_factor"])


def share_text_measures() -> None:
    """Measure each plain text once per process, not once per figure and format.

    matplotlib measures a text with the renderer that draws it, and keeps the measure only as
    long as that renderer: the same tick label, place name or axis title is laid out by FreeType
    again for every figure, once for the PNG and once more for the SVG (about 40 µs a glyph with
    the CJK font). The measures of the Agg renderer (PNG; they depend on the resolution and the
    hinting setting too) and of text drawn as paths (SVG) are kept here instead, keyed on the
    text, the font files, the size and every setting that changes them: the values, and so the
    figures, are exactly matplotlib's. Mathtext and TeX are measured as before. Idempotent.
    """
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.textpath import TextToPath

    if getattr(RendererAgg.get_text_width_height_descent, "shared_measures", False):
        return
    measure_agg = RendererAgg.get_text_width_height_descent
    measure_path = TextToPath.get_text_width_height_descent

    def agg(self, s, prop, ismath):
        if ismath:
            return measure_agg(self, s, prop, ismath)
        key = ("agg", s, _font_key(prop), prop.get_size_in_points(), self.dpi,
               matplotlib.rcParams["text.hinting"])
        found = _TEXT_MEASURES.get(key)
        if found is None:
            found = _TEXT_MEASURES[key] = measure_agg(self, s, prop, ismath)
        return found

    def as_path(self, s, prop, ismath):
        if ismath:
            return measure_path(self, s, prop, ismath)
        key = ("path", s, _font_key(prop), prop.get_size_in_points())
        found = _TEXT_MEASURES.get(key)
        if found is None:
            found = _TEXT_MEASURES[key] = measure_path(self, s, prop, ismath)
        return found

    agg.shared_measures = as_path.shared_measures = True
    agg.matplotlib_measure, as_path.matplotlib_measure = measure_agg, measure_path
    RendererAgg.get_text_width_height_descent = agg
    TextToPath.get_text_width_height_descent = as_path


# The SVG is cropped to the PNG's box with this much more room (inches): text measured at the
# PNG's resolution may run a little wider in the SVG's.
SVG_EXTRA_PAD = 0.1
# Room (inches) drawn around a figure when its PNG is drawn before its tight box is known:
# captions hang below a figure, legends beside it, the long place names of dot strips reach 2.7
# inches left of it. A figure whose box reaches further is drawn again, cropped to its box: with
# 2 inches, 22 of the 59 figures of two theme pages were drawn twice; with 3, two. Each inch more
# costs a few milliseconds a figure (a larger canvas to clear and copy).
RENDER_ROOM_IN = 3.0
# zlib level of the PNGs: level 3 gives files as small as the default 6 (within 2% on the book's
# figures) in two thirds of the time
PNG_COMPRESS_LEVEL = 3


def png_and_tight_box(fig, dpi: float) -> tuple[bytes, object]:
    """The figure as a PNG at ``dpi`` cropped to its tight box, and the box (inches: what
    ``bbox_inches="tight"`` saves, the artists' extent plus savefig.pad_inches), from one
    rendering: the figure is drawn once with RENDER_ROOM_IN around it, the box is measured with
    the same renderer (whose text measures are cached) and the pixels are cropped to it. Saving
    with bbox_inches="tight" lays the figure out once more before drawing it. Raises ValueError
    where a number is written as matplotlib writes it for itself, "1e8" in an axis's corner (which
    would also meet a title: titles are not moved, see seaborn_theme) or powers of ten
    (``_check_numbers_readable``)."""
    import io

    import numpy as np
    from matplotlib.transforms import Bbox
    from PIL import Image

    _without_placeholder_layout(fig)
    width, height = fig.get_size_inches()
    room = Bbox.from_extents(-RENDER_ROOM_IN, -RENDER_ROOM_IN, width + RENDER_ROOM_IN, height + RENDER_ROOM_IN)
    colours = {"facecolor": fig.get_facecolor(), "edgecolor": fig.get_edgecolor()}
    fig.savefig(io.BytesIO(), format="rgba", dpi=dpi, bbox_inches=room, **colours)
    renderer = fig.canvas.renderer  # the one that drew it (FigureCanvasAgg keeps it)
    shown = fig.dpi
    fig.set_dpi(dpi)
    try:
        box = fig.get_tightbbox(renderer).padded(matplotlib.rcParams["savefig.pad_inches"])
        _check_numbers_readable(fig)
    finally:
        fig.set_dpi(shown)
    out = io.BytesIO()
    if room.x0 <= box.x0 and box.x1 <= room.x1 and room.y0 <= box.y0 and box.y1 <= room.y1:
        pixels = np.asarray(renderer.buffer_rgba())
        # the box's size in pixels as savefig makes it (int of its size), from its corner
        left = round((box.x0 - room.x0) * dpi)
        bottom = pixels.shape[0] - round((box.y0 - room.y0) * dpi)
        cropped = pixels[bottom - int(box.height * dpi):bottom, left:left + int(box.width * dpi)]
        Image.fromarray(cropped).save(out, "png", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)
    else:
        fig.savefig(out, format="png", dpi=dpi, bbox_inches=box, metadata={"Software": None},
                    pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL}, **colours)
    return out.getvalue(), box


def _without_placeholder_layout(fig) -> None:
    """``fig.tight_layout()`` leaves a layout engine that does nothing (matplotlib's placeholder,
    kept for colorbars added later), yet makes every save lay the figure out once more before
    drawing it. A figure being saved is final: the placeholder is removed (unless matplotlib's
    settings ask every figure for a layout engine)."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if (isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine)
            and not matplotlib.rcParams["figure.autolayout"]
            and not matplotlib.rcParams["figure.constrained_layout.use"]):
        fig.set_layout_engine(None)


def crisp_inline_figures() -> None:
    """In a notebook, each figure as an SVG (for readers who reuse it: the site offers it for
    download) and a PNG at twice its size in pixels (IPython's "retina" format, which records
    the displayed size in the output), so that it is sharp on high-density screens.

    Both are cropped to one tight bounding box, measured while the PNG is drawn
    (``png_and_tight_box``): each format computing its own ("tight") would lay the figure out twice
    more. The SVG carries no date. The inline backend draws at figure.dpi and ignores savefig.dpi."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("retina", "svg")
    drawn: dict[int, bytes] = {}  # figure → its PNG, from the SVG to the PNG of one display

    def svg(fig):
        if not fig.axes and not fig.lines:
            return None  # nothing drawn: no image (as IPython's own formatters)
        png, box = png_and_tight_box(fig, 2 * fig.dpi)  # the retina PNG's resolution
        drawn[id(fig)] = png
        return print_figure(fig, "svg", bbox_inches=box.padded(SVG_EXTRA_PAD), metadata={"Date": None})

    def png(fig):
        # IPython formats a display's SVG before its PNG; the figure is unchanged in between
        data = drawn.pop(id(fig), None)
        if data is None:
            if not fig.axes and not fig.lines:
                return None
            data = png_and_tight_box(fig, 2 * fig.dpi)[0]
        width, height = png_size(data)
        return data, {"width": width // 2, "height": height // 2}  # retina: shown at half its pixels

    formatters = shell.display_formatter.formatters
    formatters["image/svg+xml"].for_type(Figure, svg)
    formatters["image/png"].for_type(Figure, png)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels of a PNG (its IHDR chunk)."""
    import struct

    return struct.unpack(">II", png[16:24])


def seaborn_theme() -> None:
    """seaborn's theme resets the font list: set it with the CJK font, then re-apply the rest."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", font=FONT_FAMILY, rc={"axes.unicode_minus": False})
    use_cjk_font()
    # Titles sit at the top of their axes. Left to matplotlib (titley None), every draw measures
    # each axes' tick labels again to see whether the title must move up, a sixth of the time of
    # drawing a figure of small multiples; nothing but a y-axis offset text ("1e8") could be above
    # an axes, and png_and_tight_box refuses every offset text (_check_numbers_readable).
    matplotlib.rcParams["axes.titley"] = 1.0


# --- charts -------------------------------------------------------------------------------------

def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _usual_decimals(value: float) -> int:
    """Decimal places of a value written alone: none for a whole number, 4 below 1, else 2."""
    return 0 if value.is_integer() else 4 if abs(value) < 1 else 2


def _written(value: float, decimals: int) -> str:
    """``value`` rounded to ``decimals`` places, thousands separated, without trailing zeros."""
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_value(value: float) -> str:
    """600000 → '600,000'; 98.76 → '98.76'; 0.2156 → '0.2156' (no scientific notation)."""
    value = float(value)
    return _written(value, _usual_decimals(value))


def format_significant(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits, thousands separated: 359474.28 → '359,000',
    0.025316 → '0.0253' (the interval ends of a chart, never four decimals of noise)."""
    value = float(value)
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return _written(round(value, decimals - 0) if decimals else float(f"{value:.{digits}g}"), decimals)


# 17 significant digits tell any two different doubles apart (IEEE 754 binary64).
_MAX_SIGNIFICANT = 17


def format_distinct(values) -> list[str]:
    """Each value written as ``format_value`` writes it, or with more digits where two different
    values would otherwise read alike: the fewest significant digits (1 to 17) at which every
    different value has a different text, never fewer digits than ``format_value`` gives.
    1.001 and 1.002 → '1.001', '1.002' (``format_value``: '1', '1'); 12.3 and 98.76 → '12.3', '98.76'.
    """
    values = [float(v) for v in values]
    different = sorted(set(values))
    for significant in range(1, _MAX_SIGNIFICANT + 1):
        texts = {}
        for value in different:
            magnitude = math.floor(math.log10(abs(value))) if value else 0
            decimals = max(_usual_decimals(value), significant - 1 - magnitude)
            texts[value] = _written(value, decimals)
        if len(set(texts.values())) == len(different):
            break
    return [texts[v] for v in values]


# Map legends and labels: at least this many significant digits (every digit of a whole part).
READABLE_SIGNIFICANT = 3


def format_readable(values, significant: int = READABLE_SIGNIFICANT) -> list[str]:
    """Values as a map writes them: ``significant`` significant digits, every digit of the whole
    part kept (51873.18 → '51,873', 0.13672 → '0.137', 12.34 → '12.3'), and more digits where two
    different values would otherwise read alike (12.3012 and 12.3093 → '12.3', '12.31'), up to the
    17 that tell any two doubles apart."""
    values = [float(v) for v in values]
    different = sorted(set(values))
    for digits in range(significant, _MAX_SIGNIFICANT + 1):
        texts = {}
        for value in different:
            magnitude = math.floor(math.log10(abs(value))) if value else 0
            texts[value] = _written(value, max(0, digits - 1 - magnitude))
        if len(set(texts.values())) == len(different):
            break
    return [texts[v] for v in values]


# A log axis spanning at most this many powers of ten is marked at 1, 2 and 5 of each (0.01, 0.02,
# 0.05); a wider one at each power only, so that labels as long as 1,000,000 stay apart.
_DOTS_FINE_DECADES = 1.5


def readable_ticks(axis, values=None) -> None:
    """Tick labels of a numeric ``axis`` in plain numbers with thousands separators (3,000,000;
    0.05), never an offset ("1e8" in a corner) or powers of ten ("10⁻²"): what a reader without
    matplotlib's conventions reads. A linear axis gets at most five ticks at 1, 2 or 5 of a power
    of ten (room for "10,000,000,000"); a log axis, ticks at 1, 2 and 5 of each power of ten when
    ``values`` (the numbers drawn) span at most _DOTS_FINE_DECADES of them, else at each power.
    Call it after setting the axis's scale."""
    import numpy as np
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    if axis.get_scale() == "log":
        ends = np.asarray([] if values is None else values, dtype=float).ravel()
        ends = ends[np.isfinite(ends) & (ends > 0)]
        fine = len(ends) > 0 and np.log10(ends.max() / ends.min()) <= _DOTS_FINE_DECADES
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if fine else (1.0,)))
        axis.set_minor_formatter(NullFormatter())
    else:
        axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, _: format_value(float(f"{v:.6g}"))))


def _check_numbers_readable(fig) -> None:
    """Raise ValueError, naming the axes, where a drawn figure shows a number as matplotlib
    writes it for itself: an offset or multiplier in an axis's corner ("1e8", "×10⁶") or a tick
    label in powers of ten ("10^{-2}", "1e+02"). Only matplotlib's own number formatters are
    read (labels set by the chart, dates and category names are the chart's). ``readable_ticks``
    writes numbers plainly."""
    import re

    from matplotlib.ticker import LogFormatter, ScalarFormatter

    unreadable = re.compile(r"\d[eE][+\-−]?\d|10\^|\\times")
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            if not axis.get_visible() or not isinstance(axis.get_major_formatter(), (ScalarFormatter, LogFormatter)):
                continue
            offset = axis.get_offset_text()
            written = [t.get_text() for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            if offset.get_visible() and offset.get_text():
                written.insert(0, offset.get_text())
            else:
                written = [t for t in written if unreadable.search(t)]
            if written:
                title = next((t for t in (ax.get_title(loc=loc) for loc in ("left", "center", "right")) if t),
                             ax.get_label() or "an axes")
                raise ValueError(f"the {name} axis of {title!r} writes numbers as {written[:3]}: "
                                 "give it readable_ticks")


def interval_chart(frame, value_column: str, label_column: str, title: str, unit_label: str,
                   low_column: str = "value_low", high_column: str = "value_high", note: str = "",
                   ax=None, ci_columns: tuple[str, str] | None = None, n_column: str = ""):
    """Horizontal bars, one per row, drawn so that a qualifier is never hidden.

    The interval (low, high) says what the bar is: equal ends, a solid bar (exact); an open low end
    only, an open bar ending in ">" (a lower bound: 余, 多, 以上); an open high end only, an open bar
    ending in "<" (an upper bound: 近); both open, a hatched bar with "~" (about). Derived values
    carry their intervals (an annual rate of "more than 600000" stays a lower bound). ``note`` (the
    rule that lets the bars share the axis) is printed under the chart. Each label carries the
    observation id, so a reader can find the row and its quote. ``ci_columns`` (low, high): a
    count's exact Poisson 95% interval, drawn as a grey whisker; ``n_column``: the count it rests
    on, printed beside the value ("n = 1"). Bars are coloured by province (``province_code``).
    """
    import math

    plt = _pyplot()
    frame = frame.reset_index(drop=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.5 * len(frame) + 1.4))
    def missing(x) -> bool:
        return x is None or (isinstance(x, float) and math.isnan(x))

    for y, row in frame.iterrows():
        colour = PROVINCE_COLOURS.get(row.get("province_code", ""), "#3b6ea5")
        value, low, high = row[value_column], row[low_column], row[high_column]
        if not missing(low) and not missing(high):
            ax.barh(y, value, color=colour)
            marker = ""
            if low != high:  # a range: the bar is its value, the whisker its ends
                ax.errorbar(value, y, xerr=[[value - low], [high - value]], color="black", capsize=3)
        elif missing(low) and missing(high):
            ax.barh(y, value, color="white", edgecolor=colour, hatch="///")
            marker = "~"
        else:
            ax.barh(y, value, color="white", edgecolor=colour, linewidth=1.5)
            marker = ">" if missing(high) else "<"  # the true value is beyond the bar's end
        text = format_significant(value, 4) + (f" {marker}" if marker else "")
        if ci_columns:
            ci_low, ci_high = row[ci_columns[0]], row[ci_columns[1]]
            if not (missing(ci_low) and missing(ci_high)):
                ends = [value if missing(ci_low) else ci_low, value if missing(ci_high) else ci_high]
                ax.plot(ends, [y + 0.3, y + 0.3], color="#555555", linewidth=1.2)
                shown = ["open" if missing(e) else format_significant(e) for e in (ci_low, ci_high)]
                text += f"  (95%: {shown[0]} to {shown[1]})"
        if n_column and not missing(row[n_column]) and row[n_column] != "":
            text += f"  n = {format_value(row[n_column])}"
        ax.annotate(text, (value, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(range(len(frame)), frame[label_column])
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    readable_ticks(ax.xaxis)
    ax.set_xlabel(unit_label)
    ax.set_title(title, loc="left", fontsize=11)
    ax.margins(x=0.18)
    if note:
        ax.annotate(fill(note, 100), (0, 0), xycoords="axes fraction", xytext=(0, -50),
                    textcoords="offset points", va="top", fontsize=9, color="#444444")
    return ax


# One colour per province, everywhere a chart tells them apart.
PROVINCE_COLOURS = {"420000": "#1f77b4", "430000": "#d62728"}


def year_on_year_panel(frame, title: str, unit_label: str, note: str = "", ax=None):
    """Year-on-year changes as a panel: the year on the x axis, the change on the y axis, one
    series per region (a line where a region has several years), coloured by province (湖北 blue,
    湖南 red). A cited figure is drawn hollow, a quoted one filled; a qualified value (more than,
    nearly, about) carries its whisker or marker as in the bar charts. ``frame`` needs
    region_code, region_name_zh, province_code, period_start, value, qualifier and evidence_kind."""
    import pandas as pd

    plt = _pyplot()
    frame = frame.assign(year=pd.to_datetime(frame["period_start"]).dt.year)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.8))
    for code, series in frame.sort_values("year").groupby("region_code", sort=True):
        colour = PROVINCE_COLOURS.get(series["province_code"].iloc[0], "#555555")
        if len(series) > 1:
            ax.plot(series["year"], series["value"], color=colour, linewidth=1, alpha=0.6)
        for row in series.itertuples():
            cited = row.evidence_kind == "cited"
            ax.scatter(row.year, row.value, s=36, zorder=3, edgecolor=colour,
                       facecolor="white" if cited else colour, linewidth=1.5)
        last = series.iloc[-1]
        ax.annotate(last["region_name_zh"], (last["year"], last["value"]), xytext=(5, 0),
                    textcoords="offset points", va="center", fontsize=8, color=colour)
    ax.axhline(0, color="black", linewidth=0.8)
    years = sorted(frame["year"].unique())
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlim(years[0] - 0.6, years[-1] + 1.2)
    ax.set_ylabel(unit_label)
    ax.set_title(title, loc="left", fontsize=11)
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], marker="o", linestyle="", color=c, label=name)
               for name, c in (("湖北 Hubei", PROVINCE_COLOURS["420000"]), ("湖南 Hunan", PROVINCE_COLOURS["430000"]))]
    handles += [Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor="#555555",
                       color="#555555", label="hollow: cited 引用 (number as printed)")]
    ax.legend(handles=handles, loc="best", fontsize=8, frameon=False)
    if note:
        ax.annotate(fill(note, 100), (0, 0), xycoords="axes fraction", xytext=(0, -36),
                    textcoords="offset points", va="top", fontsize=9, color="#444444")
    return ax


def _province_handles(hollow_note: bool = True) -> list:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", linestyle="-", color=c, label=name)
               for name, c in (("湖北 Hubei", PROVINCE_COLOURS["420000"]), ("湖南 Hunan", PROVINCE_COLOURS["430000"]))]
    if hollow_note:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor="#555555",
                              color="#555555", label="空心 hollow: cited 引用"))
    return handles


def _year_axis(ax, first, last) -> None:
    """Whole years as x tick labels (a time axis whose every panel shows its years), one tick every
    year, or every few years so that at most about ten labels fit the width."""
    import matplotlib.dates as mdates
    import pandas as pd

    ax.set_xlim(pd.Timestamp(f"{first.year}-01-01"), pd.Timestamp(f"{last.year + 1}-06-30"))
    ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, -(-(last.year - first.year + 2) // 10))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.tick_params(axis="x", labelbottom=True)


# Marker shapes that tell the indicators of one concept apart (legend); beyond them, "o".
_INDICATOR_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "h", "*", "p"]


def year_on_year_grid(axes, caption_text: str, columns: int = 3):
    """The year-on-year axes (``comparisons.Axis`` of kind change_year_on_year) as a compact grid
    of small panels, each drawn by :func:`year_on_year_panel` (the year on the x axis under every
    panel, one series per region, coloured by province, cited figures hollow), one legend for all,
    and ``caption_text`` under the figure. Returns the figure."""
    plt = _pyplot()
    rows = -(-len(axes) // columns)
    fig, grid = plt.subplots(rows, columns, figsize=(11, 2.7 * rows + 1.1), squeeze=False)
    for ax, axis in zip(grid.flat, axes):
        year_on_year_panel(axis.rows, fill(axis.title.replace(" · 同比 year on year", ""), 38), "", ax=ax)
        ax.get_legend().remove()
        ax.title.set_fontsize(8.5)
        ax.tick_params(labelsize=8)
    for ax in list(grid.flat)[len(axes):]:
        ax.set_axis_off()
    fig.supylabel("同比变化(%) year-on-year change, %", fontsize=9)
    fig.suptitle("同比变化:各地各年 Year-on-year changes of a calendar year, by region and year",
                 x=0.01, ha="left", fontsize=11)
    fig.legend(handles=_province_handles(), loc="upper right", ncol=3, fontsize=8.5, frameon=False)
    fig.tight_layout(rect=(0.02, 0, 1, 1 - 0.45 / fig.get_figheight()))
    caption(fig, caption_text, width=115)
    return fig


def change_slopes(changes, title: str, caption_text: str):
    """The relative changes of one concept, each a line from the middle of its base period (index
    100) to the middle of its period (100 + the change), so that changes over spans of different
    length and from different bases are seen as what they are: coloured by province, hollow when
    cited, the marker naming the indicator (legend), the end labelled with the place and the change.
    Years under the panel; ``caption_text`` under the figure. Returns the figure."""
    import matplotlib.dates as mdates
    import pandas as pd
    from matplotlib.lines import Line2D

    plt = _pyplot()
    indicators = list(dict.fromkeys(changes["indicator_name"]))
    fig, ax = plt.subplots(figsize=(10, 3.4 + 0.06 * len(changes) + 0.22 * ((len(indicators) + 1) // 2)))

    def middle(start, end):
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        return start + (end - start) / 2

    marker = {name: _INDICATOR_MARKERS[i % len(_INDICATOR_MARKERS)] for i, name in enumerate(indicators)}
    anchors, texts = [], []
    for row in changes.itertuples():
        colour = PROVINCE_COLOURS.get(row.province_code, "#555555")
        start, end = middle(row.base_period_start, row.base_period_end), middle(row.period_start, row.period_end)
        level = 100 + float(row.value)
        ax.plot([start, end], [100, level], color=colour, linewidth=1.4, alpha=0.8)
        ax.scatter([end], [level], marker=marker[row.indicator_name], s=42, zorder=3, edgecolor=colour,
                   facecolor="white" if row.evidence_kind == "cited" else colour, linewidth=1.4)
        anchors.append((end, level))
        texts.append(f"{row.region_name_zh} {format_value(row.value)}%")
    ax.axhline(100, color="#888888", linewidth=0.8)
    starts = pd.to_datetime(changes["base_period_start"])
    ends = pd.to_datetime(changes["period_end"])
    _year_axis(ax, starts.min(), ends.max())
    ax.margins(y=0.25)
    ax.set_ylabel("基期=100 base period = 100", fontsize=9)
    ax.set_title(title, loc="left", fontsize=11)
    handles = [Line2D([], [], marker=marker[name], linestyle="", color="#555555", label=fill(name, 60))
               for name in indicators]
    # which indicator each marker is, under the panel; the provinces inside it
    fig.legend(handles=handles, fontsize=8, frameon=False, loc="lower left", ncol=2,
               bbox_to_anchor=(0.0, 0.0), title="指标 indicator", title_fontsize=8, alignment="left")
    ax.legend(handles=_province_handles(), fontsize=8, frameon=False, loc="lower left")
    _end_labels(ax, [(mdates.date2num(x), y) for x, y in anchors], texts)
    legend_height = (0.35 + 0.2 * ((len(indicators) + 1) // 2)) / fig.get_figheight()
    fig.tight_layout(rect=(0, legend_height, 1, 1))
    caption(fig, caption_text, width=115)
    return fig


def _fix_view(ax) -> None:
    """Fix ``ax``'s view limits and aspect as drawing the figure would, so that its data map to
    screen coordinates (``ax.transData``) as they will be drawn. A figure with a layout engine is
    drawn (the engine moves its axes); otherwise only the two steps of drawing that place data
    on the screen are taken (autoscaling a stale view, then the aspect), not the rendering of
    every artist, which cost a locator map a whole rendering more."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = ax.figure.get_layout_engine()
    if engine is not None and not isinstance(engine, PlaceHolderLayoutEngine):
        ax.figure.canvas.draw()
        return
    ax.get_xlim()  # reading the view autoscales it when stale, as drawing does
    ax.apply_aspect()


def _end_labels(ax, anchors, texts, fontsize: float = 8) -> None:
    """Labels to the right of their points (never over the marker), each moved up or down to the
    nearest place free of the labels already placed (in screen space), with a leader line when
    moved."""
    figure = ax.figure
    _fix_view(ax)
    scale = figure.dpi / 72
    height = fontsize * 1.3 * scale
    placed = []
    for (x, y), text in sorted(zip(anchors, texts), key=lambda a: (-a[0][1], a[0][0])):
        sx, sy = ax.transData.transform((x, y))
        width = len(text) * fontsize * 0.62 * scale
        left = sx + 6 * scale
        for step in [0] + [s * k for k in range(1, 30) for s in (-1, 1)]:
            cy = sy + step * height * 0.55
            if not any(left < b[2] and b[0] < left + width and abs(cy - b[1]) < height for b in placed):
                break
        placed.append((left, cy, left + width))
        dy = (cy - sy) / scale
        ax.annotate(text, (x, y), xytext=(6, dy), textcoords="offset points", ha="left", va="center",
                    fontsize=fontsize, arrowprops={"arrowstyle": "-", "color": "#888888", "lw": 0.5} if dy else None)


def change_singles(changes, caption_text: str):
    """Relative changes that are each the only one of their concept: one bar each (a fall to the
    left), labelled with the concept, place and span (base → period), coloured by province, hollow
    when cited. Returns the figure."""
    plt = _pyplot()
    changes = changes.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(changes) + 1.6))
    for y, row in changes.iterrows():
        colour = PROVINCE_COLOURS.get(row["province_code"], "#555555")
        cited = row["evidence_kind"] == "cited"
        ax.barh(y, float(row["value"]), color="white" if cited else colour, edgecolor=colour, linewidth=1.2)
        ax.annotate(f"{format_value(row['value'])}%", (float(row["value"]), y), xytext=(4 if row["value"] >= 0 else -4, 0),
                    textcoords="offset points", va="center", ha="left" if row["value"] >= 0 else "right", fontsize=8)
    labels = [f"{fill(r.key_name, 60)}\n{r.region_name_zh} · {r.base_period} → {r.period_label}"
              for r in changes.itertuples()]
    ax.set_yticks(range(len(changes)), labels, fontsize=7.5)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.margins(x=0.15)
    ax.set_xlabel("相对基期变化(%) change in percent of the base")
    ax.set_title("各自唯一的变化 Changes that are each the only one of their kind", loc="left", fontsize=11)
    ax.legend(handles=_province_handles(), fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    caption(fig, caption_text, width=115)
    return fig


def series_timeline(series, title: str, caption_text: str):
    """Within-region series: one row per indicator and region, each figure a segment over its
    period (a point for a date), labelled with its value and qualifier, coloured by province,
    hollow when cited; years under the panel. Values of different rows are not on one scale: the
    label gives each. Returns the figure."""
    import pandas as pd

    plt = _pyplot()
    keys = list(dict.fromkeys(zip(series["indicator_name"], series["region_name_zh"])))
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(keys) + 1.7))
    qualifier_marks = {"more_than": " +", "nearly": " ≲", "about": " ~", "at_least": " ≥", "range": "…"}
    for y, (name, place) in enumerate(keys):
        rows = series[(series["indicator_name"] == name) & (series["region_name_zh"] == place)]
        for k, row in enumerate(rows.sort_values("period_end").itertuples()):
            colour = PROVINCE_COLOURS.get(row.province_code, "#555555")
            start, end = pd.Timestamp(row.period_start), pd.Timestamp(row.period_end)
            cited = row.evidence_kind == "cited"
            ax.plot([start, end], [y, y], color=colour, linewidth=5, solid_capstyle="butt", alpha=0.35 if cited else 0.9)
            ax.scatter([end], [y], s=30, zorder=3, edgecolor=colour, facecolor="white" if cited else colour)
            # neighbouring figures of one row label above and below in turn, so that they never overlap
            ax.annotate(format_value(row.value) + qualifier_marks.get(row.qualifier, ""), (end, y),
                        xytext=(3, 6 if k % 2 == 0 else -6), textcoords="offset points", fontsize=7.5,
                        color=colour, va="bottom" if k % 2 == 0 else "top")
    ax.set_yticks(range(len(keys)), [f"{fill(n, 46)} · {p}" for n, p in keys], fontsize=7.5)
    ax.invert_yaxis()
    _year_axis(ax, pd.to_datetime(series["period_start"]).min(), pd.to_datetime(series["period_end"]).max())
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(handles=_province_handles(), fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    caption(fig, caption_text, width=115)
    return fig


def streak_timeline(claims, caption_text: str = "", ax=None):
    """Zero claims as streaks: one bar per region and kind of event, from the first to the last day
    without it, coloured by province (hollow when cited), labelled with the place, its level and the
    event, and the years without it."""
    import pandas as pd

    plt = _pyplot()
    claims = claims.reset_index(drop=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.27 * len(claims) + 1.6))
    for y, row in claims.iterrows():
        start, end = pd.Timestamp(row["period_start"]), pd.Timestamp(row["period_end"])
        colour = PROVINCE_COLOURS.get(row["province_code"], "#555555")
        cited = row["evidence_kind"] == "cited"
        ax.barh(y, end - start + pd.Timedelta(days=1), left=start, color="white" if cited else colour,
                edgecolor=colour, linewidth=1.2, height=0.6)
        ax.annotate(f"{format_value(round(float(row['years_without_event']), 2))} y" if pd.notna(row["years_without_event"]) else "",
                    (end, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    labels = [f"{r.region_name_zh} ({r.region_level}) · {r.indicator_name.split(' ')[0]}" for r in claims.itertuples()]
    ax.set_yticks(range(len(claims)), labels, fontsize=8)
    ax.invert_yaxis()
    _year_axis(ax, pd.to_datetime(claims["period_start"]).min(), pd.to_datetime(claims["period_end"]).max())
    ax.set_title("零发生声明 Zero claims: the span without the event, by region", loc="left", fontsize=11)
    ax.legend(handles=_province_handles(), fontsize=8, loc="lower left", frameon=False)
    ax.margins(x=0.05)
    if caption_text:
        ax.figure.tight_layout()
        caption(ax.figure, caption_text, width=115)
    return ax


def pair_axis_chart(axis, pair: tuple[str, str], names: dict[str, str], caption_text: str):
    """One shared axis of a region-pair page: a year-on-year axis as :func:`year_on_year_panel`,
    any other as :func:`interval_chart` with place names (and the period) as labels, never ids;
    the two compared regions highlighted (marked ▶ in dark type, in their province's colour; the
    other regions' bars and labels grey),
    ``caption_text`` under the figure. ``axis`` is a ``comparisons.Axis``; ``names`` maps a
    region code to its name. Returns the figure."""
    plt = _pyplot()
    rows = axis.rows.reset_index(drop=True)
    if axis.kind == "change_year_on_year":
        ax = year_on_year_panel(rows, axis.title, axis.unit_label)
        for text in ax.texts:  # the pair's labels marked (the CJK font has no bold weight)
            if text.get_text() in {names[c] for c in pair}:
                text.set_text(f"▶ {text.get_text()}")
    else:
        rows = rows.assign(place=[f"{'▶ ' if r.region_code in pair else ''}{r.region_name_zh} · {r.period_label}"
                                  + (" (sum 合计)" if r.is_derived_total else "") for r in rows.itertuples()])
        ax = interval_chart(rows, axis.value_column, "place", axis.title, axis.unit_label, axis.low_column,
                            axis.high_column)
        ours = [code in pair for code in rows["region_code"]]
        for patch in ax.patches:
            row = int(round(patch.get_y() + patch.get_height() / 2))
            if not 0 <= row < len(rows):
                continue
            hollow = tuple(patch.get_facecolor()[:3]) == (1.0, 1.0, 1.0)  # a bound or "about": kept open
            colour = (PROVINCE_COLOURS.get(rows["region_code"][row][:2] + "0000", "#3b6ea5") if ours[row]
                      else "#b8b8b8")
            patch.set_edgecolor(colour)
            patch.set_facecolor("white" if hollow else colour)
        for label, mine in zip(ax.get_yticklabels(), ours):  # marked ▶ and dark; others grey
            label.set_color("#111111" if mine else "#888888")
    figure = ax.figure
    figure.tight_layout()
    caption(figure, caption_text, width=115)
    return figure


def period_timeline(sources, ax=None):
    """One horizontal line per report, from the start to the end of the period it covers."""
    import pandas as pd

    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.5 * len(sources) + 1))
    for y, row in enumerate(sources.itertuples()):
        start = pd.Timestamp(f"{row.period_start[:4]}-01-01")
        end = pd.Timestamp(f"{row.period_end[:4]}-12-31")
        ax.plot([start, end], [y, y], linewidth=6, solid_capstyle="butt", color="#3b6ea5")
        if row.date_published:
            ax.plot(pd.Timestamp(row.date_published[:10]), y, marker="v", color="#c0392b")
    ax.set_yticks(range(len(sources)), [f"{r.source_id}\n{r.publisher[:12]}" for r in sources.itertuples()])
    ax.invert_yaxis()
    ax.set_title("报告覆盖的时期(蓝)与发布日期(红) Period covered (blue) and date published (red)",
                 loc="left", fontsize=11)
    return ax


def count_heatmap(matrix, title: str, ax=None):
    """Counts as a heatmap with the numbers written in the cells (zeros left blank)."""
    import seaborn as sns

    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 0.55 * matrix.shape[1], 0.9 + 0.45 * matrix.shape[0]))
    annotations = matrix.astype(int).astype(str).where(matrix > 0, "")
    sns.heatmap(matrix, annot=annotations, fmt="", cmap="Blues", cbar=False, linewidths=0.5,
                linecolor="#dddddd", ax=ax)
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


# Where a label may go, in points from its anchor, nearest first: beyond the first, a leader line.
_LABEL_OFFSETS = [(0, 0)] + [(dx * r, dy * r) for r in (14, 28, 42, 56)
                             for dx, dy in ((0, 1), (0, -1), (1, 0.6), (-1, -0.6), (1, -0.6), (-1, 0.6))]


def _text_ems(line: str) -> float:
    """Width of a line of text in ems: a CJK character (East Asian wide or full-width) is one em,
    any other about 0.6 (a sans-serif's average)."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.6 for ch in line)


def place_labels(ax, anchors: list[tuple[float, float]], texts: list[str], fontsize: int = 8) -> None:
    """Labels that do not overlap: each goes to the first nearby place free of the labels already
    placed (in screen space), joined to its anchor by a leader line when moved."""
    figure = ax.figure
    _fix_view(ax)
    to_screen = ax.transData.transform
    scale = figure.dpi / 72  # points to pixels
    placed: list[tuple[float, float, float, float]] = []
    for (x, y), text in sorted(zip(anchors, texts), key=lambda a: (-a[0][1], a[0][0])):
        lines = text.split("\n")
        width = max(_text_ems(line) for line in lines) * fontsize * scale
        height = len(lines) * fontsize * 1.25 * scale
        sx, sy = to_screen((x, y))
        for dx, dy in _LABEL_OFFSETS:
            cx, cy = sx + dx * scale, sy + dy * scale
            box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                break
        placed.append(box)
        moved = (dx, dy) != (0, 0)
        ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha="center",
                    va="center", fontsize=fontsize,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
                    arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.6} if moved else None)


@dataclass(frozen=True)
class MapClasses:
    """Classes of a choropleth: ``bins`` the upper bound of each class (increasing), ``of_value``
    the class of each value, ``note`` why fewer classes than asked are drawn ('' when none are)."""
    bins: list[float]
    of_value: list[int]
    note: str


def map_classes(values, k: int = 5) -> MapClasses:
    """Fisher-Jenks classes of ``values`` (mapclassify), at most ``k``, checked before use.

    Fewer classes are drawn, and ``note`` says how many were asked and why, when there are fewer
    different values than ``k`` (one value: one class), and when mapclassify's classes are not
    usable: with values close together its Fisher-Jenks can return class bounds unsorted or
    repeated, or a class without a value (12.3012 … 12.3093 and 15.5 in five classes); then the
    largest number of classes below ``k`` whose bounds are increasing and whose every class holds a
    value is drawn. A value belongs to the first class whose upper bound it does not exceed.
    Raises ValueError on an empty or NaN value (regions without data are drawn apart).
    """
    import mapclassify
    import numpy as np

    values = np.asarray(values, dtype=float)
    if not len(values) or np.isnan(values).any():
        raise ValueError("map_classes: no values, or a missing one (draw regions without data apart)")
    different = len(np.unique(values))
    for classes in range(min(k, different), 1, -1):
        with warnings.catch_warnings():
            # Without numba, mapclassify says it uses its pure-Python Fisher-Jenks: same
            # classes, slower, and instant for a few dozen regions.
            warnings.filterwarnings("ignore", message="Numba not installed")
            bins = np.asarray(mapclassify.FisherJenks(values, k=classes).bins, dtype=float)
        of_value = np.searchsorted(bins, values, side="left")
        usable = (len(bins) == classes and bool(np.all(np.diff(bins) > 0)) and bins[-1] >= values.max()
                  and len(np.unique(of_value)) == classes)
        if usable:
            break
    else:
        classes, bins, of_value = 1, np.array([values.max()]), np.zeros(len(values), dtype=int)
    asked = f"{k} classes asked, {classes} drawn"
    if classes == k:
        note = ""
    elif classes == different:
        note = (f"{asked}: every region has the same value" if different == 1
                else f"{asked}: there are only {different} different values")
    else:
        note = (f"{asked}: for more than {classes} class{'es' if classes > 1 else ''}, Fisher-Jenks "
                "(mapclassify) gave unsorted or repeated class bounds, or a class without a value, "
                "for values this close together")
    return MapClasses([float(b) for b in bins], [int(c) for c in of_value], note)


def legend_labels(values, classes: MapClasses) -> list[str]:
    """One label per class: its range, from the previous class's upper bound (the lowest value for
    the first) to its own, or its one value when it holds one value only; every bound written
    with three significant digits, or the digits it takes to differ from the others
    (``format_readable``)."""
    texts = format_readable([min(float(v) for v in values)] + classes.bins)
    labels = []
    for i in range(len(classes.bins)):
        members = {float(v) for v, c in zip(values, classes.of_value) if c == i}
        labels.append(texts[i + 1] if len(members) == 1 else f"{texts[i]} – {texts[i + 1]}")
    return labels


# The book's text column at a 1280 px browser window, in CSS px: every chart is shown at this width
# (pingan.css: .cell_output img {width: 100%}); measured in chromium on the built site
# (sphinx-book-theme, cells tagged full-width). A figure's shown height follows from its aspect.
COLUMN_WIDTH_PX = 919
# A map, legend and caption included, within one screen of a 1280 × 900 display: its 900 px less
# the browser's bars (the viewport of chromium at 1280 × 900 is 757 px tall) and a heading line.
MAX_MAP_HEIGHT_PX = 720
# A locator map is a small orientation aid beside the region's tables: half a screen at most.
MAX_LOCATOR_HEIGHT_PX = 450
# IPython's inline figures are saved with bbox_inches="tight" and this padding, in inches.
_TIGHT_PAD_IN = 0.1


def shown_height_px(figure, column_px: int = COLUMN_WIDTH_PX) -> float:
    """The height in CSS px at which the book shows ``figure``: saved as IPython saves it (the
    tight bounding box of its artists, padded by 0.1 in), then scaled to the column's width."""
    figure.canvas.draw()
    box = figure.get_tightbbox(figure.canvas.get_renderer())
    return column_px * (box.height + 2 * _TIGHT_PAD_IN) / (box.width + 2 * _TIGHT_PAD_IN)


# A map figure: the map on the left, its legend and caption in a column on its right, so that the
# (tall) map of Hubei and Hunan is shown within MAX_MAP_HEIGHT_PX at the column's width.
MAP_FIGSIZE_IN = (10.0, 6.0)
_MAP_AXES = (0.0, 0.07, 0.56, 0.86)
CITED_HATCH = "////"
PROVINCE_LINE = {"color": "#222222", "linewidth": 1.6}
CAPTION_CHARACTERS = 60  # caption column width, characters per line (wrapped)


def map_axes(figsize=MAP_FIGSIZE_IN):
    """A figure for one map: the map's axes, leaving the right of the figure to legend and caption."""
    plt = _pyplot()
    figure = plt.figure(figsize=figsize)
    return figure.add_axes(_MAP_AXES)


def _wrap(text: str, width: int) -> str:
    """``text`` wrapped to about ``width`` characters of Latin text a line, a CJK character counting
    as two."""
    lines, line, used = [], [], 0.0
    for word in text.split(" "):
        size = _text_ems(word) / 0.6
        if line and used + size + 1 > width:
            lines.append(" ".join(line))
            line, used = [], 0.0
        line.append(word)
        used += size + 1
    lines.append(" ".join(line))
    return "\n".join(lines)


@contextmanager
def layers_without_drawing(figure):
    """Within, ``figure``'s canvas ignores requests to draw (``draw_idle``); the figure is drawn
    when it is shown or saved. geopandas' ``plot`` ends with such a request, which the Agg canvas
    of notebooks and scripts carries out at once: a map of five layers would render the whole
    figure five times before it is shown (about 0.2 s each for a locator map)."""
    canvas = figure.canvas
    if "draw_idle" in vars(canvas):  # already within
        yield
        return
    canvas.draw_idle = lambda *args, **kwargs: None
    try:
        yield
    finally:
        del canvas.draw_idle


def choropleth(shapes, column: str, title: str, legend_title: str, k: int = 5, ax=None,
               label_column: str | None = None, note: str = "", hatch_column: str | None = None,
               outline=None, caption: str = "", lines=()):
    """Classes from ``map_classes`` (Fisher-Jenks, mapclassify; fewer where there are fewer values
    or the classifier's bounds are not usable, said in a note under the map); legend labels with
    the digits it takes to tell their bounds apart; regions without data are drawn in neutral
    grey, outside the colour scale, and named "no data" in the legend: never drawn as zero.

    ``label_column``: a label per unit (the place name; "" for none), placed without overlaps;
    ``hatch_column``: True for units whose value comes from a cited report, hatched and named in
    the legend; ``outline``: polygons (the provinces) whose border is drawn heavier than the units';
    ``caption``: what the map shows, written in a column right of the map; ``lines``: further
    outlines as (polygons, line style, legend label), e.g. the areas the reports cover. ``note`` (e.g. the
    boundaries' source) is printed under the map, after the note on classes. Without ``ax``, the
    figure is MAP_FIGSIZE_IN with the map on its left (shown within MAX_MAP_HEIGHT_PX)."""
    if ax is None:
        ax = map_axes()
    with layers_without_drawing(ax.figure):
        return _choropleth(shapes, column, title, legend_title, k, ax, label_column, note, hatch_column,
                           outline, caption, lines)


def _choropleth(shapes, column, title, legend_title, k, ax, label_column, note, hatch_column, outline,
                caption, lines):
    plt = _pyplot()
    has_data = shapes[shapes[column].notna()]
    missing = shapes[shapes[column].isna()]
    if len(missing):
        missing.plot(ax=ax, color=NO_DATA_COLOUR, edgecolor="#ffffff", linewidth=0.4)
    handles = []
    class_note = ""
    from matplotlib.patches import Patch

    if len(has_data):
        values = list(has_data[column].astype(float))
        classes = map_classes(values, k)
        class_note = classes.note
        count = len(classes.bins)
        shades = [0.35 + 0.6 * i / (count - 1) for i in range(count)] if count > 1 else [0.7]
        colours = plt.get_cmap("Blues")(shades)
        has_data = has_data.assign(_colour=[tuple(colours[c]) for c in classes.of_value])
        has_data.plot(ax=ax, color=has_data["_colour"], edgecolor="#555555", linewidth=0.5)
        for colour, text in zip(colours, legend_labels(values, classes)):
            handles.append(Patch(facecolor=colour, edgecolor="#555555", label=text))
        if hatch_column:
            hatched = has_data[has_data[hatch_column].fillna(False).astype(bool)]
            if len(hatched):
                hatched.plot(ax=ax, facecolor="none", edgecolor="#ffffff", linewidth=0, hatch=CITED_HATCH)
                handles.append(Patch(facecolor="#9ecae1", edgecolor="#ffffff", hatch=CITED_HATCH,
                                     label="引用 cited: number as printed"))
    if len(missing):
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#999999", label="无数据 no data"))
    if outline is not None:
        outline.boundary.plot(ax=ax, **PROVINCE_LINE)
        from matplotlib.lines import Line2D
        handles.append(Line2D([], [], label="省界 provincial border", **PROVINCE_LINE))
    for polygons, style, label in lines:
        from matplotlib.lines import Line2D
        polygons.boundary.plot(ax=ax, **style)
        handles.append(Line2D([], [], label=label, **style))
    if label_column:
        labelled = shapes[shapes[label_column].fillna("").astype(str) != ""]
        points = [row.geometry.representative_point() for row in labelled.itertuples()]
        place_labels(ax, [(p.x, p.y) for p in points], list(labelled[label_column]), fontsize=7)
    outside = ax.figure is not None and ax.get_position().x1 < 0.9
    legend_place = ({"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0}
                    if outside else {"loc": "lower left"})
    ax.legend(handles=handles, title=legend_title, fontsize=8, title_fontsize=8, frameon=False,
              alignment="left", **legend_place)
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_axis_off()
    below = 0.0  # points under the map already written
    if class_note:
        text = fill(class_note, 120)
        ax.annotate(text, (0, 0), xycoords="axes fraction", va="top", fontsize=8, color="#444444")
        below += (text.count("\n") + 1) * 8 * 1.3
    if note:
        ax.annotate(note, (0, 0), xycoords="axes fraction", xytext=(0, -below), textcoords="offset points",
                    va="top", fontsize=7, color="#444444")
    if caption:
        ax.annotate(_wrap(caption, CAPTION_CHARACTERS), (1.02, 0.0), xycoords="axes fraction", va="bottom",
                    ha="left", fontsize=8.5, color="#222222", linespacing=1.4)
    return ax


PROVINCE_NAMES = {"420000": "湖北 Hubei", "430000": "湖南 Hunan"}


def province_legend(ax, hollow_note: bool = True, loc: str = "best") -> None:
    """The legend every chart that tells the provinces apart uses: one colour per province
    (PROVINCE_COLOURS), and what a hollow marker means."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", linestyle="", color=PROVINCE_COLOURS[c], label=name)
               for c, name in PROVINCE_NAMES.items()]
    if hollow_note:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                              markeredgecolor="#555555", color="#555555", label="空心 hollow: cited 引用"))
    ax.legend(handles=handles, loc=loc, fontsize=9, frameon=False)


def caption(fig, text: str, width: int = 120) -> None:
    """A caption under the figure that says what it shows, at reading size (9.5 pt), wrapped at
    ``width`` characters."""
    fig.text(0.01, 0.0, fill(text, width), ha="left", va="top", fontsize=9.5, color="#333333")


def province_dots(frame, row_column: str, title: str, xlabel: str, caption_text: str,
                  log: bool = False, label_column: str | None = None):
    """A dot strip: one row per ``row_column`` value, each figure a dot at ``shown_value`` with
    its interval (``shown_low``–``shown_high``; an open end drawn as an arrow), coloured by
    province (``province_code``), hollow when cited (``evidence_kind``). ``label_column`` writes a
    short label beside each dot (a place and year). Returns the figure."""
    import numpy as np

    plt = _pyplot()
    rows = list(dict.fromkeys(frame[row_column]))
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.6))
    positions = {name: len(rows) - 1 - i for i, name in enumerate(rows)}
    offsets = frame.groupby(row_column).cumcount()
    counts = frame[row_column].map(frame[row_column].value_counts())
    for row, offset, count in zip(frame.itertuples(), offsets, counts):
        colour = PROVINCE_COLOURS.get(row.province_code, "#555555")
        y = positions[getattr(row, row_column)] + (offset - (count - 1) / 2) * min(0.5 / max(count - 1, 1), 0.18)
        low, high = row.shown_low, row.shown_high
        if not (isinstance(low, float) and np.isnan(low)) and not (isinstance(high, float) and np.isnan(high)) \
                and high > low:
            ax.plot([low, high], [y, y], color=colour, linewidth=1.2)
        if isinstance(high, float) and np.isnan(high):
            ax.annotate("", xy=(row.shown_value * (1.6 if log else 1.15) if row.shown_value > 0 else row.shown_value + 1, y),
                        xytext=(row.shown_value, y), arrowprops={"arrowstyle": "->", "color": colour})
        cited = row.evidence_kind == "cited"
        ax.scatter(row.shown_value, y, s=40, zorder=3, edgecolor=colour,
                   facecolor="white" if cited else colour, linewidth=1.5)
        if label_column:
            ax.annotate(str(getattr(row, label_column)), (row.shown_value, y), xytext=(4, 4),
                        textcoords="offset points", fontsize=7.5, color=colour)
    ax.set_yticks(list(positions.values()), [fill(str(r), 34) for r in positions])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    if log:
        ax.set_xscale("log")
    readable_ticks(ax.xaxis, frame[["shown_value", "shown_low", "shown_high"]].astype(float).to_numpy())
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(axis="y", visible=False)
    province_legend(ax)
    fig.tight_layout()
    caption(fig, caption_text)
    return fig


def paired_bars(frame, title: str, xlabel: str, caption_text: str):
    """Two bars per row (``term``), one per province (``province_code``), at ``shown_value`` with
    the interval ``shown_low``–``shown_high`` as a whisker; a row whose provinces differ
    (``differ``) is marked ★. Returns the figure."""
    import numpy as np

    plt = _pyplot()
    terms = list(dict.fromkeys(frame["term"]))
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(terms) + 1.6))
    height = 0.38
    for i, code in enumerate(PROVINCE_NAMES):
        own = frame[frame["province_code"] == code].set_index("term").reindex(terms)
        y = np.arange(len(terms))[::-1] + (0.5 - i) * height
        ax.barh(y, own["shown_value"], height=height, color=PROVINCE_COLOURS[code], alpha=0.85,
                label=PROVINCE_NAMES[code])
        ax.errorbar(own["shown_value"], y, xerr=[own["shown_value"] - own["shown_low"],
                                                 own["shown_high"] - own["shown_value"]],
                    fmt="none", ecolor="#333333", elinewidth=0.9, capsize=2)
    marked = frame.drop_duplicates("term").set_index("term")["differ"].reindex(terms)
    labels = [f"★ {t}" if marked[t] else t for t in terms]
    ax.set_yticks(np.arange(len(terms))[::-1], labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(axis="y", visible=False)
    ax.legend(fontsize=9, frameon=False, loc="lower right")
    fig.tight_layout()
    caption(fig, caption_text)
    return fig


# Marker shapes for why a figure is not compared (dot strip); a reason beyond them is drawn as "o".
_REASON_MARKERS = ["s", "^", "v", "D", "P", "X", "<", ">", "h", "*", "p", "d"]


def figure_strip(frame, title: str, reasons: dict[str, str], ax=None):
    """Every figure of a theme as a dot: the year of its date on the x axis, its region (place
    name) on the y axis, coloured by province (``PROVINCE_COLOURS``); a compared figure filled, one
    left out hollow, its marker shape naming the reason (legend: ``reasons``, reason code → words).
    ``frame`` needs region_name_zh, province_code, period_end, status, reason_code."""
    import pandas as pd
    from matplotlib.lines import Line2D

    plt = _pyplot()
    frame = frame.assign(year=pd.to_datetime(frame["period_end"]).dt.year)
    regions = sorted(frame["region_name_zh"].unique(), key=lambda n: (frame.loc[frame["region_name_zh"] == n,
                                                                                  "province_code"].iloc[0], n))
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.34 * len(regions) + 2.4))
    codes = sorted(c for c in frame["reason_code"].unique() if c)
    shape = {c: _REASON_MARKERS[i] if i < len(_REASON_MARKERS) else "o" for i, c in enumerate(codes)}
    row_of = {name: i for i, name in enumerate(regions)}
    jitter = frame.groupby(["region_name_zh", "year"]).cumcount()
    for (_, row), offset in zip(frame.iterrows(), jitter):
        colour = PROVINCE_COLOURS.get(row["province_code"], "#555555")
        compared = row["status"] == "compared"
        ax.scatter(row["year"] + 0.12 * (offset % 5) - 0.24, row_of[row["region_name_zh"]], s=40,
                   marker="o" if compared else shape[row["reason_code"]], edgecolor=colour,
                   facecolor=colour if compared else "white", linewidth=1.3, zorder=3)
    years = sorted(frame["year"].unique())
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlim(years[0] - 0.7, years[-1] + 0.7)
    ax.set_yticks(range(len(regions)), regions)
    ax.invert_yaxis()
    ax.grid(axis="y", color="#eeeeee")
    ax.set_title(title, loc="left", fontsize=11)
    handles = [Line2D([], [], marker="o", linestyle="", color=c, label=name)
               for name, c in (("湖北 Hubei", PROVINCE_COLOURS["420000"]), ("湖南 Hunan", PROVINCE_COLOURS["430000"]))]
    handles.append(Line2D([], [], marker="o", linestyle="", color="#555555", label="filled: compared 可比"))
    handles += [Line2D([], [], marker=shape[c], linestyle="", markerfacecolor="white", markeredgecolor="#555555",
                       label=f"hollow: {reasons.get(c, c)}") for c in codes]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.08 - 0.6 / max(len(regions), 1)),
              fontsize=9, frameon=False, ncol=1)
    return ax


# A region page's dot strips: text at reading size (at the column's width a 9-inch figure is shown
# at about 102 px an inch, so 9 pt is about 13 CSS px).
READING_POINTS = 9


def _free_offset(ax, x: float, y: float, text: str, placed: list, offsets, fontsize: float):
    """The first of ``offsets`` (points) at which ``text`` beside the point (x, y) stays inside the
    axes and overlaps none of the boxes already ``placed`` (screen pixels), its box added to
    ``placed``; None when every place is taken."""
    scale = ax.figure.dpi / 72
    width, height = _text_ems(text) * fontsize * scale, fontsize * 1.3 * scale
    sx, sy = ax.transData.transform((x, y))
    frame = ax.get_window_extent()
    for dx, dy in offsets:
        cx, cy = sx + dx * scale, sy + dy * scale
        box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
        inside = frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1
        if inside and not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            placed.append(box)
            return dx, dy
    return None


# The dot strips' layout, in inches (height) and fractions of the 9-inch width: room on the left
# for a row's label, on the right for its standing; above the panels the legend, above and below
# each panel its title and its x axis.
_DOTS_ROW_IN, _DOTS_LEGEND_IN, _DOTS_TITLE_IN, _DOTS_AXIS_IN = 0.56, 0.35, 0.4, 0.6
_DOTS_LEFT, _DOTS_RIGHT = 0.37, 0.78
_DOTS_CAPTION_CHARACTERS = 105  # at 9.5 pt, about the figure's 9 inches
# Where a dot's label may go, in points from the dot: above, below, then further out and aside.
_DOT_LABEL_OFFSETS = [(0, 10), (0, -10), (0, 21), (0, -21), (34, 10), (-34, 10), (34, -10), (-34, -10),
                      (60, 0), (-60, 0), (60, 12), (-60, 12), (60, -12), (-60, -12)]
OWN_EDGE = "#111111"


def _dot_rows(ax, frame, title: str, xlabel: str, log: bool) -> list:
    """Draw one panel of ``region_dots`` into ``ax``; returns the labels to place once every panel
    is laid out: (x, y, text, colour)."""
    import numpy as np

    frame = frame.reset_index(drop=True)
    rows = list(dict.fromkeys(frame["row"]))
    positions = {name: len(rows) - 1 - i for i, name in enumerate(rows)}

    def missing(x) -> bool:
        return x is None or (isinstance(x, float) and np.isnan(x))

    labels = []
    for name, group in frame.groupby("row", sort=False):
        group = group.sort_values("shown_value", kind="stable")
        # The other regions' dots alternate a little above and below the row's line, so that
        # close values stay apart; the region's own sit on the line.
        others = group[~group["own"].astype(bool)]
        shift = {index: (0.12 if k % 2 else -0.12) if len(others) > 1 else 0.0
                 for k, index in enumerate(others.index)}
        named = {others.index[0], others.index[-1]} if len(others) else set()
        for index, row in group.iterrows():
            own = bool(row["own"])
            y = positions[name] + (0.0 if own else shift[index])
            colour = PROVINCE_COLOURS.get(row["province_code"], "#555555")
            value, low, high = row["shown_value"], row["shown_low"], row["shown_high"]
            if not missing(low) and not missing(high) and high > low:
                ax.plot([low, high], [y, y], color=colour, linewidth=1.6 if own else 1.0,
                        alpha=1.0 if own else 0.7)
            if missing(high):  # "more than": the true value lies beyond the dot
                ax.annotate("", xy=(value * (1.8 if log else 1.1) if value > 0 else value + 1, y), xytext=(value, y),
                            arrowprops={"arrowstyle": "->", "color": colour})
            cited = row["evidence_kind"] == "cited"
            ax.scatter(value, y, s=80 if own else 30, marker="D" if own else "o", zorder=4 if own else 3,
                       edgecolor=OWN_EDGE if own else colour, facecolor="white" if cited else colour,
                       linewidth=1.4, alpha=1.0 if own else 0.8)
            if own:
                labels.append((value, y, f"{row['period']}: {format_readable([value])[0]}", OWN_EDGE))
            elif index in named:
                labels.append((value, y, str(row["region_name_zh"]), colour))
    ax.set_yticks(list(positions.values()), ["\n".join(fill(line, 40) for line in str(r).split("\n"))
                                             for r in positions], fontsize=READING_POINTS)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    if log:
        ax.set_xscale("log")
    else:  # a linear axis starts from (or reaches) zero, so that lengths are not exaggerated
        ax.axvline(0, color="#888888", linewidth=0.8, zorder=1)
    readable_ticks(ax.xaxis, frame[["shown_value", "shown_low", "shown_high"]].astype(float).to_numpy())
    ax.margins(x=0.1)
    ax.tick_params(axis="x", labelsize=READING_POINTS)
    ax.set_xlabel(xlabel, fontsize=READING_POINTS)
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(axis="y", visible=False)
    for y in positions.values():
        ax.axhline(y, color="#e6e6e6", linewidth=0.8, zorder=0)
    standing = frame.drop_duplicates("row").set_index("row")["standing"]
    for name, y in positions.items():
        ax.annotate(standing[name], (1.0, y), xycoords=("axes fraction", "data"), xytext=(10, 0),
                    textcoords="offset points", va="center", fontsize=READING_POINTS, color="#333333")
    return labels


def region_dots(panels, title: str, caption_text: str):
    """One region's figures against the other regions' on each axis they share, as small
    multiples: one panel per (frame, title, xlabel, log) of ``panels``, stacked, each with its own
    x axis (logarithmic when ``log``: values must be positive) shared by its rows. In a panel, one
    row per axis (``row``, its label: an indicator's name; ``standing``, written right of the row:
    where the region's figure stands), every figure a dot at ``shown_value`` with its interval
    (``shown_low``–``shown_high``; an open upper end drawn as an arrow), coloured by province
    (``province_code``, PROVINCE_COLOURS), hollow when cited (``evidence_kind``). The region's own
    figures (``own``) are large diamonds labelled with their period and value (``period``; three
    significant digits, ``format_readable``); of the others, the lowest and highest of each row are
    labelled with their place (``region_name_zh``); labels are moved apart where they would
    overlap (a place name with no free room is left out). ``title`` and one legend above the
    panels; text at READING_POINTS; the caption under the figure (``caption``). Returns the
    figure."""
    plt = _pyplot()
    heights = [_DOTS_TITLE_IN + _DOTS_ROW_IN * frame["row"].nunique() + _DOTS_AXIS_IN for frame, *_ in panels]
    total = _DOTS_LEGEND_IN + sum(heights)
    fig = plt.figure(figsize=(9, total))
    # A fixed layout (no tight_layout: one drawing less); the saved image's tight box takes in
    # whatever lies outside the figure (a long row label, the caption).
    top, placed_labels = total - _DOTS_LEGEND_IN, []
    for (frame, panel_title, xlabel, log), height in zip(panels, heights):
        plot_height = height - _DOTS_TITLE_IN - _DOTS_AXIS_IN
        ax = fig.add_axes((_DOTS_LEFT, (top - _DOTS_TITLE_IN - plot_height) / total, _DOTS_RIGHT - _DOTS_LEFT,
                           plot_height / total))
        placed_labels.append((ax, _dot_rows(ax, frame, panel_title, xlabel, log)))
        top -= height
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", linestyle="", color=PROVINCE_COLOURS[c], label=name)
               for c, name in PROVINCE_NAMES.items()]
    handles += [Line2D([], [], marker="D", linestyle="", markerfacecolor="#999999", markeredgecolor=OWN_EDGE,
                       markersize=8, label="本地区 this region"),
                Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor="#555555",
                       color="#555555", label="空心 hollow: cited 引用")]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(_DOTS_LEFT, 1.0), ncol=4,
               fontsize=READING_POINTS, frameon=False, borderaxespad=0.2)
    fig.text(0.01, 1.0, title, ha="left", va="bottom", fontsize=12)
    for ax, labels in placed_labels:
        placed: list = []
        for x, y, text, colour in sorted(labels, key=lambda label: label[3] != OWN_EDGE):  # own first
            offset = _free_offset(ax, x, y, text, placed, _DOT_LABEL_OFFSETS, READING_POINTS)
            if offset is None and colour != OWN_EDGE:
                continue  # another region's name is a help, not a must: left out rather than overlapping
            dx, dy = offset or _DOT_LABEL_OFFSETS[0]
            ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha="center", va="center",
                        fontsize=READING_POINTS, color=colour,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75},
                        arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.6} if abs(dy) > 12 or dx else None)
    caption(fig, caption_text, width=_DOTS_CAPTION_CHARACTERS)
    return fig
