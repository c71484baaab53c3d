"""Discovered slices: where the model is significantly worse than on the rest of the split.

The suites test what the user asked about; this looks for what nobody asked about. Every
*candidate* splits the labelled texts of the evaluated split in two by one text property:

- ``length``: word count buckets (1-9, 10-19, 20-29, 30 or more words);
- ``negation``: a negation word, fused, misspelt or split (:func:`~audit.generators.lexicon.has_negation`);
- ``intensifier``: an amplifier (:data:`INTENSIFIERS`; "so" only before a word that is not a
  subject or determiner, so "so happy" counts and "so i left" does not);
- ``question``: a "?", a text opening with a wh-word or an inverted auxiliary ("do you ..."), or an
  indirect question ("i wonder if", "i asked myself why");
- ``elongation``: a letter written three or more times in a row ("soooo"; not in links), or a
  repeated "!" or "?";
- ``feeling verb``: a first-person feeling verb, "i feel", "im feeling", "it makes me feel"
  (the short suite's :func:`~audit.generators.short.writer_feels`), or none;
- ``identity``: a gendered word (male or female side), a first name, a religion or a nationality
  term, from the identity suite's own data files and matchers;
- ``word``: every word in at least :data:`MIN_SLICE` texts.

Each text's properties are read from its first ``max_length * CHARS_PER_TOKEN`` characters (cut
at whitespace, :func:`audit.model.cut_text`): at least everything the model reads of it under
``--max-length``, and a bound on the work a huge text costs (a 50 MB text is read as 16 KB).

A candidate is tested when both sides hold at least :data:`MIN_SLICE` labelled texts (smaller
ones are counted, not tested) and it is not the same split as an earlier candidate. Each test
compares accuracy on the two sides with Fisher's exact test (two-sided, ``scipy.stats.fisher_exact``
on the 2x2 table of side x correct); the p-values of all tested candidates are adjusted with
Benjamini-Hochberg (:func:`audit.stats.benjamini_hochberg`), and a candidate is significant when
its adjusted p-value is below :data:`~audit.metrics.ALPHA` (a false-discovery rate of 5%: among
the slices reported, about one in twenty may be a false lead). For each significant candidate the
*worse* side is reported as the slice: its accuracy (Wilson 95%) and macro F1 (percentile
bootstrap 95%) against the rest, the accuracy difference, and the misclassified texts the model
was most confident about. Slices are ordered by effect, the largest accuracy drop first.

Section shape (``results.json`` ``slices``)::

    {"method": "...", "min_size": 30,
     "correction": {"method": "benjamini-hochberg", "alpha": 0.05, "n_tests": 170},
     "n_candidates": 190, "n_tested": 170, "n_too_small": 18, "n_duplicate": 2, "n_significant": 3,
     "tested": [{"family", "name", "complement", "n", "n_complement", "accuracy": {rate},
                 "complement_accuracy": {rate}, "difference", "p_value", "p_adjusted", "significant"}],
     "significant": [{"family", "name", "rest", "n", "accuracy": {rate}, "macro_f1": {score},
                      "rest_n", "rest_accuracy": {rate}, "rest_macro_f1": {score}, "difference",
                      "p_value", "p_adjusted", "examples": [{"id", "label", "pred", "confidence"}]}],
     "worst": {"name", "accuracy": {rate}} or null}      # the significant slice of lowest accuracy
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .bias import MIN_GROUP_SIZE
from .generators.identity import NameBook, TermTable, Tokens
from .generators.lexicon import (FEEL_VERBS, LINK_WORDS, MODALS, PRIMARY_AUXILIARIES, SUBJECT_PRONOUNS, WH_WORDS,
                                 has_negation)
from .generators.short import writer_feels
from .metrics import ALPHA, classification_metrics, rate_with_ci
from .model import CHARS_PER_TOKEN, cut_text
from .resources import resource_dir
from .stats import benjamini_hochberg
from .suite import discover, load_yaml_mapping

#: Both sides of a candidate need this many labelled texts to be tested (as groups in the bias audit).
MIN_SLICE = MIN_GROUP_SIZE
#: Misclassified texts kept per significant slice (the most confident errors).
N_EXAMPLES = 3
#: Word-count buckets: (lowest, highest or None) words.
LENGTH_BUCKETS = ((1, 9), (10, 19), (20, 29), (30, None))
#: Amplifiers: the boosters and maximizers of Quirk et al. (1985, A Comprehensive Grammar of the
#: English Language, 8.104-8.109) that tweets use, with their elongated spellings.
INTENSIFIERS = frozenset(
    "very really extremely incredibly totally completely absolutely utterly super truly deeply "
    "highly terribly awfully seriously insanely ridiculously unbelievably immensely hugely "
    "tremendously exceedingly especially particularly thoroughly severely intensely damn freaking "
    "fucking bloody soo sooo soooo veryyy realy rly".split())
#: "so" is an amplifier except before these, where it opens a clause ("so i left", "so the bus").
SO_CLAUSE_OPENERS = frozenset(
    "i im ive id ill we you he she they it its that this there the a an my our your his her their "
    "what when if and but then now yeah ya".split())
#: Openers of a direct question: a wh-word, or an auxiliary inverted before a subject ("might"
#: and "must" are left out: "might i", "must you" are formal and rare in posts).
QUESTION_AUXILIARIES = PRIMARY_AUXILIARIES | MODALS - {"might", "must"}
QUESTION_SUBJECTS = SUBJECT_PRONOUNS | frozenset("there this that anyone anybody someone somebody".split())
#: Indirect questions: "wonder(ing) if", "asked myself why".
_INDIRECT = re.compile(r"\b(?:wonder|wonders|wondered|wondering|ask|asks|asked|asking)\s+"
                       r"(?:myself\s+|yourself\s+|himself\s+|herself\s+|themselves\s+)?"
                       r"(?:if|whether|why|what|how|who|where|when)\b")
_ELONGATED = re.compile(r"([a-z])\1\1")
_REPEATED_MARK = re.compile(r"[!?]{2,}")
_LINK_WORDS = LINK_WORDS | {"com"}


# --------------------------------------------------------------------------- text properties

def words(text: str) -> tuple[str, ...]:
    """The lowercase words of a text, as the identity suite reads them (runs of letters, so
    "don't" and "i'm" become "don t" and "i m", the split forms the negation and feeling-clause
    matchers know)."""
    return Tokens.of(text).words


def bucket_name(low: int, high: int | None) -> str:
    """``"1-9 words"``, or ``"30+ words"`` for the open last bucket."""
    return f"{low}+ words" if high is None else f"{low}-{high} words"


def length_bucket(tokens: Sequence[str]) -> str:
    """The word-count bucket of a text (:data:`LENGTH_BUCKETS`)."""
    return next(bucket_name(low, high) for low, high in LENGTH_BUCKETS if high is None or len(tokens) <= high)


def has_intensifier(tokens: Sequence[str]) -> bool:
    """An amplifier, or "so" before a word that does not open a clause ("so happy", "so much")."""
    return any(t in INTENSIFIERS or (t == "so" and k + 1 < len(tokens) and tokens[k + 1] not in SO_CLAUSE_OPENERS)
               for k, t in enumerate(tokens))


def is_question(text: str, tokens: Sequence[str]) -> bool:
    """A direct question ("?", a wh-word or an inverted auxiliary first) or an indirect one."""
    if "?" in text or (tokens and tokens[0] in WH_WORDS):
        return True
    if len(tokens) > 1 and tokens[0] in QUESTION_AUXILIARIES and tokens[1] in QUESTION_SUBJECTS:
        return True
    return _INDIRECT.search(" ".join(tokens)) is not None


def is_elongated(text: str, tokens: Sequence[str]) -> bool:
    """A letter three times in a row in a word that is not part of a link, or "!!" / "??"."""
    return _REPEATED_MARK.search(text) is not None or any(
        _ELONGATED.search(t) and not any(part in t for part in _LINK_WORDS) for t in tokens)


def has_feeling_verb(tokens: Sequence[str]) -> bool:
    """A form of "feel" whose subject is the writer ("i feel", "im feeling", "makes me feel")."""
    return any(t in FEEL_VERBS and writer_feels(tokens, k) for k, t in enumerate(tokens))


@dataclass(frozen=True)
class IdentityTerms:
    """The identity suite's recognisers: gendered words per side, first names, and the religion
    and nationality term tables."""

    male: frozenset[str]
    female: frozenset[str]
    names: NameBook
    tables: tuple[TermTable, ...]

    def tests(self) -> list[tuple[str, Callable[[Sequence[str]], bool]]]:
        """``(what is mentioned, test on a text's words)`` for each identity slice."""
        out: list[tuple[str, Callable[[Sequence[str]], bool]]] = [
            ("a male gendered word", lambda ws: any(w in self.male for w in ws)),
            ("a female gendered word", lambda ws: any(w in self.female for w in ws)),
            ("a first name", lambda ws: any(self.names.group_of(w) is not None for w in ws))]
        out += [(f"a {table.attribute} term", lambda ws, table=table: bool(table.terms(ws))) for table in self.tables]
        return out


@lru_cache(maxsize=1)
def identity_terms() -> IdentityTerms | None:
    """The built-in identity suite's word lists (``identity_gender.yaml`` pairs, names, groups),
    read with its own classes; None when no built-in suite uses the identity generator."""
    spec = next((s for s in discover([resource_dir("suites")]).values() if s.generator == "identity"), None)
    if spec is None:
        return None

    def read(param: str) -> dict[str, Any]:
        return load_yaml_mapping(spec.data_dir / spec.params[param])

    pairs = read("gender_words")["pairs"]
    return IdentityTerms(male=frozenset(p[0] for p in pairs), female=frozenset(p[1] for p in pairs),
                         names=NameBook(read("names")),
                         tables=tuple(TermTable(attribute, raw) for attribute, raw in read("groups").items()))


# --------------------------------------------------------------------------- candidates

@dataclass(frozen=True)
class Candidate:
    """One split of the texts: ``mask`` marks the side called ``name``; the other side is
    ``complement``."""

    family: str
    name: str
    complement: str
    mask: np.ndarray


def _binary(family: str, name: str, complement: str, test: Callable[[int], bool], n: int) -> Candidate:
    """The candidate whose side ``name`` holds the rows ``0 .. n-1`` that pass ``test``."""
    return Candidate(family, name, complement, np.array([test(i) for i in range(n)], dtype=bool))


def candidates(texts: Sequence[str], min_size: int = MIN_SLICE,
               max_chars: int = 512 * CHARS_PER_TOKEN) -> list[Candidate]:
    """Every candidate split of ``texts`` (see the module docstring), sizes not yet checked; each
    text is read up to about ``max_chars`` characters."""
    texts = [cut_text(t, max_chars) for t in texts]
    tokens = [words(t) for t in texts]
    n = len(texts)
    buckets = [length_bucket(t) for t in tokens]
    out = [Candidate("length", name, f"not {name}", np.array([b == name for b in buckets], dtype=bool))
           for name in (bucket_name(low, high) for low, high in LENGTH_BUCKETS)]
    out += [
        _binary("negation", "a negation", "no negation", lambda i: has_negation(tokens[i]), n),
        _binary("intensifier", "an intensifier", "no intensifier", lambda i: has_intensifier(tokens[i]), n),
        _binary("question", "a question", "not a question", lambda i: is_question(texts[i], tokens[i]), n),
        _binary("elongation", "elongated words or repeated marks", "no elongation",
                lambda i: is_elongated(texts[i], tokens[i]), n),
        _binary("feeling verb", "a first-person feeling verb", "no first-person feeling verb",
                lambda i: has_feeling_verb(tokens[i]), n),
    ]
    terms = identity_terms()
    for what, test in terms.tests() if terms is not None else ():
        out.append(_binary("identity", f"mentions {what}", f"does not mention {what}", lambda i: test(tokens[i]), n))
    rows_of: dict[str, list[int]] = {}
    for i, t in enumerate(tokens):
        for word in set(t):
            rows_of.setdefault(word, []).append(i)
    for word in sorted(w for w, rows in rows_of.items() if len(rows) >= min_size):
        mask = np.zeros(n, dtype=bool)
        mask[rows_of[word]] = True
        out.append(Candidate("word", f"contains '{word}'", f"without '{word}'", mask))
    return out


# --------------------------------------------------------------------------- tests

def fisher_p(correct_a: int, n_a: int, correct_b: int, n_b: int) -> float:
    """Two-sided Fisher exact test of equal accuracy on two disjoint sets of texts."""
    from scipy import stats  # imported where used: scipy loads only when a test runs

    table = [[correct_a, n_a - correct_a], [correct_b, n_b - correct_b]]
    return float(stats.fisher_exact(table, alternative="two-sided").pvalue)


def _examples(rows: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, probs: np.ndarray,
              ids: Sequence[str], labels: Sequence[str]) -> list[dict[str, Any]]:
    """The misclassified texts among ``rows`` the model was most confident about."""
    wrong = [i for i in rows if y_true[i] != y_pred[i]]
    wrong.sort(key=lambda i: (-float(probs[i].max()), i))
    return [{"id": ids[i], "label": labels[y_true[i]], "pred": labels[y_pred[i]], "confidence": float(probs[i].max())}
            for i in wrong[:N_EXAMPLES]]


def discover_slices(ids: Sequence[str], texts: Sequence[str], gold: Sequence[int | None], probs: np.ndarray,
                    labels: Sequence[str], *, seed: int = 0, n_resamples: int = 1000,
                    min_size: int = MIN_SLICE, alpha: float = ALPHA, max_length: int = 512) -> dict[str, Any]:
    """The ``slices`` section: ``gold`` class indices into ``labels`` (None: unlabelled, left
    out), ``probs`` the model's probabilities, rows in the order of ``ids`` and ``texts``;
    ``max_length`` is the model's token limit, which bounds how much of each text is read."""
    rows = np.array([i for i, g in enumerate(gold) if g is not None], dtype=np.int64)
    ids = [ids[i] for i in rows]
    y_true = np.array([gold[i] for i in rows], dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)[rows] if len(rows) else np.zeros((0, len(labels)))
    y_pred = p.argmax(axis=1) if len(rows) else np.zeros(0, dtype=np.int64)
    correct = y_true == y_pred
    found = candidates([texts[i] for i in rows], min_size, max_length * CHARS_PER_TOKEN)
    tested, seen = [], set()
    n_small = n_duplicate = 0
    for c in found:
        size = int(c.mask.sum())
        if min(size, len(rows) - size) < min_size:
            n_small += 1
            continue
        key = min(c.mask.tobytes(), (~c.mask).tobytes())
        if key in seen:
            n_duplicate += 1
            continue
        seen.add(key)
        tested.append((c, _side_test(c, correct)))
    adjusted = benjamini_hochberg([t["p_value"] for _, t in tested])
    for (_, t), q in zip(tested, adjusted):
        t["p_adjusted"] = q
        t["significant"] = q < alpha
    significant = [_slice(c, t, y_true, y_pred, p, ids, labels, seed, n_resamples)
                   for c, t in tested if t["significant"]]
    significant.sort(key=lambda s: (s["difference"], s["name"]))
    worst = min(significant, key=lambda s: (s["accuracy"]["value"], s["name"]), default=None)
    return {
        "method": ("candidate slices from text properties and frequent words; accuracy on each side "
                   "compared with Fisher's exact test (two-sided); Benjamini-Hochberg across all tested "
                   "candidates; the worse side of each significant candidate is reported"),
        "min_size": min_size,
        "correction": {"method": "benjamini-hochberg", "alpha": alpha, "n_tests": len(tested)},
        "n_candidates": len(found), "n_tested": len(tested), "n_too_small": n_small,
        "n_duplicate": n_duplicate, "n_significant": len(significant),
        "tested": [t for _, t in tested],
        "significant": significant,
        "worst": {"name": worst["name"], "accuracy": worst["accuracy"]} if worst else None,
    }


def _side_test(c: Candidate, correct: np.ndarray) -> dict[str, Any]:
    """Accuracy of both sides of a candidate, their difference and Fisher's p-value."""
    inside, outside = correct[c.mask], correct[~c.mask]
    a = rate_with_ci(int(inside.sum()), len(inside))
    b = rate_with_ci(int(outside.sum()), len(outside))
    return {"family": c.family, "name": c.name, "complement": c.complement, "n": len(inside),
            "n_complement": len(outside), "accuracy": a, "complement_accuracy": b,
            "difference": a["value"] - b["value"],
            "p_value": fisher_p(a["successes"], a["n"], b["successes"], b["n"])}


def _slice(c: Candidate, t: Mapping[str, Any], y_true: np.ndarray, y_pred: np.ndarray, probs: np.ndarray,
           ids: Sequence[str], labels: Sequence[str], seed: int, n_resamples: int) -> dict[str, Any]:
    """The worse side of a significant candidate, with macro F1 intervals and examples."""
    worse = c.mask if t["difference"] <= 0 else ~c.mask
    name, rest = (c.name, c.complement) if t["difference"] <= 0 else (c.complement, c.name)

    def scores(mask: np.ndarray) -> dict[str, Any]:
        return classification_metrics(y_true[mask], y_pred[mask], labels, n_resamples=n_resamples, seed=seed)

    inside, outside = scores(worse), scores(~worse)
    accuracy = rate_with_ci(int((y_true[worse] == y_pred[worse]).sum()), int(worse.sum()))
    rest_accuracy = rate_with_ci(int((y_true[~worse] == y_pred[~worse]).sum()), int((~worse).sum()))
    return {"family": c.family, "name": name, "rest": rest, "n": accuracy["n"], "accuracy": accuracy,
            "macro_f1": inside["macro_f1"], "rest_n": rest_accuracy["n"], "rest_accuracy": rest_accuracy,
            "rest_macro_f1": outside["macro_f1"], "difference": accuracy["value"] - rest_accuracy["value"],
            "p_value": t["p_value"], "p_adjusted": t["p_adjusted"],
            "examples": _examples(np.flatnonzero(worse), y_true, y_pred, probs, ids, labels)}


# --------------------------------------------------------------------------- report

def view(section: Mapping[str, Any] | None, records: Sequence[Mapping[str, Any]] | None) -> dict[str, Any] | None:
    """What the report shows: the counts, the significant slices with their examples' texts
    (when the per-case ``records`` are available), and every tested candidate."""
    if section is None:
        return None
    texts = {r["id"]: r["text"] for r in records or () if r.get("suite") == "test"}
    return {
        **{k: section[k] for k in ("method", "min_size", "correction", "n_candidates", "n_tested", "n_too_small",
                                   "n_duplicate", "n_significant")},
        "significant": [{**s, "examples": [{**e, "text": texts.get(e["id"])} for e in s["examples"]]}
                        for s in section["significant"]],
        "tested": sorted(section["tested"], key=lambda t: (t["p_value"], t["name"])),
        "has_texts": bool(texts),
    }


def summary(section: Mapping[str, Any] | None) -> str | None:
    """One sentence for the limitations: the significantly worse slices, largest effect first."""
    if not section or not section["significant"]:
        return None
    listed = "; ".join(f"{s['name']} ({100 * s['accuracy']['value']:.1f}% vs {100 * s['rest_accuracy']['value']:.1f}%, "
                       f"n = {s['n']:,})" for s in section["significant"][:5])
    more = len(section["significant"]) - 5
    return (f"Of {section['n_tested']:,} candidate slices tested, {len(section['significant'])} are "
            f"significantly worse "
            f"than the rest of the split (Benjamini-Hochberg, FDR {section['correction']['alpha']:g}): {listed}"
            + (f"; and {more} more in the report" if more > 0 else "") + ".")


# --------------------------------------------------------------------------- validation

def check_section(section: Mapping[str, Any], where: tuple[Any, ...], labels: Sequence[str]) -> None:
    """Refuse a ``slices`` section the report and the gate could not trust (raises
    :class:`audit.validate.Invalid`): the documented keys and types, counts that match the lists,
    each difference equal to its accuracies', the Benjamini-Hochberg adjustment recomputed from
    the p-values, and ``worst`` the significant slice of lowest accuracy."""
    from .validate import Invalid, check_estimate, check_kind, field

    def close(stored: float, computed: float, at: tuple[Any, ...], source: str) -> None:
        if abs(stored - computed) > 1e-9:
            raise Invalid(at, f"is {stored!r} but {source} gives {computed!r}")

    def rate(node: Mapping[str, Any], at: tuple[Any, ...], key: str) -> float:
        check_estimate(field(node, at, key, "map"), at + (key,))
        return field(node[key], at + (key,), "value", "prob")

    field(section, where, "method", "str")
    field(section, where, "min_size", "count")
    correction = field(section, where, "correction", "map")
    alpha = field(correction, where + ("correction",), "alpha", "prob")
    for key in ("n_candidates", "n_tested", "n_too_small", "n_duplicate", "n_significant"):
        field(section, where, key, "count")
    tested = field(section, where, "tested", "list")
    significant = field(section, where, "significant", "list")
    for key, items, count in (("tested", tested, section["n_tested"]), ("significant", significant,
                                                                       section["n_significant"])):
        if len(items) != count:
            raise Invalid(where + (key,), f"holds {len(items)} entries but n_{key} is {count}")
    if field(correction, where + ("correction",), "n_tests", "count") != len(tested):
        raise Invalid(where + ("correction", "n_tests"), f"must equal the {len(tested)} tested candidates")
    for i, t in enumerate(tested):
        at = where + ("tested", i)
        check_kind(t, "map", at)
        for key in ("family", "name", "complement"):
            field(t, at, key, "str")
        close(field(t, at, "difference", "num"), rate(t, at, "accuracy") - rate(t, at, "complement_accuracy"),
              at + ("difference",), "the two accuracies")
        field(t, at, "p_value", "prob")
        field(t, at, "p_adjusted", "prob")
        field(t, at, "significant", "bool")
    for i, q in enumerate(benjamini_hochberg([t["p_value"] for t in tested])):
        at = where + ("tested", i)
        close(tested[i]["p_adjusted"], q, at + ("p_adjusted",), "Benjamini-Hochberg over the p-values")
        if tested[i]["significant"] != (q < alpha):
            raise Invalid(at + ("significant",), f"must be {q < alpha} (adjusted p {q:.3g}, alpha {alpha:g})")
    if len(significant) != sum(t["significant"] for t in tested):
        raise Invalid(where + ("significant",), "must hold one slice per significant tested candidate")
    for i, s in enumerate(significant):
        at = where + ("significant", i)
        check_kind(s, "map", at)
        for key in ("family", "name", "rest"):
            field(s, at, key, "str")
        close(field(s, at, "difference", "num"), rate(s, at, "accuracy") - rate(s, at, "rest_accuracy"),
              at + ("difference",), "the two accuracies")
        for key in ("macro_f1", "rest_macro_f1"):
            check_estimate(field(s, at, key, "map"), at + (key,))
        for key in ("p_value", "p_adjusted"):
            field(s, at, key, "prob")
        for j, example in enumerate(field(s, at, "examples", "list")):
            ex = at + ("examples", j)
            check_kind(example, "map", ex)
            field(example, ex, "id", "str")
            field(example, ex, "confidence", "prob")
            for key in ("label", "pred"):
                if field(example, ex, key, "str") not in labels:
                    raise Invalid(ex + (key,), f"{example[key]!r} is not one of model.labels")
    worst = field(section, where, "worst", "map", nullable=True)
    lowest = min(significant, key=lambda s: (s["accuracy"]["value"], s["name"]), default=None)
    if (worst is None) != (lowest is None) or (worst is not None and (
            field(worst, where + ("worst",), "name", "str") != lowest["name"]
            or rate(worst, where + ("worst",), "accuracy") != lowest["accuracy"]["value"])):
        raise Invalid(where + ("worst",), "must be the significant slice of lowest accuracy (or null when none)")
