"""Locate the data folders shipped with the package (``suites/`` and ``reports/``).

In a wheel they are installed as ``audit/_data/<name>``; in a source checkout (editable install)
they sit at the repository root beside ``audit/``.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder holding the shipped ``suites`` or ``reports`` data."""
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped data folder {name!r} not found beside the audit package")
