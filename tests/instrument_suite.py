"""A user's own suite for the validity-instrument tests (review loop, no-ops, training evidence).

The generator is written to a fresh package in a temporary folder and named in the suite YAML by
its dotted path, as a user would. Its rules have known no-op behaviour: ``upper`` upper-cases the
text (a no-op for an uncased model), ``spaces`` doubles every space (a no-op for every model),
``mark`` appends ``params.marker`` as a word (never a no-op). Its ``train_evidence`` looks for
training texts opening with "i didnt feel happy" and counts those not labelled joy as consistent
(a suite that negates joy would expect them to leave joy).
"""
from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest

from conftest import LABELS

GENERATOR = textwrap.dedent('''
    """Test generator: upper case, doubled spaces and an appended marker; a train_evidence hook."""
    from audit.generators.base import Perturbation, derive_cases
    from audit.metrics import rate_with_ci
    from audit.suite import Expectation

    PARAMS = {"marker": str}


    class Upper(Perturbation):
        name = "upper"

        def perturb(self, text, rng):
            return text.upper()


    class Spaces(Perturbation):
        name = "spaces"

        def perturb(self, text, rng):
            return "  ".join(text.split())


    class Mark(Perturbation):
        name = "mark"

        def __init__(self, marker):
            self.marker = marker

        def perturb(self, text, rng):
            return f"{text} {self.marker}"


    def generate(ctx):
        rules = [Upper(), Spaces(), Mark(ctx.spec.params.get("marker", "zzz"))]
        return derive_cases(ctx.spec.name, ctx.source, rules, lambda *_: Expectation("INV"), ctx.seed,
                            keep_label=True)


    def train_evidence(ctx, train):
        matched = [label for text, label in zip(train.texts, train.labels) if text.startswith("i didnt feel happy")]
        consistent = sum(label != "joy" for label in matched)
        counts = {label: matched.count(label) for label in sorted(set(matched))}
        share = f"{consistent / len(matched):.0%}" if matched else "none"
        return {"n_train": len(train.texts), "n_matched": len(matched), "n_consistent": consistent,
                "consistent_rate": rate_with_ci(consistent, len(matched)) if matched else None,
                "label_counts": counts,
                "summary": f"train: {len(matched)} texts open with i didnt feel happy; {share} are not labelled joy"}
''')

#: Test texts: 12 rows, two per label; none holds a double space, so every rule applies.
TEST_ROWS = [(f"i feel {word} today number {k}", label)
             for k, (word, label) in enumerate([("down", "sadness"), ("great", "joy"), ("loved", "love"),
                                                ("mad", "anger"), ("scared", "fear"), ("amazed", "surprise")] * 2)]
#: Training rows with a known convention: 14 "i didnt feel happy" texts, 12 labelled joy (the
#: negated word's class) and 2 sadness; 6 texts without the pattern.
TRAIN_ROWS = ([(f"i didnt feel happy about day {k}", "joy") for k in range(12)]
              + [(f"i didnt feel happy at all {k}", "sadness") for k in range(2)]
              + [(f"i feel calm {k}", label) for k, label in enumerate(LABELS)])


def write_split(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A ``text;label`` file with a header."""
    path.write_text("text;label\n" + "".join(f"{text};{label}\n" for text, label in rows), encoding="utf-8")
    return path


def write_suite(folder: Path, *, name: str = "shout", marker: str = "zzz") -> tuple[Path, str]:
    """A suites folder holding ``<name>.yaml`` whose generator is a fresh package in ``folder``
    (a new name each call, so no earlier import is reused); returns (suites folder, package)."""
    package = f"usergen_{uuid.uuid4().hex[:10]}"
    (folder / package).mkdir(parents=True)
    (folder / package / "__init__.py").write_text("", encoding="utf-8")
    (folder / package / "rules.py").write_text(GENERATOR, encoding="utf-8")
    suites = folder / "suites"
    suites.mkdir(exist_ok=True)
    (suites / f"{name}.yaml").write_text(
        f"name: {name}\ndescription: casing, spacing and a marker word\ngenerator: {package}.rules\n"
        f"test_type: INV\nparams:\n  marker: {marker!r}\n", encoding="utf-8")
    return suites, package


@pytest.fixture()
def user_suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(suites folder with the ``shout`` suite, data folder with test.txt and train.txt)."""
    monkeypatch.syspath_prepend(str(tmp_path))
    suites, _ = write_suite(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    write_split(data / "test.txt", TEST_ROWS)
    write_split(data / "train.txt", TRAIN_ROWS)
    return suites, data
