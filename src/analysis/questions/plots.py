"""Charts with Chinese labels: the CJK font, and the plots the notebooks share.

``use_cjk_font()`` must run in every process that draws (the project's Jupyter kernel runs it at
start-up). It registers Noto Sans SC from the pinned PyPI package ``pylopdf-fonts-zh-cn`` and turns
matplotlib's "Glyph … missing from font" warning into an error, so that a chart can never silently
show boxes instead of characters.
"""

from __future__ import annotations

import importlib.util
import warnings
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
    # PNGs without a timestamp or version: the same figure gives the same bytes. Saved figures
    # at twice the screen resolution stay sharp on high-density screens (notebook figures: see
    # crisp_inline_figures).
    matplotlib.rcParams["savefig.dpi"] = 200
    matplotlib.rcParams["figure.dpi"] = 100
    warnings.filterwarnings("error", message=r"Glyph \d+ .* missing from font")


def crisp_inline_figures() -> None:
    """In a notebook, figures as PNGs at twice their size in pixels (IPython's "retina" format,
    which records the displayed size in the output), so that they are sharp on high-density
    screens. The inline backend draws at figure.dpi and ignores savefig.dpi."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")


def seaborn_theme() -> None:
    """seaborn's theme resets the font list: set it with the CJK font, then re-apply the rest."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", font=FONT_FAMILY, rc={"axes.unicode_minus": False})
    use_cjk_font()


# --- charts -------------------------------------------------------------------------------------

def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def format_value(value: float) -> str:
    """600000 → '600,000'; 98.76 → '98.76'; 0.2156 → '0.2156' (no scientific notation)."""
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}"
    text = f"{value:,.4f}" if abs(value) < 1 else f"{value:,.2f}"
    return text.rstrip("0").rstrip(".")


def interval_chart(frame, value_column: str, label_column: str, title: str, unit_label: str,
                   ax=None):
    """Horizontal bars, one per row, drawn so that a qualifier is never hidden.

    exact: a solid bar. more_than / at_least: an open (unfilled) bar ending in ">" — the value is
    a lower bound. nearly: an open bar ending in "<" — an upper bound. about: a hatched bar with
    "~". Each label carries the observation id, so a reader can find the row and its quote.
    """
    plt = _pyplot()
    frame = frame.reset_index(drop=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * len(frame) + 1.2))
    colour = "#3b6ea5"
    for y, row in frame.iterrows():
        value, qualifier = row[value_column], row["qualifier"]
        if qualifier == "exact":
            ax.barh(y, value, color=colour)
        elif qualifier == "about":
            ax.barh(y, value, color="white", edgecolor=colour, hatch="///")
        else:
            ax.barh(y, value, color="white", edgecolor=colour, linewidth=1.5)
        marker = {"more_than": ">", "at_least": ">", "nearly": "<", "about": "~"}.get(qualifier, "")
        text = format_value(value) + (f" {marker}" if marker else "")
        ax.annotate(text, (value, y), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize=9)
    ax.set_yticks(range(len(frame)), frame[label_column])
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(unit_label)
    ax.set_title(title, loc="left", fontsize=11)
    ax.margins(x=0.15)
    return ax


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


def choropleth(shapes, column: str, title: str, legend_title: str, k: int = 5, ax=None,
               label_column: str | None = None):
    """Classes from mapclassify (Fisher-Jenks, fewer classes where there are fewer values);
    regions without data are drawn in neutral grey, outside the colour scale, and named "no data"
    in the legend: never drawn as zero."""
    import mapclassify

    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    has_data = shapes[shapes[column].notna()]
    missing = shapes[shapes[column].isna()]
    missing.plot(ax=ax, color=NO_DATA_COLOUR, edgecolor="#ffffff", linewidth=0.4)
    handles = []
    from matplotlib.patches import Patch

    if len(has_data):
        values = has_data[column].astype(float)
        classes = min(k, values.nunique())
        if classes >= 2:
            with warnings.catch_warnings():
                # Without numba, mapclassify says it uses its pure-Python Fisher-Jenks: same
                # classes, slower, and instant for a few dozen regions.
                warnings.filterwarnings("ignore", message="Numba not installed")
                scheme = mapclassify.FisherJenks(values, k=classes)
            bins = list(scheme.bins)
            colours = plt.get_cmap("Blues")([0.35 + 0.6 * i / (classes - 1) for i in range(classes)])
            cls = scheme.yb
        else:
            bins, colours, cls = [values.max()], plt.get_cmap("Blues")([0.7]), [0] * len(values)
        has_data = has_data.assign(_colour=[tuple(colours[c]) for c in cls])
        has_data.plot(ax=ax, color=has_data["_colour"], edgecolor="#555555", linewidth=0.5)
        lower = values.min()
        for i, upper in enumerate(bins):
            handles.append(Patch(facecolor=colours[i], edgecolor="#555555",
                                 label=f"{format_value(lower)} – {format_value(upper)}"))
            lower = upper
        if label_column:
            for row in has_data.itertuples():
                point = row.geometry.representative_point()
                ax.annotate(getattr(row, label_column), (point.x, point.y), ha="center", fontsize=7)
    handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#999999", label="无数据 no data"))
    ax.legend(handles=handles, title=legend_title, loc="lower left", fontsize=8, title_fontsize=8)
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_axis_off()
    return ax
