"""Notebook sources: committed without outputs, each with its question, parameters and summary."""

import json

import pytest

from analysis.config import PROJ_ROOT
from analysis.publish.execute import KERNEL_NAME, clean_notebook
from analysis.publish.runs import Run, load_runs, makefile_fragment

NOTEBOOKS = sorted((PROJ_ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_five_notebooks():
    assert [p.stem for p in NOTEBOOKS] == ["01_dataset", "02_region_profile", "03_theme_comparison",
                                           "04_map", "05_discourse"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_source_shape(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    for cell in cells:  # the file format may split a cell's source into lines
        cell["source"] = "".join(cell["source"])
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code), "outputs committed"
    assert cells[0]["cell_type"] == "markdown" and cells[0]["source"].startswith("# ")
    assert "**Question.**" in cells[0]["source"] and "**Parameters.**" in cells[0]["source"]
    tagged = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1 and cells.index(tagged[0]) == 1
    assert sum("summary" in c["metadata"].get("tags", []) for c in cells) == 1
    assert any(c["cell_type"] == "markdown" and c["source"].startswith("## 来源 Sources")
               for c in cells[-4:]), "a notebook ends with the sources behind what it showed"
    assert nb["metadata"]["kernelspec"]["name"] == KERNEL_NAME


def test_runs_name_existing_notebooks_and_parameters():
    for run in load_runs().runs:
        source = (PROJ_ROOT / "notebooks" / f"{run.notebook}.ipynb").read_text(encoding="utf-8")
        parameters_cell = next(c for c in json.loads(source)["cells"]
                               if "parameters" in c["metadata"].get("tags", []))
        for name in run.parameters:
            assert f"{name} =" in "".join(parameters_cell["source"]), f"{run.run_id}: unknown {name}"


def test_run_ids_are_file_safe_and_skip_defaults():
    run = Run("04_map", {"theme": "dispute_mediation", "indicator": "", "level": "county"})
    assert run.run_id == "04_map--dispute_mediation--county"
    assert Run("03_theme_comparison", {"theme": "x", "per_capita": True}).run_id.endswith("--per_capita")
    fragment = makefile_fragment(load_runs())
    assert "build/notebooks/01_dataset.ipynb: notebooks/01_dataset.ipynb $(RUN_DEPS)" in fragment


def test_clean_notebook_drops_timing_and_random_ids():
    nb = {"metadata": {"papermill": {"start_time": "t", "duration": 1.0, "parameters": {"a": 1},
                                     "version": "2", "output_path": "/abs"}},
          "cells": [{"id": "random", "metadata": {"tags": ["injected-parameters"], "execution": {},
                                                  "papermill": {"duration": 1, "status": "completed"}}}]}
    cleaned = clean_notebook(nb)
    assert cleaned["metadata"]["papermill"] == {"parameters": {"a": 1}, "version": "2"}
    assert cleaned["cells"][0]["id"] == "injected-parameters"
    assert cleaned["cells"][0]["metadata"]["papermill"] == {"status": "completed"}
