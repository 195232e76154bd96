"""Notebook sources: committed without outputs, each with its question, parameters and summary."""

import json
import re

import pytest

from analysis.config import PROJ_ROOT
from analysis.publish.execute import KERNEL_NAME, clean_notebook
from analysis.publish.runs import Run, load_runs, makefile_fragment, notebook_parameters
from analysis.publish.tags import HIDE_INPUT, REMOVE_CELL, tag_cells, untagged_cells

NOTEBOOKS = sorted((PROJ_ROOT / "notebooks").glob("*.ipynb"))


def test_every_notebook_is_listed_with_its_titles_in_runs_yaml():
    assert [p.stem for p in NOTEBOOKS] == ["00_key_findings", "01_dataset", "02_region_profile", "03_theme_comparison",
                                           "04_map", "05_discourse", "06_change_over_time",
                                           "07_region_pair"]
    titles = load_runs().titles()
    assert all(titles[p.stem]["title_zh"] and titles[p.stem]["title_en"] for p in NOTEBOOKS)


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
    for run in load_runs().runs:  # load_runs refuses an unknown name or a value of another type
        declared = notebook_parameters(run.notebook)
        assert set(run.parameters) <= set(declared), run.run_id
        assert all(type(value) is declared[name] for name, value in run.parameters.items()), run.run_id


def test_run_ids_are_file_safe_and_skip_defaults():
    run = Run("04_map", {"theme": "dispute_mediation", "key": "", "level": "county"})
    assert run.run_id == "04_map--dispute_mediation--county"
    assert Run("03_theme_comparison", {"theme": "x", "per_capita": True}).run_id.endswith("--per_capita")
    fragment = makefile_fragment(load_runs())
    assert "build/notebooks/01_dataset.ipynb &: notebooks/01_dataset.ipynb $(RUN_DEPS)\n" \
           "\t@$(PY) -m analysis execute --stale-against $^ -- 01_dataset\n" in fragment


def test_runs_of_one_notebook_share_kernels_in_batches_of_near_equal_length():
    from analysis.publish.runs import RunList, batches

    runs = ([Run("02_region_profile", {"region_code": str(420000 + i)}) for i in range(27)]
            + [Run("05_discourse", {"term_code": "grid"})])
    cut = batches(RunList([], runs), size=8)
    assert [len(b) for b in cut] == [7, 7, 6, 7, 1]
    assert [r for b in cut for r in b] == runs  # every run once, in runs.yaml's order
    assert {r.notebook for r in cut[-1]} == {"05_discourse"}  # a batch never mixes notebooks
    fragment = makefile_fragment(RunList([], runs), size=8)
    assert fragment.count(" &: notebooks/02_region_profile.ipynb $(RUN_DEPS)") == 4
    assert ".PRECIOUS: $(NOTEBOOK_OUTPUTS)" in fragment  # a batch that fails keeps its good outputs
    with pytest.raises(ValueError, match="at least one run"):
        batches(RunList([], runs), size=0)


def test_a_batch_executes_only_its_runs_older_than_a_prerequisite(tmp_path):
    import os

    from analysis.publish.execute import stale_runs

    prerequisite, fresh, old = tmp_path / "notebook.ipynb", tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    for path, mtime in ((old, 100), (prerequisite, 200), (fresh, 300)):
        path.write_text("{}")
        os.utime(path, ns=(mtime * 10**9, mtime * 10**9))
    assert stale_runs(["a", "b", "c"], [prerequisite], output_dir=tmp_path) == ["b", "c"]  # c: no output
    assert stale_runs(["a"], [], output_dir=tmp_path) == []
    with pytest.raises(FileNotFoundError):
        stale_runs(["a"], [tmp_path / "gone.csv"], output_dir=tmp_path)


def test_what_a_cell_printed_is_one_output_however_the_kernel_cut_it():
    from analysis.publish.execute import merged_streams

    display = {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}}
    cut = [{"output_type": "stream", "name": "stdout", "text": ["Court enforcement: 0 compared."]},
           {"output_type": "stream", "name": "stdout", "text": ["\n"]},
           {"output_type": "stream", "name": "stderr", "text": ["warning\n"]},
           display,
           {"output_type": "stream", "name": "stdout", "text": ["a\nb"]},
           {"output_type": "stream", "name": "stdout", "text": ["\n"]}]
    assert merged_streams(cut) == [
        {"output_type": "stream", "name": "stdout", "text": ["Court enforcement: 0 compared.\n"]},
        {"output_type": "stream", "name": "stderr", "text": ["warning\n"]},
        display,  # streams apart stay apart: the order of what the cell showed is kept
        {"output_type": "stream", "name": "stdout", "text": ["a\n", "b\n"]}]


def test_clean_notebook_drops_timing_and_random_ids():
    nb = {"metadata": {"papermill": {"start_time": "t", "duration": 1.0, "parameters": {"a": 1},
                                     "version": "2", "output_path": "/abs"}},
          "cells": [{"id": "random", "metadata": {"tags": ["injected-parameters"], "execution": {},
                                                  "papermill": {"duration": 1, "status": "completed"}}}]}
    cleaned = clean_notebook(nb)
    assert cleaned["metadata"]["papermill"] == {"parameters": {"a": 1}, "version": "2"}
    assert cleaned["cells"][0]["id"] == "injected-parameters"
    assert REMOVE_CELL in cleaned["cells"][0]["metadata"]["tags"]
    assert cleaned["cells"][0]["metadata"]["papermill"] == {"status": "completed"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_says_what_a_reader_sees(path):
    """Set-up cells are removed from the site, the others fold their code (see publish/tags.py);
    `python -m analysis tag-notebooks` fixes a notebook that fails here."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert untagged_cells(nb) == []
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    setup = [c for c in code if "views.start(" in "".join(c["source"])]
    assert len(setup) == 1 and REMOVE_CELL in setup[0]["metadata"]["tags"]
    assert REMOVE_CELL in next(c for c in code if "parameters" in c["metadata"]["tags"])["metadata"]["tags"]


def test_untagged_cells_are_found_and_tagged():
    nb = {"cells": [
        {"id": "p", "cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "x = 1"},
        {"id": "s", "cell_type": "code", "metadata": {}, "source": ["data = views.start(", "x)"]},
        {"id": "t", "cell_type": "code", "metadata": {"tags": ["summary"]}, "source": "views.summary('')"},
        {"id": "m", "cell_type": "markdown", "metadata": {}, "source": "# Title"},
        {"id": "h", "cell_type": "code", "metadata": {"tags": [HIDE_INPUT]}, "source": "views.table(t, 'a')"},
        {"id": "w", "cell_type": "code", "metadata": {"tags": [HIDE_INPUT]}, "source": "d = views.start()"},
    ]}
    assert untagged_cells(nb) == ["p: set-up cell without remove-cell",
                                  "s: set-up cell without remove-cell",
                                  "t: no tag among remove-cell, hide-input, remove-input",
                                  "w: set-up cell without remove-cell"]
    assert tag_cells(nb) == 4 and untagged_cells(nb) == [] and tag_cells(nb) == 0
    assert [c["metadata"].get("tags") for c in nb["cells"]] == [
        ["parameters", REMOVE_CELL], [REMOVE_CELL], ["summary", HIDE_INPUT], None,
        [HIDE_INPUT], [HIDE_INPUT, REMOVE_CELL]]


def test_the_kernel_drops_only_its_two_messages_that_are_noise():
    import logging

    from analysis.publish.kernel import WithoutNoise

    def record(message):
        return logging.LogRecord("IPKernelApp", logging.WARNING, __file__, 1, message, None, None)

    keep = WithoutNoise().filter
    assert not keep(record("Kernel is running over TCP without encryption. All communication ..."))
    assert not keep(record("KeyboardInterrupt caught in kernel."))
    assert keep(record("Kernel is running over TCP with a problem"))
    assert keep(record("Something else went wrong"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_takeaway_comes_right_after_the_set_up_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    tagged = [i for i, c in enumerate(code) if "takeaway" in c["metadata"].get("tags", [])]
    setup = next(i for i, c in enumerate(code) if "views.start(" in "".join(c["source"]))
    if path.stem in ("00_key_findings", "02_region_profile", "05_discourse"):
        assert tagged, "the page has no takeaway"
    assert tagged in ([], [setup + 1])
    for i in tagged:
        source = "".join(code[i]["source"])
        # a unit (per 10,000), a percentage (× 100), a format, a position ([0], [-1]) or a sign
        # test (< 0) is no figure of the data
        figures = re.sub(r"10,000|\* 100|'\.\d+f'|:\.\d+f|\[-?\d\]|[<>]=? ?0\b", "", source)
        assert "views.takeaway(" in source and not re.search(r"\d", figures), "a number typed into the takeaway"
