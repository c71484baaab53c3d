"""The ``identity`` suite: identity-term counterfactuals (gender, race, religion, nationality).

Every case carries an INV expectation: changing only who a text is about should not change the
predicted emotion. Cases come from two sources.

1. **Test texts** that mention an identity (``origin: test``), one rule per swap:

   - ``gender_swap`` swaps every gendered word at once (he <-> she, his -> her, my brother <-> my
     sister, ...; pairs in ``identity_gender.yaml``) and every recognised first name for a name
     of the same race and the other gender, so "he told her" becomes "she told him".
   - ``race_to_<race>`` replaces every recognised first name of another race by a name of
     ``<race>`` and the same gender (``identity_names.yaml``).
   - ``<attribute>_to_<group>`` (religion, nationality) replaces every term of another group by
     ``<group>``'s term of the same form: adjective, plural, country (``identity_groups.yaml``).

   Names are chosen with the suite's seeded RNG; a name repeated in a text gets the same
   replacement. Words are matched whole ("he" is not found in "the", nor "man" in "manage") and
   keep their capitalisation.

   **"her"** is either an object pronoun ("i love her" -> "him") or a possessive determiner
   ("her phone" -> "his"). Rule: it becomes "him" when it ends the text or the next word is in a
   closed list of function words and bare verbs (``her_object_before`` in
   ``identity_gender.yaml``: "her to", "her and", "her so", "her feel", ...), and "his"
   otherwise. It errs on causatives with other verbs ("made her smile" -> "made his smile").
   Its reverse, "his", always becomes "her" (so a standalone possessive "it was his" becomes
   "it was her").

2. **Templates** (``origin: template``) after the Equity Evaluation Corpus (Kiritchenko &
   Mohammad 2018): sentences such as "{person} feels {word}" filled with an emotion word of each
   class (the case's gold label) and persons that differ only in one attribute: EEC's gendered
   noun phrases ("my brother"/"my sister"); EEC's first names paired across race within gender;
   person frames ("this muslim man", "my nigerian friend") across religion and nationality. One
   word per (person set, template, emotion) is chosen with the seeded RNG. The sentence with the
   attribute's reference group (its first group) is the *base* case of the pair (no source, so
   not judged); the others are counterfactual cases whose ``source_text`` is the base sentence
   (``source_id`` stays ``None``: it names test-split texts only; ``meta["pair"]`` links them).

Meta of every case: ``attribute``, ``group`` (the group the case's text is about),
``source_group`` (the group of its source text), ``pair`` (a pair id), ``origin`` (``test`` or
``template``), ``role`` (``base`` or ``counterfactual``); template cases add ``template``,
``emotion_word`` and ``person`` (the demographics of the person phrase, e.g. ``{"gender":
"female", "race": "african_american"}``), which :func:`summarize` disaggregates by.
Test texts whose gendered words are balanced are tagged ``mixed`` (both sides).
"""
from __future__ import annotations

import random
import re
from abc import abstractmethod
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence


from ..bias import counterfactual_summary
from ..errors import AuditError
from ..suite import Case, Expectation, GeneratedSuite, SuiteContext, load_yaml_mapping, seeded_rng
from .base import Perturbation, Perturbed, derive_cases

_WORD = re.compile(r"[A-Za-z]+")
_OTHER_GENDER = {"male": "female", "female": "male"}
_REFLEXIVE = {"male": "himself", "female": "herself", None: "themselves"}
_INV = Expectation("INV")

def _match_case(original: str, new: str) -> str:
    """``new`` in the capitalisation of ``original`` (lower, Capitalised or UPPER)."""
    if len(original) > 1 and original.isupper():
        return new.upper()
    return new.capitalize() if original[0].isupper() else new


def _substitute(text: str, replace_word: Callable[[str, str | None], str | None]) -> str | None:
    """Rewrite whole words: ``replace_word(word, next_word)`` (both lowercase) returns the new
    word or ``None`` to keep it. Returns the new text, or ``None`` when no word changed."""
    matches = list(_WORD.finditer(text))
    parts: list[str] = []
    last = 0
    for i, m in enumerate(matches):
        following = matches[i + 1].group().lower() if i + 1 < len(matches) else None
        new = replace_word(m.group().lower(), following)
        if new is not None:
            parts += [text[last:m.start()], _match_case(m.group(), new)]
            last = m.end()
    if not parts:
        return None
    return "".join(parts) + text[last:]


def _words(text: str) -> list[str]:
    """The lowercase whole words of ``text``, as the swaps see them."""
    return [m.group().lower() for m in _WORD.finditer(text)]


# --------------------------------------------------------------------------- word tables

@dataclass(frozen=True)
class NameGroup:
    """First names of one (race, gender) group: ``names`` are produced, ``recognised`` found."""

    race: str
    gender: str
    names: tuple[str, ...]
    recognised: frozenset[str]


class NameBook:
    """First names by race and gender (``identity_names.yaml``)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        common = set(raw.get("common_words", ()))
        self.groups = [
            NameGroup(g["race"], g["gender"], tuple(g["names"]),
                      frozenset(g["names"]) | frozenset(g.get("more_names", ())))
            for g in raw["groups"].values()
        ]
        self._by_name = {name: g for g in self.groups for name in g.recognised - common}
        self._by_race_gender = {(g.race, g.gender): g for g in self.groups}
        #: Races in file order; the first is the reference group of the templates.
        self.races = list(dict.fromkeys(g.race for g in self.groups))

    def group_of(self, word: str) -> NameGroup | None:
        """The group of a recognised first name (lowercase), else ``None``."""
        return self._by_name.get(word)

    def counterpart(self, group: NameGroup, *, race: str | None = None, gender: str | None = None) -> NameGroup:
        """The group of ``race`` and ``gender`` (each defaulting to ``group``'s)."""
        key = (race or group.race, gender or group.gender)
        if key not in self._by_race_gender:
            raise AuditError(f"identity names: no {key[0]} {key[1]} names")
        return self._by_race_gender[key]


class TermTable:
    """Identity terms of one attribute by group and form (``identity_groups.yaml``)."""

    def __init__(self, attribute: str, raw: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        self.attribute = attribute
        #: ``{group: {form: words}}``, groups in file order (the first is the reference group).
        self.groups = {group: {form: tuple(words) for form, words in forms.items()} for group, forms in raw.items()}
        self._lookup: dict[str, tuple[str, str]] = {}
        for group, forms in self.groups.items():
            for form, words in forms.items():
                for word in words:
                    self._lookup.setdefault(word, (group, form))

    def find(self, word: str) -> tuple[str, str] | None:
        """``(group, form)`` of a term (lowercase), else ``None``."""
        return self._lookup.get(word)

    def adjective(self, group: str) -> str:
        """The adjective a frame uses for ``group`` ("muslim", "nigerian")."""
        return self.groups[group]["adjective"][0]


def _gender_tables(pairs: Sequence[Sequence[str]]) -> tuple[dict[str, str], dict[str, str]]:
    """``(male -> female, female -> male)``; the first pair wins for each direction."""
    to_female: dict[str, str] = {}
    to_male: dict[str, str] = {}
    for male, female in pairs:
        to_female.setdefault(male, female)
        to_male.setdefault(female, male)
    return to_female, to_male


# --------------------------------------------------------------------------- swap rules

def _pick(chosen: dict[str, str], word: str, pool: Sequence[str], rng: random.Random) -> str:
    """A seeded choice from ``pool`` for ``word``, the same for every occurrence in one text."""
    if word not in chosen:
        chosen[word] = rng.choice(pool)
    return chosen[word]


class IdentitySwap(Perturbation):
    """A swap of one identity attribute; tells which groups a text is about before and after."""

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute
        self.meta = {"attribute": attribute, "origin": "test", "role": "counterfactual"}

    @abstractmethod
    def groups(self, text: str) -> dict[str, str]:
        """``{"source_group", "group"}`` of a text the rule applies to."""

    def described(self, text: str, new: str | None) -> Perturbed | None:
        """``new`` with the groups of ``text`` as its description (None stays None)."""
        return None if new is None else Perturbed(new, self.groups(text))


class GenderSwap(IdentitySwap):
    """Swap every gendered word and first name at once ("he told her" -> "she told him")."""

    name = "gender_swap"

    def __init__(self, pairs: Sequence[Sequence[str]], her_object_before: Sequence[str], names: NameBook) -> None:
        super().__init__("gender")
        self.to_female, self.to_male = _gender_tables(pairs)
        self.her_object_before = frozenset(her_object_before)
        self.names = names

    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        chosen: dict[str, str] = {}

        def swap(word: str, following: str | None) -> str | None:
            if word == "her":
                return "him" if following is None or following in self.her_object_before else "his"
            if word in self.to_female:
                return self.to_female[word]
            if word in self.to_male:
                return self.to_male[word]
            group = self.names.group_of(word)
            if group is None:
                return None
            return _pick(chosen, word, self.names.counterpart(group, gender=_OTHER_GENDER[group.gender]).names, rng)

        return self.described(text, _substitute(text, swap))

    def groups(self, text: str) -> dict[str, str]:
        """The majority gender of the gendered words and names; ``mixed`` on a tie."""
        counts = {"male": 0, "female": 0}
        for word in _words(text):
            group = self.names.group_of(word)
            gender = ("male" if word in self.to_female else "female" if word in self.to_male
                      else group.gender if group is not None else None)
            if gender is not None:
                counts[gender] += 1
        if counts["male"] == counts["female"]:
            return {"source_group": "mixed", "group": "mixed"}
        source = max(counts, key=counts.__getitem__)
        return {"source_group": source, "group": _OTHER_GENDER[source]}


class RaceSwap(IdentitySwap):
    """Replace first names of other races by names of ``race``, keeping their gender."""

    def __init__(self, race: str, names: NameBook) -> None:
        super().__init__("race")
        self.race = race
        self.names = names
        self.name = f"race_to_{race}"

    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        chosen: dict[str, str] = {}

        def swap(word: str, _following: str | None) -> str | None:
            group = self.names.group_of(word)
            if group is None or group.race == self.race:
                return None
            return _pick(chosen, word, self.names.counterpart(group, race=self.race).names, rng)

        return self.described(text, _substitute(text, swap))

    def groups(self, text: str) -> dict[str, str]:
        """The race of the first name of another race, and the target race."""
        races = [g.race for g in map(self.names.group_of, _words(text)) if g is not None and g.race != self.race]
        return {"source_group": races[0], "group": self.race}


class TermSwap(IdentitySwap):
    """Replace the terms of other groups of an attribute by ``group``'s term of the same form."""

    def __init__(self, table: TermTable, group: str) -> None:
        super().__init__(table.attribute)
        self.table = table
        self.group = group
        self.name = f"{table.attribute}_to_{group}"

    def perturb(self, text: str, rng: random.Random) -> Perturbed | None:
        def swap(word: str, _following: str | None) -> str | None:
            found = self.table.find(word)
            if found is None or found[0] == self.group:
                return None
            return self.table.groups[self.group][found[1]][0]

        return self.described(text, _substitute(text, swap))

    def groups(self, text: str) -> dict[str, str]:
        """The group of the first term of another group, and the target group."""
        found = [f[0] for f in map(self.table.find, _words(text)) if f is not None and f[0] != self.group]
        return {"source_group": found[0], "group": self.group}


# --------------------------------------------------------------------------- templates

@dataclass(frozen=True)
class Person:
    """A person phrase and the groups it belongs to (``{"gender": "female", "race": ...}``)."""

    text: str
    demographics: Mapping[str, str]


@dataclass(frozen=True)
class Template:
    """A sentence with ``{person}`` and ``{word}`` slots; ``words`` names the word list."""

    name: str
    text: str
    words: str

    def fill(self, person: Person, word: str) -> str:
        return self.text.format(person=person.text, word=word, a="an" if word[0] in "aeiou" else "a",
                                reflexive=_REFLEXIVE[person.demographics.get("gender")])


#: A person set: a slug naming it, and one person per group (reference group first).
PersonSet = tuple[str, dict[str, Person]]


def _slug(phrase: str) -> str:
    return "_".join(phrase.replace("{term}", " ").split())


def gender_person_sets(pairs: Sequence[Sequence[str]]) -> list[PersonSet]:
    """Gendered noun phrases, ``[male, female]`` pairs; male is the reference group."""
    return [(_slug(male), {"male": Person(male, {"gender": "male"}), "female": Person(female, {"gender": "female"})})
            for male, female in pairs]


def race_person_sets(names: NameBook) -> list[PersonSet]:
    """The i-th name of each race, within each gender; the first race is the reference group."""
    sets: list[PersonSet] = []
    for gender in ("male", "female"):
        groups = [g for race in names.races for g in names.groups if g.race == race and g.gender == gender]
        for row in zip(*(g.names for g in groups)):
            sets.append((row[0], {g.race: Person(name, {"race": g.race, "gender": g.gender})
                                  for g, name in zip(groups, row)}))
    return sets


def frame_person_sets(table: TermTable, frames: Sequence[Mapping[str, str]]) -> list[PersonSet]:
    """One set per frame ("this {term} man"), every group of the table in file order."""
    sets: list[PersonSet] = []
    for frame in frames:
        gender = {"gender": frame["gender"]} if frame.get("gender") else {}
        sets.append((_slug(frame["text"]), {
            group: Person(frame["text"].format(term=table.adjective(group)), {table.attribute: group, **gender})
            for group in table.groups
        }))
    return sets


def template_cases(
    suite_name: str,
    designs: Mapping[str, Sequence[PersonSet]],
    templates: Sequence[Template],
    words: Mapping[str, Mapping[str, Sequence[str]]],
    labels: Sequence[str],
    seed: int,
) -> list[Case]:
    """Every (attribute, person set, template, emotion) cell: one emotion word drawn with the
    cell's own rng (seeded by the cell), one case per group, the reference group's sentence the
    base of the others. Emotions not in ``labels`` are skipped."""
    cases: list[Case] = []
    for attribute, person_sets in designs.items():
        for slug, persons in person_sets:
            reference = next(iter(persons))
            for template in templates:
                for emotion, choices in words[template.words].items():
                    if emotion not in labels:
                        continue
                    pair = f"{attribute}:{template.name}:{emotion}:{slug}"
                    word = seeded_rng(seed, suite_name, "template", pair).choice(list(choices))
                    base_text = template.fill(persons[reference], word)
                    for group, person in persons.items():
                        base = group == reference
                        cases.append(Case(
                            id=f"{suite_name}:template:{pair}:{group}", text=template.fill(person, word),
                            expectation=_INV, label=emotion,
                            source_text=None if base else base_text,
                            rule=f"template_{template.name}",
                            meta={"attribute": attribute, "group": group, "source_group": reference,
                                  "pair": pair, "origin": "template",
                                  "role": "base" if base else "counterfactual", "template": template.name,
                                  "emotion_word": word, "person": dict(person.demographics)},
                        ))
    return cases


# --------------------------------------------------------------------------- the suite

def _read(ctx: SuiteContext, param: str) -> dict[str, Any]:
    """The YAML mapping in the data file named by ``params[param]``."""
    if param not in ctx.spec.params:
        raise AuditError(f"suite {ctx.spec.name!r}: params.{param} (a data file) is missing")
    return load_yaml_mapping(ctx.data_path(ctx.spec.params[param]))


#: The ``params`` a suite declaration may give this generator, with their types.
PARAMS: dict[str, type] = {"gender_words": str, "names": str, "groups": str, "templates": str}


def generate(ctx: SuiteContext) -> GeneratedSuite:
    """Counterfactuals of the test texts that mention an identity, then the template cases."""
    gender_words, names_raw = _read(ctx, "gender_words"), _read(ctx, "names")
    groups_raw, templates_raw = _read(ctx, "groups"), _read(ctx, "templates")
    try:
        names = NameBook(names_raw)
        tables = [TermTable(attribute, raw) for attribute, raw in groups_raw.items()]
        rules: list[IdentitySwap] = [GenderSwap(gender_words["pairs"], gender_words["her_object_before"], names),
                                     *(RaceSwap(race, names) for race in names.races),
                                     *(TermSwap(t, group) for t in tables for group in t.groups)]
        templates = [Template(name, t["text"], t["words"]) for name, t in templates_raw["templates"].items()]
        words = {kind: templates_raw[kind] for kind in {t.words for t in templates}}
        designs = {"gender": gender_person_sets(templates_raw["gender_persons"]), "race": race_person_sets(names),
                   **{t.attribute: frame_person_sets(t, templates_raw["group_frames"]) for t in tables}}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AuditError(f"suite {ctx.spec.name!r}: malformed identity data: {exc!r}") from exc
    derived = derive_cases(ctx.spec.name, ctx.source, rules, lambda *_: _INV, ctx.seed, keep_label=True)
    cases = [replace(c, meta={**c.meta, "pair": f"{c.rule}:{c.source_id}"}) for c in derived.cases]
    cases += template_cases(ctx.spec.name, designs, templates, words, ctx.labels, ctx.seed)
    return GeneratedSuite(cases=cases, coverage=derived.coverage, n_candidates=derived.n_candidates)


def summarize(records: Sequence[Mapping[str, Any]], labels: Sequence[str], *, seed: int = 0,
              n_resamples: int = 1000) -> dict[str, Any]:
    """Per attribute: flip rates, probability changes, per-group accuracy on the templates with
    gaps, and Holm-corrected paired tests (see :mod:`audit.bias`)."""
    return counterfactual_summary(records, labels, seed=seed, n_resamples=n_resamples)
