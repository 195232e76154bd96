"""What a reader of the site sees of each code cell, set by cell tags in the notebook sources.

Jupyter Book reads the tags: ``remove-cell`` leaves the cell out of the page, ``hide-input`` shows
its output with the code folded behind a toggle. The parameters cell, papermill's injected
parameters (the page's header gives them) and the cell that imports and calls ``views.start``
are removed; every other code cell shows its output and hides its code.
``python -m analysis tag-notebooks`` adds the tag to every code cell that has none.
"""

from __future__ import annotations

from pathlib import Path

REMOVE_CELL = "remove-cell"
HIDE_INPUT = "hide-input"
# Tags that say what a reader sees of a code cell; each code cell carries one.
VISIBILITY_TAGS = (REMOVE_CELL, HIDE_INPUT, "remove-input")


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def expected_visibility(cell: dict) -> str:
    """The tag a code cell should carry: set-up cells are removed, the others fold their code."""
    tags = cell.get("metadata", {}).get("tags", [])
    if "parameters" in tags or "injected-parameters" in tags or "views.start(" in _source(cell):
        return REMOVE_CELL
    return HIDE_INPUT


def untagged_cells(notebook: dict) -> list[str]:
    """Code cells without the tag they need (by cell id, or position when there is none)."""
    problems = []
    for number, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        expected = expected_visibility(cell)
        if expected == REMOVE_CELL and REMOVE_CELL not in tags:
            problems.append(f"{cell.get('id', number)}: set-up cell without {REMOVE_CELL}")
        elif not tags & set(VISIBILITY_TAGS):
            problems.append(f"{cell.get('id', number)}: no tag among {', '.join(VISIBILITY_TAGS)}")
    return problems


def tag_cells(notebook: dict) -> int:
    """Add the expected tag to every code cell lacking one; returns how many were tagged."""
    changed = 0
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        expected = expected_visibility(cell)
        if (expected == REMOVE_CELL and REMOVE_CELL not in tags) or not set(tags) & set(VISIBILITY_TAGS):
            tags.append(expected)
            changed += 1
    return changed


def tag_notebook_files(paths: list[Path]) -> dict[Path, int]:
    import nbformat

    changed = {}
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        count = tag_cells(notebook)
        if count:
            nbformat.write(notebook, path)
            changed[path] = count
    return changed
