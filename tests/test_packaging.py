"""The wheel ships suites/ and reports/ and works without the source tree."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import audit
from audit.resources import resource_dir

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_folders_are_found() -> None:
    suites = resource_dir("suites")
    assert sorted(p.name for p in suites.glob("*.yaml")), suites
    assert any(resource_dir("reports").iterdir())
    if "site-packages" in Path(audit.__file__).parts:  # installed as a wheel, not from the source tree
        assert suites.parent.name == "_data"


@pytest.mark.slow
def test_wheel_contains_data_and_runs_from_a_bare_folder(tmp_path: Path) -> None:
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("not a source checkout")
    pytest.importorskip("hatchling")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(ROOT)], check=True)
    wheel = next((tmp_path / "dist").glob("emotion_audit-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    shipped = {p.relative_to(ROOT).as_posix() for d in ("suites", "reports") for p in (ROOT / d).rglob("*") if p.is_file()}
    assert {f"audit/_data/{name}" for name in shipped} <= names
    code = ("from audit.runner import available_suites; from audit.resources import resource_dir; "
            "print(resource_dir('reports')); print(','.join(sorted(available_suites())))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site")},
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == str(tmp_path / "site" / "audit" / "_data" / "reports")
    assert out[1].split(",") == sorted(p.stem for p in (ROOT / "suites").glob("*.yaml"))
