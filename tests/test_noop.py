"""No-op detection: a case whose model input equals its source's is marked, counted, not judged."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audit.model import CallableClassifier, TransformersClassifier
from audit.noop import cause, input_keys, noop_ids
from audit.reporting.report import render_report
from audit.runner import evaluate
from audit.suite import Case, Expectation, GeneratedSuite, SuiteSpec, score_suite
from audit.suite_trust import noop_rules, noop_sentence
from conftest import LABELS
from instrument_suite import user_suite  # noqa: F401  (fixture)


def _word_level_classifier(max_length: int = 16) -> TransformersClassifier:
    """A classifier shell around a hand-made uncased word-level tokenizer (no model needed to
    read its inputs)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate("[UNK] [PAD] i feel happy sad today".split())}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]")
    return TransformersClassifier(model_id="word-level", folder=Path("."), model=None, tokenizer=fast, device="cpu",
                                  dtype="float32", max_length=max_length, batch_size=1, token_budget=1,
                                  weights_sha256="", safetensors=True, labels=LABELS)


# (case text, source text, same model input?) for the uncased word-level tokenizer.
WORD_LEVEL_PAIRS = [
    ("I FEEL HAPPY", "i feel happy", True),           # casing: the normalizer lowercases
    ("I Feel Happy", "i feel happy", True),
    ("i  feel   happy ", "i feel happy", True),       # whitespace
    ("i feel happy 😀", "i feel happy 🎉", True),      # both emoji are [UNK]
    ("i feel happy 😀", "i feel happy", False),        # an extra [UNK] is a change
    ("i feel happy!", "i feel happy", False),          # "!" is a token of its own ([UNK])
    ("i feel sad", "i feel happy", False),
    ("i feel happy today", "i feel happy", False),
]


@pytest.mark.parametrize("text, source, same", WORD_LEVEL_PAIRS)
def test_word_level_tokenizer_keys(text: str, source: str, same: bool) -> None:
    keys = input_keys(_word_level_classifier(), [text, source])
    assert (keys[text] == keys[source]) is same


def test_keys_are_taken_at_the_audits_max_length() -> None:
    """Texts that differ only after the truncation point are the same input."""
    keys = input_keys(_word_level_classifier(max_length=3), ["i feel happy today", "i feel happy sad"])
    assert keys["i feel happy today"] == keys["i feel happy sad"]
    keys = input_keys(_word_level_classifier(max_length=4), ["i feel happy today", "i feel happy sad"])
    assert keys["i feel happy today"] != keys["i feel happy sad"]


@pytest.mark.parametrize("text, source, same", [
    ("I FEEL HAPPY", "i feel happy", False),          # a callable may be case-sensitive
    ("i  feel\thappy\n", "i feel happy", True),
    ("i feel happy 😀", "i feel happy 🎉", False),
])
def test_callable_compares_whitespace_normalized_text(text: str, source: str, same: bool) -> None:
    clf = CallableClassifier(lambda texts: np.full((len(texts), 6), 1 / 6), LABELS)
    keys = input_keys(clf, [text, source])
    assert (keys[text] == keys[source]) is same


def test_callable_with_its_own_normalization() -> None:
    clf = CallableClassifier(lambda texts: np.full((len(texts), 6), 1 / 6), LABELS, normalize=str.lower)
    keys = input_keys(clf, ["I FEEL HAPPY", "i feel happy", "i feel sad"])
    assert keys["I FEEL HAPPY"] == keys["i feel happy"] != keys["i feel sad"]


def test_classifier_without_input_key_falls_back_to_whitespace() -> None:
    class Bare:
        labels = LABELS

    keys = input_keys(Bare(), ["a  b", "a b", "A B"])
    assert keys["a  b"] == keys["a b"] != keys["A B"]


def test_reference_tokenizer_is_uncased_and_unknown_emoji_collide(reference_model: Path) -> None:
    from transformers import AutoTokenizer

    clf = _word_level_classifier()
    clf.tokenizer = AutoTokenizer.from_pretrained(reference_model)
    keys = input_keys(clf, ["I FEEL HAPPY", "i feel happy", "i feel happy 😀", "i feel happy 🎉", "i feel happy!"])
    assert keys["I FEEL HAPPY"] == keys["i feel happy"]
    assert keys["i feel happy 😀"] == keys["i feel happy 🎉"] != keys["i feel happy"]
    assert keys["i feel happy!"] != keys["i feel happy"]


@pytest.mark.parametrize("text, source, expected", [
    ("i  feel happy", "i feel happy", "whitespace"),
    ("I FEEL  HAPPY", "i feel happy", "casing"),
    ("i feel happy 😀", "i feel happy 🎉", "tokenizer"),
])
def test_cause(text: str, source: str, expected: str) -> None:
    assert cause(text, source) == expected


def _case(cid: str, text: str, source: str, rule: str) -> Case:
    return Case(cid, text, Expectation("INV"), label="joy", source_id=cid, source_text=source, rule=rule)


# Hand-made INV suite: "upper" cases are no-ops for a lowercasing model and would flip under a
# case-sensitive reading; "mark" cases flip once in two.
CASES = [_case("u1", "I FEEL FINE", "i feel fine", "upper"), _case("u2", "I AM OK", "i am ok", "upper"),
         _case("m1", "i feel fine zz", "i feel fine", "mark"), _case("m2", "i am ok zz", "i am ok", "mark")]
PROBS = {"i feel fine": 1, "i am ok": 1, "I FEEL FINE": 0, "I AM OK": 0, "i feel fine zz": 1, "i am ok zz": 3}


def _score(noop: frozenset[str]) -> tuple[dict, list[dict], list]:
    seen: list = []
    spec = SuiteSpec("hand", "hand-made", "hand", "INV", {}, Path("hand.yaml"))
    suite = GeneratedSuite(CASES, coverage={"upper": {"n_candidates": 2, "n_changed": 2},
                                            "mark": {"n_candidates": 2, "n_changed": 2}}, n_candidates=2)
    section, records = score_suite(spec, suite, LABELS, lambda t: np.eye(6)[PROBS[t]], seed=0, n_resamples=0,
                                   extra=lambda rows, _: seen.extend(rows) or {}, noop=noop)
    return section, records, seen


def test_noop_cases_are_counted_not_judged() -> None:
    keys = {t: t.lower() for t in PROBS}
    noop = noop_ids(CASES, keys)
    assert noop == {"u1", "u2"}
    section, records, seen = _score(noop)
    assert [r["no_op"] for r in records] == [True, True, False, False]
    assert [r["passed"] for r in records] == [None, None, True, False]
    assert (section["n"], section["n_judged"], section["n_noop"]) == (4, 2, 2)
    assert section["pass_rate"]["successes"] == 1 and section["pass_rate"]["n"] == 2
    assert section["flip_rate"]["successes"] == 1 and section["flip_rate"]["n"] == 2  # no-ops left out
    assert section["coverage"]["upper"]["n_noop"] == 2 and section["coverage"]["mark"]["n_noop"] == 0
    assert section["by_rule"]["upper"] == {"n_judged": 0, "n_noop": 2, "pass_rate": section["by_rule"]["upper"]["pass_rate"]}
    assert section["by_rule"]["upper"]["pass_rate"]["value"] is None
    assert [r["id"] for r in seen] == ["m1", "m2"]                    # extra sees tested cases only
    assert section["metrics"]["n"] == 2


def test_without_noops_every_case_is_judged() -> None:
    """Before: the upper-case flips count as failures when the input really changed."""
    section, records, _ = _score(frozenset())
    assert section["n_judged"] == 4 and section["n_noop"] == 0
    assert [r["passed"] for r in records] == [False, False, True, False]


def test_report_names_rules_that_were_all_noops() -> None:
    section, records, _ = _score(noop_ids(CASES, {t: t.lower() for t in PROBS}))
    rows = noop_rules(section, records)
    assert rows == [{"rule": "upper", "n_noop": 2, "n": 2, "all": True, "cause": "casing"}]
    assert noop_sentence(rows[0]) == ("upper: 2 of 2 cases identical to their source after tokenization — "
                                      "this model is case-blind; not tested.")
    assert noop_rules(section) == [{"rule": "upper", "n_noop": 2, "n": 2, "all": True, "cause": None}]


def test_mostly_noop_rule_is_named_with_what_was_tested() -> None:
    section = {"coverage": {"r": {"n_changed": 10, "n_noop": 6}, "s": {"n_changed": 10, "n_noop": 4}}}
    rows = noop_rules(section)
    assert [r["rule"] for r in rows] == ["r"]
    assert noop_sentence(rows[0]).endswith("— only 4 tested.")


def test_callable_audit_marks_whitespace_noops(user_suite) -> None:  # noqa: F811
    suites, data = user_suite
    clf = CallableClassifier(lambda texts: np.eye(6)[[len(t) % 6 for t in texts]], LABELS, name="lengths")
    audit = evaluate(clf, str(data), suites=["shout"], suites_dirs=[suites], progress=False, use_cache=False,
                     train_check=False)
    section = audit.results["suites"]["shout"]
    assert {rule: c["n_noop"] for rule, c in section["coverage"].items()} == {"upper": 0, "spaces": 12, "mark": 0}
    assert section["n_noop"] == 12 and section["n_judged"] == 24
    noop = [r for r in audit.records if r["suite"] == "shout" and r["no_op"]]
    assert {r["rule"] for r in noop} == {"spaces"} and all(r["passed"] is None for r in noop)


def test_cli_run_tiny_uncased_model_marks_casing_noops(tiny_model: Path, user_suite, tmp_path: Path) -> None:  # noqa: F811
    from audit.cli import main

    suites, data = user_suite
    out = tmp_path / "out"
    assert main(["-q", "run", "--model", str(tiny_model), "--data", str(data), "--suites", "shout", "--suites-dir",
                 str(suites), "--out", str(out), "--device", "cpu", "--no-cache", "--no-train-check"]) == 0
    results = json.loads((out / "results.json").read_text())
    section = results["suites"]["shout"]
    assert {rule: c["n_noop"] for rule, c in section["coverage"].items()} == {"upper": 12, "spaces": 12, "mark": 0}
    assert section["n_judged"] == 12 and section["pass_rate"]["n"] == 12
    records = [json.loads(line) for line in (out / "predictions.jsonl").open()]
    assert sum(r.get("no_op", False) for r in records) == 24
    html = (out / "report.html").read_text()
    assert "upper: 12 of 12 cases identical to their source after tokenization — this model is case-blind; not tested." in html
    assert "spaces: 12 of 12 cases identical to their source after tokenization — they differ only in whitespace" in html
    assert "Not tested for this model in the shout suite" in html
    # Re-rendered from results.json alone (no records): the rule is still named, without a cause.
    assert "upper: 12 of 12 cases identical to their source after tokenization — not tested." in render_report(results)


def test_checklist_noop_rewrites_are_not_judged() -> None:
    pytest.importorskip("checklist")
    from checklist.test_types import INV

    from audit.checklist_adapter import run_checklist_suite

    def model(texts: list[str]) -> np.ndarray:  # case-sensitive: upper case flips to anger
        return np.eye(6)[[3 if t.isupper() else 1 for t in texts]]

    test = INV([["i am happy", "I AM HAPPY", "i am  happy"], ["i am glad", "i am  glad"]], name="shout")
    def lowered(texts: list[str]) -> dict[str, str]:  # an uncased reader
        return {t: " ".join(t.lower().split()) for t in texts}

    section, records = run_checklist_suite(test, model, LABELS, input_keys=lowered)
    # Every rewrite reads like its original: nothing is judged, the case-sensitive flip is ignored.
    assert section["n_noop"] == 3 and section["n_judged"] == 0
    assert all(r["no_op"] and r["passed"] is None for r in records)
    # Read case-sensitively, "I AM HAPPY" is a real rewrite that fails; the doubled spaces stay no-ops.
    section, records = run_checklist_suite(test, model, LABELS)
    assert section["n_noop"] == 2 and section["n_judged"] == 1 and section["tests"]["shout"]["fails"] == 1
    assert [(r["text"], r["no_op"], r["passed"]) for r in records] == [
        ("I AM HAPPY", False, False), ("i am  happy", True, None), ("i am  glad", True, None)]
