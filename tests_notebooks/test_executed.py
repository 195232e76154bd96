"""Every run executed, cleanly, with Chinese text drawn in a real font, and reproducibly."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analysis.questions import dataset
from analysis.questions.views import DATA_MIME
from analysis.publish.execute import execute_batch, execute_run, execute_runs
from analysis.publish.runs import load_runs, missing_runs


def outputs_text(notebook: dict) -> str:
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            parts.append(json.dumps(output.get("data", {}).get("text/plain", ""), ensure_ascii=False))
            parts.extend(output.get("traceback", []))
    return "\n".join(parts)


def test_runs_cover_what_the_data_call_for():
    assert missing_runs(load_runs(), dataset.load()) == []


def test_every_run_executed_without_errors_or_missing_glyphs(executed):
    for run in load_runs().runs:
        path = executed / f"{run.run_id}.ipynb"
        assert path.exists(), f"{run.run_id} was not executed"
        notebook = json.loads(path.read_text(encoding="utf-8"))
        text = outputs_text(notebook)
        assert "missing from font" not in text, f"{run.run_id}: a glyph is missing from the font"
        assert not any(o.get("output_type") == "error" for c in notebook["cells"]
                       for o in c.get("outputs", [])), f"{run.run_id}: a cell raised"
        assert "papermill" in notebook["metadata"] and "start_time" not in notebook["metadata"]["papermill"]


def test_each_run_says_what_it_shows(executed):
    for run in load_runs().runs:
        notebook = json.loads((executed / f"{run.run_id}.ipynb").read_text(encoding="utf-8"))
        summary = [c for c in notebook["cells"] if "summary" in c["metadata"].get("tags", [])]
        assert len(summary) == 1 and summary[0]["outputs"], f"{run.run_id}: no summary printed"


def test_every_table_and_chart_carries_its_data(executed):
    """Notebooks show tables with views.table and charts with views.chart_data, so that the site
    offers the data behind each: no table or figure without it."""
    for run in load_runs().runs:
        notebook = json.loads((executed / f"{run.run_id}.ipynb").read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            outputs = [o.get("data", {}) for o in cell.get("outputs", [])]
            for number, data in enumerate(outputs):
                if "<table" in "".join(data.get("text/html", "")):
                    assert DATA_MIME in data, f"{run.run_id} {cell['id']}: a table without views.table"
                if "image/png" in data:
                    following = next((d for d in outputs[number + 1:] if "image/png" not in d), {})
                    assert following.get(DATA_MIME, {}).get("kind") == "chart", \
                        f"{run.run_id} {cell['id']}: a figure without views.chart_data after it"


@pytest.mark.slow
def test_two_executions_give_the_same_outputs(executed, tmp_path):
    # The same notebook gives the same pages: test_site.py checks the book's side.
    run_id = "05_discourse--grid"
    again = execute_run(run_id, output_dir=tmp_path)
    first = (executed / f"{run_id}.ipynb").read_text(encoding="utf-8")
    assert again.read_text(encoding="utf-8") == first


@pytest.mark.slow
def test_a_run_gives_the_same_notebook_alone_or_after_others_in_one_kernel(executed, tmp_path):
    """Runs share kernels in batches (publish/execute.py): what a run leaves behind (variables,
    figures, settings, warnings already shown, the cell counter) must not reach the next one.
    03 changes matplotlib's state and warns; 04 draws maps; 05 then runs in the same kernel."""
    run_ids = ["03_theme_comparison--anti_gang", "04_map--anti_gang--prefecture", "05_discourse--grid"]
    assert execute_batch(run_ids, output_dir=tmp_path) == []
    for run_id in run_ids:
        alone = (executed / f"{run_id}.ipynb").read_text(encoding="utf-8")
        assert (tmp_path / f"{run_id}.ipynb").read_text(encoding="utf-8") == alone, run_id


@pytest.mark.slow
def test_runs_on_two_kernels_at_once_give_the_notebooks_of_runs_alone(executed, tmp_path):
    """The build executes runs on one kernel per job (execute_runs: worker processes, each a
    kernel executing the runs it draws); which kernel a run lands on must not show in its output."""
    run_ids = ["05_discourse--grid", "04_map--anti_gang--county", "07_region_pair--421127--430522"]
    assert execute_runs(run_ids, jobs=2, output_dir=tmp_path) == []
    for run_id in run_ids:
        alone = (executed / f"{run_id}.ipynb").read_text(encoding="utf-8")
        assert (tmp_path / f"{run_id}.ipynb").read_text(encoding="utf-8") == alone, run_id


@pytest.mark.slow
def test_a_run_that_fails_on_one_kernel_is_reported_and_the_others_are_executed(tmp_path):
    failures = execute_runs(["no_such_run", "05_discourse--grid"], jobs=2, output_dir=tmp_path)
    assert failures == ["no run 'no_such_run' in notebooks/runs.yaml"]
    assert (tmp_path / "05_discourse--grid.ipynb").exists() and not (tmp_path / "no_such_run.ipynb").exists()


def test_a_missing_glyph_fails_the_kernel(tmp_path):
    """The kernel's start-up turns matplotlib's missing-glyph warning into an error."""
    code = ("import analysis.publish.execute as a; a.kernel_startup()\n"
            "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
            "plt.rcParams['font.sans-serif'] = ['DejaVu Sans']\n"
            "fig, ax = plt.subplots(); ax.set_title('平安'); fig.savefig(r'%s')\n" % (tmp_path / "x.png"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0 and "missing from font" in result.stderr


@pytest.mark.parametrize("notebook, parameters, names", [
    ("02_region_profile", {"region_code": "999999"}, "region_code='999999'"),
    ("03_theme_comparison", {"theme": "no_such_theme"}, "theme='no_such_theme'"),
    ("04_map", {"theme": "dispute_mediation", "level": "township"}, "level='township'"),
    ("05_discourse", {"term_code": "nothing"}, "term_code='nothing'"),
    ("07_region_pair", {"region_a": "420000", "region_b": "999999"}, "region_b='999999'"),
])
def test_a_parameter_not_in_the_data_stops_the_first_cell_in_one_line(tmp_path, notebook, parameters, names):
    from papermill.exceptions import PapermillExecutionError

    from analysis.publish.execute import KERNEL_NAME, _import_papermill
    from analysis.publish.runs import NOTEBOOK_DIR

    with pytest.raises(PapermillExecutionError) as info:
        _import_papermill().execute_notebook(str(NOTEBOOK_DIR / f"{notebook}.ipynb"), str(tmp_path / "out.ipynb"),
                                             parameters=parameters, kernel_name=KERNEL_NAME, cwd=str(NOTEBOOK_DIR),
                                             progress_bar=False)
    assert info.value.ename == "ParameterError" and names in info.value.evalue
    assert "is not in the data; the valid values are listed in" in info.value.evalue
    (line,) = info.value.traceback  # one line, no Python traceback
    executed = json.loads((tmp_path / "out.ipynb").read_text(encoding="utf-8"))
    code = [c for c in executed["cells"] if c["cell_type"] == "code"]
    failing = next(i for i, c in enumerate(code) if any(o.get("output_type") == "error" for o in c["outputs"]))
    tags = code[failing - 1]["metadata"].get("tags", [])
    assert "injected-parameters" in tags  # the first cell after the parameters


@pytest.mark.parametrize("value, outcome", [
    ("421300", "随州市 Suizhou"),  # papermill's -p passes the int 421300: the notebook's code is text
    ("4.2e5", "ParameterError: parameter region_code=420000.0 is float, not str"),
])
def test_the_papermill_command_line_with_a_code_that_looks_like_a_number(tmp_path, value, outcome):
    from analysis.publish.execute import KERNEL_NAME
    from analysis.publish.runs import NOTEBOOK_DIR

    out = tmp_path / "out.ipynb"
    result = subprocess.run([sys.executable, "-m", "papermill", str(NOTEBOOK_DIR / "02_region_profile.ipynb"),
                             str(out), "-p", "region_code", value, "-k", KERNEL_NAME, "--cwd", str(NOTEBOOK_DIR),
                             "--no-progress-bar"], capture_output=True, text=True)
    if outcome.startswith("ParameterError"):
        assert result.returncode != 0 and outcome in result.stderr
    else:
        assert result.returncode == 0, result.stderr[-2000:]
        assert outcome in outputs_text(json.loads(out.read_text(encoding="utf-8")))
