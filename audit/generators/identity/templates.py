"""Template cases after the Equity Evaluation Corpus (Kiritchenko & Mohammad 2018).

Sentences such as "{person} feels {word}" are filled with an emotion word of each class (the
case's gold label) and with persons that differ only in one attribute; the reference group's
sentence is the base of the pair and the others are its counterfactuals. Every (attribute, person
set, template, emotion) cell draws its word with its own seeded rng.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ...suite import Case, Expectation, seeded_rng
from .names import NameBook
from .terms import TermTable
from .text import indefinite_article

#: The expectation of every identity case: changing who a text is about keeps its emotion.
INV = Expectation("INV")
_REFLEXIVE = {"male": "himself", "female": "herself", None: "themselves"}


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
        return self.text.format(person=person.text, word=word, a=indefinite_article(word),
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


def word_lists(raw: Mapping[str, Mapping[str, Mapping[str, Any]]],
               used: Iterable[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """The templates' word lists named in ``used``, ``{list: {class: words}}``, from the data's
    ``{list: {class: {words, reason}}}``.

    Every class entry must say why its words fit the frames that use the list (a non-empty
    ``reason``): the words were chosen by reading each (template, word) sentence, and one unread
    word would spread to every person of every group. A class with no words (a frame that no word
    of it fits, such as love in "the recent ___ events") is left out, so that frame has no cases
    of that class. Raises ``ValueError`` for an entry without a reason, ``TypeError`` for words
    that are not a list.
    """
    lists: dict[str, dict[str, tuple[str, ...]]] = {}
    for name in sorted(set(used)):
        lists[name] = {}
        for emotion, entry in raw[name].items():
            if not str(entry.get("reason") or "").strip():
                raise ValueError(f"word list {name}.{emotion} gives no reason")
            if not isinstance(entry["words"], list):
                raise TypeError(f"word list {name}.{emotion}: words must be a list")
            if entry["words"]:
                lists[name][emotion] = tuple(entry["words"])
    return lists


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
                            expectation=INV, label=emotion,
                            source_text=None if base else base_text,
                            rule=f"template_{template.name}",
                            meta={"attribute": attribute, "group": group, "source_group": reference,
                                  "pair": pair, "origin": "template",
                                  "role": "base" if base else "counterfactual", "template": template.name,
                                  "emotion_word": word, "person": dict(person.demographics)},
                        ))
    return cases
