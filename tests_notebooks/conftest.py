"""Tests of the executed notebooks and the rendered site: they run after `make site`."""

import pytest

from analysis.publish.execute import BUILD_NOTEBOOKS
from analysis.publish.site import SITE_DIR


@pytest.fixture(scope="session")
def executed():
    if not BUILD_NOTEBOOKS.is_dir():
        pytest.fail("no executed notebooks: run `make notebook-test` (it builds them first)")
    return BUILD_NOTEBOOKS


@pytest.fixture(scope="session")
def site():
    if not (SITE_DIR / "index.html").exists():
        pytest.fail("no site: run `make notebook-test` (it builds it first)")
    return SITE_DIR
