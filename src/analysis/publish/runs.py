"""Notebook runs (notebook × parameters), kept as data in ``notebooks/runs.yaml``.

``runs.yaml`` is the list Make executes. It is edited by hand or by ``python -m analysis runs
--update``, which adds what the data call for and keeps every run already listed: the dataset; a
region profile for every region with observations; a comparison for every theme with
observations; per-capita maps where a concept has values in two regions of a level (and one map
per level at least); the
discourse and the change-over-time notebooks; a side-by-side page for every natural pair of
regions (same level, one in each province, reporting on a common concept). ``--check`` (run by the
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
