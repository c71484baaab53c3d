"""The CheckList adapter: an Editor-built suite run through one batched, hand-checkable fake model."""
from __future__ import annotations

import sys

import numpy as np
import pytest

pytest.importorskip("checklist")

from checklist.editor import Editor  # noqa: E402
from checklist import test_suite as cl_suite  # noqa: E402  (module import: pytest must not collect TestSuite)
from checklist.test_types import INV, MFT  # noqa: E402

from audit.checklist_adapter import run_checklist_suite  # noqa: E402
from audit.errors import AuditError  # noqa: E402
from audit.metrics import rate_with_ci  # noqa: E402

LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
RECORD_KEYS = {"suite", "id", "text", "label", "pred", "probs", "source_id", "source_text", "source_pred",
               "source_probs", "rule", "expectation", "passed", "no_op", "meta"}


class KeywordModel:
    """Case-sensitive keyword rule: "happy" -> joy, "sad" -> sadness, anything else -> anger.

    Probabilities are 0.9 on the chosen class and 0.02 elsewhere; every call is logged.
    """

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.full((len(texts), len(LABELS)), 0.02)
        for row, text in enumerate(texts):
            label = "joy" if "happy" in text else "sadness" if "sad" in text else "anger"
            out[row, LABELS.index(label)] = 0.9
        return out


@pytest.fixture()
def suite() -> cl_suite.TestSuite:
    """One MFT (three joy sentences) and one INV (three texts, each with two rewrites)."""
    editor = Editor()
    mft = editor.template("i feel {adj} today", adj=["happy", "sad", "glad"], labels=LABELS.index("joy"))
    inv = editor.template("i am {adj}", adj=["happy", "sad", "bored"])
    assert "tg" not in editor.__dict__  # template filling never loaded a masked language model
    tests = cl_suite.TestSuite()
    tests.add(MFT(mft.data, labels=mft.labels, name="joy words", capability="Vocabulary"))
    tests.add(INV([[x, x + " !!!", x.upper()] for x in inv.data], name="shouting", capability="Robustness"))
    return tests


def test_counts_by_hand(suite: cl_suite.TestSuite) -> None:
    model = KeywordModel()
    section, records = run_checklist_suite(suite, model, LABELS)
    # One batched call with every example: 3 MFT texts, then 3 x 3 INV texts.
    assert len(model.calls) == 1 and len(model.calls[0]) == 12
    assert model.calls[0][:4] == ["i feel happy today", "i feel sad today", "i feel glad today", "i am happy"]
    assert section["n_tests"] == 2 and section["n_examples"] == 12

    mft = section["tests"]["joy words"]
    # "happy" -> joy passes; "sad" -> sadness and "glad" -> anger fail.
    assert (mft["type"], mft["capability"], mft["n"], mft["n_judged"], mft["fails"]) == ("MFT", "Vocabulary", 3, 3, 2)
    assert mft["fail_rate"] == rate_with_ci(2, 3) and mft["pass_rate"] == rate_with_ci(1, 3)
    assert [e["texts"] for e in mft["failing_examples"]] == [["i feel sad today"], ["i feel glad today"]]
    assert mft["failing_examples"][0]["preds"] == ["sadness"] and mft["failing_examples"][0]["labels"] == ["joy"]

    inv = section["tests"]["shouting"]
    # Upper case hides the keyword: "I AM HAPPY" and "I AM SAD" flip to anger; "bored" stays anger.
    assert (inv["type"], inv["n"], inv["fails"]) == ("INV", 3, 2)
    assert inv["fail_rate"] == rate_with_ci(2, 3)
    assert inv["failing_examples"][0] == {"testcase": 0, "texts": ["i am happy", "i am happy !!!", "I AM HAPPY"],
                                          "preds": ["joy", "joy", "anger"], "labels": [None, None, None]}

    assert all(set(r) == RECORD_KEYS for r in records)
    assert len({r["id"] for r in records}) == len(records) == 3 + 6
    mft_rows = [r for r in records if r["rule"] == "joy words"]
    assert [(r["text"], r["label"], r["pred"], r["passed"]) for r in mft_rows] == [
        ("i feel happy today", "joy", "joy", True),
        ("i feel sad today", "joy", "sadness", False),
        ("i feel glad today", "joy", "anger", False),
    ]
    assert all(r["source_text"] is None and r["expectation"] == {"kind": "MFT"} for r in mft_rows)
    inv_rows = [r for r in records if r["rule"] == "shouting"]
    assert [(r["source_text"], r["text"], r["source_pred"], r["pred"], r["passed"]) for r in inv_rows] == [
        ("i am happy", "i am happy !!!", "joy", "joy", True),
        ("i am happy", "I AM HAPPY", "joy", "anger", False),
        ("i am sad", "i am sad !!!", "sadness", "sadness", True),
        ("i am sad", "I AM SAD", "sadness", "anger", False),
        ("i am bored", "i am bored !!!", "anger", "anger", True),
        ("i am bored", "I AM BORED", "anger", "anger", True),
    ]
    assert inv_rows[0]["id"] == "checklist:shouting:0:1" and inv_rows[0]["source_id"] == "checklist:shouting:0:0"
    assert [r["meta"]["testcase_passed"] for r in inv_rows] == [False, False, False, False, True, True]
    assert inv_rows[1]["probs"] == pytest.approx([0.02, 0.02, 0.02, 0.9, 0.02, 0.02])


def test_single_test_and_rerun(suite: cl_suite.TestSuite) -> None:
    test = suite.tests["joy words"]
    section, records = run_checklist_suite(test, KeywordModel(), LABELS, suite_name="cl", n_examples=1)
    assert list(section["tests"]) == ["joy words"] and section["tests"]["joy words"]["fails"] == 2
    assert len(section["tests"]["joy words"]["failing_examples"]) == 1
    assert records[0]["id"] == "cl:joy words:0:0"
    # Results already on the test are overwritten, not an error.
    again, _ = run_checklist_suite(test, KeywordModel(), LABELS)
    assert again["tests"]["joy words"]["fails"] == 2


def test_string_labels_are_refused() -> None:
    test = MFT(["i feel happy"], labels="joy", name="named")
    with pytest.raises(AuditError, match="class index"):
        run_checklist_suite(test, KeywordModel(), LABELS)


def test_wrong_probability_shape(suite: cl_suite.TestSuite) -> None:
    with pytest.raises(AuditError, match="shape"):
        run_checklist_suite(suite, lambda texts: np.zeros((len(texts), 2)), LABELS)


def test_missing_checklist_names_the_install(monkeypatch: pytest.MonkeyPatch, suite: cl_suite.TestSuite) -> None:
    monkeypatch.setitem(sys.modules, "checklist.test_suite", None)
    with pytest.raises(AuditError, match=r"emotion-audit\[checklist\]"):
        run_checklist_suite(suite, KeywordModel(), LABELS)


def test_checklist_results_land_in_the_audit(suite: cl_suite.TestSuite, tmp_path) -> None:
    from audit.model import CallableClassifier
    from audit.results import validate
    from audit.runner import evaluate

    data = tmp_path / "test.txt"
    data.write_text("i feel happy;joy\ni feel sad;sadness\n", encoding="utf-8")
    audit = evaluate(CallableClassifier(KeywordModel(), LABELS, name="keywords"), str(data),
                     checklist={"editor": suite}, progress=False)
    section = audit.results["suites"]["checklist_editor"]
    assert validate(audit.results) is None
    # 3 MFT test cases (1 passes) and 3 INV test cases (1 passes): 2 of 6 judged pass.
    assert section["pass_rate"] == rate_with_ci(2, 6) and section["test_type"] == "INV/MFT"
    assert sum(r["suite"] == "checklist_editor" for r in audit.records) == 9
