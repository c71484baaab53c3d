"""What a re-run reuses besides predictions: generated suites, training evidence, label issues and
slices, kept checksummed in the cache folder's artifacts.sqlite; and the runner's seams that go
with it (a suite's role declared in YAML, a caller's labels left alone, CheckList through the cache).

Every reuse must give what computing afresh gives, and every input a result depends on must
invalidate it: each test changes one input and checks the work is done again.
"""
from __future__ import annotations

import json
import sqlite3
import textwrap
import uuid
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import audit.runner
import audit.suite_cache
from audit.errors import AuditError
from audit.labels import EMOTION_LABELS
from audit.model import CallableClassifier
from audit.results import VOLATILE_KEY, dumps
from audit.runner import evaluate
from audit.store import ArtifactStore, blob_checksum, memoized
from audit.suite import load_spec
from conftest import LABELS
from instrument_suite import TEST_ROWS, write_split
from instrument_suite import user_suite  # noqa: F401  (fixture)

# --- a generator that reads a data file named in its params ------------------------------------

WORDS_GENERATOR = textwrap.dedent('''
    """Test generator: one MFT case per word of params.words (``word;label`` lines), seeded per case."""
    from audit.suite import Case, Expectation, GeneratedSuite

    PARAMS = {"words": str, "meta_tuple": bool}


    def generate(ctx):
        cases = []
        for line in ctx.data_path(ctx.spec.params["words"]).read_text().splitlines():
            word, label = line.split(";")
            pick = ctx.rng("word", word).choice(["so", "very", "really"])
            meta = {"pair": (word, label)} if ctx.spec.params.get("meta_tuple") else {"word": word}
            cases.append(Case(f"{ctx.spec.name}:{word}", f"i feel {pick} {word}", Expectation("MFT", (label,)),
                              label=label, rule="word", meta=meta))
        return GeneratedSuite(cases, coverage={"word": {"n_candidates": len(cases), "n_changed": len(cases)}})
''')


def words_suite(folder: Path, *, meta_tuple: bool = False) -> Path:
    """A suites folder with suite ``words`` (generator in a fresh package, data file words.txt)."""
    package = f"wordgen_{uuid.uuid4().hex[:10]}"
    (folder / package).mkdir(parents=True)
    (folder / package / "__init__.py").write_text("", encoding="utf-8")
    (folder / package / "rules.py").write_text(WORDS_GENERATOR, encoding="utf-8")
    suites = folder / "suites"
    suites.mkdir()
    (suites / "words.txt").write_text("happy;joy\nsad;sadness\nscared;fear\n", encoding="utf-8")
    (suites / "words.yaml").write_text(
        f"name: words\ndescription: a feeling word\ngenerator: {package}.rules\ntest_type: MFT\n"
        f"params:\n  words: words.txt\n  meta_tuple: {str(meta_tuple).lower()}\n", encoding="utf-8")
    return suites


def keyword_probs(texts: list[str]) -> np.ndarray:
    """A keyword classifier: the first emotion word found in the text, else sadness."""
    cues = {"happy": 1, "great": 1, "loved": 2, "mad": 3, "scared": 4, "amazed": 5}
    probs = np.full((len(texts), 6), 0.02)
    for row, text in enumerate(texts):
        probs[row, next((k for w, k in cues.items() if w in text.lower()), 0)] = 0.9
    return probs


class Counted:
    """Wraps a function, counting its calls."""

    def __init__(self, fn: Any) -> None:
        self.fn, self.calls = fn, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.fn(*args, **kwargs)


@pytest.fixture()
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, Counted]:
    """Counters on suite generation, training evidence, label issues and slices."""
    out = {"generate": Counted(audit.suite_cache.generate), "evidence": Counted(audit.suite_cache.evidence),
           "label_issues": Counted(audit.runner.find_label_issues), "slices": Counted(audit.runner.discover_slices)}
    monkeypatch.setattr(audit.suite_cache, "generate", out["generate"])
    monkeypatch.setattr(audit.suite_cache, "evidence", out["evidence"])
    monkeypatch.setattr(audit.runner, "find_label_issues", out["label_issues"])
    monkeypatch.setattr(audit.runner, "discover_slices", out["slices"])
    return out


class KeyedClassifier(CallableClassifier):
    """The keyword classifier with a prediction cache key (so it is cached like a model)."""

    def cache_key(self) -> str:
        return "keyword-classifier-v1"


def _audit(data: Path, suites: Path, cache: Path, **options: Any) -> dict[str, Any]:
    clf = KeyedClassifier(keyword_probs, LABELS, name="keywords")
    audit = evaluate(clf, str(data), suites=[p.stem for p in suites.glob("*.yaml")], suites_dirs=[suites],
                     cache_dir=cache, progress=False, **options)
    return audit.results


def _stable(results: dict[str, Any]) -> str:
    return dumps({k: v for k, v in results.items() if k != VOLATILE_KEY})


def _calls(counted: dict[str, Counted]) -> dict[str, int]:
    return {name: c.calls for name, c in counted.items()}


# --- reuse, and the same results ---------------------------------------------------------------------

def test_a_rerun_reuses_suites_evidence_and_discoveries_with_identical_results(
        user_suite: tuple[Path, Path], tmp_path: Path, counted: dict[str, Counted]) -> None:
    suites, data = user_suite
    fresh = _audit(data, suites, tmp_path / "cache")
    assert _calls(counted) == {"generate": 1, "evidence": 1, "label_issues": 1, "slices": 1}
    again = _audit(data, suites, tmp_path / "cache")
    assert _calls(counted) == {"generate": 1, "evidence": 1, "label_issues": 1, "slices": 1}  # nothing redone
    assert _stable(again) == _stable(fresh)
    assert again["run"]["artifacts"] == {"rejected": 0, "rebuilt": 0}
    no_cache = evaluate(KeyedClassifier(keyword_probs, LABELS, name="keywords"), str(data), suites=["shout"],
                        suites_dirs=[suites], use_cache=False, progress=False)
    assert _stable(no_cache.results) == _stable(fresh)
    assert "artifacts" not in no_cache.results["run"]


def test_a_classifier_without_a_cache_key_reuses_suites_but_not_discoveries(
        user_suite: tuple[Path, Path], tmp_path: Path, counted: dict[str, Counted]) -> None:
    suites, data = user_suite
    for _ in range(2):
        evaluate(CallableClassifier(keyword_probs, LABELS), str(data), suites=["shout"], suites_dirs=[suites],
                 cache_dir=tmp_path / "cache", progress=False)
    # label issues and slices depend on the predictions, which cannot be keyed for a callable
    assert _calls(counted) == {"generate": 1, "evidence": 1, "label_issues": 2, "slices": 2}


@pytest.mark.parametrize("change", ["seed", "yaml", "data", "train", "generator code", "bootstrap"])
def test_every_input_invalidates_what_depends_on_it(change: str, user_suite: tuple[Path, Path], tmp_path: Path,
                                                     counted: dict[str, Counted]) -> None:
    suites, data = user_suite
    cache = tmp_path / "cache"
    first = _audit(data, suites, cache)
    options: dict[str, Any] = {}
    if change == "seed":
        options["seed"] = 1
    elif change == "yaml":
        path = suites / "shout.yaml"
        path.write_text(path.read_text().replace("'zzz'", "'yyy'"), encoding="utf-8")
    elif change == "data":
        write_split(data / "test.txt", TEST_ROWS[:-1])
    elif change == "train":
        (data / "train.txt").write_text((data / "train.txt").read_text() + "i didnt feel happy ever;sadness\n")
    elif change == "generator code":
        rules = next(tmp_path.glob("usergen_*")) / "rules.py"
        rules.write_text(rules.read_text().replace('"zzz"', '"www"'), encoding="utf-8")
    else:
        options["n_resamples"] = 1001
    second = _audit(data, suites, cache, **options)
    redone = {name: calls - 1 for name, calls in _calls(counted).items()}
    expected = {"seed": {"generate": 1, "evidence": 1, "label_issues": 1, "slices": 1},
                "yaml": {"generate": 1, "evidence": 1, "label_issues": 0, "slices": 0},
                "data": {"generate": 1, "evidence": 1, "label_issues": 1, "slices": 1},
                "train": {"generate": 0, "evidence": 1, "label_issues": 0, "slices": 0},
                "generator code": {"generate": 1, "evidence": 1, "label_issues": 0, "slices": 0},
                "bootstrap": {"generate": 0, "evidence": 0, "label_issues": 1, "slices": 1}}[change]
    assert redone == expected
    if change == "yaml":  # the new marker is in the cases: not the stored suite
        texts = {r["text"] for r in _records(data, suites, cache) if r["suite"] == "shout"}
        assert any(t.endswith(" yyy") for t in texts) and not any(t.endswith(" zzz") for t in texts)
    if change == "train":
        assert second["suites"]["shout"]["train_evidence"]["n_train"] == \
            first["suites"]["shout"]["train_evidence"]["n_train"] + 1


def _records(data: Path, suites: Path, cache: Path) -> list[dict[str, Any]]:
    clf = KeyedClassifier(keyword_probs, LABELS, name="keywords")
    return evaluate(clf, str(data), suites=["shout"], suites_dirs=[suites], cache_dir=cache, progress=False).records


def test_a_change_of_a_data_file_a_suite_names_regenerates_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             counted: dict[str, Counted]) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    suites = words_suite(tmp_path)
    data = write_split(tmp_path / "test.txt", TEST_ROWS)
    cache = tmp_path / "cache"
    _audit(data, suites, cache)
    _audit(data, suites, cache)
    assert counted["generate"].calls == 1
    (suites / "words.txt").write_text("happy;joy\nsad;sadness\nmad;anger\n", encoding="utf-8")
    results = _audit(data, suites, cache)
    assert counted["generate"].calls == 2 and results["suites"]["words"]["n"] == 3
    records = _records_of(data, suites, cache)
    assert sorted(r["meta"]["word"] for r in records if r["suite"] == "words") == ["happy", "mad", "sad"]


def _records_of(data: Path, suites: Path, cache: Path) -> list[dict[str, Any]]:
    clf = KeyedClassifier(keyword_probs, LABELS, name="keywords")
    return evaluate(clf, str(data), suites=["words"], suites_dirs=[suites], cache_dir=cache, progress=False).records


def test_a_suite_that_does_not_survive_json_is_made_afresh_each_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   counted: dict[str, Counted]) -> None:
    """A tuple in ``meta`` comes back from JSON as a list: served from the store, the case would
    differ from the generated one (a breakdown by it would even fail), so it is never stored."""
    monkeypatch.syspath_prepend(str(tmp_path))
    suites = words_suite(tmp_path, meta_tuple=True)
    data = write_split(tmp_path / "test.txt", TEST_ROWS)
    first = _audit(data, suites, tmp_path / "cache")
    second = _audit(data, suites, tmp_path / "cache")
    assert counted["generate"].calls == 2
    assert _stable(first) == _stable(second)


# --- damaged entries ---------------------------------------------------------------------------------

def _artifact_rows(cache: Path, kind: str) -> list[tuple[str, bytes, bytes]]:
    with sqlite3.connect(cache / "artifacts.sqlite") as db:
        rows = db.execute("SELECT key, blob, checksum FROM artifacts WHERE kind = ?", (kind,)).fetchall()
    db.close()
    return rows


def _set_blob(cache: Path, kind: str, blob: bytes, checksum: bytes | None = None) -> None:
    with sqlite3.connect(cache / "artifacts.sqlite") as db:
        if checksum is None:
            db.execute("UPDATE artifacts SET blob = ? WHERE kind = ?", (blob, kind))
        else:
            db.execute("UPDATE artifacts SET blob = ?, checksum = ? WHERE kind = ?", (blob, checksum, kind))
    db.close()


def _forged(kind: str, key: str, blob: bytes) -> tuple[bytes, bytes]:
    """``blob`` with a valid checksum, as only a forger (or a bug) could write it."""
    return blob, blob_checksum(kind, key, blob=blob)


@pytest.mark.parametrize("damage", ["bit-flip", "not-json", "wrong-shape"])
def test_a_damaged_suite_entry_is_dropped_counted_and_regenerated(
        damage: str, user_suite: tuple[Path, Path], tmp_path: Path, counted: dict[str, Counted]) -> None:
    suites, data = user_suite
    cache = tmp_path / "cache"
    fresh = _audit(data, suites, cache)
    (key, blob, _), = _artifact_rows(cache, "suite")
    if damage == "bit-flip":
        flipped = bytearray(blob)
        flipped[len(flipped) // 2] ^= 0x01
        _set_blob(cache, "suite", bytes(flipped))
    elif damage == "not-json":
        _set_blob(cache, "suite", *_forged("suite", key, b"\x00garbage"))
    else:
        shape = {"cases": [["id-only"]], "coverage": {}, "n_candidates": 1}
        _set_blob(cache, "suite", *_forged("suite", key, zlib.compress(json.dumps(shape).encode())))
    again = _audit(data, suites, cache)
    assert counted["generate"].calls == 2 and again["run"]["artifacts"]["rejected"] == 1
    assert _stable(again) == _stable(fresh)
    third = _audit(data, suites, cache)  # stored again, intact
    assert counted["generate"].calls == 2 and third["run"]["artifacts"]["rejected"] == 0


def test_a_damaged_artifact_file_is_moved_aside_and_rebuilt(user_suite: tuple[Path, Path], tmp_path: Path,
                                                            counted: dict[str, Counted]) -> None:
    suites, data = user_suite
    cache = tmp_path / "cache"
    fresh = _audit(data, suites, cache)
    (cache / "artifacts.sqlite").write_bytes(b"not a database " * 300)
    again = _audit(data, suites, cache)
    assert again["run"]["artifacts"]["rebuilt"] == 1 and (cache / "artifacts.sqlite.corrupt").is_file()
    assert counted["generate"].calls == 2 and _stable(again) == _stable(fresh)


def test_memoized_stores_only_what_reads_back_equal(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    made = []

    def make() -> dict[str, Any]:
        made.append(1)
        return {"a": [1, 2], "b": "x"}

    ident = dict(encode=lambda v: v, decode=lambda v: v)
    assert memoized(store, "k", "key", make, **ident) == {"a": [1, 2], "b": "x"}
    assert memoized(store, "k", "key", make, **ident) == {"a": [1, 2], "b": "x"} and len(made) == 1
    assert memoized(store, "k", "other", make, **ident) and len(made) == 2  # another key
    assert memoized(None, "k", "key", make, **ident) and len(made) == 3  # no store: always made
    tuples = [0]

    def make_tuple() -> tuple[int, int]:
        tuples[0] += 1
        return (1, 2)

    for _ in range(2):
        assert memoized(store, "k", "t", make_tuple, **ident) == (1, 2)
    assert tuples[0] == 2  # JSON gives a list back: never stored


# --- a suite's role, the caller's labels, CheckList ---------------------------------------------------

FEEDS_GENERATOR = textwrap.dedent('''
    """Test generator: one case, and a summary shaped like the identity suite's counterfactual part."""
    from audit.suite import Case, Expectation, GeneratedSuite


    def generate(ctx):
        return GeneratedSuite([Case("c:0", "i feel happy", Expectation("MFT", ("joy",)), label="joy", rule="r")])


    def summarize(records, labels):
        return {"labels": list(labels), "min_group_size": 30, "ci": {"level": 0.95},
                "attributes": {"toy": {"groups": {}}}, "intersections": {}}
''')


def _feeds_suite(folder: Path, feeds: str | None) -> Path:
    package = f"feedgen_{uuid.uuid4().hex[:10]}"
    (folder / package).mkdir(parents=True)
    (folder / package / "__init__.py").write_text("", encoding="utf-8")
    (folder / package / "rules.py").write_text(FEEDS_GENERATOR, encoding="utf-8")
    suites = folder / f"suites-{package}"
    suites.mkdir()
    line = f"feeds: {feeds}\n" if feeds else ""
    (suites / "toy.yaml").write_text(f"name: toy\ndescription: one case\ngenerator: {package}.rules\n"
                                     f"test_type: MFT\n{line}", encoding="utf-8")
    return suites


@pytest.mark.parametrize("feeds", [None, "bias"])
def test_a_suite_declares_that_it_feeds_the_bias_section(feeds: str | None, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    suites = _feeds_suite(tmp_path, feeds)
    data = write_split(tmp_path / "test.txt", TEST_ROWS)
    results = evaluate(CallableClassifier(keyword_probs, LABELS), str(data), suites=["toy"], suites_dirs=[suites],
                       use_cache=False, progress=False).results
    if feeds is None:  # before: only a generator named "identity" fed the bias section
        assert "bias" not in results and results["suites"]["toy"]["extra"]["attributes"] == {"toy": {"groups": {}}}
    else:
        assert results["bias"]["attributes"]["toy"]["source"] == "identity suite"
        assert "extra" not in results["suites"]["toy"]


def test_the_feeds_key_is_checked_and_the_identity_suite_declares_it(tmp_path: Path) -> None:
    from audit.runner import available_suites

    assert {name for name, spec in available_suites().items() if spec.feeds == "bias"} == {"identity"}
    path = tmp_path / "x.yaml"
    path.write_text("name: x\ndescription: d\ngenerator: short\ntest_type: MFT\nfeeds: gate\n", encoding="utf-8")
    with pytest.raises(AuditError, match="feeds must be one of bias"):
        load_spec(path)


def test_the_callers_classifier_keeps_its_labels(tmp_path: Path) -> None:
    """Before: the runner wrote the mapped names over the caller's ``labels``."""
    generic = [f"LABEL_{i}" for i in range(6)]
    clf = CallableClassifier(keyword_probs, generic, name="generic")
    data = write_split(tmp_path / "test.txt", TEST_ROWS)
    results = evaluate(clf, str(data), label_names=EMOTION_LABELS, use_cache=False, progress=False).results
    assert clf.labels == generic
    assert results["model"]["labels"] == list(EMOTION_LABELS) and results["model"]["label_mapping_assumed"]


def test_checklist_suites_are_predicted_in_the_one_pass_through_the_cache(tmp_path: Path) -> None:
    pytest.importorskip("checklist")
    from checklist.test_types import MFT

    calls: list[str] = []

    def fn(texts: list[str]) -> np.ndarray:
        calls.extend(texts)
        return keyword_probs(texts)

    data = write_split(tmp_path / "test.txt", TEST_ROWS)
    test = MFT(["i am happy", "i am scared", "i feel happy"], labels=1, name="happy")
    runs = []
    for _ in range(2):
        runs.append(evaluate(KeyedClassifier(fn, LABELS, name="keywords"), str(data), checklist={"cl": test},
                             cache_dir=tmp_path / "cache", progress=False).results)
    first, second = runs
    assert first["run"]["inference"]["unique"] == len(TEST_ROWS) + 3  # the split and the CheckList examples
    assert len(calls) == len(TEST_ROWS) + 3  # each text predicted once, in the first run only
    assert second["run"]["inference"]["computed"] == 0
    assert _stable(first) == _stable(second) and first["suites"]["checklist_cl"]["n"] == 3


# --- the report's charts -----------------------------------------------------------------------

def test_charts_are_kept_served_unchanged_and_drawn_again_when_refused(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.reporting import charts
    from audit.reporting.chart_store import CHARTS, _key, charts_kept_in

    drawn: list[int] = []
    real = charts.Figure.savefig
    monkeypatch.setattr(charts.Figure, "savefig", lambda self, *a, **k: (drawn.append(1), real(self, *a, **k))[1])
    args, kwargs = ("k", ["a", "b"], [0.5, 0.25]), {"title": "t", "xlabel": "x"}
    plain = charts.bar_chart(*args, **kwargs)  # no store: drawn
    store = ArtifactStore(tmp_path)
    with charts_kept_in(store):
        first = charts.bar_chart(*args, **kwargs)  # drawn and kept
        second = charts.bar_chart(*args, **kwargs)  # served
        other = charts.bar_chart("k", ["a", "b"], [0.5, 0.3], **kwargs)  # other figures: drawn
        assert len(drawn) == 3
        store.put_json(CHARTS, _key("bar_chart", args, kwargs), "<b>not a chart</b>")
        again = charts.bar_chart(*args, **kwargs)  # a refused entry: dropped, drawn again
        assert len(drawn) == 4
        charts.bar_chart("k", ["a", "b"], np.array([0.5, 0.25]), **kwargs)  # not plain JSON: never keyed
        charts.bar_chart("k", ["a", "b"], np.array([0.5, 0.25]), **kwargs)
        assert len(drawn) == 6
    assert plain == first == second == again and other != first
    assert charts.bar_chart(*args, **kwargs) == plain and len(drawn) == 7  # outside the block: drawn


def test_a_cached_rerun_draws_no_chart_and_writes_the_same_report(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.reporting import charts
    from audit.reporting.outputs import REPORT_FILE, write_all

    data = write_split(tmp_path / "test.txt", TEST_ROWS)
    model = CallableClassifier(lambda texts: np.tile(np.linspace(1, 2, len(LABELS)), (len(texts), 1))
                               / np.linspace(1, 2, len(LABELS)).sum(), LABELS)
    drawn: list[int] = []
    real = charts.Figure.savefig
    monkeypatch.setattr(charts.Figure, "savefig", lambda self, *a, **k: (drawn.append(1), real(self, *a, **k))[1])
    reports = []
    for out in ("first", "second"):
        audit = evaluate(model, str(data), suites=["short"], progress=False, cache_dir=tmp_path / "cache")
        audit.results[VOLATILE_KEY] = {}  # the run section (times) is the one part that differs
        write_all(tmp_path / out, audit, store=ArtifactStore(tmp_path / "cache"))
        reports.append((tmp_path / out / REPORT_FILE).read_text(encoding="utf-8"))
        if out == "first":
            assert drawn
            drawn.clear()
    assert drawn == [] and reports[0] == reports[1]
