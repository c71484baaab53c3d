"""Negation: does negating the speaker's feeling move the prediction away from the negated emotion?

Two suites use this module (``params.part``):

- ``derived`` (DIR): the first first-person *feeling clause* of each test text is negated by a
  rule in the data's style (lowercase, no apostrophes): "i feel" -> "i dont feel", "i felt" -> "i
  didnt feel", "i do/did/can feel" -> "i dont/didnt/cant feel", "im (feeling)" -> "im not
  (feeling)", "i am" -> "i am not", "i was" -> "i wasnt", "ive been" -> "i havent been", "made me
  feel" -> "didnt make me feel". A feeling clause is one whose complement is the emotion itself:
  an emotion adjective or participle (``lexicon`` class words, and the dataset's own emotion
  words in ``class_words``) right after the verb, the copula (optionally "feeling" or "getting")
  or "made me (feel)", with at most three degree words between. "feel" in its think/seem sense
  ("i feel like ...", "i feel that ...", "i feel i ...", "i feel it", "i feel as if", "i feel the
  need") has no such complement, so it is never negated. A text gives at most one case: the one
  rule of its first feeling clause. Split-apostrophe texts ("i m", "don t") get split negations;
  negative-polarity items after the negated verb are fixed (some -> any, already -> yet, a final
  too or as well -> either, a final again -> anymore).

  **Expectation.** The prediction must avoid the class of the negated emotion word: the
  lexicon's class, or for a word the lexicon does not class, every class the training data gives
  it ("stressed": sadness and anger). For a joy or love word it must avoid both
  (``positive_labels``): "i dont feel loved" is no more joy than "i dont feel happy" is love; the
  negation of either positive feeling is not the other one. Nothing else is asked: what a
  negated feeling *is* ("not happy" may be sad, angry or flat) is not settled by the text.

  **Skipped, never emitted** (no clean negation, or no clean expectation), each with its reason
  in :attr:`Clause.skip`:

  - ``negated already``: the first feeling clause is negated in the source ("i didnt feel
    humiliated"); ``negation in clause``: another negation stands in its clause;
  - embedded clauses are not candidates: after how, what, why, if, when, unless, or, than,
    that, ... ("i need a break or im feeling stressed"), in inverted questions ("how else can i
    feel"), under hypothetical or deontic modals ("i would/should feel");
  - ``degree``: a degree word that does not negate cleanly stands before the emotion word:
    minimizers ("i dont feel a little stunned": a bit, slightly, kind of, somewhat, pretty,
    quite, ...), maximizers whose negation leaves part of the emotion ("not completely safe",
    "not extremely happy"), comparatives (more, less, even, much) and other -ly adverbs; or
    "enough" follows it ("i dont feel stupid enough" asks for more of the emotion);
  - ``word sense``, ``extreme word``, ``gratitude``: the emotion word's negation denies no
    emotion (health and acceptance senses: "i dont feel better", "im not ok with that"), leaves
    a milder form of it ("not ecstatic", "not furious", "not devastated"), or reads as sarcasm
    ("i dont feel thankful to god for ...");
  - ``positive polarity``: a positive-polarity or change-of-state word the negation cannot take
    and no idiomatic repair exists ("i dont feel petty all of a sudden", "... again today");
  - ``result clause``: the negated degree heads a result clause ("i wasnt so scared that i
    cried", "not too scared to move"); ``emphatic never``: "never so" reads as a superlative
    ("i never feel so pressured", "i was never so happy");
  - ``partial scope``: times and quantifiers that a negation makes partial ("i wasnt nervous at
    first", "... until", "sometimes", "some days", "all", "every", "a lot", "tons of", "on a
    daily basis"): the emotion is still asserted for the other times or cases;
  - ``other clauses``: anything but the feeling clause that could carry, affirm or presuppose
    the emotion, or make the negation's scope ambiguous. Before the clause only a time adjunct
    ("today"), one short adjunct clause ("when i got home") or an epistemic frame ("i know", "i
    really feel like") may stand; not a run-on ("i woke up i feel ..."), a reported claim ("i
    say i feel alone"), a reason ("... because i feel shitty"). After the emotion word only a
    short phrase may follow (adverbs of time or place, then one prepositional phrase: "about
    it", "this morning", "for putting my child in daycare") and then one adjunct clause ("when
    ...", "if ..."); not a further clause ("and it s seriously like the whole thing is ruined",
    "it shows everywhere"), a reason ("as i want ..."), an infinitive ("helpless to regain a
    safe feeling"), a comparison ("like a son coming home"), a participle ("cursing my luck"),
    an aside ("yes", "sigh") or web-page debris;
  - (expectation) the text carries the negated word's class elsewhere: another word of that
    class (lexicon, ``class_words``), a ``presupposition_cues`` word that implies it ("safe" for
    fear, "death" for sadness), or an unclassed lexicon word that neither file places, which
    counts for every class ("i feel annoyed by his annoying voice").

  **Data convention.** In the train split, nearly all texts whose first feeling clause is
  already negated (found with this matcher, same skips) carry the class of the negated word
  ("i didnt feel humiliated;sadness"): the dataset labels the emotion word, not the speaker's
  state. :func:`train_evidence` measures this, so a report can say that failures on this suite
  partly reflect the training labels.
- ``authored`` (MFT): hand-written negated statements with the labels a careful annotator would
  accept, read from a TSV file.

Cases carry ``meta["source_label"]``: the source's gold label, or for authored statements the
class of the emotion word (or event) the statement negates; ``summarize`` reports per that class.
Derived cases also carry ``negated_word`` and ``negated_class``.
"""
from __future__ import annotations

import hashlib
import random
from abc import abstractmethod
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import AuditError
from ..metrics import rate_with_ci
from ..suite import Case, Expectation, GeneratedSuite, SourceData, SuiteContext
from .base import Perturbation, Perturbed, derive_cases
from .lexicon import (CONJUNCTIONS, MARKUP_WORDS, NEGATION_WORDS, has_negation,
                      load_lexicon, load_mixed_words, read_tsv)

#: Words that end a clause: the negation check and the polarity fixes stay inside one clause.
CLAUSE_BOUNDARIES = CONJUNCTIONS
#: A feeling clause right after one of these is embedded ("i hate how i feel", "if i feel sad",
#: "i need a break or im stressed", "the way that i feel"), a question ("how else can i feel") or
#: a hypothetical: negating it would not deny what the speaker feels, so it is not a candidate.
NOT_MAIN_CLAUSE_AFTER = frozenset(
    "how what way why where which who whom whose that if whether when whenever unless until till "
    "or nor than as once while do does did can could will would should shall may might must am "
    "was have".split())
#: Standalone tokens that mark the split apostrophe style ("i m", "don t", "i ve", "it s").
SPLIT_STYLE_TOKENS = frozenset("m t ve ll re s d".split())
#: Fused negations of auxiliaries; the split style writes "dont" as "don t".
NEGATED_AUX = {"do": "dont", "did": "didnt", "does": "doesnt", "can": "cant", "was": "wasnt",
               "have": "havent"}
#: Adverbs allowed between "i" and "feel"/"felt"; they stay before the negation ("i still dont
#: feel"), except "always", which becomes "never". Frequency adverbs such as "sometimes" are not
#: here: "i sometimes dont feel sad" implies the speaker is sad at other times.
PRE_VERB_ADVERBS = frozenset(
    "just still also really actually honestly definitely certainly truly suddenly always".split())
#: Adverbs after a copula that stay before "not" ("im still not feeling").
PRE_NOT_ADVERBS = frozenset("still just also".split())
#: Verbs that may stand between a copula and the emotion word ("im feeling sad", "i was getting
#: nervous").
COPULA_VERBS = frozenset("feeling getting becoming growing".split())
#: Degree words that negate cleanly: "not so happy", "not very happy", "not really happy", "not too
#: happy" all deny the emotion.
DEGREE_WORDS = frozenset(
    "so very really too particularly especially terribly overly super truly genuinely".split())
#: Degree words and other adverbs that do not negate cleanly: minimizers ("i dont feel a little
#: stunned"), maximizers whose negation leaves part of the emotion ("not completely safe"),
#: comparatives ("not more confident"). Any other word ending in -ly counts as one of these.
UNNEGATABLE_DEGREE = frozenset(
    "a little bit kind sort of tad kinda sorta slightly somewhat mildly rather fairly pretty quite "
    "almost half halfway partly totally completely absolutely utterly entirely fully perfectly "
    "extremely incredibly insanely ridiculously unbelievably immensely hugely tremendously "
    "exceedingly awfully deeply seriously damn damned fucking freaking bloody way more less most "
    "least even much as this that soo sooo all".split())
#: At most this many degree words between the verb and the emotion word.
MAX_DEGREE = 3
#: After "so <emotion>", these open a result clause ("so scared that i cried", "so happy i
#: cried"): negated, the emotion is still asserted.
RESULT_CLAUSE_OPENERS = frozenset("that i im it its he she we they you my".split())
#: Anywhere outside the clause's head, these leave part of the emotion outside the negation:
#: times ("i wasnt nervous at first", "i wasnt happy until ...", "sometimes i dont feel so sad")
#: and quantifiers that a negation makes partial ("i dont feel terrific in every one of them",
#: "i havent been feeling afraid a lot", "... the whole day", "not disturbed by tons of things",
#: "not close to most people", "not assaulted by all directions", "not nostalgic about all
#: these memories", "not superior in one thing", "not inspired for a few projects", "not lousy
#: on a daily basis"): the emotion is asserted for the other times or cases.
PARTIAL_SCOPE = frozenset(
    "first initially beginning until till til sometimes occasionally often oftentimes usually "
    "always constantly every everything everyone everybody each everyday everytime whole entire "
    "normally generally mostly regularly frequently daily nightly weekly lot lots alot tons "
    "loads plenty many several few most all both".split())
#: Time nouns: "some" before them is partial ("some days", "at some point"); "this", "these" and
#: "last" before them make a time adjunct ("this morning").
TIME_NOUNS = frozenset(
    "day days night nights morning mornings evening evenings week weeks weekend year years time "
    "times point moment moments".split())
#: Feeling words whose negation does not deny an emotion. Health and acceptance senses: "i
#: dont feel good/better/well/fine" reports illness or a relapse, "im not ok with that"
#: disagreement, "i dont feel great" is an understatement of either. Words whose negation
#: brings out another sense: "i feel like im not getting fucked" reads as a sexual complaint,
#: which may still be anger; "not innocent" as naughty, a love word in the data, which a joy
#: word's negation must avoid.
NON_EMOTION_WORDS = frozenset("better ok okay fine good great well alright fucked innocent".split())
#: Extreme-degree feeling words: negated, a milder form of the same emotion remains ("i dont feel
#: ecstatic" = still somewhat happy, "i wasnt furious" = maybe annoyed, "not devastated" = sad
#: but coping, "i dont feel terrible about it" = a little bad, "not overwhelmed" = still
#: stressed, "not exhausted" = still tired, "not shocked" = maybe a little surprised).
EXTREME_WORDS = frozenset(
    "ecstatic elated overjoyed euphoric blissful jubilant thrilled delighted amazing fantastic "
    "fabulous fab wonderful terrific splendid awesome incredible marvelous marvellous divine "
    "radiant triumphant devastated heartbroken crushed shattered miserable awful horrible terrible "
    "dreadful distraught desperate tortured furious enraged outraged livid irate infuriated "
    "appalled disgusted terrified petrified horrified panicked panicky frantic hysterical "
    "overwhelmed exhausted shocked stunned amazed astonished astounded flabbergasted "
    "dumbfounded".split())
#: Gratitude words: their negation reads as sarcasm or ingratitude toward the benefactor the text
#: names ("i dont feel thankful to god for giving me another day", "i dont feel honored to
#: receive the award"), not as a plain report of a feeling.
GRATITUDE_WORDS = frozenset(
    "thankful grateful appreciative blessed honored honoured privileged indebted humbled".split())
#: Time adjuncts that may open a text or follow the emotion word ("today", "right now", "this
#: morning"); "this", "these" and "last" count before a time noun.
TIME_ADVERBS = frozenset("today tonight now lately latley recently yesterday".split())
#: Epistemic frames that may stand before the clause's head ("i know i feel ...", "i really feel
#: like i am ..."): the feeling clause stays the text's one assertion. Any other lead-in is
#: another assertion or frames the feeling differently: a run-on ("i woke up i feel ..."), a
#: reported claim ("i said i feel ..."), a reason ("im updating my blog because i feel ...").
LEAD_IN_FRAMES = frozenset({("know",), ("think",), ("guess",), ("realize",), ("realized",),
                            ("realise",), ("realised",), ("feel", "like"), ("felt", "like")})
#: At most this many words in an adjunct clause before the head ("when i got home i was ...").
MAX_LEAD_IN = 5
#: At most this many words in the subject of a causative head ("that song made me feel ...").
MAX_CAUSER = 3
#: Conjunctions that may open the one clause allowed after the negated one, or one before it:
#: adjuncts that say when or on what condition the (negated) feeling holds. Any other
#: continuation ("and it s seriously like the whole thing is ruined", "but ...", "because ...",
#: whose scope under the negation is ambiguous) is another assertion that may carry the same
#: emotion, so the text is skipped.
ADJUNCT_OPENERS = frozenset("when whenever if after before while once".split())
#: At most this many words in the adjunct clause after the negated one.
MAX_ADJUNCT = 10
#: Connectives that link a further clause without being in the boundary list: before the head
#: ("i wake too early so i feel grumpy") or after the emotion word ("im feeling better so
#: hopefully ...", "... coz the backstabber had no grounds", "... these days hence the long
#: hiatus") they tie another assertion to the feeling, which the negation would contradict.
CLAUSE_CONNECTIVES = frozenset("so coz cos bc hence thus therefore consequently".split())
#: Nominative subjects (and contracted ones: "its", "heres") that open a run-on clause after the
#: emotion word ("im not feeling adventurous i might even make it multiple tiers", "... today
#: heres the link"), unless a subordinator introduces them ("... when i go out").
RUN_ON_SUBJECTS = frozenset(
    "i im ive id ill he she we they hes shes theyre theres heres its thats whats".split())
#: Words that introduce a subordinate clause, whose subject is not a run-on.
SUBORDINATORS = frozenset(
    "that what how which who whom why where whether as than like cause because".split()
) | ADJUNCT_OPENERS
#: Affirmations and interjections: after a negated feeling they affirm or voice the emotion
#: again ("i dont feel gorgeous yes", "i dont feel jaded about exams sigh").
ASIDES = frozenset(
    "yes yeah yep yup indeed lol haha hahaha sigh ugh argh urgh yay woohoo hmm meh grr".split())
#: The one short phrase allowed right after the emotion word is a run of adverbs saying where or
#: when the feeling holds (these, time adjuncts such as "at the moment" and "this morning", and
#: the negative-polarity words the negation leaves or :func:`fix_polarity` puts there: "yet",
#: "either", "anymore"), then at most one prepositional phrase saying what the feeling is about
#: or toward ("about it", "of you", "with myself", "for putting my child in daycare").
PHRASE_ADVERBS = frozenset("here inside anymore yet either afterwards".split()) | TIME_ADVERBS
PREPOSITIONS = frozenset(
    "about of with toward towards at by for in on into around over from inside through under "
    "to".split())
#: At most this many words in that phrase.
MAX_PHRASE = 6
#: Words that make the material after the emotion word more than a phrase about the feeling: a
#: comparison or manner ("welcomed like a son coming home", "as i want ..."), a relative or
#: question ("which i ...", "how about you"), an affirmation or interjection (:data:`ASIDES`), a
#: new subject ("it shows", "heres the link") and web-page debris ("a href http ...").
PHRASE_BREAKERS = (frozenset(
    "as like than which who whom whose how why where what whether".split())
    | ASIDES | CONJUNCTIONS | CLAUSE_CONNECTIVES | RUN_ON_SUBJECTS | MARKUP_WORDS)
#: Words a phrase may hold only as its last word: inside it they open a clause ("that my art
#: style can be copied", "here there was a huge market", "gloomy yet excited").
PHRASE_FINAL_ONLY = frozenset("that there yet either anymore".split())
#: "to" opens a phrase only before one of these ("close to him"); before any other word it opens
#: an infinitive ("blessed to know this family", "helpless to regain a safe feeling"), whose
#: content the negation leaves asserted and may presuppose the emotion.
TO_OBJECTS = frozenset(
    "the a an my your his her their our this these those me him us them you it everyone "
    "anyone".split())
#: Words that may open a causative head's subject of more than one word ("that song made me").
DETERMINERS = frozenset("the a an my your his her their our this that these those".split())
#: Words that join a further clause to an adjunct clause or leave it more than one.
ADJUNCT_BREAKERS = frozenset("as like than".split()) | ASIDES | CLAUSE_CONNECTIVES | MARKUP_WORDS
#: Scope-final positive-polarity words and their negative-polarity counterparts ("as well" ->
#: "either" too).
SCOPE_FINAL_SWAPS = {"too": "either", "again": "anymore"}
#: Positive-polarity and change-of-state words that a negation cannot take in its scope: after
#: the emotion word they make the negated text unidiomatic ("i dont feel petty all of a
#: sudden", "i dont feel sad still", "... also"); those that :func:`fix_polarity` cannot repair
#: make the text skipped.
POSITIVE_POLARITY = frozenset("again too also already still suddenly sudden".split())
#: Negative-polarity replacements applied after the negated verb, within its scope.
POLARITY_SWAPS = {"some": "any", "someone": "anyone", "somebody": "anybody",
                  "something": "anything", "somewhere": "anywhere", "already": "yet"}
#: "some" stays before these: "some days", "to some extent", "for some reason" are not in the
#: negation's scope.
SOME_KEPT_BEFORE = frozenset("days nights mornings evenings times point extent reason".split())
#: Words that open a new subject or a relative clause, where the negation's scope ends:
#: "im feeling angry at someone i do something for" -> "... at anyone i do something for".
SCOPE_STOPPERS = frozenset(
    "i you he she we they who which that where im ive youre hes shes theyre theres heres".split())
#: Words before a causative "made/makes/make me" that leave no room for "didnt/doesnt/dont"
#: ("has made me feel", "to make me feel", "can make me feel").
NO_CAUSATIVE_NEGATION = frozenset(
    "have has had ve having be been being is was were to can could will would should might may "
    "must help helps helped let lets do does did".split()) | NEGATION_WORDS
#: Words a first-person head of an already negated feeling clause may consist of, between its
#: subject and its verb ("i dont feel", "i do not really feel", "im not", "i was never", "ive not
#: been", "i havent been", "i no longer feel", "i don t feel").
NEGATED_HEAD_WORDS = frozenset(
    "do did am m was have ve been can not never no longer dont didnt cant cannot wasnt havent "
    "don didn wasn haven t really even ever still just actually honestly truly".split())
#: Copulas: a negated head holding one (or the subject "im") takes an adjective complement.
COPULAS = frozenset("am m was wasnt been".split())
#: Subjects of a first-person feeling clause.
SUBJECTS = frozenset("i im ive".split())
#: Negated causatives that head an already negated "make me feel" clause.
NEGATED_CAUSATIVES = (("didnt",), ("doesnt",), ("dont",), ("never",), ("didn", "t"),
                      ("doesn", "t"), ("don", "t"), ("did", "not"), ("does", "not"),
                      ("do", "not"))
#: The causative verb after such a negator ("didnt make me", "never made me").
CAUSATIVE_VERBS = frozenset("make makes made".split())


@dataclass(frozen=True)
class Rewrite:
    """Replace ``tokens[start:end]`` (a feeling clause's head) by ``replacement``; the clause's
    complement starts at ``complement``."""

    start: int
    end: int
    replacement: tuple[str, ...]
    complement: int


@dataclass(frozen=True)
class Complement:
    """The emotion word of a feeling clause, its classes and the degree words before it."""

    index: int
    word: str
    labels: tuple[str, ...]
    degree: tuple[str, ...]


@dataclass(frozen=True)
class Clause:
    """A text's first feeling clause, as the matcher reads it.

    ``rule`` names the clause rule that negates it (None for an already negated clause);
    ``negated`` says whether the text negates it already; ``text`` is the text with the clause
    negated (None when it is negated already or ``skip`` is set); ``skip`` says why the clause
    cannot be negated, or read as negated, cleanly (None when it can).
    """

    rule: str | None
    negated: bool
    complement: Complement
    text: str | None
    skip: str | None


def split_style(tokens: Sequence[str]) -> bool:
    """True when the text writes contractions split ("i m", "don t") rather than fused ("im")."""
    return not SPLIT_STYLE_TOKENS.isdisjoint(tokens)


def negated_aux(aux: str, split: bool) -> tuple[str, ...]:
    """"do" -> ("dont",), or ("don", "t") in the split style."""
    word = NEGATED_AUX[aux]
    return (word[:-1], "t") if split else (word,)


def clause_bounds(tokens: Sequence[str], start: int, end: int) -> tuple[int, int]:
    """The clause around ``tokens[start:end]``: from after the previous boundary word to before
    the next one."""
    lo, hi = start, end
    while lo > 0 and tokens[lo - 1] not in CLAUSE_BOUNDARIES:
        lo -= 1
    while hi < len(tokens) and tokens[hi] not in CLAUSE_BOUNDARIES:
        hi += 1
    return lo, hi


def fix_polarity(tail: Sequence[str]) -> list[str]:
    """Negative-polarity fixes for the rest of a negated clause, up to the first scope stopper:
    some -> any (not in "some days"), something -> anything, already -> yet; at the scope's end,
    "too" and "as well" -> "either" ("i feel sad too" -> "i dont feel sad either") and "again" ->
    "anymore" ("i feel depressed again" -> "i dont feel depressed anymore")."""
    stop = next((k for k, t in enumerate(tail) if t in SCOPE_STOPPERS), len(tail))
    scope = [t if t == "some" and tail[k + 1:k + 2] and tail[k + 1] in SOME_KEPT_BEFORE
             else POLARITY_SWAPS.get(t, t) for k, t in enumerate(tail[:stop])]
    if scope[-2:] == ["as", "well"]:
        scope[-2:] = ["either"]
    elif scope and scope[-1] in SCOPE_FINAL_SWAPS:
        scope[-1] = SCOPE_FINAL_SWAPS[scope[-1]]
    return [*scope, *tail[stop:]]


def positive_polarity(tokens: Sequence[str]) -> bool:
    """Whether the tokens hold a positive-polarity or change-of-state word
    (:data:`POSITIVE_POLARITY`, "as well")."""
    return any(t in POSITIVE_POLARITY or tokens[k:k + 2] == ["as", "well"]
               for k, t in enumerate(tokens))


def npi_at_all(tokens: Sequence[str], k: int) -> bool:
    """Whether ``tokens[k]`` is the "all" of a negative-polarity "at all" ("i didnt feel scared
    at all"), not of a quantified "at all times" or "at all the parties"."""
    after = tokens[k + 1:k + 2]
    return (tokens[k - 1:k + 1] == ["at", "all"]
            and not (after and after[0] in TIME_NOUNS | DETERMINERS | {"of", "costs"}))


def partial_scope(tokens: Sequence[str]) -> bool:
    """Whether the tokens leave part of a negated feeling outside the negation
    (:data:`PARTIAL_SCOPE`, but not the negative-polarity "at all" that no noun follows, as
    "at all times" does; "some" before a time noun, "at times", "one" as a quantifier, not after
    a determiner: "in one thing", not "this one")."""
    return any((t in PARTIAL_SCOPE and not npi_at_all(tokens, k))
               or (t == "some" and tokens[k + 1:k + 2] and tokens[k + 1] in TIME_NOUNS)
               or (t == "one" and (k == 0 or tokens[k - 1] not in DETERMINERS))
               or tokens[k:k + 2] == ["at", "times"]
               for k, t in enumerate(tokens))


def time_adjunct(tokens: Sequence[str]) -> int:
    """How many of the first tokens form a time adjunct ("today", "right now", "this morning",
    "at the moment"); 0 when they do not start with one."""
    if tokens[:1] and tokens[0] in TIME_ADVERBS:
        return 1
    if tokens[:2] == ["right", "now"] or (tokens[:1] and tokens[0] in ("this", "these", "last")
                                          and tokens[1:2] and tokens[1] in TIME_NOUNS):
        return 2
    return 3 if tokens[:3] == ["at", "the", "moment"] else 0


def run_on(tokens: Sequence[str], start: int) -> bool:
    """Whether a nominative subject at or after ``tokens[start]`` opens a new clause (one not
    introduced by a subordinator)."""
    return any(tokens[k] in RUN_ON_SUBJECTS and tokens[k - 1] not in SUBORDINATORS
               for k in range(max(start, 1), len(tokens)))


def plain_lead_in(lead: Sequence[str]) -> bool:
    """Whether the words before a feeling clause's subject leave it the text's one assertion: none,
    a time adjunct ("today"), one short adjunct clause ("when i got home"), or an epistemic frame
    ("i know", "i really feel like")."""
    rest = lead[time_adjunct(lead):]
    if not rest:
        return True
    if rest[0] in ADJUNCT_OPENERS:
        return (len(rest) <= MAX_LEAD_IN and not run_on(rest, 2)
                and (CLAUSE_BOUNDARIES | CLAUSE_CONNECTIVES).isdisjoint(rest[1:]))
    if rest[0] != "i":
        return False
    k = 2 if rest[1:2] and rest[1] in PRE_VERB_ADVERBS - {"always"} else 1
    return tuple(rest[k:]) in LEAD_IN_FRAMES


def plain_causer(lead: Sequence[str]) -> bool:
    """Whether the words before a causative head ("made me feel") are a short subject ("it", "my
    mom", "that song") after a plain lead-in."""
    for n in range(1, min(MAX_CAUSER, len(lead)) + 1):
        causer = lead[len(lead) - n:]
        if ((n == 1 or causer[0] in DETERMINERS) and not run_on(causer, 1)
                and (CLAUSE_BOUNDARIES | ADJUNCT_BREAKERS).isdisjoint(causer)
                and not has_negation(causer) and plain_lead_in(lead[:len(lead) - n])):
            return True
    return False


def plain_phrase(phrase: Sequence[str]) -> bool:
    """Whether the words right after the emotion word are nothing or one short phrase that says
    where or when the feeling holds and what it is about or toward (:data:`PHRASE_ADVERBS`,
    :data:`PREPOSITIONS`), with no clause of its own ("lately spirit of christmas", "that my
    art style can be copied")."""
    if len(phrase) > MAX_PHRASE:
        return False
    k = 0
    while k < len(phrase):
        step = time_adjunct(phrase[k:]) or (phrase[k] in PHRASE_ADVERBS)
        if not step:
            break
        k += step
    if k < len(phrase) and phrase[k] not in PREPOSITIONS:
        return False
    last = len(phrase) - 1
    return not any(t in PHRASE_BREAKERS or (t in PHRASE_FINAL_ONLY and k < last)
                   or (t == "to" and not (k < last and phrase[k + 1] in TO_OBJECTS))
                   for k, t in enumerate(phrase))


def plain_adjunct(clause: Sequence[str]) -> bool:
    """Whether ``clause`` is nothing or one short adjunct clause ("when he calls", "if i go
    out") with no further clause joined to it."""
    if not clause:
        return True
    return (clause[0] in ADJUNCT_OPENERS and len(clause) <= MAX_ADJUNCT and not run_on(clause, 2)
            and (CLAUSE_BOUNDARIES | ADJUNCT_BREAKERS).isdisjoint(clause[1:]))


def plain_continuation(tail: Sequence[str]) -> bool:
    """Whether the words after the emotion word add nothing the negation would contradict: at
    most one short phrase (:func:`plain_phrase`), then at most one adjunct clause
    (:func:`plain_adjunct`). Anything else ("it shows everywhere", "yes", "as i want ...",
    "cursing my luck", "to regain a safe feeling") refers back to, builds on or presupposes the
    emotion, or makes the negation's scope ambiguous."""
    k = next((j for j, t in enumerate(tail) if t in ADJUNCT_OPENERS), len(tail))
    return plain_phrase(tail[:k]) and plain_adjunct(tail[k:])


class ClauseNegation(Perturbation):
    """Negates the text's first feeling clause, when that clause is of this rule's kind.

    Subclasses say, in :meth:`match`, whether a clause head of their kind starts at a token and
    how it reads negated; ``copular`` rules let "feeling"/"getting" precede the emotion word. The
    shared :class:`ClauseMatcher` finds the first feeling clause and decides whether it negates
    cleanly.
    """

    copular: bool = False

    def __init__(self, matcher: ClauseMatcher) -> None:
        self.matcher = matcher

    @classmethod
    @abstractmethod
    def match(cls, tokens: Sequence[str], i: int, split: bool) -> Rewrite | None:
        """The rewrite negating a clause head of this kind that starts at ``tokens[i]``, or
        None."""

    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        """The text with its first feeling clause negated, or None when that clause is not of this
        kind, cannot be negated cleanly, is negated already, or the text has none."""
        clause = self.matcher.first_clause(text)
        if clause is None or clause.rule != self.name or clause.text is None:
            return None
        return Perturbed(clause.text, {"negated_word": clause.complement.word,
                                       "negated_class": "+".join(clause.complement.labels)})


class _SubjectVerb(ClauseNegation):
    """"i [adverb] <verb>" -> "i [adverb] <negated aux> feel"; "always" becomes "never"."""

    verb: str
    aux: str

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, split: bool) -> Rewrite | None:
        if tokens[i] != "i":
            return None
        j = i + 1
        adverb = tokens[j:j + 1] if tokens[j:j + 1] and tokens[j] in PRE_VERB_ADVERBS else []
        j += len(adverb)
        if tokens[j:j + 1] != [cls.verb]:
            return None
        if adverb == ["always"]:
            return Rewrite(i, j + 1, ("i", "never", cls.verb), j + 1)
        return Rewrite(i, j + 1, ("i", *adverb, *negated_aux(cls.aux, split), "feel"), j + 1)


class FeelPresent(_SubjectVerb):
    """"i feel" -> "i dont feel"; "i just feel" -> "i just dont feel"; "i always feel" -> "i never
    feel"."""

    name = "i_feel"
    verb = "feel"
    aux = "do"


class FeelPast(_SubjectVerb):
    """"i felt" -> "i didnt feel"; "i still felt" -> "i still didnt feel"."""

    name = "i_felt"
    verb = "felt"
    aux = "did"


class ModalFeel(ClauseNegation):
    """"i do feel" -> "i dont feel"; likewise "did", "can". Hypothetical and deontic modals (would,
    should, could, will) are left alone: "i shouldnt feel guilty" says nothing of what the
    speaker feels."""

    name = "modal_feel"
    modals = ("do", "did", "can")

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, split: bool) -> Rewrite | None:
        head = tokens[i:i + 3]
        if len(head) == 3 and head[0] == "i" and head[1] in cls.modals and head[2] == "feel":
            return Rewrite(i, i + 3, ("i", *negated_aux(head[1], split), "feel"), i + 3)
        return None


class _Copula(ClauseNegation):
    """A copular head gets "not" after it; "still", "just" and "also" stay before the "not" ("im
    still not feeling")."""

    copular = True
    heads: tuple[tuple[str, ...], ...]

    @classmethod
    def negated_head(cls, head: tuple[str, ...], split: bool) -> tuple[str, ...]:
        """The head with its negation: "not" after it ("i am not"), unless a subclass fuses it
        ("i wasnt")."""
        return (*head, "not")

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, split: bool) -> Rewrite | None:
        for head in cls.heads:
            j = i + len(head)
            if tuple(tokens[i:j]) != head:
                continue
            adverb = tokens[j:j + 1]
            if adverb and adverb[0] in PRE_NOT_ADVERBS:
                return Rewrite(i, j + 1, (*head, adverb[0], "not"), j + 1)
            return Rewrite(i, j, cls.negated_head(head, split), j)
        return None


class AmNot(_Copula):
    """"i am feeling" -> "i am not feeling"; "i am so happy" -> "i am not so happy"."""

    name = "i_am"
    heads = (("i", "am"),)


class ImNot(_Copula):
    """"im feeling" -> "im not feeling"; "i m so tired" -> "i m not so tired"."""

    name = "im"
    heads = (("im",), ("i", "m"))


class WasNot(_Copula):
    """"i was feeling" -> "i wasnt feeling"; "i was so scared" -> "i wasnt so scared"."""

    name = "i_was"
    heads = (("i", "was"),)

    @classmethod
    def negated_head(cls, head: tuple[str, ...], split: bool) -> tuple[str, ...]:
        return ("i", *negated_aux("was", split))


class HaventBeen(_Copula):
    """"ive been feeling" / "i have been feeling" -> "i havent been feeling"."""

    name = "ive_been"
    heads = (("ive", "been"), ("i", "ve", "been"), ("i", "have", "been"))

    @classmethod
    def negated_head(cls, head: tuple[str, ...], split: bool) -> tuple[str, ...]:
        return ("i", *negated_aux("have", split), "been")


class MadeMeFeel(ClauseNegation):
    """"it made me feel" -> "it didnt make me feel"; "makes me" -> "doesnt make me"; "they make me"
    -> "they dont make me" (followed by "feel" or directly by the emotion word)."""

    name = "made_me_feel"
    auxes = {"made": "did", "makes": "does", "make": "do"}

    @classmethod
    def match(cls, tokens: Sequence[str], i: int, split: bool) -> Rewrite | None:
        verb = tokens[i]
        if verb not in cls.auxes or tokens[i + 1:i + 2] != ["me"]:
            return None
        before = tokens[i - 1] if i > 0 else None
        if before in NO_CAUSATIVE_NEGATION or (verb == "make" and before is None):
            return None
        complement = i + 3 if tokens[i + 2:i + 3] == ["feel"] else i + 2
        return Rewrite(i, i + 1, (*negated_aux(cls.auxes[verb], split), "make"), complement)


#: Every clause rule, tried in this order at each position.
CLAUSE_RULES: tuple[type[ClauseNegation], ...] = (
    FeelPresent, FeelPast, ModalFeel, AmNot, ImNot, WasNot, HaventBeen, MadeMeFeel)


def negated_head_at(tokens: Sequence[str], i: int) -> tuple[int, bool, bool] | None:
    """An already negated feeling-clause head starting at ``tokens[i]``: ``(complement start,
    copular, says never)``, or None. "i dont feel", "i do not really feel", "i never felt", "im
    not", "i wasnt", "i havent been", "i don t feel", "didnt make me (feel)"."""
    for negator in NEGATED_CAUSATIVES:
        j = i + len(negator)
        if tuple(tokens[i:j]) == negator and tokens[j:j + 1] and tokens[j] in CAUSATIVE_VERBS \
                and tokens[j + 1:j + 2] == ["me"]:
            end = j + 3 if tokens[j + 2:j + 3] == ["feel"] else j + 2
            return end, False, negator == ("never",)
    if tokens[i] not in SUBJECTS:
        return None
    k = i + 1
    while k < len(tokens) and k < i + 6 and tokens[k] in NEGATED_HEAD_WORDS:
        k += 1
    window = tokens[i + 1:k]
    if not has_negation(window):
        return None
    never = "never" in window
    if tokens[k:k + 1] and tokens[k] in ("feel", "felt"):
        return k + 1, False, never
    if tokens[i] == "im" or not COPULAS.isdisjoint(window):
        return k, True, never
    return None


class ClauseMatcher:
    """Finds a text's first feeling clause and judges whether it negates cleanly.

    ``feel`` maps each emotion word that can be a feeling clause's complement to its classes
    (one, or two where the data splits its texts between two); ``class_words`` maps each class
    to every word that signals it; ``positive`` classes are avoided together.
    """

    def __init__(self, feel: Mapping[str, tuple[str, ...]],
                 class_words: Mapping[str, frozenset[str]],
                 positive: Sequence[str]) -> None:
        self.feel = dict(feel)
        self.class_words = dict(class_words)
        self.positive = tuple(positive)
        self.first_clause = lru_cache(maxsize=4096)(self._first_clause)

    def avoided(self, labels: Sequence[str]) -> tuple[str, ...]:
        """The labels a negated word of classes ``labels`` must avoid: its classes, and all the
        positive classes for a positive one."""
        out: list[str] = []
        for label in labels:
            out += [c for c in (self.positive if label in self.positive else (label,))
                    if c not in out]
        return tuple(out)

    def carried_elsewhere(self, text: str, labels: Sequence[str]) -> bool:
        """Whether ``text`` holds a second word signalling a class a negated word of ``labels``
        must avoid (the negated word itself is one)."""
        words = frozenset().union(*(self.class_words.get(c, frozenset())
                                    for c in self.avoided(labels)))
        return sum(t in words for t in text.split()) > 1

    def complement(self, tokens: Sequence[str], j: int, copular: bool) -> Complement | None:
        """The emotion word that ``tokens[j:]`` starts with, after an optional copular verb
        ("feeling") and at most :data:`MAX_DEGREE` degree words; None when none follows (the
        clause is not a feeling clause, e.g. "feel like", "feel that", "was playing")."""
        if copular and tokens[j:j + 1] and tokens[j] in COPULA_VERBS:
            j += 1
        for k in range(j, min(j + MAX_DEGREE + 1, len(tokens))):
            word = tokens[k]
            if word in self.feel:
                return Complement(k, word, self.feel[word], tuple(tokens[j:k]))
            if not (word in DEGREE_WORDS or word in UNNEGATABLE_DEGREE or word.endswith("ly")):
                return None
        return None

    def _first_clause(self, text: str) -> Clause | None:
        """The text's first feeling clause outside an embedding context, judged (cached: every
        rule asks about the same text in turn)."""
        tokens = text.split()
        split = split_style(tokens)
        for i in range(len(tokens)):
            if i > 0 and tokens[i - 1] in NOT_MAIN_CLAUSE_AFTER:
                continue
            clause = self._clause_at(tokens, i, split)
            if clause is not None:
                return clause
        return None

    def _clause_at(self, tokens: Sequence[str], i: int, split: bool) -> Clause | None:
        """The feeling clause whose head starts at ``tokens[i]``, if any."""
        head = negated_head_at(tokens, i)
        if head is not None:
            end, copular, never = head
            complement = self.complement(tokens, end, copular)
            if complement is not None:
                skip = self._skip(tokens, i, end, complement, never,
                                  tokens[i] not in SUBJECTS)
                return Clause(None, True, complement, None, skip or "negated already")
        for rule in CLAUSE_RULES:
            rewrite = rule.match(tokens, i, split)
            if rewrite is None:
                continue
            complement = self.complement(tokens, rewrite.complement, rule.copular)
            if complement is None:
                continue
            skip = self._skip(tokens, rewrite.start, rewrite.end, complement,
                              "never" in rewrite.replacement, rule is MadeMeFeel)
            if skip is not None:
                return Clause(rule.name, False, complement, None, skip)
            _, hi = clause_bounds(tokens, rewrite.start, rewrite.end)
            negated = [*tokens[:rewrite.start], *rewrite.replacement,
                       *fix_polarity(tokens[rewrite.end:hi]), *tokens[hi:]]
            return Clause(rule.name, False, complement, " ".join(negated), None)
        return None

    @staticmethod
    def _skip(tokens: Sequence[str], start: int, end: int, complement: Complement,
              never: bool, causative: bool) -> str | None:
        """Why the clause headed by ``tokens[start:end]`` (negated by "never" when ``never``; a
        "made me feel" head when ``causative``) cannot be read as a clean negation of its emotion
        word, or None."""
        lo, hi = clause_bounds(tokens, start, end)
        # what follows the emotion word once negated, its polarity fixed
        tail = [*fix_polarity(tokens[complement.index + 1:hi]), *tokens[hi:]]
        if not DEGREE_WORDS.issuperset(complement.degree) or "enough" in tail:
            return "degree"
        if never and "so" in complement.degree:
            return "emphatic never"
        word = complement.word
        if word in NON_EMOTION_WORDS:
            return "word sense"
        if word in EXTREME_WORDS:
            return "extreme word"
        if word in GRATITUDE_WORDS:
            return "gratitude"
        if has_negation([*tokens[lo:start], *tokens[end:hi]]):
            return "negation in clause"
        after = tail[:3]
        if after and (("so" in complement.degree
                       and (after[0] in RESULT_CLAUSE_OPENERS or "that" in after))
                      or ("too" in complement.degree and after[0] == "to")):
            return "result clause"
        if positive_polarity(tail):
            return "positive polarity"
        if partial_scope([*tokens[:start], *tokens[end:]]):
            return "partial scope"
        lead = tokens[:start]
        if not (plain_causer(lead) if causative else plain_lead_in(lead)) \
                or not plain_continuation(tail):
            return "other clauses"
        return None


def _labels(ctx: SuiteContext, row: Mapping[str, str]) -> tuple[str, ...]:
    """The comma-separated ``classes`` of a word-list row, checked against the model's labels."""
    labels = tuple(label.strip() for label in row["classes"].split(","))
    unknown = sorted(set(labels) - set(ctx.labels))
    if unknown:
        raise AuditError(f"suite {ctx.spec.name!r}: {row['word']!r} names unknown labels "
                         f"{unknown}")
    return labels


def load_matcher(ctx: SuiteContext) -> ClauseMatcher:
    """The matcher from the suite's ``lexicon``, ``class_words`` and ``positive_labels``.

    Feeling words and their classes: the lexicon's class words (adjectives) with its class, then
    every ``class_words`` word the lexicon does not class, with the classes the training data
    gives it (a negated "stressed" must avoid both sadness and anger). Words signalling each
    class: the lexicon's class words, the ``class_words`` words, and the lexicon's unclassed
    emotion words ("love", "cry", "lol"), which signal every class unless ``class_words`` places
    them, and the ``presupposition_cues`` words ("safe", "death") under their classes.
    """
    params = ctx.spec.params
    lexicon_path = ctx.data_path(params["lexicon"])
    lexicon = load_lexicon(lexicon_path)
    feel = {word: (label,) for label, words in lexicon.items() for word in words.cues}
    class_words = {label: set(words.cues) for label, words in lexicon.items()}
    classed = set().union(*class_words.values())
    for row in read_tsv(ctx.data_path(params["class_words"]), ("word", "classes")):
        labels = _labels(ctx, row)
        if row["word"] not in classed:
            feel[row["word"]] = labels
        for label in labels:
            class_words.setdefault(label, set()).add(row["word"])
    for row in read_tsv(ctx.data_path(params["presupposition_cues"]), ("word", "classes")):
        for label in _labels(ctx, row):
            class_words.setdefault(label, set()).add(row["word"])
    placed = set().union(*class_words.values())
    for label in ctx.labels:
        class_words.setdefault(label, set()).update(load_mixed_words(lexicon_path) - placed)
    return ClauseMatcher(feel, {k: frozenset(v) for k, v in class_words.items()},
                         params["positive_labels"])


def derived_suite(ctx: SuiteContext) -> GeneratedSuite:
    """Negate the first feeling clause of each test text: DIR, avoid the negated word's class."""
    matcher = load_matcher(ctx)

    def expectation(rule: Perturbation, text: str, label: str | None,
                    result: Perturbed) -> Expectation | None:
        negated = result.meta["negated_class"].split("+")
        if matcher.carried_elsewhere(text, negated):
            return None
        return Expectation("DIR", avoid=matcher.avoided(negated))

    return derive_cases(ctx.spec.name, ctx.source, [rule(matcher) for rule in CLAUSE_RULES],
                        expectation, ctx.seed, keep_label=False)


def read_statements(path: Path, labels: Sequence[str]) -> list[tuple[str, tuple[str, ...], str]]:
    """Rows ``text``, ``allowed`` (labels a correct prediction may take, comma-separated) and
    ``negated_emotion`` (the class the statement would carry without its negation) of an
    authored TSV, checked against the model's labels."""
    rows = []
    for row in read_tsv(path, ("text", "allowed", "negated_emotion")):
        text, negated = row["text"], row["negated_emotion"]
        allowed = tuple(label.strip() for label in row["allowed"].split(","))
        unknown = sorted(set(allowed + (negated,)) - set(labels))
        if unknown:
            raise AuditError(f"{path}: {text!r}: unknown labels {unknown}")
        rows.append((text, allowed, negated))
    return rows


def authored_suite(ctx: SuiteContext) -> GeneratedSuite:
    """Hand-written negated statements, each an MFT case with its allowed labels. Ids hash the
    text, so they stay stable when rows are added or reordered."""
    rows = read_statements(ctx.data_path(ctx.spec.params["statements"]), ctx.labels)
    cases = [Case(id=f"{ctx.spec.name}:authored:{hashlib.sha1(text.encode()).hexdigest()[:10]}",
                  text=text, expectation=Expectation("MFT", labels=allowed), rule="authored",
                  meta={"source_label": negated})
             for text, allowed, negated in rows]
    return GeneratedSuite(cases)


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"part": str, "lexicon": str, "class_words": str,
                           "presupposition_cues": str, "positive_labels": list,
                           "statements": str}


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """The ``derived`` or ``authored`` part, as named by ``params.part``."""
    parts = {"derived": derived_suite, "authored": authored_suite}
    part = ctx.spec.params.get("part")
    if part not in parts:
        raise AuditError(f"suite {ctx.spec.name!r}: params.part must be one of {', '.join(parts)}")
    return parts[part](ctx)


def train_evidence(ctx: SuiteContext, train: SourceData) -> dict[str, Any]:
    """How the training split labels texts whose first feeling clause is already negated.

    Matched: training texts whose first feeling clause (this suite's matcher) is negated cleanly
    and whose negated word's class is carried nowhere else, i.e. texts of the kind this suite
    produces. Consistent: those whose gold label avoids the negated word's class, as this suite
    expects (every authored statement also excludes the class it negates, so the same figure
    serves the authored part).
    """
    matcher = load_matcher(ctx)
    label_counts: dict[str, int] = {}
    n_matched = n_consistent = 0
    for text, label in zip(train.texts, train.labels):
        clause = matcher.first_clause(text)
        if (label is None or clause is None or not clause.negated
                or clause.skip != "negated already"
                or matcher.carried_elsewhere(text, clause.complement.labels)):
            continue
        n_matched += 1
        label_counts[label] = label_counts.get(label, 0) + 1
        n_consistent += label not in matcher.avoided(clause.complement.labels)
    if n_matched:
        share = round(100 * (n_matched - n_consistent) / n_matched)
        summary = (f"train: {n_matched} texts open with an already negated feeling clause; "
                   f"{share}% are labelled with the negated word's class, which this suite "
                   "counts as a failure")
    else:
        summary = "train: no text opens with an already negated feeling clause"
    return {"n_train": len(train.texts), "n_matched": n_matched, "n_consistent": n_consistent,
            "consistent_rate": rate_with_ci(n_consistent, n_matched) if n_matched else None,
            "label_counts": label_counts, "summary": summary}


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Per source class (``meta["source_label"]``): the pass rate, and, over the cases whose source
    the model got right before negation, how often negation changed the prediction (flip rate)."""
    out: dict[str, Any] = {}
    for label in labels:
        rows = [r for r in records if r["meta"].get("source_label") == label]
        if not rows:
            continue
        judged = [r for r in rows if r["passed"] is not None]
        right = [r for r in rows if r["source_pred"] == label]
        flips = sum(r["pred"] != r["source_pred"] for r in right)
        out[label] = {
            "n": len(rows),
            "pass_rate": rate_with_ci(sum(bool(r["passed"]) for r in judged), len(judged)),
            "flip_rate_when_source_right": rate_with_ci(flips, len(right)) if right else None,
        }
    return {"by_source_class": out}
