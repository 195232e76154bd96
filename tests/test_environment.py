"""environment.yml (for conda users) lists what pyproject.toml and requirements.lock install."""

import re
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement

from analysis.config import PROJ_ROOT

PY311 = {"python_full_version": "3.11.0", "python_version": "3.11", "sys_platform": "linux",
         "platform_system": "Linux", "platform_machine": "x86_64", "implementation_name": "cpython",
         "platform_python_implementation": "CPython", "os_name": "posix", "extra": "test"}


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (PROJ_ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^ ;\\]+)\s*(?:;\s*([^\\]+))?", line)
        if m and (m.group(3) is None or Marker(m.group(3).strip()).evaluate(PY311)):
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_environment_yml_matches_pyproject_and_lock():
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text())["project"]
    declared = {Requirement(r).name.lower() for r in
                project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = dict(item.split("==") for item in pip_section if "==" in item)
    assert set(listed) == declared
    pins = lock_pins()
    assert {name: pins[name] for name in listed} == listed


def test_every_declared_dependency_is_locked_with_hashes():
    text = (PROJ_ROOT / "requirements.lock").read_text()
    project = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        name = Requirement(requirement).name
        assert re.search(rf"^{re.escape(name)}==\S+.*\\\n\s+--hash=sha256:", text, re.M | re.I), name
