"""Notebook runs (notebook × parameters), kept as data in ``notebooks/runs.yaml``.

``runs.yaml`` is the list Make executes. It is edited by hand or by ``python -m analysis runs
--update``, which adds what the data call for and keeps every run already listed: a region profile
for every region with observations, a theme comparison (absolute, and per capita where the theme
has per-capita values) and maps for every theme with comparable data. ``--check`` (run by the
tests) fails when a required run is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..config import PROJ_ROOT

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


def load_runs(path: Path = RUNS_FILE) -> RunList:
    content = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    runs = [Run(r["notebook"], dict(r.get("parameters") or {}), r.get("label", ""))
            for r in content["runs"]]
    ids = [r.run_id for r in runs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate runs {', '.join(duplicates)}")
    for run in runs:
        if not (NOTEBOOK_DIR / f"{run.notebook}.ipynb").exists():
            raise ValueError(f"{path}: run {run.run_id} names a notebook that does not exist")
    return RunList(content["notebooks"], runs)


def required_runs(data) -> list[Run]:
    """The runs the data call for (see the module docstring)."""
    from ..questions import dataset as ds  # pandas and geopandas: not needed to execute a run
    from ..questions.maps import best_indicator

    runs = [Run("01_dataset", {"processed_dir": ""}, "五份报告 The five reports")]
    for code in ds.regions_with_observations(data):
        runs.append(Run("02_region_profile", {"region_code": code}, ds.region_label(data, code)))
    comparable = set(ds.comparable_indicators(data.observations).index)
    for theme in ds.themes_with_comparable_data(data):
        label = ds.theme_label(data, theme)
        runs.append(Run("03_theme_comparison", {"theme": theme, "per_capita": False}, label))
        if ds.comparison_groups(data, theme, per_capita=True)[0]:
            runs.append(Run("03_theme_comparison", {"theme": theme, "per_capita": True},
                            label + " · 每万人 per 10,000 residents"))
        for level in ("prefecture", "county"):
            indicator = best_indicator(data, theme, level)
            if indicator is not None and indicator in comparable:
                runs.append(Run("04_map", {"theme": theme, "indicator": "", "level": level},
                                f"{label} · {level}"))
    runs.append(Run("05_discourse", {"term_code": "grid"}, "治理话语 Governance discourse"))
    return runs


def missing_runs(listed: RunList, data) -> list[Run]:
    have = set(listed.by_id())
    return [run for run in required_runs(data) if run.run_id not in have]


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
    """Make rules: one target per run, depending on its notebook and on everything it reads."""
    lines = ["# Generated from notebooks/runs.yaml by `python -m analysis runs --makefile`.", ""]
    outputs = [f"build/notebooks/{run.run_id}.ipynb" for run in run_list.runs]
    lines.append("NOTEBOOK_OUTPUTS := " + " \\\n\t".join(outputs))
    firsts = {}
    for run, output in zip(run_list.runs, outputs):
        firsts.setdefault(run.notebook, output)
    lines.append("# nbval re-executes the first run of each notebook")
    lines.append("NBVAL_RUNS := " + " ".join(firsts.values()))
    lines.append("")
    for run, output in zip(run_list.runs, outputs):
        # Silent recipe: the command prints "run 12/26 <run_id>" when the run is done.
        lines.append(f"{output}: notebooks/{run.notebook}.ipynb $(RUN_DEPS)")
        lines.append(f"\t@$(PY) -m analysis execute {run.run_id}")
    return "\n".join(lines) + "\n"
