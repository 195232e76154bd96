"""Layer 2, the questions notebooks ask of ``data/processed``: tables, comparisons, charts, maps.

Notebooks import from here (``from analysis.questions import dataset as ds, plots, views``);
nothing here reads ``data/raw``.
"""
