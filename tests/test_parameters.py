"""Notebook parameters: codes stay text wherever they arrive (papermill's -p, runs.yaml); a value of
another type is converted or refused in one line; a name the notebook does not have is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from analysis.config import PROJ_ROOT
from analysis.publish import runs as runs_module
from analysis.publish.runs import NOTEBOOK_DIR, load_runs, notebook_parameters
from analysis.questions.parameters import (ParameterError, conform, conform_namespace,
                                           declared_parameters)

NOTEBOOKS = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))


# --- conform: one value against its declared type --------------------------------------------------

@pytest.mark.parametrize("value, declared, expected", [
    (421300, str, "421300"),            # papermill -p region_code 421300; YAML region_code: 421300
    (421202101, str, "421202101"),      # a township's nine digits
    (-5, str, "-5"),
    ("421300", str, "421300"),
    ("", str, ""),
    ("5", int, 5),
    (5, int, 5),
    (5, float, 5.0),
    (" 2.5", float, 2.5),
    (2.5, float, 2.5),
    (True, bool, True),
])
def test_a_value_is_converted_to_its_declared_type_when_nothing_is_guessed(value, declared, expected):
    result = conform("p", value, declared)
    assert result == expected and type(result) is declared


@pytest.mark.parametrize("value, declared, says", [
    (420000.0, str, "parameter region_code=420000.0 is float, not str as the notebook declares: "
                    "write it as text (quote it in runs.yaml; papermill: -r instead of -p)"),
    (False, str, "parameter region_code=False is bool, not str"),  # YAML reads `no` as False
    (None, str, "parameter region_code=None is nothing (None), not str"),  # YAML `region_code:`
    ([420000], str, "is list, not str"),
    (True, int, "parameter region_code=True is bool, not int as the notebook declares: write it as int"),
    ("5.0", int, "is str, not int"),
    ("many", float, "is str, not float"),
    (1, bool, "is int, not bool"),
    ("True", bool, "is str, not bool"),
])
def test_a_value_that_would_need_a_guess_is_refused_in_one_line(value, declared, says):
    with pytest.raises(ParameterError) as info:
        conform("region_code", value, declared)
    assert says in str(info.value) and "\n" not in str(info.value)
    assert info.value._render_traceback_() == [f"ParameterError: {info.value}"]


def test_only_the_types_papermill_passes_may_be_declared():
    with pytest.raises(ParameterError, match="parameter p: the notebook declares the type <class 'list'>"):
        conform("p", [1], list)


# --- declarations: the parameters cell -------------------------------------------------------------

def test_every_notebook_declares_every_parameter_as_text():
    declared = {notebook: notebook_parameters(notebook) for notebook in NOTEBOOKS}
    assert declared["02_region_profile"] == {"region_code": str, "processed_dir": str}
    assert declared["04_map"] == {"theme": str, "key": str, "level": str, "processed_dir": str}
    assert declared["07_region_pair"] == {"region_a": str, "region_b": str, "processed_dir": str}
    assert all(kind is str for names in declared.values() for kind in names.values())
    assert all("processed_dir" in names for names in declared.values())


@pytest.mark.parametrize("source, says", [
    ('region_code = "421300"', "parameters cell line 1: `region_code = \"421300\"` is not `name: type = default`"),
    ('processed_dir: str = ""\nregion_code = 421300', "parameters cell line 2:"),
    ('region_code: list = []', "parameter region_code has the type 'list'"),
    ('region_code: str = 421300', "the default of region_code, 421300, is not str"),
    ('region_code: str', "the default of region_code, None, is not str"),
    ('region_code: str = CODE', "the default of region_code is not a literal"),
    ('import os', "is not `name: type = default`"),
])
def test_a_parameter_declared_without_its_type_is_refused(source, says):
    with pytest.raises(ParameterError) as info:
        declared_parameters(source)
    assert says in str(info.value)


# --- in the notebook: what papermill injects, converted by views.start(globals()) ------------------

@pytest.fixture
def shell():
    """An IPython shell, as the kernel runs the notebook's cells (without a kernel)."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.reset(new_session=False)
    yield shell
    shell.reset(new_session=False)


def run_first_cells(shell, notebook: str, cli_arguments: list[str]):
    """The parameters cell, papermill's injected cell for ``-p NAME VALUE ...`` as the papermill
    command line makes it, then the notebook's first code cell; returns the first failure."""
    from papermill.cli import _resolve_type
    from papermill.translators import translate_parameters

    parameters = {name: _resolve_type(value) for name, value in zip(cli_arguments[::2], cli_arguments[1::2])}
    cells = json.loads((NOTEBOOK_DIR / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    injected = translate_parameters("python3", "python", parameters)
    for source in (code[0], injected, code[1]):
        result = shell.run_cell(source, store_history=False, silent=True)
        if not result.success:
            return result.error_in_exec or result.error_before_exec
    return None


def test_papermill_p_region_code_as_a_number_profiles_that_region(shell):
    """The README's own form, `papermill … -p region_code 421300`: papermill passes an int."""
    assert run_first_cells(shell, "02_region_profile", ["region_code", "421300"]) is None
    assert shell.user_ns["region_code"] == "421300"
    observations = shell.user_ns["observations"]
    assert len(observations) > 0 and set(observations["region_code"]) == {"421300"}


def test_papermill_p_region_codes_of_a_pair_as_numbers(shell):
    assert run_first_cells(shell, "07_region_pair", ["region_a", "421127", "region_b", "430723"]) is None
    assert (shell.user_ns["region_a"], shell.user_ns["region_b"]) == ("421127", "430723")
    assert len(shell.user_ns["pair"]) > 0


@pytest.mark.parametrize("notebook, arguments, says", [
    ("02_region_profile", ["region_code", "4.2e5"], "parameter region_code=420000.0 is float, not str"),
    ("03_theme_comparison", ["theme", "True"], "parameter theme=True is bool, not str"),
    ("04_map", ["theme", "dispute_mediation", "level", "None"], "parameter level=None is nothing (None)"),
    ("01_dataset", ["processed_dir", "1.5"], "parameter processed_dir=1.5 is float, not str"),
])
def test_a_papermill_value_of_another_type_stops_the_first_cell_in_one_line(shell, notebook, arguments, says):
    error = run_first_cells(shell, notebook, arguments)
    assert isinstance(error, ParameterError) and says in str(error)


def test_a_notebook_without_declared_types_is_refused():
    with pytest.raises(ParameterError, match="this notebook declares no parameter with its type"):
        conform_namespace({"region_code": 421300})
    namespace = {"__annotations__": {"region_code": str}, "region_code": 421300}
    conform_namespace(namespace)
    assert namespace["region_code"] == "421300"


# --- runs.yaml: names and types checked against each notebook's parameters cell -------------------

def runs_file(tmp_path, runs: str):
    path = tmp_path / "runs.yaml"
    path.write_text("notebooks:\n- notebook: 02_region_profile\n  title_zh: 地区概况\n  title_en: Region\n"
                    "runs:\n" + textwrap.dedent(runs), encoding="utf-8")
    return path


def test_an_unquoted_code_in_runs_yaml_is_read_as_text(tmp_path):
    path = runs_file(tmp_path, """\
        - notebook: 02_region_profile
          label: 湖北省 Hubei
          parameters:
            region_code: 420000
        - notebook: 07_region_pair
          label: pair
          parameters: {region_a: 421127, region_b: '430723'}
        """)
    runs = load_runs(path).runs
    assert runs[0].parameters == {"region_code": "420000"}
    assert runs[0].run_id == "02_region_profile--420000"
    assert runs[1].parameters == {"region_a": "421127", "region_b": "430723"}


@pytest.mark.parametrize("parameters, says", [
    ("regoin_code: '420000'", "line 6 (run of 02_region_profile, 湖北省 Hubei): unknown parameter "
                              "regoin_code (did you mean region_code?); the parameters of "
                              "02_region_profile are region_code, processed_dir"),
    ("colour: blue", "unknown parameter colour; the parameters of 02_region_profile are"),
    ("region_code: 420000.0", "line 6 (run of 02_region_profile, 湖北省 Hubei): parameter "
                              "region_code=420000.0 is float, not str"),
    ("region_code:", "parameter region_code=None is nothing (None), not str"),
    ("processed_dir: no", "parameter processed_dir=False is bool, not str"),
])
def test_a_run_with_an_unknown_or_mistyped_parameter_is_refused_in_one_line(tmp_path, parameters, says):
    path = runs_file(tmp_path, f"""\
        - notebook: 02_region_profile
          label: 湖北省 Hubei
          parameters:
            {parameters}
        """)
    with pytest.raises(ValueError) as info:
        load_runs(path)
    assert says in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith(f"{path} line 6 ")


def test_the_line_named_is_the_run_s_own(tmp_path):
    path = runs_file(tmp_path, """\
        - notebook: 02_region_profile
          label: a
          parameters: {region_code: '420000'}
        - notebook: 02_region_profile
          label: b
          parameters:
            regoin_code: '430000'
        - notebook: 99_nothing
          label: c
        """)
    with pytest.raises(ValueError, match=r"line 9 \(run of 02_region_profile, b\): unknown parameter regoin_code"):
        load_runs(path)
    path.write_text(path.read_text(encoding="utf-8").replace("regoin", "region"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 13 \(run of 99_nothing, c\): no notebook notebooks/99_nothing.ipynb"):
        load_runs(path)


def test_runs_check_refuses_a_misspelled_parameter_in_one_line(tmp_path, monkeypatch, capsys):
    from analysis.__main__ import main

    path = runs_file(tmp_path, """\
        - notebook: 02_region_profile
          label: 湖北省 Hubei
          parameters:
            regoin_code: '420000'
        """)
    monkeypatch.setattr(runs_module, "load_runs", lambda: load_runs(path))
    for argv in (["runs", "--check"], ["runs", "--makefile", str(tmp_path / "runs.mk")]):
        assert main(argv) == 1
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith(f"python -m analysis runs: {path} line 6 (run of 02_region_profile, "
                               "湖北省 Hubei): unknown parameter regoin_code (did you mean region_code?)")
    assert not (tmp_path / "runs.mk").exists()


def test_make_stops_when_the_runs_cannot_be_listed(tmp_path):
    """Make includes the rules generated from runs.yaml; when generating them fails (a refused
    parameter), make must stop, not go on with the last good rules."""
    stale = tmp_path / "runs.mk"
    stale.write_text("NOTEBOOK_OUTPUTS :=\n", encoding="utf-8")
    os.utime(stale, (0, 0))  # older than runs.yaml: make remakes it first
    refuse = f"{sys.executable} -c 'import sys; sys.exit(\"runs.yaml: refused\")'"
    result = subprocess.run(["make", "-n", f"RUNS_MK={stale}", "STAMP=", f"PY={refuse}", "data"],
                            cwd=PROJ_ROOT, capture_output=True, text=True)
    assert result.returncode != 0 and "runs.yaml: refused" in result.stderr
