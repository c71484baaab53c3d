"""Candidate slices: the splits of a split's texts by one text property that :mod:`audit.slices` tests.

Every *candidate* splits the labelled texts of the evaluated split in two by one text property:

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
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

import numpy as np

from .disaggregation import MIN_GROUP_SIZE
from .generators.identity import NameBook, TermTable, Tokens
from .generators.lexicon import (FEEL_VERBS, LINK_WORDS, MODALS, PRIMARY_AUXILIARIES, SUBJECT_PRONOUNS, WH_WORDS,
                                 has_negation)
from .generators.short import writer_feels
from .model import CHARS_PER_TOKEN, cut_text
from .resources import resource_dir
from .suite import discover, load_yaml_mapping

#: Both sides of a candidate need this many labelled texts to be tested (as groups in the bias audit).
MIN_SLICE = MIN_GROUP_SIZE
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
