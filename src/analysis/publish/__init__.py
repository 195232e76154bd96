"""Layer 3, publishing: notebook runs as data, their execution with papermill, the rendered site."""

import sys


def skip_iri_grammar() -> None:
    """Keep jsonschema from importing rfc3987_syntax (before nbformat, papermill or Jupyter Book).

    jsonschema imports it when it is installed and it compiles its grammars at import (2.4 s on
    a quiet machine, once per process that reads a notebook). jsonschema uses it only to check the
    "iri" string format, which notebook and book validation never ask for, and skips that check
    when the module is absent."""
    sys.modules.setdefault("rfc3987_syntax", None)
