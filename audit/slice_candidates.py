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

import hashlib
import re
from array import array
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

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
    return bucket_name(*LENGTH_BUCKETS[bucket_index(len(tokens))])


def bucket_index(n_words: int) -> int:
    """Index into :data:`LENGTH_BUCKETS` of a text of ``n_words`` words."""
    return next(b for b, (_, high) in enumerate(LENGTH_BUCKETS) if high is None or n_words <= high)


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
    """One split of ``n`` texts in two: ``rows`` (ascending indices) is the side called ``name``;
    the other side is ``complement``. Held as indices, not as a mask of all ``n`` texts: a large
    split has thousands of frequent-word candidates, each holding only the texts with its word."""

    family: str
    name: str
    complement: str
    rows: np.ndarray
    n: int

    @property
    def size(self) -> int:
        """Texts on the ``name`` side."""
        return len(self.rows)

    @property
    def mask(self) -> np.ndarray:
        """The ``name`` side as a boolean mask of the ``n`` texts."""
        mask = np.zeros(self.n, dtype=bool)
        mask[self.rows] = True
        return mask

    def partition_key(self) -> bytes:
        """sha256 of the side without text 0: equal for two candidates exactly when they split the
        texts the same way, whichever side each calls its ``name``."""
        side = self.rows
        if self.size and self.rows[0] == 0:
            side = np.setdiff1d(np.arange(self.n), self.rows, assume_unique=True)
        return hashlib.sha256(np.asarray(side, dtype=np.int64).tobytes()).digest()


#: ``text, words -> bool``: a text property that splits the texts in two.
Property = Callable[[str, Sequence[str]], bool]


def properties() -> list[tuple[str, str, str, Property]]:
    """``(family, name, complement, test)`` of every yes/no text property, in the order tested."""
    out: list[tuple[str, str, str, Property]] = [
        ("negation", "a negation", "no negation", lambda text, ws: has_negation(ws)),
        ("intensifier", "an intensifier", "no intensifier", lambda text, ws: has_intensifier(ws)),
        ("question", "a question", "not a question", is_question),
        ("elongation", "elongated words or repeated marks", "no elongation", is_elongated),
        ("feeling verb", "a first-person feeling verb", "no first-person feeling verb",
         lambda text, ws: has_feeling_verb(ws)),
    ]
    terms = identity_terms()
    for what, test in terms.tests() if terms is not None else ():
        out.append(("identity", f"mentions {what}", f"does not mention {what}", lambda text, ws, test=test: test(ws)))
    return out


def candidates(texts: Sequence[str], min_size: int = MIN_SLICE,
               max_chars: int = 512 * CHARS_PER_TOKEN) -> list[Candidate]:
    """Every candidate split of ``texts`` (see the module docstring), sizes not yet checked; each
    text is read up to about ``max_chars`` characters.

    One pass over the texts keeps, per text, its length bucket, one bit per property and the ids of
    its distinct words (4 bytes each): memory grows with the words of the texts, not with the
    number of candidates times the number of texts."""
    n = len(texts)
    tests = properties()
    buckets = np.zeros(n, dtype=np.int8)
    flags = np.zeros((len(tests), n), dtype=bool)
    vocabulary: dict[str, int] = {}
    word_ids, text_ids = array("i"), array("i")  # one entry per (text, distinct word), texts in order
    for i, text in enumerate(texts):
        text = cut_text(text, max_chars)
        tokens = words(text)
        buckets[i] = bucket_index(len(tokens))
        for k, (_, _, _, test) in enumerate(tests):
            flags[k, i] = test(text, tokens)
        for word in set(tokens):
            word_ids.append(vocabulary.setdefault(word, len(vocabulary)))
            text_ids.append(i)
    out = [Candidate("length", name, f"not {name}", np.flatnonzero(buckets == b), n)
           for b, name in enumerate(bucket_name(low, high) for low, high in LENGTH_BUCKETS)]
    out += [Candidate(family, name, complement, np.flatnonzero(flags[k]), n)
            for k, (family, name, complement, _) in enumerate(tests)]
    return out + _word_candidates(vocabulary, np.frombuffer(word_ids, dtype=np.int32),
                                  np.frombuffer(text_ids, dtype=np.int32), n, min_size)


def _word_candidates(vocabulary: Mapping[str, int], word_ids: np.ndarray, text_ids: np.ndarray, n: int,
                     min_size: int) -> list[Candidate]:
    """One candidate per word in at least ``min_size`` texts, in alphabetical order; ``word_ids``
    and ``text_ids`` pair each text (ascending) with each of its distinct words."""
    counts = np.bincount(word_ids, minlength=len(vocabulary))
    order = np.argsort(word_ids, kind="stable")  # stable: each word's texts stay ascending
    starts = np.concatenate([[0], np.cumsum(counts)])
    frequent = sorted(word for word, w in vocabulary.items() if counts[w] >= min_size)
    return [Candidate("word", f"contains '{word}'", f"without '{word}'",
                      text_ids[order[starts[w]:starts[w + 1]]].astype(np.int64), n)
            for word, w in ((word, vocabulary[word]) for word in frequent)]
