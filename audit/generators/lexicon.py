"""The word lists and data-file readers that several rule families share, declared once.

Closed-class words (pronouns, auxiliaries, determiners, wh-words, negators, clause-linking
conjunctions, the forms of "feel") are used by the negation, short, dialect and identity
generators and by the discovered slices; a module that needs a narrower or wider set builds it
from these with set operations, so each word class is written down once. The per-class emotion
lexicon is read by :func:`load_lexicon`; :func:`read_tsv` reads every TSV data file of the suites
(a header line, ``#`` comment lines for provenance).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import AuditError
from ..suite import load_yaml_mapping

#: Personal pronouns in their subject form.
SUBJECT_PRONOUNS = frozenset("i you we they he she it".split())
#: Personal pronouns in their object form.
OBJECT_PRONOUNS = frozenset("me you him her it us them".split())
#: The writer as the subject of a clause: "i" and the fused "im" and "ive" ("im so sad", "ive been
#: feeling low"); not "id" ("i would": "id feel happy if ...").
WRITER_SUBJECTS = frozenset({"i", "im", "ive"})
#: Determiners that open a noun phrase: the articles, the demonstratives and the possessives.
DETERMINERS = frozenset("the a an my your his her their our this that these those".split())
#: Wh-words that open a question or a relative or embedded clause.
WH_WORDS = frozenset("what why how who whom whose which where".split())
#: The forms of "do", "be" and "have" that serve as auxiliaries.
PRIMARY_AUXILIARIES = frozenset("do does did am is are was were have has had".split())
#: The modal auxiliaries.
MODALS = frozenset("can could will would shall should may might must".split())
#: The fused negations of the common auxiliaries and modals, as the data spells them.
NEGATED_AUXILIARIES = frozenset(
    "dont doesnt didnt cant cannot wont wouldnt couldnt shouldnt isnt arent wasnt werent havent "
    "hasnt hadnt".split())
#: Sentential negators: "not", "never", "aint" and the fused negated auxiliaries and modals.
NEGATORS = NEGATED_AUXILIARIES | frozenset("not never aint mustnt neednt".split())
#: Words that negate what follows: the negators and the negative words (split forms such as
#: "don t" are caught by :func:`has_negation` through their "t" token).
NEGATION_WORDS = NEGATORS | frozenset(
    "no nothing nobody noone none nowhere neither nor without hardly barely scarcely".split())
#: Conjunctions that link clauses: the scope of a negation and a clause's predicate end here.
CONJUNCTIONS = frozenset(
    "and but because cause cuz or though although while when whenever since until unless if then "
    "after before whereas".split())
#: Forms of "feel".
FEEL_VERBS = frozenset("feel feels felt feeling feelin".split())
#: Words of a web link ("a href http www ...").
LINK_WORDS = frozenset("http https href www".split())
#: Web-page debris that scraped posts carry as words ("a href http ...", "br style color",
#: "rel bookmark permalink", "hellip"): text holding it is not a plain sentence.
MARKUP_WORDS = LINK_WORDS | frozenset("html br nbsp amp hellip rel permalink".split())
#: Misspelt fused negations, as posts write them: a negatable auxiliary (or a clipped spelling of
#: one, "di", "cud", "shud", "hav") run together with a garbled "nt"/"not" ("didint", "dint",
#: "dident", "donot", "doesent", "dosnt", "havnt", "dontt"), and "dnt", "dunno".
MISSPELT_NEGATOR = re.compile(
    r"^(?:do|does|dos|did|di|is|was|are|were|have|hav|has|had|could|cud|would|wud|should|shud"
    r"|must|need)(?:nt|int|ent|nnt|ntt|not|dnt)$|^(?:dnt|dunno)$")


def is_negation(tokens: Sequence[str], k: int) -> bool:
    """Whether ``tokens[k]`` negates: a negation word, a misspelt fused negation, or the "t" of a
    split one ("don t", "can t")."""
    t = tokens[k]
    return (t in NEGATION_WORDS or MISSPELT_NEGATOR.match(t) is not None
            or (t == "t" and k > 0 and tokens[k - 1].endswith("n")))


def has_negation(tokens: Sequence[str]) -> bool:
    """Whether the tokens hold a negation: fused ("dont"), misspelt ("didint", "dnt") or split
    ("don t", "can t")."""
    return any(is_negation(tokens, k) for k in range(len(tokens)))


@dataclass(frozen=True)
class ClassWords:
    """One class's lexicon entry: ``feel`` words fit "i feel <word>"; ``cues`` are all its cue words
    (the ``feel`` words included)."""

    feel: tuple[str, ...]
    cues: frozenset[str]


#: Reserved top-level key of a lexicon file, not a class: emotion words given no class ("love" is
#: also liking, "worried" is labelled sadness as often as fear, "furious" is too rare in the data
#: to check). They give no gold label, but a text that holds one carries an emotion the class
#: words do not settle.
MIXED_KEY = "mixed"


def _check_word(path: Path, word: object, where: str) -> None:
    """Refuse a lexicon entry that is not one lowercase word."""
    if not isinstance(word, str) or word != word.lower() or len(word.split()) != 1:
        raise AuditError(f"lexicon {path}: {word!r} under {where!r} is not one lowercase word")


def load_lexicon(path: Path) -> dict[str, ClassWords]:
    """Read a per-class cue-word YAML (``class: {feel: [...], cues: [...]}``) and validate it.

    Every word must be a single lowercase token and name exactly one class, because a word listed
    under two classes would make a minimal case with two contradicting gold labels. The top-level
    ``mixed`` list (:data:`MIXED_KEY`) is not a class: :func:`load_mixed_words` reads it.
    """
    raw = load_yaml_mapping(path)
    if not isinstance(raw, dict):
        raise AuditError(f"lexicon {path}: expected a mapping of class -> {{feel, cues}}")
    lexicon: dict[str, ClassWords] = {}
    owner: dict[str, str] = {}
    for label, entry in raw.items():
        if label == MIXED_KEY:
            continue
        if not isinstance(entry, dict) or set(entry) != {"feel", "cues"}:
            raise AuditError(f"lexicon {path}: class {label!r} needs exactly the keys "
                             "feel and cues")
        feel, extra = list(entry["feel"] or []), list(entry["cues"] or [])
        for word in feel + extra:
            _check_word(path, word, label)
            if owner.setdefault(word, label) != label:
                raise AuditError(f"lexicon {path}: {word!r} is listed under both "
                                 f"{owner[word]!r} and {label!r}")
        lexicon[str(label)] = ClassWords(tuple(feel), frozenset(feel + extra))
    return lexicon


def load_mixed_words(path: Path) -> frozenset[str]:
    """The lexicon file's ``mixed`` words (empty when it has none); none may also name a
    class."""
    words = load_yaml_mapping(path).get(MIXED_KEY) or []
    if not isinstance(words, list):
        raise AuditError(f"lexicon {path}: {MIXED_KEY!r} must be a list of words")
    classed = frozenset().union(*(entry.cues for entry in load_lexicon(path).values()))
    for word in words:
        _check_word(path, word, MIXED_KEY)
        if word in classed:
            raise AuditError(f"lexicon {path}: {word!r} is listed under {MIXED_KEY!r} and "
                             "under a class")
    return frozenset(words)


def read_tsv(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a tab-separated file whose first non-comment line names the columns.

    Lines starting with ``#`` are comments (provenance notes). Every column in ``required`` must be
    in the header and every row must have as many fields as the header; anything else is an
    :class:`AuditError` naming the file and line. Fields are stripped.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"{path}: cannot read: {exc}") from exc
    numbered = [(n, line) for n, line in enumerate(lines, start=1)
                if line.strip() and not line.startswith("#")]
    if not numbered:
        raise AuditError(f"{path}: no header line")
    header = [h.strip() for h in numbered[0][1].split("\t")]
    missing = [c for c in required if c not in header]
    if missing:
        raise AuditError(f"{path}:{numbered[0][0]}: header lacks column(s) {', '.join(missing)}")
    rows = []
    for n, line in numbered[1:]:
        fields = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
        if len(fields) != len(header):
            raise AuditError(f"{path}:{n}: expected {len(header)} tab-separated fields, "
                             f"got {len(fields)}")
        rows.append({h: f.strip() for h, f in zip(header, fields)})
    return rows
