"""What the notebooks display: one call per cell, so that notebooks stay thin.

Every table a notebook shows goes through ``table(frame, name, caption)``, and the data behind
every chart through ``chart_data(frame, name)``. Each emits one display output that carries, beside
what Jupyter shows (an HTML table escaped by pandas, or a line of text), the data as CSV under the
MIME type ``DATA_MIME``: the site build writes it next to the page as ``<name>.csv`` and links it,
without re-executing the notebook. Every table that shows a number carries its ``obs_id`` and quote.
"""

from __future__ import annotations

import csv
import html
import io
import re

import pandas as pd

from ..spreadsheet import csv_text, inert
from . import dataset as ds
from . import labels
from .parameters import conform_namespace
from .plots import crisp_inline_figures, format_value, seaborn_theme

OBSERVATION_COLUMNS = ["obs_id", "region_name_zh", "region_name_en", "indicator_name_zh",
                       "indicator_name_en", "period_label", "value", "qualifier", "unit",
                       "value_per_10k_in_period", "evidence", "quote"]
# How a reader sees each kind of evidence (data/processed: evidence_kind).
EVIDENCE_LABELS = {"archived_quote": "原文引用 quoted", "cited": "引用 cited"}
# obs_id → evidence label, filled by start(): every table and chart's data that names observations
# gets a column saying which of its figures are cited (see with_evidence).
_EVIDENCE: dict[str, str] = {}
_ID_COLUMNS = ("obs_id", "item_id", "obs_ids", "item_a", "item_b")


# The data behind a table or chart, inside the executed notebook (see the module docstring).
DATA_MIME = "application/vnd.pingan.data+json"
# A name becomes a file name on the site: <run_id>/<name>.csv.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def start(namespace: dict) -> ds.Dataset:
    """A notebook's first call, ``data = views.start(globals())``: its parameters checked, fonts,
    display options, and the dataset.

    ``namespace`` is the notebook's globals: every parameter its ``parameters`` cell declares
    (``region_code: str = "421300"``) is converted there to its declared type, in place, or refused
    with a one-line ParameterError (see ``analysis.questions.parameters``: papermill's ``-p`` turns
    a code into a number). The dataset is read from ``namespace["processed_dir"]`` when the notebook
    has that parameter and it is not empty, otherwise from the project's ``data/processed``.
    """
    conform_namespace(namespace)
    seaborn_theme()  # also registers the CJK font
    crisp_inline_figures()
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 500)
    pd.set_option("display.width", 200)
    data = ds.load(namespace.get("processed_dir") or None)
    _EVIDENCE.clear()
    _EVIDENCE.update(zip(data.observations["obs_id"], data.observations["evidence_kind"].map(EVIDENCE_LABELS)))
    return data


def evidence_of(ids: str) -> str:
    """The evidence label of the observations named in ``ids`` (one obs_id or several, separated by
    spaces); "" when none is known. A derived total of quoted and cited parts says both."""
    labels = sorted({_EVIDENCE[i] for i in str(ids).split() if i in _EVIDENCE})
    return " + ".join(labels)


def with_evidence(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a column ``evidence`` (原文引用 quoted / 引用 cited) after the first column that
    names observations, when it has one and no such column yet: every table and chart says which
    of its figures are cited."""
    if "evidence" in frame.columns or "evidence_kind" in frame.columns or not _EVIDENCE:
        return frame
    column = next((c for c in _ID_COLUMNS if c in frame.columns), None)
    if column is None:
        return frame
    out = frame.copy()
    out.insert(list(frame.columns).index(column) + 1, "evidence", frame[column].map(evidence_of))
    return out


def observations_table(observations: pd.DataFrame, with_region: bool = True) -> pd.DataFrame:
    """The observations with the words they were read from (without the region columns when
    every row is about one region, to leave room for the quote)."""
    columns = [c for c in OBSERVATION_COLUMNS if with_region or not c.startswith("region_")]
    frame = observations.assign(evidence=observations["evidence_kind"].map(EVIDENCE_LABELS),
                                quote=observations["quote"].where(
                                    observations["evidence_kind"] != "cited",
                                    "as printed 原样: " + (observations["direction_as_printed"].fillna("")
                                                          + observations["number_as_printed"].fillna(""))
                                    + " · " + observations["locator"].fillna("")))
    return frame[columns].reset_index(drop=True)


def sources_behind(data: ds.Dataset, source_ids) -> pd.DataFrame:
    """The reports behind what a notebook showed, with what a reader needs to find them."""
    wanted = sorted(set(source_ids))
    table = data.sources[data.sources["source_id"].isin(wanted)]
    return table[["source_id", "headline", "publisher", "byline", "date_published", "original_url",
                  "file", "sha256"]].reset_index(drop=True)


def counts(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Observation counts by one column, largest first, ties by name (deterministic)."""
    table = frame.groupby(column).size().rename("observations").reset_index()
    return table.sort_values(["observations", column], ascending=[False, True]).reset_index(drop=True)


def summary(text: str) -> None:
    """The one-line summary the site's index shows for this run (the cell is tagged "summary")."""
    print(text)


TAKEAWAY_CLASS = "pingan-takeaway"


def takeaway_bundle(text: str) -> dict:
    """The display output of :func:`takeaway`: the sentence as text and as a marked paragraph."""
    text = " ".join(str(text).split())
    if not text:
        raise ValueError("a takeaway needs a sentence: compose it from the page's data")
    return {"text/plain": text,
            "text/html": f'<p class="{TAKEAWAY_CLASS}">{html.escape(text)}</p>'}


def takeaway(text: str) -> None:
    """Show the page's one-sentence takeaway, composed by the notebook from its own data (never a
    number typed into the sentence). Call it in the first cell after ``views.start``, tagged
    "takeaway": the site shows it at the top of the page and as the run's line in the index.

    Raises ValueError on an empty sentence.
    """
    from IPython.display import display

    display(takeaway_bundle(text), raw=True)


def region_header(data: ds.Dataset, region_code: str) -> pd.DataFrame:
    regions = data.regions.set_index("region_code")
    row = regions.loc[region_code]
    chain, code = [], region_code
    while code:
        chain.append(f"{regions.loc[code, 'name_zh']} ({code})")
        code = regions.loc[code, "parent_code"]
    population = row["population_2020"]
    items = {
        "name 名称": ds.bilingual(row["name_zh"], row["name_en"]),
        "level 层级": row["level"] + (" (administered by the province 省直管)"
                                      if row["is_province_administered"] else ""),
        "within 隶属": " ⊂ ".join(chain),
        "population 2020 常住人口": "not published 未公布" if pd.isna(population) else f"{int(population):,}",
        "basis 口径": row["population_basis"].replace("_", " "),
        "population source 人口来源": row["population_source"],
        "source kind": row["population_source_kind"],
        "note 说明": row["population_note"],
    }
    return pd.DataFrame({"field": list(items), "value": list(items.values())})


# --- what a notebook shows, with the data behind it ----------------------------------------------

def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"data name {name!r}: use lower-case letters, digits, _ and - "
                         "(it becomes a file name)")


def as_columns(frame: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """A plain table: a named index becomes columns, a positional one is dropped, and a map's
    geometry is left out (a spreadsheet cannot read it)."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    named_index = any(name is not None for name in frame.index.names)
    frame = frame.reset_index(drop=not named_index)
    frame.columns.name = None
    if "geometry" in frame.columns:
        frame = pd.DataFrame(frame.drop(columns="geometry"))
    return frame


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text of ``frame`` (LF line ends), as data/processed is written: text cells guarded
    against spreadsheet formulas (:func:`analysis.spreadsheet.inert`), numbers and dates as pandas
    writes them, and any cell with a comma, quote or line break quoted."""
    guarded = frame.copy()
    for column in guarded.columns:
        if guarded[column].dtype == object or pd.api.types.is_string_dtype(guarded[column]):
            guarded[column] = guarded[column].map(lambda v: inert(v) if isinstance(v, str) else v)
    # pandas formats the cells; written with CR LF, its csv writer quotes every cell holding a CR
    # or LF, so reading it back gives each cell exactly, for csv_text to quote every line break.
    formatted = guarded.to_csv(index=False, lineterminator="\r\n")
    header, *rows = csv.reader(io.StringIO(formatted, newline=""))
    return csv_text(header, rows)


def constant_columns(frame: pd.DataFrame, min_rows: int = 4) -> dict[str, str]:
    """Text columns with one value on every row of a table long enough for it to be noise: shown
    once above the table instead of on every row."""
    if len(frame) < min_rows:
        return {}
    constant = {}
    for column in frame.columns:
        values = frame[column]
        if (values.dtype == object or pd.api.types.is_string_dtype(values)) and values.nunique(dropna=False) == 1:
            value = values.iloc[0]
            if isinstance(value, str) and value:
                constant[column] = value
    return constant


# A table wider than this keeps in view the columns labels.csv marks "shown" (at most this many)
# and folds the others into a row that expands: the text column holds about six.
MAX_COLUMNS_IN_VIEW = 6


def columns_in_view(columns) -> tuple[list, list]:
    """(shown, folded): every column when there are at most MAX_COLUMNS_IN_VIEW, otherwise the
    columns marked shown in labels.csv, in the table's order, up to that many (the first columns
    when none is marked), and the rest."""
    columns = list(columns)
    if len(columns) <= MAX_COLUMNS_IN_VIEW:
        return columns, []
    shown = [c for c in columns if labels.is_shown(c)][:MAX_COLUMNS_IN_VIEW]
    if not shown:
        shown = columns[:MAX_COLUMNS_IN_VIEW]
    return shown, [c for c in columns if c not in shown]


def _cell_text(value) -> str:
    """A cell as a reader sees it: numbers in full (600,000 rather than 600000.0), nothing for a
    missing value."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return format_value(value)
    return str(value)


def table_html(frame: pd.DataFrame, caption: str = "") -> str:
    """The table as a reader sees it: Chinese and English column labels and code labels
    (labels.csv) instead of machine names, every cell escaped, numbers in full; a column with one
    value on every row said once above it; a wide table's other columns behind a row that expands
    (each header keeps its CSV column name as a tooltip)."""
    frame = labels.for_people(frame)
    constant = constant_columns(frame)
    shown_frame = frame.drop(columns=list(constant)) if constant else frame
    shown, folded = columns_in_view(shown_frame.columns)

    def e(text: str) -> str:  # cell text: < > & escaped, quotes kept as printed
        return html.escape(text, quote=False)

    def header(column) -> str:
        return f'<th title="CSV: {html.escape(str(column))}">{e(labels.column_label(column))}</th>'

    lines = ['<table class="dataframe pingan-table">']
    if caption:
        lines.append(f"  <caption>{e(caption)}</caption>")
    more = '<th class="pingan-more">更多 More</th>' if folded else ""
    lines.append("  <thead><tr>" + "".join(header(c) for c in shown) + more + "</tr></thead>")
    lines.append("  <tbody>")
    for row in shown_frame.itertuples(index=False, name=None):
        cells = dict(zip(shown_frame.columns, row))
        tds = "".join(f"<td>{e(_cell_text(cells[c]))}</td>" for c in shown)
        if folded:
            items = "".join(f"<dt>{e(labels.column_label(c))}</dt><dd>{e(_cell_text(cells[c]))}</dd>"
                            for c in folded if _cell_text(cells[c]))
            tds += (f'<td class="pingan-more"><details><summary>更多 more</summary>'
                    f"<dl>{items}</dl></details></td>")
        lines.append(f"    <tr>{tds}</tr>")
    lines.append("  </tbody>\n</table>")
    notes = "".join(f'<p class="pingan-constant">{e(labels.column_label(column))} '
                    f"(every row 每行): {e(value)}</p>\n"
                    for column, value in constant.items())
    return notes + "\n".join(lines)


def table_bundle(frame: pd.DataFrame | pd.Series, name: str, caption: str = "") -> dict:
    """The display output of ``table``: HTML and text to read, and the CSV under DATA_MIME."""
    _check_name(name)
    frame = with_evidence(as_columns(frame))
    with pd.option_context("display.max_colwidth", None):
        text = frame.to_string(index=False) if len(frame) else "(none 无)"
    return {
        "text/plain": (f"{caption}\n" if caption else "") + text,
        "text/html": (table_html(frame, caption) if len(frame) else
                      f'<p class="pingan-empty">{html.escape(caption or name)}: none 无</p>'),
        DATA_MIME: {"kind": "table", "name": name, "caption": caption, "rows": len(frame),
                    "csv": to_csv(frame)},
    }


def table(frame: pd.DataFrame | pd.Series, name: str, caption: str = "") -> None:
    """Show a table, carrying its data: the site offers it as ``<name>.csv`` beside the page
    (and makes it sortable and filterable when it is long)."""
    from IPython.display import display

    display(table_bundle(frame, name, caption), raw=True)


def chart_data_bundle(frame: pd.DataFrame | pd.Series, name: str, caption: str = "") -> dict:
    _check_name(name)
    frame = with_evidence(as_columns(frame))
    return {
        "text/plain": f"数据 Data behind the chart: {name}.csv ({len(frame)} rows)",
        DATA_MIME: {"kind": "chart", "name": name, "caption": caption, "rows": len(frame),
                    "csv": to_csv(frame)},
    }


def chart_data(frame: pd.DataFrame | pd.Series, name: str, caption: str = "", figure=None) -> None:
    """Show the chart just drawn, then attach the data behind it (``<name>.csv`` on the site).

    The figure is shown here, not when the cell ends, so that its data link follows it: ``figure``
    when given (a cell that draws several charts before showing them passes each its own), else
    every open figure.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    shown = [figure] if figure is not None else [plt.figure(n) for n in plt.get_fignums()]
    for each in shown:
        display(each)
        plt.close(each)
    display(chart_data_bundle(frame, name, caption), raw=True)


FINDING_CLASS = "pingan-finding"


def finding(text: str) -> None:
    """Show one statement of what the evidence says, composed by the notebook from its data (a
    paragraph, escaped). Raises ValueError on an empty statement."""
    from IPython.display import display

    text = " ".join(str(text).split())
    if not text:
        raise ValueError("a finding needs a sentence: compose it from the page's data")
    display({"text/plain": text, "text/html": f'<p class="{FINDING_CLASS}">{html.escape(text)}</p>'}, raw=True)
