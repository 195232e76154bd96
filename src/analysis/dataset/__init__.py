"""Layer 1, raw → processed: read and check ``data/raw``, audit every number, write ``data/processed``.

Nothing here reads ``data/processed`` or draws; ``python -m analysis validate|audit|build`` runs it.
"""
