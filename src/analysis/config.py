"""Paths, all built from the project root so that code and notebooks run from any directory."""

from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[2]
RAW_DIR = PROJ_ROOT / "data" / "raw"
PROCESSED_DIR = PROJ_ROOT / "data" / "processed"
