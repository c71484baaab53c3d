"""A user's own rule family, reached by dotted path or entry point without editing the package."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from audit.errors import AuditError
from audit.suite import SourceData, generate, load_spec

LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
SOURCE = SourceData(["t-0", "t-1", "t-2"], ["i feel happy", "so sad today", "i am scared"],
                    ["joy", "sadness", "fear"])

#: A complete user generator: one seeded rule that doubles the last word, INV expectation.
USER_MODULE = textwrap.dedent('''
    import random
    from audit.generators.base import Perturbation, Perturbed, derive_cases
    from audit.suite import Expectation

    PARAMS = {"marker": str}

    class Echo(Perturbation):
        name = "echo"

        def __init__(self, marker):
            self.marker = marker

        def perturb(self, text, rng: random.Random):
            last = text.split()[-1]
            return Perturbed(f"{text} {last} {self.marker}", {"echoed": last})

    def generate(ctx):
        rule = Echo(ctx.spec.params["marker"])
        return derive_cases(ctx.spec.name, ctx.source, [rule], lambda *_: Expectation("INV"),
                            ctx.seed, keep_label=True)
''')


def _suite_file(folder: Path, generator: str) -> Path:
    path = folder / "echo.yaml"
    path.write_text(f"name: echo\ndescription: d\ngenerator: {generator}\ntest_type: INV\n"
                    "params: {marker: '!'}\n")
    return path


def _user_package(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``mypkg.rules`` holding :data:`USER_MODULE`, importable from ``root``."""
    (root / "mypkg").mkdir()
    (root / "mypkg" / "__init__.py").write_text("")
    (root / "mypkg" / "rules.py").write_text(USER_MODULE)
    monkeypatch.syspath_prepend(str(root))


def test_dotted_path_generator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _user_package(tmp_path, monkeypatch)
    suite = generate(load_spec(_suite_file(tmp_path, "mypkg.rules")), SOURCE, LABELS, seed=0)
    assert [c.text for c in suite.cases] == ["i feel happy happy !", "so sad today today !",
                                             "i am scared scared !"]
    assert suite.cases[0].meta == {"echoed": "happy", "source_label": "joy"}
    assert suite.cases[0].id == "echo:echo:t-0"


def test_entry_point_generator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "acme_rules"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(USER_MODULE)
    dist = tmp_path / "acme_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[emotion_audit.generators]\nacme = acme_rules\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    suite = generate(load_spec(_suite_file(tmp_path, "acme")), SOURCE, LABELS, seed=0)
    assert len(suite.cases) == 3


def test_user_generator_params_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _user_package(tmp_path, monkeypatch)
    path = _suite_file(tmp_path, "mypkg.rules")
    path.write_text(path.read_text().replace("marker:", "colour:"))
    with pytest.raises(AuditError, match="unknown params key 'colour'"):
        generate(load_spec(path), SOURCE, LABELS, seed=0)


@pytest.mark.parametrize("generator, message", [
    ("no_such_generator", "unknown generator 'no_such_generator'"),
    ("no_such_pkg.rules", "unknown generator 'no_such_pkg.rules'"),
    ("json", "unknown generator 'json'"),  # a plain name is a built-in or an entry point only
    ("json.decoder", "has no generate"),
    ("bad-name!", "invalid generator name"),
])
def test_bad_generators_are_one_line_errors(tmp_path: Path, generator: str, message: str) -> None:
    with pytest.raises(AuditError, match=message):
        generate(load_spec(_suite_file(tmp_path, generator)), SOURCE, LABELS, seed=0)
