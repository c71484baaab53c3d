"""The sarcasm suite: authored triples (sarcastic, literal, plain) and their summary figures."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from audit.errors import AuditError
from audit.generators import sarcasm
from audit.suite import SourceData, SuiteSpec, cases_hash, generate, load_spec

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
NO_SOURCE = SourceData(ids=[], texts=[], labels=[])

TINY_TEMPLATES = """\
kinds:
  opener:
    frames: ["{phrase} {clause}"]
    phrases: [oh great]
plain:
  anger: ["im so annoyed about {gerund}"]
"""
TINY_SITUATIONS = (
    "polarity\temotion\tgerund\tclause\twhen\n"
    "negative\tanger\tbeing stuck in traffic again\tim stuck in traffic again\ti get stuck in traffic\n"
    "positive\tjoy\tspending a day at the beach\tim at the beach\ti go to the beach\n"
)


def _spec(folder: Path, **params: object) -> SuiteSpec:
    """A sarcasm spec whose data files are ``templates.yaml`` and ``situations.tsv`` in ``folder``."""
    return SuiteSpec("sarcasm", "test", "sarcasm", "MFT",
                     {"templates": "templates.yaml", "situations": "situations.tsv", **params},
                     folder / "sarcasm.yaml")


def _tiny(tmp_path: Path, templates: str = TINY_TEMPLATES, situations: str = TINY_SITUATIONS) -> SuiteSpec:
    (tmp_path / "templates.yaml").write_text(templates, encoding="utf-8")
    (tmp_path / "situations.tsv").write_text(situations, encoding="utf-8")
    return _spec(tmp_path, n_sarcastic=5)


@pytest.fixture(scope="module")
def shipped():
    """The shipped sarcasm suite, generated with seed 0."""
    spec = load_spec(ROOT / "suites" / "sarcasm.yaml")
    return spec, generate(spec, NO_SOURCE, LABELS, seed=0)


def test_hand_worked_triple(tmp_path: Path) -> None:
    suite = generate(_tiny(tmp_path), NO_SOURCE, LABELS, seed=0)
    got = [(c.id, c.text, c.label, c.rule, dict(c.meta)) for c in suite.cases]
    meta = {"group": "g0000", "phrase_kind": "opener"}
    assert got == [
        ("sarcasm:sarcastic:g0000", "oh great im stuck in traffic again", "anger", "sarcastic",
         {"role": "sarcastic", **meta}),
        ("sarcasm:literal:g0000", "oh great im at the beach", "joy", "literal", {"role": "literal", **meta}),
        ("sarcasm:plain:g0000", "im so annoyed about being stuck in traffic again", "anger", "plain",
         {"role": "plain", **meta}),
    ]
    assert all(c.expectation.kind == "MFT" and not c.expectation.labels for c in suite.cases)
    # An MFT case passes exactly when the prediction is the gold label.
    sarcastic = suite.cases[0]
    assert sarcastic.expectation.check("anger", sarcastic.label, None) is True
    assert sarcastic.expectation.check("joy", sarcastic.label, None) is False


def test_shipped_suite_shape(shipped) -> None:
    spec, suite = shipped
    roles = Counter(c.meta["role"] for c in suite.cases)
    n = spec.params["n_sarcastic"]
    assert n >= 300 and roles == {"sarcastic": n, "literal": n, "plain": n}
    groups: dict[str, dict[str, object]] = {}
    for case in suite.cases:
        groups.setdefault(case.meta["group"], {})[case.meta["role"]] = case
    assert len(groups) == n and all(set(g) == set(sarcasm.ROLES) for g in groups.values())
    for g in groups.values():
        assert g["sarcastic"].label == g["plain"].label in {"anger", "sadness", "fear"}
        assert g["literal"].label == "joy"
    # Every sarcastic combination is drawn at most once.
    assert len({c.text for c in suite.cases if c.meta["role"] == "sarcastic"}) == n
    # Written in the data's style: lowercase, no punctuation, no apostrophes.
    assert all(re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", c.text) for c in suite.cases)


def test_sarcastic_case_joins_phrase_and_situation(shipped) -> None:
    _, suite = shipped
    data_dir = ROOT / "suites" / "data"
    negative, positive = sarcasm.load_situations(data_dir / "sarcasm_situations.tsv")
    phrase_frames, _ = sarcasm.load_templates(data_dir / "sarcasm_templates.yaml")
    sarcastic = {pf.fill(s): s.emotion for pf in phrase_frames for s in negative}
    literal = {pf.fill(s): s.emotion for pf in phrase_frames for s in positive}
    for case in suite.cases:
        if case.meta["role"] == "sarcastic":
            assert sarcastic[case.text] == case.label
        elif case.meta["role"] == "literal":
            assert literal[case.text] == case.label


def test_deterministic_per_seed(shipped) -> None:
    spec, suite = shipped
    again = generate(spec, NO_SOURCE, LABELS, seed=0)
    other = generate(spec, NO_SOURCE, LABELS, seed=1)
    assert cases_hash(again.cases) == cases_hash(suite.cases)
    assert cases_hash(other.cases) != cases_hash(suite.cases)


def test_sample_never_exceeds_product(tmp_path: Path) -> None:
    spec = _tiny(tmp_path)
    suite = generate(SuiteSpec(spec.name, spec.description, spec.generator, spec.test_type,
                               {**spec.params, "n_sarcastic": 1000}, spec.path), NO_SOURCE, LABELS, seed=0)
    assert len(suite.cases) == 3  # one phrase x one frame x one negative situation


@pytest.mark.parametrize("templates, situations, message", [
    (TINY_TEMPLATES.replace("oh great", "oh great!"), TINY_SITUATIONS, "lowercase words"),
    (TINY_TEMPLATES, TINY_SITUATIONS.replace("im at the beach", "i'm at the beach"), "lowercase words"),
    (TINY_TEMPLATES.replace("{clause}", "{place}"), TINY_SITUATIONS, "unknown slot"),
    (TINY_TEMPLATES, TINY_SITUATIONS.replace("negative\tanger", "negative\trage"), "not model labels"),
    (TINY_TEMPLATES.replace("anger:", "fear:"), TINY_SITUATIONS, "no plain rephrase"),
    (TINY_TEMPLATES, TINY_SITUATIONS.replace("positive\tjoy", "neutral\tjoy"), "polarity"),
])
def test_bad_data_is_reported(tmp_path: Path, templates: str, situations: str, message: str) -> None:
    with pytest.raises(AuditError, match=message):
        generate(_tiny(tmp_path, templates, situations), NO_SOURCE, LABELS, seed=0)


def _record(group: str, role: str, label: str, pred: str, kind: str = "opener") -> dict:
    return {"label": label, "pred": pred, "meta": {"group": group, "role": role, "phrase_kind": kind}}


def test_summarize_hand_counted() -> None:
    records = [
        # g1: taken at face value (joy), both controls right.
        _record("g1", "sarcastic", "anger", "joy"), _record("g1", "literal", "joy", "joy"),
        _record("g1", "plain", "anger", "anger"),
        # g2: sarcasm read, but the literal control is called love.
        _record("g2", "sarcastic", "sadness", "sadness", "verb"), _record("g2", "literal", "joy", "love", "verb"),
        _record("g2", "plain", "sadness", "sadness", "verb"),
        # g3: wrong negative emotion (not a trap), both controls right.
        _record("g3", "sarcastic", "fear", "anger", "verb"), _record("g3", "literal", "joy", "joy", "verb"),
        _record("g3", "plain", "fear", "fear", "verb"),
    ]
    out = sarcasm.summarize(records, LABELS)
    assert out["n_groups"] == 3
    assert (out["sarcastic_accuracy"]["successes"], out["sarcastic_accuracy"]["n"]) == (1, 3)
    assert (out["literal_trap_rate"]["successes"], out["literal_trap_rate"]["n"]) == (1, 3)
    assert out["control_accuracy"]["literal"]["successes"] == 2
    assert out["control_accuracy"]["plain"]["successes"] == 3
    # Groups g1 and g3 have both controls right; neither sarcastic case is.
    assert (out["sarcastic_accuracy_controls_correct"]["successes"],
            out["sarcastic_accuracy_controls_correct"]["n"]) == (0, 2)
    assert out["sarcastic_predictions"] == {"sadness": 1, "joy": 1, "love": 0, "anger": 1, "fear": 0, "surprise": 0}
    assert out["by_phrase_kind"]["opener"]["literal_trap_rate"]["value"] == 1.0
    assert out["by_phrase_kind"]["verb"]["accuracy"]["value"] == 0.5
    low, high = out["literal_trap_rate"]["ci_low"], out["literal_trap_rate"]["ci_high"]
    assert 0 < low < 1 / 3 < high < 1
