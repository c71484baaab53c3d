"""Property tests: arbitrary text never crashes the loaders or the perturbation rules, and no
mutation of results.json or predictions.jsonl crashes the report, the card or the gate.

Loaders may refuse a file only with an :class:`~audit.errors.AuditError`, and files written by the
standard writers of each format must load back to exactly the texts written. Every perturbation
rule the generator modules build (found at run time, so new modules are covered without editing
this file) returns a ``str`` or ``None`` for any text, the same for the same seed. A run's
results.json with one node deleted, replaced or nudged, or its predictions.jsonl cut, thinned,
repeated or edited, is read by every reader with exit 0 or one error line (exit 2), never a
traceback, an internal error or the gate's regression code.
"""
from __future__ import annotations

import csv
import importlib
import inspect
import io
import json
import pkgutil
import random
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import audit.generators
from audit.data import is_blank, load_data
from audit.errors import AuditError
from audit.generators.base import Perturbation, Perturbed
from audit.labels import EMOTION_LABELS, dataset_label_order, gold_indices
from audit.runner import available_suites
from audit.suite import SourceData, generate

ENDINGS = (".txt", ".csv", ".tsv", ".jsonl")
#: Characters that ``str.splitlines`` treats as line ends but files, editors and JSON do not.
ODD_LINE_ENDS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Words the rules look for, mixed with characters that stress tokenizers and case mapping.
_WORDS = ("i feel felt am im was were not dont didnt cant he she his her him they them my me you "
          "happy sad angry scared loved surprised lonely so very really today always never some too "
          "is are be been being have has made make like think know mother father man woman").split()
_ODD = ["", " ", "  ", "\t", ";", ",", "'", "!", "?", "...", ":)", "😀", "🙂", "ß", "İ", "ﬁ", "é", "e\u0301",
        "\u200b", "\x00", "\n", "\r\n", "\u2028", "ǅ", "ΣΑΣ", "日本語", "ʼ", "n't", "I'M", "DONT"]
texts = st.one_of(
    st.text(),
    st.lists(st.sampled_from(_WORDS + _ODD), max_size=30).map(" ".join),
    st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=4)), max_size=20).map(" ".join),
)


def _write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    return path


def _load_or_refuse(path: Path) -> None:
    """Load ``path``; a refusal must be a one-line AuditError, a success a consistent dataset."""
    try:
        ds = load_data(str(path))
    except AuditError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert len(ds.texts) == len(ds.labels) > 0
    assert not any(map(is_blank, ds.texts))
    try:
        gold_indices(ds.labels, list(EMOTION_LABELS), dataset_label_order(ds.labels, None))
    except AuditError as exc:
        assert str(exc) and "\n" not in str(exc)


@FUZZ
@given(content=st.one_of(st.text(), st.binary(), st.lists(texts, max_size=5).map("\n".join)),
       ending=st.sampled_from(ENDINGS))
def test_loaders_fail_only_with_audit_error(content: str | bytes, ending: str, tmp_path: Path) -> None:
    _load_or_refuse(_write(tmp_path / f"test{ending}", content))


@pytest.mark.parametrize("content,ending", [
    pytest.param("[" * 2_000 + "\n", ".jsonl", id="deeply-nested-json"),
    pytest.param('{"text": ' * 2_000 + "\n", ".jsonl", id="deeply-nested-object"),
    pytest.param("text\n" + "x" * 200_000 + "\n", ".csv", id="huge-csv-field"),
    pytest.param("text;label\n" + "x" * 200_000 + ";joy\n", ".txt", id="huge-txt-line"),
    pytest.param("\ufefftext,label\n\x00,joy\n", ".csv", id="bom-and-nul"),
])
def test_pathological_files_fail_only_with_audit_error(content: str, ending: str, tmp_path: Path) -> None:
    _load_or_refuse(_write(tmp_path / f"test{ending}", content))


def _kept(written: list[str]) -> list[str]:
    """The texts a loader keeps: those with something a model reads (see :func:`is_blank`)."""
    return [t for t in written if not is_blank(t)]


def _assert_round_trip(path: Path, written: list[str]) -> None:
    """The loader gives back exactly the non-empty texts, or refuses a file with none."""
    if not _kept(written):
        with pytest.raises(AuditError):
            load_data(str(path))
        return
    assert load_data(str(path)).texts == _kept(written)


@FUZZ
@given(written=st.lists(texts, min_size=1, max_size=8))
@example(written=["i feel \u2028 fine", "new\x85line", "tab\x0bbed"])
def test_jsonl_round_trip(written: list[str], tmp_path: Path) -> None:
    """Lines written by ``json.dumps(ensure_ascii=False)`` hold raw U+2028 or U+0085: still one row each."""
    lines = "".join(json.dumps({"text": t, "label": "joy"}, ensure_ascii=False) + "\n" for t in written)
    path = _write(tmp_path / "test.jsonl", lines)
    _assert_round_trip(path, written)


@FUZZ
@given(written=st.lists(texts, min_size=1, max_size=8), delimiter=st.sampled_from([",", "\t"]))
def test_csv_round_trip(written: list[str], delimiter: str, tmp_path: Path) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(["text", "label"])
    writer.writerows([t, "joy"] for t in written)
    path = _write(tmp_path / ("test.csv" if delimiter == "," else "test.tsv"), buf.getvalue())
    _assert_round_trip(path, written)


@FUZZ
@given(written=st.lists(texts.map(lambda t: t.replace("\r", " ").replace("\n", " ")), min_size=1, max_size=8))
@example(written=["i feel\x0bfine", "so\u2028happy", "ok\x85"])
def test_txt_round_trip(written: list[str], tmp_path: Path) -> None:
    """``text;label`` lines split on newlines only, as every editor shows them."""
    path = _write(tmp_path / "test.txt", "text;label\n" + "".join(f"{t};joy\n" for t in written))
    _assert_round_trip(path, written)


# --------------------------------------------------------------------------- perturbation rules

_SOURCE = SourceData(
    ids=[f"test-{i}" for i in range(9)],
    texts=["i feel happy today", "im so scared of the dark", "i was surprised by my mother",
           "he made me feel so angry", "i didnt feel lonely at all", "she is very sad and he is not",
           "i have been feeling loved", "they think i am always scared", "sad"],
    labels=["joy", "fear", "surprise", "anger", "sadness", "sadness", "love", "fear", "sadness"])


def _generator_modules() -> Iterator[Any]:
    for info in pkgutil.iter_modules(audit.generators.__path__):
        yield importlib.import_module(f"audit.generators.{info.name}")


def _nested_rules(rule: Perturbation) -> Iterator[Perturbation]:
    """``rule`` and the rules it is composed of (attributes holding rules or sequences of them)."""
    yield rule
    for value in vars(rule).values():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, Perturbation):
                yield from _nested_rules(item)


def _rules_built_by_generators() -> tuple[list[Perturbation], dict[str, Exception]]:
    """Rules each declared suite's generator passes to ``derive_cases``, on a small split, and
    the error of each suite whose generator failed."""
    rules: list[Perturbation] = []
    errors: dict[str, Exception] = {}
    modules = {m.__name__: m for m in _generator_modules()}
    for spec in available_suites().values():
        module = modules.get(f"audit.generators.{spec.generator}")
        real = getattr(module, "derive_cases", None)
        if real is None:
            continue

        def spy(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            bound = inspect.signature(_real).bind(*args, **kwargs)
            bound.arguments["rules"] = list(bound.arguments["rules"])
            rules.extend(bound.arguments["rules"])
            return _real(*bound.args, **bound.kwargs)

        module.derive_cases = spy
        try:
            generate(spec, _SOURCE, list(EMOTION_LABELS), 0)
        except Exception as exc:  # reported by test_declared_suites_generate, not at collection
            errors[spec.name] = exc
        finally:
            module.derive_cases = real
    return rules, errors


def _argument_free_rules() -> list[Perturbation]:
    """Concrete Perturbation subclasses of the generator modules that take no arguments."""
    found = []
    for module in _generator_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Perturbation) and not inspect.isabstract(cls) and cls.__module__ == module.__name__:
                try:
                    found.append(cls())
                except TypeError:
                    continue
    return found


def _unique(rules: list[Perturbation]) -> dict[str, Perturbation]:
    """Rules by ``<module>:<name>`` (the first of rules sharing a name, e.g. one per class)."""
    found: dict[str, Perturbation] = {}
    for rule in rules:
        found.setdefault(f"{type(rule).__module__.rsplit('.', 1)[-1]}:{rule.name or type(rule).__name__}", rule)
    return found


_BUILT, GENERATION_ERRORS = _rules_built_by_generators()
RULES = _unique([r for top in _BUILT for r in _nested_rules(top)] + _argument_free_rules())


def test_declared_suites_generate() -> None:
    """Discovery ran every declared suite's generator on a small split (a one-word text
    included): none may crash, and together they build rules to fuzz. An AuditError (e.g. an
    optional dependency missing) is a clean refusal, not a crash."""
    crashed = {name: repr(exc) for name, exc in GENERATION_ERRORS.items() if not isinstance(exc, AuditError)}
    assert not crashed
    assert RULES


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
@FUZZ
@given(text=texts)
@example(text="")
@example(text="i feel happy")
@example(text="I FEEL HAPPY")
def test_rule_returns_text_or_none_and_is_seeded(rule: Perturbation, text: str) -> None:
    first = rule.perturb(text, random.Random(0))
    assert first is None or isinstance(first, (str, Perturbed))
    assert rule.perturb(text, random.Random(0)) == first


# --------------------------------------------------------------------------- results and predictions

#: Values a mutation puts in place of a node of results.json or a field of a predictions record.
_HOSTILE = [None, True, "x", "", -1, 0, 0.5, 2.5, 1e9, [], {}, [1, "a"], {"value": "x"},
            {"value": 0.5, "ci_low": None, "ci_high": 0.9}, json.loads("[" * 30 + "]" * 30)]
_HOSTILE_LINES = ["[]", "null", "1", '"x"', "{}", '{"suite": 1}', "{" * 5, "[" * 5_000 + "]" * 5_000]
READ_FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


def _node_paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every node below ``doc`` (keys and list positions)."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    out = []
    for key, child in items:
        out.append(prefix + (key,))
        out += _node_paths(child, prefix + (key,))
    return out


def _mutate_results(doc: dict[str, Any], data: st.DataObject) -> str:
    """Delete, replace or nudge one node of ``doc`` in place; returns what was done."""
    path = data.draw(st.sampled_from(_node_paths(doc)), label="path")
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    old = parent[path[-1]]
    options = ["replace"] + (["delete"] if isinstance(parent, dict) else [])
    if isinstance(old, (int, float)) and not isinstance(old, bool):
        options.append("nudge")
    action = data.draw(st.sampled_from(options), label="action")
    if action == "delete":
        del parent[path[-1]]
    elif action == "nudge":
        parent[path[-1]] = old + data.draw(st.sampled_from([1, -1, 0.001, -0.001, 1e-6]), label="delta")
    else:
        parent[path[-1]] = data.draw(st.sampled_from(_HOSTILE), label="value")
    return f"{action} {path}"


def _mutate_lines(lines: list[str], data: st.DataObject) -> list[str]:
    """Cut, drop, repeat or replace lines of predictions.jsonl, or change one field of a record."""
    i = data.draw(st.integers(0, len(lines) - 1), label="line")
    action = data.draw(st.sampled_from(["cut", "drop", "repeat", "replace", "field"]), label="action")
    if action == "cut":
        return lines[:i]
    if action == "drop":
        return lines[:i] + lines[i + 1:]
    if action == "repeat":
        return lines[:i + 1] + lines[i:]
    if action == "replace":
        return lines[:i] + [data.draw(st.sampled_from(_HOSTILE_LINES), label="text") + "\n"] + lines[i + 1:]
    record = json.loads(lines[i])
    record[data.draw(st.sampled_from(sorted(record)), label="key")] = data.draw(st.sampled_from(_HOSTILE), label="value")
    return lines[:i] + [json.dumps(record) + "\n"] + lines[i + 1:]


def _assert_clean_outcome(argv: list[str], capsys: pytest.CaptureFixture[str], what: str) -> None:
    """Exit 0 (the change touched nothing a reader uses) or exit 2 with one error line that is
    not an internal error; never a traceback, and never the gate's regression code 1 (the
    baseline is the unchanged run, so a change the gate accepts cannot be a regression)."""
    from audit.cli import main

    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err, (what, err)
    assert code in (0, 2), (what, argv[0], code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("emotion-audit: error:"), (what, err)
        assert "internal error" not in lines[0], (what, lines[0])


@pytest.fixture(scope="module")
def fuzz_baseline(synthetic_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from audit.cli import main

    path = tmp_path_factory.mktemp("fuzz-baseline") / "baseline.json"
    assert main(["baseline", str(synthetic_run), "-o", str(path), "-q"]) == 0
    return path


def _readers(results: Path, baseline: Path) -> list[list[str]]:
    return [["report", str(results), "-o", str(results.parent / "r.html")],
            ["card", str(results), "-o", str(results.parent / "c.md")],
            ["gate", str(results), "--baseline", str(baseline), "-q"]]


@READ_FUZZ
@given(data=st.data())
def test_mutated_results_give_exit_0_or_one_error_line(data: st.DataObject, synthetic_run: Path, fuzz_baseline: Path,
                                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(synthetic_run.read_text(encoding="utf-8"))
    what = _mutate_results(doc, data)
    folder = tmp_path / "run"
    folder.mkdir(exist_ok=True)
    (folder / "predictions.jsonl").write_bytes((synthetic_run.parent / "predictions.jsonl").read_bytes())
    (folder / "results.json").write_text(json.dumps(doc), encoding="utf-8")
    for argv in _readers(folder / "results.json", fuzz_baseline):
        _assert_clean_outcome(argv, capsys, what)


@READ_FUZZ
@given(data=st.data())
def test_mutated_predictions_give_exit_0_or_one_error_line(data: st.DataObject, synthetic_run: Path,
                                                           fuzz_baseline: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    lines = (synthetic_run.parent / "predictions.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    changed = _mutate_lines(lines, data)
    folder = tmp_path / "run"
    folder.mkdir(exist_ok=True)
    (folder / "results.json").write_bytes(synthetic_run.read_bytes())
    (folder / "predictions.jsonl").write_text("".join(changed), encoding="utf-8")
    for argv in _readers(folder / "results.json", fuzz_baseline)[::2]:  # the card reads no predictions
        _assert_clean_outcome(argv, capsys, "predictions changed")
