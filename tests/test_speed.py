"""Fixed cost outside inference: commands that need no model import no model libraries; the
closed forms a reader rechecks stored figures with equal the libraries that computed them; the
blocked bootstrap draws the plain bootstrap's resamples; discovered slices read a bounded head of
each text however long it is."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as scipy_stats
from sklearn import metrics as skm

from audit.metrics import bootstrap_confusions, proportion_ci
from audit.model import CHARS_PER_TOKEN, cut_text
from audit.slice_candidates import candidates
from audit.slices import discover_slices
from audit.stats import benjamini_hochberg, mcnemar
from audit.validate import closed_forms
from audit.validate.closed_forms import wilson_interval

#: Libraries only inference needs (never loaded by --help or the gate).
MODEL_LIBRARIES = ("torch", "transformers")
#: Libraries no command needs just to print its help.
HELP_FREE = MODEL_LIBRARIES + ("scipy", "matplotlib", "datasets", "cleanlab", "sklearn", "pandas", "pyarrow")


def loaded_after(code: str) -> list[str]:
    """The top-level packages of :data:`HELP_FREE` loaded in a fresh interpreter after ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HELP_FREE!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_loads_no_model_or_statistics_library() -> None:
    code = ("import contextlib, io\nfrom audit import cli\n"
            "for argv in (['--help'], ['run', '--help'], ['gate', '--help'], ['compare', '--help']):\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        try:\n            cli.main(argv)\n        except SystemExit as exc:\n"
            "            assert exc.code == 0, argv")
    assert loaded_after(code) == []


def test_gate_loads_no_model_or_statistics_library(synthetic_run: Path, tmp_path: Path) -> None:
    baseline, junit = tmp_path / "baseline.json", tmp_path / "gate.xml"
    code = ("import contextlib, io\nfrom audit import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert cli.main(['baseline', {str(synthetic_run)!r}, '-o', {str(baseline)!r}]) == 0\n"
            f"    assert cli.main(['gate', {str(synthetic_run)!r}, '--baseline', {str(baseline)!r}, "
            f"'--junit', {str(junit)!r}]) == 0")
    loaded = loaded_after(code)
    assert junit.is_file()  # the gate really ran
    # scipy and scikit-learn too: reading and checking the files uses closed forms (their imports are
    # over a second); only McNemar's test on runs that differ imports scipy, and these runs agree
    assert not set(loaded) & set(MODEL_LIBRARIES + ("scipy", "matplotlib")), loaded


def test_the_model_module_imports_torch_only_when_a_model_loads() -> None:
    assert loaded_after("import audit.model, audit.runner, audit.reporting.outputs, audit.gate") == []


# --- readers recheck with closed forms, not by importing scipy and scikit-learn ---------------------

def test_wilson_interval_edges_and_a_hand_worked_case() -> None:
    assert proportion_ci(0, 0) == (0.0, 1.0)
    assert proportion_ci(0, 5)[0] == 0.0 and proportion_ci(5, 5)[1] == 1.0  # exact at the edges
    # hand-worked: 8 of 10 at 95%, z = 1.959964: (16 + z^2 -+ z sqrt(6.4 + z^2)) / (2 (10 + z^2))
    assert proportion_ci(8, 10) == pytest.approx((0.4901625, 0.9433178), abs=1e-7)
    assert wilson_interval(8, 10) == pytest.approx((0.4901625, 0.9433178), abs=1e-7)


def test_readers_closed_forms_equal_the_libraries() -> None:
    for n in (*range(1, 60), 297, 2000, 36221):
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            for level in (0.9, 0.95, 0.99):
                ci = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
                assert wilson_interval(k, n, level) == pytest.approx((ci.low, ci.high), abs=1e-15)
    rng = np.random.default_rng(0)
    for n in (1, 7, 300):
        probs = rng.dirichlet(np.full(6, 0.3), size=n)
        probs[0] = np.eye(6)[2]  # a certain prediction: log loss clips p = 0 and p = 1
        y_true = rng.integers(0, 6, n)
        assert closed_forms.brier(probs, y_true) == pytest.approx(
            skm.brier_score_loss(y_true, probs, labels=range(6), scale_by_half=False), rel=1e-12)
        assert closed_forms.log_loss(probs, y_true) == pytest.approx(
            skm.log_loss(y_true, probs, labels=range(6)), rel=1e-12)


def test_mcnemar_hand_worked_and_false_discovery_control_is_scipys() -> None:
    assert mcnemar(3, 9, exact=True)[1] == pytest.approx(2 * (1 + 12 + 66 + 220) / 4096)  # hand-worked
    rng = np.random.default_rng(0)
    for _ in range(200):
        p = rng.uniform(0, 1, size=int(rng.integers(1, 80))) ** 3
        p[: len(p) // 3] = p[0]  # ties
        assert benjamini_hochberg(p) == pytest.approx(scipy_stats.false_discovery_control(p, method="bh"), abs=1e-15)


def _one_draw_per_resample(y_true: np.ndarray, y_pred: np.ndarray, k: int, n_resamples: int,
                           seed: int) -> np.ndarray:
    """The plain definition: one draw of n indices and one bincount per resample."""
    rng = np.random.default_rng(seed)
    codes = y_true * k + y_pred
    return np.stack([np.bincount(codes[rng.integers(0, len(codes), size=len(codes))], minlength=k * k)
                     for _ in range(n_resamples)]).reshape(n_resamples, k, k)


@pytest.mark.parametrize("n", [1, 2, 29, 300, 2000, 40000])
def test_blocked_bootstrap_draws_the_same_resamples(n: int) -> None:
    rng = np.random.default_rng(n)
    y_true, y_pred = rng.integers(0, 6, n), rng.integers(0, 6, n)
    got = bootstrap_confusions(y_true, y_pred, 6, 1000, seed=3)
    assert got.shape == (1000, 6, 6) and (got.sum(axis=(1, 2)) == n).all()
    assert np.array_equal(got, _one_draw_per_resample(y_true, y_pred, 6, 1000, seed=3))


# --- slices on huge texts ------------------------------------------------------------------------

def _masks(texts: list[str], **kwargs: int) -> dict[str, list[bool]]:
    return {c.name: c.mask.tolist() for c in candidates(texts, min_size=1, **kwargs)}


def test_slice_properties_read_the_head_of_a_text() -> None:
    # hand-worked: with a 40-character head, the negation and the question mark lie past the cut
    late = "i feel happy today and i am going out " + "x " * 10 + "but i am not sure?"
    early = "i am not sure i feel happy today?"
    found = _masks([late, early], max_chars=40)
    assert found["a negation"] == [False, True]
    assert found["a question"] == [False, True]
    assert _masks([late, early])["a negation"] == [True, True]  # read whole, both are negated


def test_cut_is_at_whitespace_and_leaves_short_texts_alone() -> None:
    assert cut_text("short text", 100) == "short text"
    assert cut_text("abc defgh ij", 5) == "abc defgh"  # the word under the cut is kept whole
    assert len(cut_text("a" * 10_000, 100)) == 100  # no whitespace near the cut: a hard cut


def test_normal_texts_give_the_same_slices_as_unbounded_reading() -> None:
    rng = np.random.default_rng(0)
    vocab = ("i feel so happy really not sad never angry im feeling wonder if why do you "
             "he she john muslim american soooo !! ? the a and but").split()
    texts = [" ".join(rng.choice(vocab, size=int(rng.integers(1, 60)))) for _ in range(400)]
    assert _masks(texts) == _masks(texts, max_chars=10**9)


def test_a_huge_text_is_discovered_in_bounded_time() -> None:
    normal = [f"i feel {w} today" for w in ("happy", "sad", "not good", "so angry")] * 40
    huge = "i really feel " + "very " * 10_000_000  # 50 MB
    gold = [i % 6 for i in range(len(normal) + 1)]
    probs = np.eye(6)[gold]
    ids, labels = [str(i) for i in range(len(gold))], [str(k) for k in range(6)]
    started = time.perf_counter()
    section = discover_slices(ids, normal + [huge], gold, probs, labels, max_length=512)
    assert time.perf_counter() - started < 20  # read whole, the text took about two minutes
    head = cut_text(huge, 512 * CHARS_PER_TOKEN)
    assert len(head) < 512 * CHARS_PER_TOKEN + 10
    assert section == discover_slices(ids, normal + [head], gold, probs, labels, max_length=512)
