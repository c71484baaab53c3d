"""Robustness suite (INV): surface noise that must not change the predicted emotion.

Each rule rewrites a test-split text the way real posts differ from clean ones, without touching
what it says, so the case keeps the source's gold label and must be predicted as the source was:

- ``keyboard_typo_<n>``: in up to ``n`` words, one letter replaced by a QWERTY neighbour
  ("feel" -> "fewl");
- ``char_swap``: two adjacent, different letters of one word swapped ("feel" -> "fele");
- ``case_upper`` / ``case_title``: the whole text upper-cased, or every word capitalised;
- ``punct_<name>``: a sentence-final mark appended to a text that ends in a word (".", "!",
  "!!!"); marks that change what the text does ("?" asks instead of states) or can add a feeling
  ("..." trails off in hesitation or sadness) are not used;
- ``emoji``: one emoji of an everyday object, with no emotion or attitude, appended after a space.

The typo rules never touch an emotion word (the lexicon's class words and its ``mixed`` words) or
a negation, and a typo that turns another word into one ("dad" -> "sad", "did" -> "dint") is
skipped (counted in ``n_skipped``): it would change, not blur, what the text says.

Words are runs of at least :data:`MIN_WORD_LETTERS` ASCII letters; everything else in the text
(spacing, digits, other characters) is left as it was. The marks and emoji are read from the data
file ``params.marks``. With ``params.sample_size`` the rules run on a sample of the split: the
texts whose seeded hash of their id ranks lowest (the same sample for every rule), so removing or
adding one data row changes the sample by at most that row.
"""
from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence


from ..errors import AuditError
from ..metrics import rate_with_ci
from ..suite import Expectation, GeneratedSuite, SourceData, SuiteContext, load_yaml_mapping
from .base import Perturbation, Perturbed, derive_cases
from .lexicon import NEGATION_WORDS, has_negation, load_lexicon, load_mixed_words

#: Letter rows of a QWERTY keyboard, top to bottom; each row sits about half a key right of the
#: one above, so a key touches keys ``c`` and ``c + 1`` above it and ``c - 1`` and ``c`` below.
QWERTY_ROWS: tuple[str, ...] = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
#: Words shorter than this are left alone by the typo rules ("i", "am", "so": a typo there makes
#: another word rather than noise).
MIN_WORD_LETTERS = 3

_WORD_RE = re.compile(rf"[A-Za-z]{{{MIN_WORD_LETTERS},}}")
_WORD_START_RE = re.compile(r"\b[a-z]")


def qwerty_neighbours() -> dict[str, str]:
    """For each lowercase letter, the letters of the keys that touch it on a QWERTY keyboard."""
    out: dict[str, str] = {}
    for r, row in enumerate(QWERTY_ROWS):
        for c, key in enumerate(row):
            near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            if r > 0:
                near += [QWERTY_ROWS[r - 1][i] for i in (c, c + 1) if i < len(QWERTY_ROWS[r - 1])]
            if r + 1 < len(QWERTY_ROWS):
                near += [QWERTY_ROWS[r + 1][i] for i in (c - 1, c) if 0 <= i < len(QWERTY_ROWS[r + 1])]
            out[key] = "".join(near)
    return out


NEIGHBOURS: dict[str, str] = qwerty_neighbours()


def word_spans(text: str, protected: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """``(start, end)`` of every word the typo rules may touch: long enough, and not one of the
    ``protected`` words (compared in lower case)."""
    return [m.span() for m in _WORD_RE.finditer(text) if m.group().lower() not in protected]


def letter_words(text: str) -> list[str]:
    """The runs of letters of ``text``, lower-cased, in order (punctuation and emoji dropped)."""
    return re.findall(r"[a-z]+", text.lower())


def keeps_protected_words(source: str, new: str, protected: frozenset[str]) -> bool:
    """Whether ``new`` holds the same ``protected`` words as ``source`` and is negated exactly
    when it is: a typo that makes an emotion word or a negation ("dad" -> "sad", "did" -> "dint")
    changes what the text says."""
    before, after = letter_words(source), letter_words(new)
    return ([w for w in before if w in protected] == [w for w in after if w in protected]
            and has_negation(before) == has_negation(after))


class KeyboardTypo(Perturbation):
    """In up to ``n_words`` distinct words, replace one letter by a neighbouring key's letter.
    Words in ``protected`` are never chosen."""

    meta = {"family": "typo"}

    def __init__(self, n_words: int, protected: frozenset[str] = frozenset()) -> None:
        if n_words < 1:
            raise AuditError(f"keyboard typo: n_words must be at least 1, got {n_words}")
        self.n_words = n_words
        self.protected = protected
        self.name = f"keyboard_typo_{n_words}"

    def perturb(self, text: str, rng: random.Random) -> str | None:
        spans = word_spans(text, self.protected)
        if not spans:
            return None
        chars = list(text)
        for start, end in sorted(rng.sample(spans, min(self.n_words, len(spans)))):
            i = rng.randrange(start, end)
            typo = rng.choice(NEIGHBOURS[chars[i].lower()])
            chars[i] = typo.upper() if chars[i].isupper() else typo
        return "".join(chars)


class CharSwap(Perturbation):
    """Swap two adjacent, different letters inside one word that is not in ``protected``."""

    name = "char_swap"
    meta = {"family": "typo"}

    def __init__(self, protected: frozenset[str] = frozenset()) -> None:
        self.protected = protected

    def perturb(self, text: str, rng: random.Random) -> str | None:
        positions = [i for start, end in word_spans(text, self.protected)
                     for i in range(start, end - 1) if text[i] != text[i + 1]]
        if not positions:
            return None
        i = rng.choice(positions)
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def title_case(text: str) -> str:
    """Capitalise the first letter of every word, leaving the other characters as they are."""
    return _WORD_START_RE.sub(lambda m: m.group().upper(), text)


#: The casing rules: name -> rewrite.
CASINGS: dict[str, Callable[[str], str]] = {"upper": str.upper, "title": title_case}


class Casing(Perturbation):
    """Rewrite the text in another letter case (``upper`` or ``title``)."""

    meta = {"family": "casing"}

    def __init__(self, mode: str) -> None:
        if mode not in CASINGS:
            raise AuditError(f"casing: unknown mode {mode!r} (known: {', '.join(CASINGS)})")
        self.mode = mode
        self.name = f"case_{mode}"

    def perturb(self, text: str, rng: random.Random) -> str | None:
        return CASINGS[self.mode](text)


class AppendToken(Perturbation):
    """Append one of ``choices`` (drawn with ``rng``) to the text, after ``separator``.

    With ``after_word`` the token is appended only to a text that ends in a letter or digit: a
    mark after a text's own final mark ("?!!!", "..!") is not a clean rewrite.
    """

    def __init__(self, name: str, choices: Sequence[str], *, separator: str, family: str,
                 after_word: bool = False) -> None:
        if not choices:
            raise AuditError(f"rule {name!r}: nothing to append")
        self.name = name
        self.choices = tuple(choices)
        self.separator = separator
        self.after_word = after_word
        self.meta = {"family": family}

    def perturb(self, text: str, rng: random.Random) -> str | None:
        text = text.rstrip()
        if self.after_word and not text[-1:].isalnum():
            return None
        return text + self.separator + rng.choice(self.choices)


def load_marks(path: Path) -> tuple[dict[str, str], list[str]]:
    """Read the marks file: ``punctuation`` (rule name -> mark) and ``emoji`` (a list)."""
    raw = load_yaml_mapping(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("punctuation"), dict) \
            or not isinstance(raw.get("emoji"), list):
        raise AuditError(f"{path}: expected a 'punctuation' mapping and an 'emoji' list")
    return {str(k): str(v) for k, v in raw["punctuation"].items()}, [str(e) for e in raw["emoji"]]


def load_protected(path: Path) -> frozenset[str]:
    """Words a typo must neither touch nor make: every emotion word of the lexicon at ``path``
    (class words and ``mixed`` words) and every negation word."""
    class_words = frozenset().union(*(entry.cues for entry in load_lexicon(path).values()))
    return class_words | load_mixed_words(path) | NEGATION_WORDS


def build_rules(params: Mapping[str, Any], punctuation: Mapping[str, str], emoji: Sequence[str],
                protected: frozenset[str] = frozenset()) -> list[Perturbation]:
    """The suite's rules, in a fixed order, from its ``params``, its marks file and the words the
    typo rules leave alone."""
    rules: list[Perturbation] = [KeyboardTypo(int(n), protected)
                                 for n in params.get("typo_words", (1, 3))]
    rules.append(CharSwap(protected))
    rules += [Casing(mode) for mode in params.get("casing", tuple(CASINGS))]
    rules += [AppendToken(f"punct_{name}", (mark,), separator="", family="punctuation",
                          after_word=True)
              for name, mark in punctuation.items()]
    rules.append(AppendToken("emoji", emoji, separator=" ", family="emoji"))
    return rules


def sample_source(source: SourceData, size: int | None, rank: Callable[[str], float]) -> SourceData:
    """The ``size`` texts whose ``rank(source id)`` is lowest (kept in split order), or the whole
    split when ``size`` is None or not smaller than it.

    Ranking each id on its own (a seeded hash) rather than drawing positions makes the sample
    stable under edits: removing a row drops at most that row and lets in at most one other.
    """
    if size is None or size >= len(source.texts):
        return source
    order = sorted(range(len(source.ids)), key=lambda k: (rank(source.ids[k]), k))
    keep = sorted(order[:size])
    return SourceData(ids=[source.ids[i] for i in keep], texts=[source.texts[i] for i in keep],
                      labels=[source.labels[i] for i in keep])


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type | tuple[type, ...]] = {"marks": str, "lexicon": str,
                                              "sample_size": (int, type(None)),
                                              "typo_words": list, "casing": list}


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """Apply every rule to the (sampled) test split; every case expects the source's prediction,
    except typos that made an emotion word or a negation, which are skipped."""
    params = ctx.spec.params
    punctuation, emoji = load_marks(ctx.data_path(params["marks"]))
    protected = load_protected(ctx.data_path(params["lexicon"]))
    size = params.get("sample_size")
    source = sample_source(ctx.source, None if size is None else int(size),
                           lambda sid: ctx.rng("sample", sid).random())
    return derive_cases(ctx.spec.name, source, build_rules(params, punctuation, emoji, protected),
                        invariance(protected), ctx.seed, keep_label=True)


def invariance(protected: frozenset[str]) -> Callable[[Perturbation, str, str | None, Perturbed],
                                                      Expectation | None]:
    """The suite's expectation hook: INV, or None (skip) when the rewrite changed which
    ``protected`` words or negations the text holds (:func:`keeps_protected_words`)."""
    def expectation(rule: Perturbation, text: str, label: str | None,
                    result: Perturbed) -> Expectation | None:
        return Expectation("INV") if keeps_protected_words(text, result.text, protected) else None

    return expectation


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Robustness figures for ``results.json``.

    - ``by_family``: INV pass rate (prediction unchanged) per rule family, with a Wilson CI.
    - ``accuracy_by_rule``: per rule, accuracy on the source texts and on their perturbed
      versions (cases with a gold label), and the drop between them. A flip can also fix an
      error, so the drop is at most, not exactly, the flip rate.
    """
    families: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    rules: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in records:
        families[r["meta"]["family"]].append(r)
        if r["label"] is not None:
            rules[r["rule"]].append(r)
    accuracy = {}
    for rule, rows in rules.items():
        before = sum(r["source_pred"] == r["label"] for r in rows) / len(rows)
        after = sum(r["pred"] == r["label"] for r in rows) / len(rows)
        accuracy[rule] = {"n": len(rows), "source": before, "perturbed": after, "drop": before - after}
    return {
        "by_family": {family: rate_with_ci(sum(r["passed"] is True for r in rows),
                                           sum(r["passed"] is not None for r in rows))
                      for family, rows in families.items()},
        "accuracy_by_rule": accuracy,
    }
