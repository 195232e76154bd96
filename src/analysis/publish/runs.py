"""Notebook runs (notebook × parameters), kept as data in ``notebooks/runs.yaml``.

``runs.yaml`` is the list Make executes. It is edited by hand or by ``python -m analysis runs
--update``, which adds what the data call for and keeps every run already listed: the dataset; a
region profile for every region with observations; a comparison for every theme with
observations; per-capita maps where a concept has values for five units of a level (and, for a
level without one, a page whose values are a ranked chart: ``maps.maps_worth_drawing``); the
discourse and the change-over-time notebooks; a side-by-side page for every natural pair of
regions (same level, one in each province, sharing at least one valid axis). ``--check`` (run by
the tests) fails when a required run is missing, or when a listed region pair no longer shares an
axis (its page would be empty); ``--update`` then drops it.

Every command that reads the list (``runs --check``, ``runs --makefile`` which Make calls before
any run, ``execute``, ``site``) refuses, in one line, a parameter that the run's notebook does not
declare in its ``parameters`` cell, and a value that is not of the declared type and cannot be
converted to it (``analysis.questions.parameters``).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..config import PROJ_ROOT
from ..questions.parameters import ParameterError, conform, declared_parameters

RUNS_FILE = PROJ_ROOT / "notebooks" / "runs.yaml"
NOTEBOOK_DIR = PROJ_ROOT / "notebooks"
_UNSAFE = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class Run:
    notebook: str
    parameters: dict = field(default_factory=dict)
    label: str = ""

    @property
    def run_id(self) -> str:
        """File-safe id: the notebook, then each parameter value (in the notebook's order)."""
        parts = [self.notebook]
        for value in self.parameters.values():
            if value == "":
                continue  # an empty parameter means "the notebook's default": not part of the id
            text = "per_capita" if value is True else "absolute" if value is False else str(value)
            parts.append(_UNSAFE.sub("_", text.lower()).strip("_"))
        return "--".join(parts)

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "notebook": self.notebook, "label": self.label,
                "parameters": dict(self.parameters)}


@dataclass
class RunList:
    notebooks: list[dict]
    runs: list[Run]

    def by_id(self) -> dict[str, Run]:
        return {run.run_id: run for run in self.runs}

    def titles(self) -> dict[str, dict]:
        return {nb["notebook"]: nb for nb in self.notebooks}


def notebook_parameters(notebook: str) -> dict[str, type]:
    """Name → declared type of the parameters in ``notebooks/<notebook>.ipynb``'s ``parameters``
    cell. Raises ValueError (one line, naming the notebook) when it has no such cell or a
    parameter is declared without its type (see ``analysis.questions.parameters``)."""
    path = NOTEBOOK_DIR / f"{notebook}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ValueError(f"{_shown(path)}: {len(tagged)} cells tagged parameters, not one")
    try:
        return declared_parameters("".join(tagged[0]["source"]))
    except ParameterError as exc:
        raise ValueError(f"{_shown(path)}: {exc}") from None


def _shown(path: Path) -> str:
    """A path as a reader of the project sees it: relative to the project when inside it."""
    path = Path(path).absolute()
    return str(path.relative_to(PROJ_ROOT)) if path.is_relative_to(PROJ_ROOT) else str(path)


def _run_lines(text: str) -> list[int]:
    """The line where each entry of ``runs:`` starts (1-based), for error messages."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    runs = next(value for key, value in root.value if key.value == "runs")
    return [item.start_mark.line + 1 for item in runs.value]


def _checked_parameters(notebook: str, parameters: dict, declared: dict[str, type], where: str) -> dict:
    """A run's parameters converted to the types its notebook declares; unknown names refused."""
    checked = {}
    for name, value in parameters.items():
        if name not in declared:
            close = difflib.get_close_matches(name, declared, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ValueError(f"{where}: unknown parameter {name}{hint}; the parameters of {notebook} are "
                             f"{', '.join(declared)}")
        try:
            checked[name] = conform(name, value, declared[name])
        except ParameterError as exc:
            raise ValueError(f"{where}: {exc}") from None
    return checked


def load_runs(path: Path = RUNS_FILE) -> RunList:
    """The runs listed in ``path``, each parameter known to its notebook and of its declared type.

    A value YAML read as a whole number where the notebook declares text (``region_code: 420000``
    unquoted) becomes its digits. Raises ValueError, in one line naming the file, the run's line
    and the parameter, for a notebook that does not exist, a parameter its notebook does not have
    (a misspelled name would otherwise run with the notebook's default), a value of another type
    that cannot be converted, and for two runs with the same id.
    """
    text = Path(path).read_text(encoding="utf-8")
    content = yaml.safe_load(text)
    declared: dict[str, dict[str, type]] = {}
    runs = []
    for entry, line in zip(content["runs"], _run_lines(text)):
        notebook = entry["notebook"]
        where = f"{_shown(path)} line {line} (run of {notebook}, {entry.get('label', '')})"
        if not (NOTEBOOK_DIR / f"{notebook}.ipynb").exists():
            raise ValueError(f"{where}: no notebook {_shown(NOTEBOOK_DIR / notebook)}.ipynb")
        if notebook not in declared:
            declared[notebook] = notebook_parameters(notebook)
        parameters = _checked_parameters(notebook, dict(entry.get("parameters") or {}),
                                         declared[notebook], where)
        runs.append(Run(notebook, parameters, entry.get("label", "")))
    ids = [r.run_id for r in runs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{_shown(path)}: duplicate runs {', '.join(duplicates)}")
    return RunList(content["notebooks"], runs)


def required_runs(data) -> list[Run]:
    """The runs the data call for (see the module docstring)."""
    from ..questions import comparisons, dataset as ds  # pandas, geopandas: not needed to execute a run
    from ..questions.maps import maps_worth_drawing

    runs = [Run("01_dataset", {"processed_dir": ""}, "五份报告 The five reports")]
    for code in ds.regions_with_observations(data):
        runs.append(Run("02_region_profile", {"region_code": code}, ds.region_label(data, code)))
    for theme in sorted(data.observations["theme_code"].unique()):
        runs.append(Run("03_theme_comparison", {"theme": theme}, ds.theme_label(data, theme)))
    for theme, level in maps_worth_drawing(data):
        runs.append(Run("04_map", {"theme": theme, "key": "", "level": level},
                        f"{ds.theme_label(data, theme)} · {level}"))
    runs.append(Run("05_discourse", {"term_code": "grid"}, "治理话语 Governance discourse"))
    runs.append(Run("06_change_over_time", {"processed_dir": ""}, "变化 Change over time"))
    for a, b in comparisons.natural_pairs(data):
        runs.append(Run("07_region_pair", {"region_a": a, "region_b": b},
                        f"{ds.region_label(data, a)} · {ds.region_label(data, b)}"))
    return runs


def missing_runs(listed: RunList, data) -> list[Run]:
    have = set(listed.by_id())
    return [run for run in required_runs(data) if run.run_id not in have]


def stale_runs(listed: RunList, data) -> list[Run]:
    """Listed region-pair runs whose two regions no longer share a valid axis (the data changed
    under them): their page would be empty, so ``--check`` refuses them and ``--update`` drops
    them. Other runs added by hand are kept."""
    from ..questions import comparisons  # pandas: not needed to execute a run

    pairs = set(comparisons.natural_pairs(data))
    return [run for run in listed.runs if run.notebook == "07_region_pair"
            and (run.parameters.get("region_a"), run.parameters.get("region_b")) not in pairs]


def write_runs(run_list: RunList, path: Path = RUNS_FILE) -> None:
    order = {nb["notebook"]: i for i, nb in enumerate(run_list.notebooks)}
    runs = sorted(run_list.runs, key=lambda r: (order.get(r.notebook, 99), r.run_id))
    header = ("# Notebook runs: each is one notebook executed by papermill with these parameters.\n"
              "# Make executes every run listed here (build/notebooks/<run_id>.ipynb) and renders it\n"
              "# (build/site/<run_id>.html). `python -m analysis runs --update` adds the runs the\n"
              "# data call for; runs added by hand are kept.\n")
    body = yaml.safe_dump({"notebooks": run_list.notebooks,
                           "runs": [{k: v for k, v in r.as_dict().items() if k != "run_id"}
                                    for r in runs]},
                          allow_unicode=True, sort_keys=False, width=100)
    Path(path).write_text(header + body, encoding="utf-8")


def makefile_fragment(run_list: RunList) -> str:
    """Make rules: one grouped target (GNU Make's ``&:``) for every run's output, depending on
    every notebook with runs and on everything a run reads. Its recipe executes, on $(KERNELS)
    kernels at once (the Makefile: one more than the cores), only the runs whose output is
    missing or older than their own notebook or a file every run reads (publish/execute.py:
    ``stale_runs``, ``execute_runs``)."""
    lines = ["# Generated from notebooks/runs.yaml by `python -m analysis runs --makefile`.", ""]
    outputs = [f"build/notebooks/{run.run_id}.ipynb" for run in run_list.runs]
    lines.append("NOTEBOOK_OUTPUTS := " + " \\\n\t".join(outputs))
    firsts = {}
    for run, output in zip(run_list.runs, outputs):
        firsts.setdefault(run.notebook, output)
    lines.append("# nbval re-executes the first run of each notebook")
    lines.append("NBVAL_RUNS := " + " ".join(firsts.values()))
    lines.append("# A failed run keeps its last good output; the others keep their new one")
    lines.append(".PRECIOUS: $(NOTEBOOK_OUTPUTS)")
    lines.append("")
    notebooks = " ".join(f"notebooks/{name}.ipynb" for name in firsts)
    # Silent recipe: the command prints "run 12/26 <run_id>" as each run is done.
    lines.append(f"$(NOTEBOOK_OUTPUTS) &: {notebooks} $(RUN_DEPS)")
    lines.append("\t@$(PY) -m analysis execute --jobs $(KERNELS) --stale-against $^ -- "
                 + " ".join(run.run_id for run in run_list.runs))
    return "\n".join(lines) + "\n"
