"""Rule-based dialect rewrites for lowercase, apostrophe-free English.

Every rule is a small :class:`~audit.generators.base.Perturbation` (a :class:`TokenRule`) that
returns ``None`` where its structure is not matched: rules are never forced. Every rule also says
whether a text *already* shows its feature (:meth:`TokenRule.shows`), which measures how much of a
variety a training set holds. Closed-class words (pronouns, auxiliaries, clause boundaries) are
part of the rules' logic; open-class lists (verb forms, adverbs, cue phrases, slang, spelling
exclusions) are passed in from the files under ``suites/data``.

The rules are grouped by what they change, one module each:

- :mod:`.text`: how a text is read (split contractions kept whole, fused spellings, clause
  shapes) and the shared rewriting loop; :mod:`.verbs`: subject + auxiliary and verb forms;
- :mod:`.rule`: the :class:`TokenRule` base and the register gates;
- :mod:`.negation`: ain't, invariant don't, negative concord;
- :mod:`.aspect`: completive done, habitual be, finna, stative progressives, perfect already;
- :mod:`.syntax`: zero copula, zero third person -s, existential got, zero article, inverted
  indirect questions;
- :mod:`.discourse`: clause-final tags and particles, degree words;
- :mod:`.lexical`: British spelling, internet abbreviations.
"""
from __future__ import annotations

from .aspect import AlreadyPerfect, CompletiveDone, Finna, HabitualBe, StativeProgressive
from .discourse import ClauseFinalTag, DegreeWord, first_person_present
from .lexical import Abbreviation, BritishSpelling
from .negation import AintBe, AintHave, InvariantDont, NegativeConcord
from .rule import InformalGate, RegisterGate, TokenRule
from .syntax import ExistentialGot, InvertedIndirectQuestion, ZeroArticle, ZeroCopula, ZeroThirdPerson
from .text import ends_clause, fuse, is_question, short_main_clause, tokenize, words_of
from .verbs import VerbForms, VerbTable

__all__ = [
    "Abbreviation", "AintBe", "AintHave", "AlreadyPerfect", "BritishSpelling", "ClauseFinalTag", "CompletiveDone",
    "DegreeWord", "ExistentialGot", "Finna", "HabitualBe", "InformalGate", "InvariantDont", "InvertedIndirectQuestion",
    "NegativeConcord", "RegisterGate", "StativeProgressive", "TokenRule", "VerbForms", "VerbTable", "ZeroArticle",
    "ZeroCopula", "ZeroThirdPerson", "ends_clause", "first_person_present", "fuse", "is_question",
    "short_main_clause", "tokenize", "words_of",
]
