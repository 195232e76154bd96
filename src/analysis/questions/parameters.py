"""Notebook parameters: declared with a type in each notebook's ``parameters`` cell, and converted
or refused in one line wherever a value arrives.

A notebook declares every parameter with a type annotation and a default,
``region_code: str = "421300"`` (the form papermill's ``--help-notebook`` reads). Values arrive by
two roads that both guess types: papermill's ``-p region_code 421300`` passes the int 421300, and
YAML reads an unquoted ``region_code: 420000`` in ``notebooks/runs.yaml`` as an int. A code is text
wherever it arrives: ``conform`` writes a whole number declared as text as its digits, and refuses
what it could only convert by guessing (a float, a bool, None), in one line. The same function
serves the notebook's first cell (``views.start(globals())`` calls ``conform_namespace``) and
``analysis.publish.runs`` (which reads the declarations with ``declared_parameters``).

Light on purpose (no pandas): ``python -m analysis execute`` checks runs.yaml before each run.
"""

from __future__ import annotations

import ast

# The types a parameter may declare: papermill passes no other (it infers bool, int, float, str).
TYPES = {"str": str, "int": int, "float": float, "bool": bool}


class ParameterError(ValueError):
    """A notebook parameter that the notebook cannot use: of the wrong type, unknown, or naming
    nothing in the data. IPython shows it as one line, without a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"ParameterError: {self}"]


def conform(name: str, value, declared: type):
    """``value`` as the type ``declared`` for parameter ``name``.

    Text declared, a whole number given (papermill's ``-p``, unquoted YAML): its digits, 421300 →
    "421300". A number declared, its text given: parsed ("5" → 5 for int; int 5 → 5.0 for float).
    Raises ParameterError (one line: the name, the value, both types, how to write it) for any
    other value: a float or bool where text is declared (420000.0 is not a code, and YAML reads
    ``no`` as False), None, text that is not a number where one is declared.
    """
    if declared not in TYPES.values():
        raise ParameterError(f"parameter {name}: the notebook declares the type {declared!r}; a "
                             f"parameter is one of {', '.join(TYPES)}")
    # bool is a subclass of int, but never a number or a code here (YAML reads no, off as False)
    if isinstance(value, bool) != (declared is bool):
        raise _wrong_type(name, value, declared)
    if isinstance(value, declared):
        return value
    if declared is str and isinstance(value, int):
        return str(value)
    if declared is float and isinstance(value, int):
        return float(value)
    if declared in (int, float) and isinstance(value, str):
        try:
            return declared(value.strip())
        except ValueError:
            pass
    raise _wrong_type(name, value, declared)


def _wrong_type(name: str, value, declared: type) -> ParameterError:
    given = "nothing (None)" if value is None else type(value).__name__
    how = ("write it as text (quote it in runs.yaml; papermill: -r instead of -p)" if declared is str
           else f"write it as {declared.__name__}")
    return ParameterError(f"parameter {name}={value!r} is {given}, not {declared.__name__} as the "
                          f"notebook declares: {how}")


def declared_parameters(source: str) -> dict[str, type]:
    """Name → declared type of every parameter in a ``parameters`` cell's source.

    Each statement must be ``name: type = literal``, the type one of ``TYPES`` and the default of
    that type. Raises ParameterError (one line, naming the cell's line) for anything else: an
    assignment without a type, an unknown type, a default that is not a literal or not of its type.
    """
    declared = {}
    for statement in ast.parse(source).body:
        line = f"parameters cell line {statement.lineno}"
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            raise ParameterError(f"{line}: `{ast.get_source_segment(source, statement)}` is not "
                                 "`name: type = default` (declare every parameter with its type)")
        name = statement.target.id
        annotation = ast.unparse(statement.annotation)
        if annotation not in TYPES:
            raise ParameterError(f"{line}: parameter {name} has the type {annotation!r}; a parameter "
                                 f"is one of {', '.join(TYPES)}")
        try:
            default = ast.literal_eval(statement.value) if statement.value is not None else None
        except ValueError:
            raise ParameterError(f"{line}: the default of {name} is not a literal") from None
        if type(default) is not TYPES[annotation]:
            raise ParameterError(f"{line}: the default of {name}, {default!r}, is not {annotation}")
        declared[name] = TYPES[annotation]
    return declared


def conform_namespace(namespace: dict) -> None:
    """Convert, in place, every declared parameter in a notebook's namespace (its ``globals()``
    after papermill's injected cell) to its declared type, or raise ParameterError in one line.

    The declarations are the annotations the ``parameters`` cell left in ``__annotations__``.
    Raises ParameterError when there are none: a notebook without declared types would take
    whatever papermill guessed.
    """
    declared = namespace.get("__annotations__") or {}
    if not declared:
        raise ParameterError("this notebook declares no parameter with its type: write each as "
                             '`name: type = default` in its parameters cell (region_code: str = "421300")')
    for name, kind in declared.items():
        if name in namespace:
            namespace[name] = conform(name, namespace[name], kind)
