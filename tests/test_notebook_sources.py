"""Notebook sources: committed without outputs, each with its question, parameters and summary."""

import json
import re

import pytest

from analysis.config import PROJ_ROOT
from analysis.publish.execute import KERNEL_NAME, clean_notebook
from analysis.publish.runs import Run, RunList, load_runs, makefile_fragment, notebook_parameters
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


def test_every_run_is_one_grouped_make_target_executed_on_every_core():
    runs = ([Run("02_region_profile", {"region_code": str(420000 + i)}) for i in range(3)]
            + [Run("05_discourse", {"term_code": "grid"})])
    fragment = makefile_fragment(RunList([], runs))
    outputs = " ".join(f"build/notebooks/{r.run_id}.ipynb" for r in runs)
    rule = [line for line in fragment.splitlines() if " &: " in line]
    assert rule == ["$(NOTEBOOK_OUTPUTS) &: notebooks/02_region_profile.ipynb notebooks/05_discourse.ipynb $(RUN_DEPS)"]
    assert ("\t@$(PY) -m analysis execute --jobs $(KERNELS) --stale-against $^ -- "
            "02_region_profile--420000 02_region_profile--420001 02_region_profile--420002 05_discourse--grid\n") in fragment
    assert fragment.split("NOTEBOOK_OUTPUTS := ")[1].split("\n# ")[0].replace(" \\\n\t", " ").strip() == outputs
    assert ".PRECIOUS: $(NOTEBOOK_OUTPUTS)" in fragment  # a run that fails keeps its good output
    assert "NBVAL_RUNS := build/notebooks/02_region_profile--420000.ipynb build/notebooks/05_discourse--grid.ipynb" \
        in fragment


def _at(path, seconds):
    import os

    path.write_text("{}")
    os.utime(path, ns=(seconds * 10**9, seconds * 10**9))
    return path


def test_only_runs_older_than_one_of_their_prerequisites_are_executed(tmp_path):
    from analysis.publish.execute import stale_runs

    prerequisite, fresh, old = tmp_path / "data.csv", tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    _at(old, 100), _at(prerequisite, 200), _at(fresh, 300)
    assert stale_runs(["a", "b", "c"], [prerequisite], output_dir=tmp_path) == ["b", "c"]  # c: no output
    assert stale_runs(["a"], [], output_dir=tmp_path) == []
    with pytest.raises(FileNotFoundError):
        stale_runs(["a"], [tmp_path / "gone.csv"], output_dir=tmp_path)


def test_a_changed_notebook_makes_only_its_own_runs_stale(tmp_path):
    from analysis.publish.execute import stale_runs

    notebooks, outputs = tmp_path / "notebooks", tmp_path / "out"
    notebooks.mkdir(), outputs.mkdir()
    discourse, dataset = _at(notebooks / "05_discourse.ipynb", 500), _at(notebooks / "01_dataset.ipynb", 100)
    data = _at(tmp_path / "observations.csv", 100)
    _at(outputs / "05_discourse--grid.ipynb", 300), _at(outputs / "01_dataset.ipynb", 300)
    prerequisites = [discourse, dataset, data]
    # 01's output is older than 05's notebook, which is no prerequisite of 01's run
    assert stale_runs(["05_discourse--grid", "01_dataset"], prerequisites, output_dir=outputs,
                      notebook_dir=notebooks) == ["05_discourse--grid"]
    _at(data, 400)  # a file every run reads
    assert stale_runs(["05_discourse--grid", "01_dataset"], prerequisites, output_dir=outputs,
                      notebook_dir=notebooks) == ["05_discourse--grid", "01_dataset"]


def test_runs_start_longest_first_and_untimed_runs_before_all():
    from analysis.publish.execute import execute_runs, run_order

    seconds = {"a": 2.0, "b": 30.0, "c": 2.0, "d": 9.5}
    assert run_order(["a", "b", "c", "d", "new", "newer"], seconds) == ["new", "newer", "b", "d", "a", "c"]
    assert run_order([], seconds) == []
    with pytest.raises(ValueError, match="at least one"):
        execute_runs(["a"], jobs=0)


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
