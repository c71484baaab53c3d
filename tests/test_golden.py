"""Golden file: a fixed audit of the reference model gives the same results.json values as when
the file was written, apart from the ``run`` section. New keys may appear (schema 1.x only adds),
so a refactor that changes any existing number, label or text fails here.

Write the file again only for an intended change of results, and say so in the commit:

    python tests/test_golden.py
"""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden" / "reference_results.json"
N_ROWS = 300  # the first rows of the reference test split, with every suite derived from them


def golden_audit(model: Path, data: Path, folder: Path) -> dict[str, Any]:
    """results.json of the fixed audit, without its ``run`` section."""
    from audit.results import VOLATILE_KEY
    from audit.runner import evaluate

    rows = (data / "test.txt").read_text(encoding="utf-8").splitlines()[:N_ROWS]
    (folder / "test.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "model").symlink_to(model.resolve(), target_is_directory=True)
    with contextlib.chdir(folder):  # the paths recorded in results.json are then "model" and "test.txt"
        audit = evaluate("model", "test.txt", device="cpu", suites=("all",), seed=0, n_resamples=1000,
                         use_cache=False, progress=False)
    return json.loads(json.dumps({k: v for k, v in audit.results.items() if k != VOLATILE_KEY}))


def changed_values(golden: Any, new: Any, path: str = "$") -> list[str]:
    """Paths where ``new`` lacks or differs from a value of ``golden`` (extra keys in ``new`` are
    additions and allowed)."""
    if isinstance(golden, dict):
        if not isinstance(new, dict):
            return [f"{path}: was an object"]
        return [p for key, value in golden.items()
                for p in ([f"{path}.{key}: missing"] if key not in new else changed_values(value, new[key], f"{path}.{key}"))]
    if isinstance(golden, list):
        if not isinstance(new, list) or len(new) != len(golden):
            return [f"{path}: list changed"]
        return [p for i, (a, b) in enumerate(zip(golden, new)) for p in changed_values(a, b, f"{path}[{i}]")]
    return [] if golden == new else [f"{path}: {golden!r} -> {new!r}"]


def test_changed_values_reports_changes_not_additions() -> None:
    old = {"a": 1, "b": [1, {"c": "x"}], "d": {"e": 2.5}}
    assert changed_values(old, {**old, "new": 3, "d": {"e": 2.5, "f": 1}}) == []
    assert changed_values(old, {"a": 2, "b": [1, {"c": "y"}], "d": {}}) == [
        "$.a: 1 -> 2", "$.b[1].c: 'x' -> 'y'", "$.d.e: missing"]


@pytest.mark.slow
def test_reference_audit_matches_golden_file(reference_model: Path, emotion_data: Path, tmp_path: Path) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changes = changed_values(golden, golden_audit(reference_model, emotion_data, tmp_path))
    assert not changes, f"{len(changes)} changed values, e.g. " + "; ".join(changes[:10])


if __name__ == "__main__":
    import tempfile

    shared = Path(__file__).resolve().parents[1].parent / "shared"
    with tempfile.TemporaryDirectory() as tmp:
        doc = golden_audit(shared / "models" / "emotion-minilm", shared / "data" / "emotion", Path(tmp))
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    sys.exit(0)
