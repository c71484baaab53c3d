"""The dialect suite: hand-worked before/after pairs for every rule (and texts each rule must leave
alone), the detectors that find a variety's features in training texts, the per-variety
composition, determinism, coverage, and the per-variety, per-rule and per-feature figures."""
from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from audit.errors import AuditError
from audit.generators import dialect
from audit.generators.dialect_rules import (
    ClauseFinalTag, TokenRule, ends_clause, fuse, short_main_clause, tokenize, words_of,
)
from audit.suite import SourceData, SuiteContext, cases_hash, generate, load_spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "suites" / "dialect.yaml"
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]


def _context(source: SourceData | None = None, seed: int = 0, **params) -> SuiteContext:
    spec = load_spec(SPEC)
    if params:
        spec = type(spec)(spec.name, spec.description, spec.generator, spec.test_type,
                          {**spec.params, **params}, spec.path)
    return SuiteContext(spec, source or SourceData([], [], []), LABELS, seed)


@pytest.fixture(scope="module")
def rules() -> dict[str, TokenRule]:
    return {rule.name: rule for variety in dialect.load_varieties(_context()) for rule in variety.rules}


def _apply(rule: TokenRule, text: str, seed: int = 0) -> str | None:
    """The rule's rewrite; a tag rule is applied to every eligible text (its rate is tested apart)."""
    if isinstance(rule, ClauseFinalTag):
        rule = copy.copy(rule)
        rule.rate = 1.0
    return rule.perturb(text, random.Random(seed))


# (rule, before, after); after None: the rule must not apply.
PAIRS = [
    ("aae.aint_be", "im not sure about this", "i aint sure about this"),
    ("aae.aint_be", "i m not going out", "i aint going out"),
    ("aae.aint_be", "i am not a people person", "i aint a people person"),
    ("aae.aint_be", "that isnt fair", "that aint fair"),
    ("aae.aint_be", "the kids are not happy", "the kids aint happy"),
    ("aae.aint_be", "i wasnt sure", None),
    ("aae.aint_be", "i am sure", None),
    # Formal register: a public or official voice keeps standard negation.
    ("aae.aint_be", "im not sure the government is listening", None),
    ("aae.aint_be", "i am not able to acknowledge that", None),
    ("aae.aint_be", "the artistic intention is not to raise the questions of structural linguistics", None),
    ("aae.aint_have", "i havent done it", "i aint done it"),
    ("aae.aint_have", "she has not been here", "she aint been here"),
    ("aae.aint_have", "i haven t got time", "i aint got time"),
    ("aae.aint_have", "i havent a clue", None),
    ("aae.aint_have", "i have not", None),
    ("aae.invariant_dont", "she doesnt care", "she dont care"),
    ("aae.invariant_dont", "it doesn t help", "it don t help"),
    ("aae.invariant_dont", "i dont care", None),
    ("aae.negative_concord", "i dont have any money", "i dont have no money"),
    ("aae.negative_concord", "i dont want any", "i dont want none"),
    ("aae.negative_concord", "i don t want any of it", "i don t want none of it"),
    ("aae.negative_concord", "i didnt see anyone there", "i didnt see nobody there"),
    ("aae.negative_concord", "im not feeling anything", "im not feeling nothing"),
    ("aae.negative_concord", "i didnt feel anything anymore", "i didnt feel nothing no more"),
    ("aae.negative_concord", "if anyone asks i am fine", None),
    ("aae.negative_concord", "i dont know if anyone cares", None),
    ("aae.negative_concord", "i dont think i have any", None),
    ("aae.negative_concord", "i have any chance", None),
    # Only a colloquial negator (contracted, "never", "not" after a contracted be): formal
    # uncontracted and non-finite negation keeps "any".
    ("aae.negative_concord", "i couldnt think of anything", "i couldnt think of nothing"),
    ("aae.negative_concord", "i will never write anything", "i will never write nothing"),
    ("aae.negative_concord", "i had not previously made any newborn sized babies", None),
    ("aae.negative_concord", "i did not feel any passionate joy", None),
    ("aae.negative_concord", "i cannot find anything", None),
    ("aae.negative_concord", "i dont have any words to thank you all", None),
    ("aae.negative_concord", "sorry for not having written anything", None),
    # "nothing but" would mean "only".
    ("aae.negative_concord", "i dont leave anything but i feel rude", None),
    ("aae.negative_concord", "i dont love him anymore but i", "i dont love him no more but i"),
    ("aae.completive_done", "i have already told him", "i done told him"),
    ("aae.completive_done", "ive finished my work", "i done finished my work"),
    ("aae.completive_done", "she has eaten", "she done ate"),
    ("aae.completive_done", "look what you have done", "look what you done did"),
    ("aae.completive_done", "ive been feeling low", None),
    ("aae.completive_done", "i have known him for years", None),
    ("aae.completive_done", "i have tried it before", None),
    ("aae.completive_done", "i have just burned the dinner", None),
    ("aae.completive_done", "have you finished", None),
    ("aae.completive_done", "i have mixed feelings", None),
    ("aae.completive_done", "the minutes i have left", None),
    ("aae.habitual_be", "i always feel tired", "i always be feeling tired"),
    ("aae.habitual_be", "shes always late", "she always be late"),
    ("aae.habitual_be", "i m usually happy here", "i usually be happy here"),
    ("aae.habitual_be", "he often gets angry", "he often be getting angry"),
    ("aae.habitual_be", "i normally find it hard", "i normally be finding it hard"),
    ("aae.habitual_be", "i always felt tired", None),
    ("aae.habitual_be", "i feel tired", None),
    ("aae.habitual_be", "do you always feel tired", None),
    ("aae.habitual_be", "i always know the answer", None),
    ("aae.habitual_be", "its always been hard", None),
    ("aae.habitual_be", "i often read books", None),
    ("aae.habitual_be", "im always going to love you", None),
    # Relative-clause gaps and fragments: "be" would be stranded.
    ("aae.habitual_be", "i sometimes feel is carried in my heart", None),
    ("aae.habitual_be", "what i always feel makes me sad", None),
    ("aae.habitual_be", "i normally find intimidating but i go", None),
    ("aae.habitual_be", "i always feel that love is vast", None),
    ("aae.habitual_be", "the way i usually end up feeling", None),
    ("aae.habitual_be", "i always cry", None),
    # Finna replaces the copula and "going to"; first person keeps "im", never a full "am".
    ("aae.finna", "im going to cry", "im finna cry"),
    ("aae.finna", "i m going to cry", "i m finna cry"),
    ("aae.finna", "i am going to cry", "im finna cry"),
    ("aae.finna", "she is about to leave", "she finna leave"),
    ("aae.finna", "shes gonna feel jealous", "she finna feel jealous"),
    ("aae.finna", "we are gonna be late", "we finna be late"),
    ("aae.finna", "i was going to cry", None),
    ("aae.finna", "im going to school", None),
    ("aae.finna", "im going to work", None),
    ("aae.finna", "it is going to rain", None),
    ("aae.finna", "am i going to cry", None),
    ("aae.finna", "im not going to cry", None),
    ("aae.zero_copula", "she is happy", "she happy"),
    ("aae.zero_copula", "they are leaving now", "they leaving now"),
    ("aae.zero_copula", "hes at home", "he at home"),
    ("aae.zero_copula", "you are a good friend", "you a good friend"),
    ("aae.zero_copula", "she is so tired", "she so tired"),
    ("aae.zero_copula", "i am happy", None),
    ("aae.zero_copula", "it is cold", None),
    ("aae.zero_copula", "she was happy", None),
    ("aae.zero_copula", "i wonder how happy she is today", None),
    ("aae.zero_copula", "i know where they are", None),
    ("aae.zero_copula", "hes been there", None),
    ("aae.zero_copula", "he is sent home", None),
    ("aae.zero_copula", "is she happy", None),
    ("aae.zero_third_person", "she feels sad", "she feel sad"),
    ("aae.zero_third_person", "it makes me cry", "it make me cry"),
    ("aae.zero_third_person", "he always says that", "he always say that"),
    ("aae.zero_third_person", "she has a car", "she have a car"),
    ("aae.zero_third_person", "they feel sad", None),
    ("aae.zero_third_person", "she felt sad", None),
    ("aae.zero_third_person", "does she feel sad", None),
    ("inde.inverted_indirect_question", "i dont know why i feel this way", "i dont know why do i feel this way"),
    ("inde.inverted_indirect_question", "i wonder what she is doing", "i wonder what is she doing"),
    ("inde.inverted_indirect_question", "im not sure what i should do", "im not sure what should i do"),
    ("inde.inverted_indirect_question", "i wonder how it feels", "i wonder how does it feel"),
    ("inde.inverted_indirect_question", "i dont know why i felt so sad", "i dont know why did i feel so sad"),
    ("inde.inverted_indirect_question", "i dont know why ive been so sad", "i dont know why have i been so sad"),
    ("inde.inverted_indirect_question", "i don t know who i am", "i don t know who am i"),
    ("inde.inverted_indirect_question", "i know what i want", None),
    ("inde.inverted_indirect_question", "i dont know what happened", None),
    ("inde.inverted_indirect_question", "i wonder if he is ok", None),
    ("inde.inverted_indirect_question", "i dont know how much i love you", None),
    ("inde.inverted_indirect_question", "i dont know why i hurt him", None),
    ("inde.inverted_indirect_question", "i wonder why its been so hard", None),
    ("inde.stative_progressive", "i know him", "i am knowing him"),
    ("inde.stative_progressive", "i want him", "i am wanting him"),
    ("inde.stative_progressive", "i have a doubt", "i am having a doubt"),
    ("inde.stative_progressive", "i really want to go", "i am really wanting to go"),
    ("inde.stative_progressive", "i need money", "i am needing money"),
    ("inde.stative_progressive", "i know he is right", "i am knowing he is right"),
    ("inde.stative_progressive", "i feel stressed but i love the feeling", "i feel stressed but i am loving the feeling"),
    ("inde.stative_progressive", "honestly i have some goals", "honestly i am having some goals"),
    # Only the speaker's own state in a main clause: not other subjects, relative clauses,
    # complement or adverbial clauses, nor generic statements of taste.
    ("inde.stative_progressive", "she wants a new phone", None),
    ("inde.stative_progressive", "we need money", None),
    ("inde.stative_progressive", "i hope you like this", None),
    ("inde.stative_progressive", "take everything i love in this world away", None),
    ("inde.stative_progressive", "the work i need to do", None),
    ("inde.stative_progressive", "i think i love her", None),
    ("inde.stative_progressive", "if i want to shoot weddings", None),
    ("inde.stative_progressive", "because i know their standard", None),
    ("inde.stative_progressive", "i love rides but", None),
    ("inde.stative_progressive", "i love a hearty chat", None),
    ("inde.stative_progressive", "i hate it when people lie", None),
    ("inde.stative_progressive", "i have to go", None),
    ("inde.stative_progressive", "i have been there", None),
    ("inde.stative_progressive", "i feel happy", None),
    ("inde.stative_progressive", "you know what i mean", None),
    ("inde.stative_progressive", "i like to read", None),
    ("inde.stative_progressive", "i hate feeling like this", None),
    ("inde.stative_progressive", "everyone i know would agree", None),
    ("inde.stative_progressive", "i knew him", None),
    ("inde.stative_progressive", "more than they need to", None),
    # Gaps of relative clauses, and "you" as an object.
    ("inde.stative_progressive", "folks do whatever they want i feel angry", None),
    ("inde.stative_progressive", "the things that i want without thinking", None),
    ("inde.stative_progressive", "would someone like you want me", None),
    ("inde.stative_progressive", "the end of the world as we know it", None),
    ("inde.too_much", "i feel very sad", "i feel too much sad"),
    # Only negative feelings and plain states: "too much" read as "excessively" turns honour,
    # worth or joy into more than deserved or wished.
    ("inde.too_much", "i feel very happy", None),
    ("inde.too_much", "i feel very honoured to be here", None),
    ("inde.too_much", "i feel very important", None),
    ("inde.too_much", "i feel very tired and very much want to sleep", None),
    ("inde.too_much", "i feel very tired and want to sleep", "i feel too much tired and want to sleep"),
    # Formal register (a thank-you of honour, a public address) is left alone.
    ("inde.too_much", "i feel very nervous to have the opportunity to speak", None),
    ("inde.too_much", "i feel very honoured to have been part of the bond family and very much hope "
                      "i have a chance to work with them again", None),
    ("inde.too_much", "i was very lonely", "i was too much lonely"),
    ("inde.too_much", "im feeling very nervous about it", "im feeling too much nervous about it"),
    ("inde.too_much", "i feel very strongly about it", None),
    ("inde.too_much", "im not feeling very hopeful", None),
    ("inde.too_much", "thank you very much", None),
    ("inde.too_much", "it was the very first time", None),
    ("inde.too_much", "i feel very much at home", None),
    ("inde.too_much", "its very over the top", None),
    # One-word adjectives only: not compounds, adjective + noun, or a pronoun.
    ("inde.too_much", "i am feeling very touch deprived", None),
    ("inde.too_much", "i feel very eco friendly right now", None),
    ("inde.too_much", "i started feeling very gentle contractions", None),
    ("inde.too_much", "i am very i feel very privileged", None),
    # "little sad" could read as "hardly sad": "a little" + adjective keeps its article.
    ("inde.zero_article", "i feel a little sad", None),
    ("inde.zero_article", "im feeling a little anxious about it", None),
    ("inde.zero_article", "im feeling a little bit unloved", "im feeling little bit unloved"),
    ("inde.zero_article", "a lot of people came", "lot of people came"),
    ("inde.zero_article", "im feeling a little bit better", "im feeling little bit better"),
    ("inde.zero_article", "i feel a little more confident", None),
    ("inde.zero_article", "quite a lot of people came", None),
    ("inde.zero_article", "i bought a little dog", None),
    ("inde.zero_article", "i feel a little like a fool", None),
    ("inde.invariant_tag", "it was a lovely day", "it was a lovely day isnt it"),
    ("inde.invariant_tag", "you are coming tomorrow", "you are coming tomorrow isnt it"),
    ("inde.invariant_tag", "the weather changed", "the weather changed isnt it"),
    ("inde.invariant_tag", "i feel so lucky today", None),
    ("inde.invariant_tag", "it made me so happy", None),
    ("inde.invariant_tag", "it was not fun", None),
    ("inde.invariant_tag", "it was fun because we went to the beach", None),
    ("inde.invariant_tag", "it was a lovely day and the sun was out and we all went to the beach", None),
    ("inde.invariant_tag", "it is nice isnt it", None),
    ("inde.invariant_tag", "is it nice", None),
    ("inde.invariant_tag", "it was like the", None),
    ("inde.invariant_tag", "and it was fun", None),
    ("sge.inverted_indirect_question", "i dont know what i should do", "i dont know what should i do"),
    ("sge.inverted_indirect_question", "i know how it feels", None),
    ("sge.already_perfect", "i have finished my homework", "i finish my homework already"),
    ("sge.already_perfect", "ive lost my keys and i cried", "i lose my keys already and i cried"),
    ("sge.already_perfect", "i feel like ive lost my mind", "i feel like i lose my mind already"),
    ("sge.already_perfect", "i have already told him", "i tell him already"),
    ("sge.already_perfect", "the things ive said", None),
    ("sge.already_perfect", "i have noticed my fingers and toes get cold", None),
    ("sge.already_perfect", "i have known him for years", None),
    ("sge.already_perfect", "i have been there", None),
    ("sge.already_perfect", "i have decided to go", None),
    ("sge.already_perfect", "i have learned that life is hard", None),
    ("sge.existential_got", "there are so many people here", "got so many people here"),
    ("sge.existential_got", "i think there is a problem", "i think got a problem"),
    ("sge.existential_got", "there is no hope", None),
    ("sge.existential_got", "the house over there is big", None),
    ("sge.zero_copula", "im so tired", "i so tired"),
    ("sge.zero_copula", "its very nice", "it very nice"),
    ("sge.zero_copula", "i m not sure", "i not sure"),
    ("sge.zero_copula", "they are really nice", "they really nice"),
    ("sge.zero_copula", "im feeling sick", "i feeling sick"),
    ("sge.zero_copula", "im tired", None),
    ("sge.zero_copula", "i was so tired", None),
    ("sge.zero_copula", "its been so long", None),
    ("sge.zero_copula", "i feel like its meaning is lost", None),
    ("sge.zero_copula", "all i am thinking is the fact", None),
    ("sge.zero_copula", "im being honest", None),
    # An adjectival, locative or progressive predicate after the cue, not a noun phrase.
    ("sge.zero_copula", "im not even sure", "i not even sure"),
    ("sge.zero_copula", "im not in the mood", "i not in the mood"),
    ("sge.zero_copula", "im not constantly tired", "i not constantly tired"),
    ("sge.zero_copula", "so im not really updating it", "so i not really updating it"),
    ("sge.zero_copula", "i am not a people person", None),
    ("sge.zero_copula", "im not the only one", None),
    ("sge.zero_copula", "its not something i can do", None),
    ("sge.zero_copula", "its not like i care", None),
    ("sge.zero_copula", "im so much in love", None),
    ("sge.zero_copula", "im not that kind of person", None),
    ("sge.zero_third_person", "it makes me sad", "it make me sad"),
    ("sge.zero_third_person", "they make me sad", None),
    # Particles by what the clause says: lor for resignation, leh for a tentative statement,
    # lah for an assertion; only after a short main declarative clause.
    ("sge.discourse_particle", "i feel so tired today", "i feel so tired today lah"),
    ("sge.discourse_particle", "i guess i have to accept it", "i guess i have to accept it lor"),
    ("sge.discourse_particle", "i think it is a bit much", "i think it is a bit much leh"),
    ("sge.discourse_particle", "i feel so tired today lah", None),
    ("sge.discourse_particle", "why do i feel like this", None),
    ("sge.discourse_particle", "i feel sad when he leaves", None),
    ("sge.discourse_particle", "i feel so tired today and i just want to sleep all day long", None),
    ("sge.discourse_particle", "i feel like the", None),
    ("sge.discourse_particle", "but i feel fine", None),
    ("sge.discourse_particle", "i feel useless a href http", None),
    # Only the speaker's present stance or feeling, never a narrated or reported event.
    ("sge.discourse_particle", "im so tired today", "im so tired today lah"),
    ("sge.discourse_particle", "i really feel useless", "i really feel useless lah"),
    ("sge.discourse_particle", "i replied feeling strange at giving the orders", None),
    ("sge.discourse_particle", "i woke up feeling a little depressed", None),
    ("sge.discourse_particle", "i went home feeling sad", None),
    ("sge.discourse_particle", "i feel so awful she said", None),
    ("sge.discourse_particle", "he feels so tired today", None),
    ("sge.discourse_particle", "i put it away feeling sad", None),
    ("brit.british_spelling", "my favorite color", "my favourite colour"),
    ("brit.british_spelling", "i realized i was traveling", "i realised i was travelling"),
    ("brit.british_spelling", "i need more practice", None),
    ("brit.british_spelling", "the program was fine", None),
    ("brit.british_spelling", "i feel happy", None),
    ("slang.lengthening", "i feel so tired", "i feel sooo tired"),
    ("slang.lengthening", "there are so many people", "there are sooo many people"),
    ("slang.lengthening", "so i left early", None),
    ("slang.lengthening", "i think so", None),
    ("slang.lengthening", "i feel so", None),
    # Formal, public or solemn register is left alone.
    ("slang.lengthening", "someone who feels so proud to be part of the community gathered here today", None),
    ("slang.lengthening", "with so much trafficking and slavery its hard not to feel embittered", None),
    ("slang.lengthening", "i feel so sad since my grandmother passed away", None),
    ("slang.lengthening", "with so much work its hard not to feel embittered", "with sooo much work its hard not to feel embittered"),
    ("slang.abbreviation", "i dont know why you are sad", "idk why u are sad"),
    ("slang.abbreviation", "i don t know", "idk"),
    ("slang.abbreviation", "please tell your people", "pls tell ur ppl"),
    ("slang.abbreviation", "i feel fine", None),
    ("slang.abbreviation", "i did it yourself", None),
    ("slang.abbreviation", "okay then", None),
    ("slang.abbreviation", "i want you to know that if i become prime minister i will be proud", None),
    ("slang.abbreviation", "i want you to know that if i become a teacher i will be proud",
     "i want u to know that if i become a teacher i will be proud"),
    ("slang.abbreviation", "you know the cancer came back", None),
]


@pytest.mark.parametrize(("rule", "before", "after"), PAIRS)
def test_rule_pairs(rules: dict[str, TokenRule], rule: str, before: str, after: str | None) -> None:
    assert _apply(rules[rule], before) == after


def test_every_rule_has_positive_and_negative_pairs(rules: dict[str, TokenRule]) -> None:
    positive = {r for r, _, after in PAIRS if after is not None}
    negative = {r for r, _, after in PAIRS if after is None}
    assert set(rules) == positive == negative


def test_particles_follow_content_and_are_optional(rules: dict[str, TokenRule]) -> None:
    rule = rules["sge.discourse_particle"]
    assert 0 < rule.rate < 1
    outcomes = [rule.perturb("i guess i have to accept it", random.Random(s)) for s in range(60)]
    assert set(outcomes) == {None, "i guess i have to accept it lor"}
    assert abs(sum(o is not None for o in outcomes) / 60 - rule.rate) < 0.2
    because = {_apply(rules["slang.abbreviation"], "i cried because of you", s) for s in range(30)}
    assert because == {"i cried cuz of u", "i cried bc of u"}


def test_register_gates_are_built_from_the_varieties_file() -> None:
    registers = dialect.load_registers({"formal": {"words": ["minister"], "phrases": ["on behalf of"]},
                                        "solemn": {"words": ["funeral"]}})
    gate = dialect.register_gate({"rule": "x", "skip_registers": ["formal", "solemn"], "max_text_words": 5},
                                 registers)
    assert gate is not None
    assert gate.excludes(words_of("i speak on behalf of my team"))
    assert gate.excludes(words_of("the funeral was sad"))
    assert gate.excludes(words_of("one two three four five six"))
    assert not gate.excludes(words_of("i feel so tired"))
    assert dialect.register_gate({"rule": "x"}, registers) is None
    with pytest.raises(AuditError, match="unknown registers"):
        dialect.register_gate({"rule": "x", "skip_registers": ["casual"]}, registers)
    with pytest.raises(AuditError, match="unknown keys"):
        dialect.load_registers({"formal": {"word": ["minister"]}})


@pytest.fixture(scope="module")
def varieties() -> dict[str, dialect.Variety]:
    return {variety.name: variety for variety in dialect.load_varieties(_context())}


# Texts out of informal personal writing, each of which some variety's rules would rewrite
# (before/after without the gate), with the reason the gate gives; all must be skipped.
OUT_OF_REGISTER = [
    ("aae", "i forgive myself that i have accepted and allowed myself to think that as i am writing this blog",
     "i forgive myself that i done accepted and allowed myself to think that as i am writing this blog",
     "scripted"),
    ("sge", "i am feeling uncertain of the merits of posting to this blog with the frequency or earnestness "
            "i had been over the previous year", None, "formal"),
    ("sge", "i am feeling my way often blindly from the carefree days of youth into the uncharted waters "
            "of maturity", None, "formal"),
    ("slang", "because i ve been competing all my life explained schaub in an interview", None, "reporter_frame"),
    ("slang", "this valuable individual guidance is offered for a restricted number of people", None, "formal"),
    ("slang", "i dont want to always be judgmental of particular men or scenarios that i often see in this "
              "area but with so much work and what basically amounts to stress i feel bitter", None, "long"),
    ("slang", "you know i feel so happy see http www example com", None, "markup"),
    # link attributes left when the tag was stripped, with no url-like word
    ("slang", "i feel it like you target blank class di title bookmark on del", None, "markup"),
]


@pytest.mark.parametrize(("variety", "before", "ungated", "reason"), OUT_OF_REGISTER)
def test_out_of_register_texts_are_skipped(varieties: dict[str, dialect.Variety], variety: str, before: str,
                                           ungated: str | None, reason: str) -> None:
    gated = varieties[variety]
    result = gated.perturb(before, random.Random(0))
    assert result is not None and result.meta == {"register_skip": reason}
    bare = dialect.Variety(variety, gated.rules).perturb(before, random.Random(0))
    assert bare is not None and bare.text != before
    if ungated is not None:
        assert bare.text == ungated


def test_casual_short_text_rewrites_in_every_variety(varieties: dict[str, dialect.Variety]) -> None:
    text = "i am so mad at my neighbor because he is always loud and i know it is rude"
    out = {name: v.perturb(text, random.Random(0)) for name, v in varieties.items()}
    assert all(r is not None and "register_skip" not in r.meta and r.text != text for r in out.values()), out
    assert out["aae"].text == "i am so mad at my neighbor because he always be loud and i know it is rude"
    assert out["sge"].text == "i so mad at my neighbor because he is always loud and i know it is rude"


def test_brit_is_ungated_and_gate_reasons() -> None:
    v = {variety.name: variety for variety in dialect.load_varieties(_context())}
    assert v["brit"].gate is None and all(v[n].gate is not None for n in ("aae", "inde", "sge", "slang"))
    gate = v["aae"].gate
    assert gate.reason(words_of("i said goodbye to him and felt sad")) is None
    assert gate.reason(words_of("she told me i was annoying")) is None
    assert gate.reason(words_of("according to my mom i am lazy")) == "reporter_frame"
    assert gate.reason(words_of("i feel incredibly overwhelmed today")) == "formal"
    assert gate.reason(words_of("i feel incredibly sad today")) is None
    formal = v["brit"].perturb("the merits of this colorful program are uncharted", random.Random(0))
    assert formal is not None and "register_skip" not in formal.meta


def test_at_most_one_default_tag() -> None:
    with pytest.raises(AuditError, match="at most one tag"):
        ClauseFinalTag("x.tag", {"variety": "x", "ewave": []}, {"lah": [], "lor": []}, max_words=10)


@pytest.mark.parametrize("text", ["i m sure it s fine", "i don t know what you re doing", "i made it"])
def test_tokenize_keeps_split_contractions_and_round_trips(text: str) -> None:
    tokens = tokenize(text)
    assert " ".join(tokens) == text
    assert "i made" not in tokens and [fuse(t) for t in tokenize("i m sure")] == ["im", "sure"]


def test_ends_clause_and_short_main_clause() -> None:
    assert ends_clause(["i", "feel", "fine"])
    assert not ends_clause(["i", "feel", "like", "the"])
    assert not ends_clause(["are", "you", "fine"])
    assert short_main_clause(words_of("i feel fine today"), 10)
    assert not short_main_clause(words_of("i feel fine today"), 3)
    assert not short_main_clause(words_of("i feel fine because you are here"), 10)
    assert not short_main_clause(words_of("i know that you care"), 10)
    assert not short_main_clause(words_of("and i feel fine"), 10)
    assert not short_main_clause(words_of("i feel like"), 10)


# (rule, text, shows): the rule's detector must find the feature in dialect text and must not
# count the standard English forms that look like it.
SHOWS = [
    ("aae.aint_be", "i aint sure", True),
    ("aae.aint_be", "i am not sure", False),
    ("aae.aint_have", "i aint been there", True),
    ("aae.aint_have", "i aint sure", False),
    ("aae.invariant_dont", "she dont care", True),
    ("aae.invariant_dont", "i dont care", False),
    ("aae.negative_concord", "i cant find no crush", True),
    ("aae.negative_concord", "there ain t nothing above", True),
    ("aae.negative_concord", "i wouldnt say no", False),
    ("aae.negative_concord", "it does not matter for no one cares", False),
    ("aae.negative_concord", "i hadnt appeared out of nowhere", False),
    ("aae.negative_concord", "they hadnt left no matter how", False),
    ("aae.completive_done", "i done told him", True),
    ("aae.completive_done", "i am done with him", False),
    ("aae.habitual_be", "she be working late", True),
    ("aae.habitual_be", "i always be feeling tired", True),
    ("aae.habitual_be", "i hope that you always be happy", False),
    ("aae.habitual_be", "whether they be popular", False),
    ("aae.finna", "im finna cry", True),
    ("aae.finna", "im going to cry", False),
    ("aae.zero_copula", "she so tired", True),
    ("aae.zero_copula", "they leaving now", True),
    ("aae.zero_copula", "i love you so much", False),
    ("aae.zero_third_person", "she feel sad", True),
    ("aae.zero_third_person", "she felt sad", False),
    ("aae.zero_third_person", "i want to make her feel good", False),
    ("inde.inverted_indirect_question", "i dont know why am i sad", True),
    ("inde.inverted_indirect_question", "i dont know why i am sad", False),
    ("inde.stative_progressive", "i am knowing him", True),
    ("inde.stative_progressive", "i am loving it", False),
    ("inde.too_much", "i feel too much nervous", True),
    ("inde.too_much", "there is too much time", False),
    ("inde.too_much", "it is too much to bear", False),
    ("inde.zero_article", "i am feeling little bit better", True),
    ("inde.zero_article", "i have lot of work", True),
    ("inde.zero_article", "when she was little i", False),
    ("inde.zero_article", "i have an awful lot of work", False),
    ("inde.zero_article", "i feel little nervous", False),
    ("inde.invariant_tag", "you are coming tomorrow isnt it", True),
    ("inde.invariant_tag", "it is nice isnt it", False),
    ("sge.inverted_indirect_question", "not sure what should i do", True),
    ("sge.inverted_indirect_question", "not sure what i should do", False),
    ("sge.zero_third_person", "he like her", True),
    ("sge.zero_third_person", "they like her", False),
    ("sge.already_perfect", "i finish my homework already", True),
    ("sge.already_perfect", "i already finished my homework", False),
    ("sge.existential_got", "got so many people here", True),
    ("sge.existential_got", "got a new phone today", False),
    ("sge.zero_copula", "i so tired", True),
    ("sge.zero_copula", "i feeling sick", True),
    ("sge.zero_copula", "i so much appreciate it", False),
    ("sge.zero_copula", "i feel so tired", False),
    ("sge.discourse_particle", "i very tired lah", True),
    ("sge.discourse_particle", "i am very tired", False),
    ("brit.british_spelling", "my favourite colour", True),
    ("brit.british_spelling", "my favorite color", False),
    ("brit.british_spelling", "i need more practice", False),
    ("slang.lengthening", "i feel sooo tired", True),
    ("slang.lengthening", "i feel so tired", False),
    ("slang.abbreviation", "idk why u are sad", True),
    ("slang.abbreviation", "i dont know why you are sad", False),
]


@pytest.mark.parametrize(("rule", "text", "expected"), SHOWS)
def test_detectors(rules: dict[str, TokenRule], rule: str, text: str, expected: bool) -> None:
    assert rules[rule].shows(words_of(text)) is expected


def test_every_rule_has_a_positive_and_a_negative_detector_case(rules: dict[str, TokenRule]) -> None:
    assert {r for r, _, e in SHOWS if e} == {r for r, _, e in SHOWS if not e} == set(rules)


# (rule, standard text): the rule's output must show the feature and its source must not.
OWN_OUTPUT = [
    ("aae.aint_be", "im not sure about this"), ("aae.aint_have", "i havent done it"),
    ("aae.invariant_dont", "she doesnt care"), ("aae.negative_concord", "i dont have any money"),
    ("aae.negative_concord", "i didnt see anyone there"), ("aae.completive_done", "i have already told him"),
    ("aae.habitual_be", "i always feel tired"), ("aae.habitual_be", "he often gets angry"),
    ("aae.finna", "i am going to cry"), ("aae.zero_copula", "they are leaving now"),
    ("aae.zero_copula", "she is so tired"), ("aae.zero_third_person", "she feels sad"),
    ("inde.stative_progressive", "i know him"), ("inde.stative_progressive", "i need money"),
    ("inde.too_much", "i feel very nervous"), ("inde.zero_article", "i feel a little bit nervous"),
    ("inde.zero_article", "i have a lot of work"),
    ("inde.inverted_indirect_question", "i dont know why i feel this way"),
    ("inde.invariant_tag", "you are coming tomorrow"), ("sge.zero_copula", "im so tired"),
    ("sge.zero_copula", "im feeling sick"), ("sge.already_perfect", "i have finished my homework"),
    ("sge.existential_got", "there are so many people here"),
    ("sge.discourse_particle", "i feel so tired today"), ("sge.zero_third_person", "she likes it"),
    ("sge.inverted_indirect_question", "i wonder what she is doing"),
    ("brit.british_spelling", "my favorite color"), ("slang.lengthening", "i feel so tired"),
    ("slang.abbreviation", "please tell your people"),
]


@pytest.mark.parametrize(("rule", "before"), OWN_OUTPUT)
def test_detectors_find_their_rules_output_not_its_source(rules: dict[str, TokenRule], rule: str, before: str) -> None:
    after = _apply(rules[rule], before)
    assert after is not None
    assert rules[rule].shows(words_of(after)) and not rules[rule].shows(words_of(before))


def test_variety_applies_all_matching_rules_in_order() -> None:
    aae = {v.name: v for v in dialect.load_varieties(_context())}["aae"]
    text = "im not sure how she feels because she is going to leave and i havent done anything and you are so kind"
    new, fired = aae.apply(text, random.Random(0))
    assert new == "i aint sure how she feel because she finna leave and i aint done nothing and you so kind"
    assert [r.name for r in fired] == ["aae.aint_be", "aae.aint_have", "aae.negative_concord",
                                       "aae.finna", "aae.zero_copula", "aae.zero_third_person"]
    meta = aae.perturb(text, random.Random(0)).meta
    assert meta["rules"] == [r.name for r in fired] and meta["tag_only"] is False
    assert meta["ewave"] == [126, 154, 155, 156, 170, 174, 176, 177, 178]
    assert aae.perturb("the weather changed", random.Random(0)) is None
    inde = {v.name: v for v in dialect.load_varieties(_context())}["inde"]
    assert inde.perturb("the weather changed", random.Random(0)).meta["tag_only"] is True


def test_every_rule_carries_its_ewave_numbers(rules: dict[str, TokenRule]) -> None:
    ewave = {name: rule.meta["ewave"] for name, rule in rules.items()}
    assert ewave["aae.negative_concord"] == [154] and ewave["aae.habitual_be"] == [90]
    assert ewave["inde.stative_progressive"] == [88] and ewave["inde.invariant_tag"] == [165]
    assert ewave["inde.too_much"] == [222] and ewave["inde.zero_article"] == [63]
    assert ewave["inde.inverted_indirect_question"] == ewave["sge.inverted_indirect_question"] == [227]
    assert ewave["sge.already_perfect"] == [109] and ewave["sge.existential_got"] == [205]
    assert ewave["brit.british_spelling"] == [] and ewave["sge.discourse_particle"] == []
    grammar = {name for name, nums in ewave.items() if name.startswith(("aae", "inde", "sge")) and nums}
    assert grammar == {name for name in ewave if name.startswith(("aae", "inde", "sge"))} - {"sge.discourse_particle"}
    assert all(rule.meta["variety"] == name.split(".")[0] for name, rule in rules.items())


SMALL = SourceData(
    ids=["s-0", "s-1", "s-2", "s-3"],
    texts=["im not sure i feel so happy", "my favorite color is blue", "the weather changed",
           "i always feel sad because you are away"],
    labels=["joy", "joy", "surprise", "sadness"],
)


def test_generate_one_inv_case_per_text_and_variety() -> None:
    suite = generate(load_spec(SPEC), SMALL, LABELS, seed=0)
    by_id = {case.id: case for case in suite.cases}
    assert suite.n_candidates == 4
    assert suite.coverage["brit"] == {"n_candidates": 4, "n_changed": 1}
    varieties = ("aae", "inde", "sge", "brit", "slang")
    assert sum(suite.coverage[v]["n_changed"] for v in varieties) == len(suite.cases)
    assert suite.coverage["aae.habitual_be"] == {"n_candidates": 4, "n_changed": 1}
    assert suite.coverage["aae.aint_be"]["n_changed"] == 1 and suite.coverage["aae.finna"]["n_changed"] == 0
    case = by_id["dialect:brit:s-1"]
    assert case.text == "my favourite colour is blue" and case.rule == "brit"
    assert case.label == "joy" and case.expectation.kind == "INV" and case.source_text == SMALL.texts[1]
    assert case.meta == {"variety": "brit", "source_label": "joy", "rules": ["brit.british_spelling"],
                         "ewave": [], "ewave_by_rule": {"brit.british_spelling": []}, "tag_only": False}
    aae = by_id["dialect:aae:s-3"]
    assert aae.text == "i always be feeling sad because you away"
    assert aae.meta["rules"] == ["aae.habitual_be", "aae.zero_copula"]
    assert by_id["dialect:inde:s-2"].text == "the weather changed isnt it"
    assert not any(c.source_id == "s-2" and c.meta["variety"] in ("aae", "brit") for c in suite.cases)


def test_generate_is_deterministic_and_varieties_are_independent() -> None:
    spec = load_spec(SPEC)
    first = generate(spec, SMALL, LABELS, seed=0)
    assert cases_hash(first.cases) == cases_hash(generate(spec, SMALL, LABELS, seed=0).cases)
    alone = dialect.generate(_context(SMALL, varieties=["sge"]))
    assert alone.cases == [c for c in first.cases if c.meta["variety"] == "sge"]


def test_unknown_variety_and_bad_rule_entry_are_errors() -> None:
    with pytest.raises(AuditError, match="unknown dialect varieties"):
        dialect.load_varieties(_context(varieties=["klingon"]))
    with pytest.raises(AuditError, match="bad rule entry"):
        dialect.build_variety("x", {"rules": [{"rule": "no_such_rule"}]}, None, {})


def _record(variety: str, rules: dict[str, list[int]], label: str, pred: str, source_pred: str,
            passed: bool | None = None, tag_only: bool = False) -> dict:
    return {"label": label, "pred": pred, "source_pred": source_pred,
            "passed": (pred == source_pred) if passed is None else passed,
            "meta": {"variety": variety, "rules": list(rules), "ewave_by_rule": rules,
                     "ewave": sorted({n for nums in rules.values() for n in nums}), "tag_only": tag_only}}


def test_summarize_per_variety_rule_and_feature() -> None:
    records = [
        _record("aae", {"aae.a": [154]}, "joy", "joy", "joy"),
        _record("aae", {"aae.a": [154], "aae.b": [174, 176]}, "joy", "sadness", "joy"),
        _record("aae", {"aae.b": [174, 176]}, "fear", "fear", "anger"),
        _record("sge", {"sge.c": [174]}, "joy", "joy", "joy"),
        _record("sge", {"sge.p": []}, "joy", "joy", "joy", tag_only=True),
        _record("sge", {"sge.p": []}, "joy", "joy", "joy", passed=False, tag_only=True),
    ]
    records[3]["passed"] = None  # an unjudgeable case counts in n, not in n_judged
    out = dialect.summarize(records, LABELS)
    aae = out["varieties"]["aae"]
    assert aae["n"] == aae["n_judged"] == 3 and aae["pass_rate"]["successes"] == 1
    assert aae["accuracy"]["successes"] == 2 and aae["source_accuracy"]["successes"] == 2
    assert aae["accuracy_change"] == 0.0 and aae["tag_only_share"] == 0.0
    assert aae["flip_rate"]["successes"] == 2 and aae["flip_rate"]["n"] == 3
    assert out["varieties"]["sge"]["tag_only_share"] == pytest.approx(2 / 3)
    rule_b = out["by_rule"]["aae.b"]
    assert rule_b["n"] == 2 and rule_b["share_of_variety"] == pytest.approx(2 / 3)
    assert rule_b["n_judged"] == 2 and rule_b["pass_rate"]["successes"] == 0
    assert rule_b["flip_rate"]["successes"] == 2 and rule_b["ewave"] == [174, 176]
    assert rule_b["alone"]["n"] == 1 and rule_b["alone"]["accuracy"]["value"] == 1.0
    assert out["by_rule"]["aae.a"]["alone"]["flip_rate"]["value"] == 0.0
    assert out["by_rule"]["sge.c"]["n"] == 1 and out["by_rule"]["sge.c"]["n_judged"] == 0
    # A feature counts every case where a rule implementing it applied, across varieties.
    f174 = out["by_feature"]["174"]
    assert f174["n"] == 3 and f174["n_judged"] == 2 and f174["pass_rate"]["successes"] == 0
    assert f174["rules"] == ["aae.b", "sge.c"] and f174["varieties"] == ["aae", "sge"]
    assert out["by_feature"]["154"]["n"] == 2 and out["by_feature"]["154"]["flip_rate"]["successes"] == 1
    assert out["by_feature"]["176"]["n"] == 2
    assert set(out["by_feature"]) == {"154", "174", "176"}


def test_train_evidence_counts_texts_already_in_a_variety() -> None:
    train = SourceData(
        ids=[f"t-{i}" for i in range(6)],
        texts=["i aint sure about him", "she dont care about me", "i very tired lah",
               "i dont know why am i so sad", "my favourite colour is blue", "i feel happy today"],
        labels=["fear", "sadness", "sadness", "sadness", "joy", "joy"],
    )
    out = dialect.train_evidence(_context(), train)
    assert out["n_train"] == 6 and out["n_matched"] == out["n_consistent"] == 5
    assert out["consistent_rate"] is None
    assert out["label_counts"] == {"fear": 1, "sadness": 3, "joy": 1}
    assert out["by_rule"]["aae.aint_be"] == 1 and out["by_rule"]["aae.invariant_dont"] == 1
    assert out["by_rule"]["sge.discourse_particle"] == 1 and out["by_rule"]["sge.zero_copula"] == 1
    assert out["by_rule"]["inde.inverted_indirect_question"] == 1 and out["by_rule"]["brit.british_spelling"] == 1
    assert out["by_variety"] == {"aae": 2, "inde": 1, "sge": 2, "brit": 1, "slang": 0}
    assert out["summary"].startswith("train: 5 of 6 texts already show a feature")
    assert "aae 2 (" in out["summary"] and "slang 0" in out["summary"]
    empty = dialect.train_evidence(_context(), SourceData(["t"], ["i feel happy"], ["joy"]))
    assert empty["n_matched"] == 0 and empty["label_counts"] == {}


def _test_split(folder: Path) -> SourceData:
    lines = (folder / "test.txt").read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.rsplit(";", 1) for line in lines]
    return SourceData([f"test-{i}" for i in range(len(rows))], [t for t, _ in rows], [lb for _, lb in rows])


def test_coverage_on_the_test_split(emotion_data: Path) -> None:
    source = _test_split(emotion_data)
    spec = load_spec(SPEC)
    suite = generate(spec, source, LABELS, seed=0)
    changed = {v: c["n_changed"] for v, c in suite.coverage.items()}
    assert changed["aae"] >= 140 and changed["brit"] >= 50 and changed["slang"] >= 300
    assert changed["inde"] >= 75 and changed["sge"] >= 320
    names = {r.name for v in dialect.load_varieties(_context()) for r in v.rules}
    fired = {name: sum(name in c.meta["rules"] for c in suite.cases) for name in names}
    assert fired == {name: suite.coverage[name]["n_changed"] for name in names}
    # The test split is first-person feeling reports: no text is a short clause about something
    # the hearer could confirm, so Indian English "isnt it" finds none (it is tested above).
    assert {name for name, n in fired.items() if n == 0} == {"inde.invariant_tag"}
    # Each variety's score rests mostly on grammar: few cases add only a tag or particle.
    for variety in ("aae", "inde", "sge"):
        cases = [c for c in suite.cases if c.meta["variety"] == variety]
        assert sum(c.meta["tag_only"] for c in cases) / len(cases) <= 0.3
    texts = [c.text for c in suite.cases]
    assert not any(f" {be} finna " in f" {t} " for t in texts for be in ("am", "is", "are"))
    particles = [c for c in suite.cases if "sge.discourse_particle" in c.meta["rules"]]
    assert particles and all(len(tokenize(c.text)) <= 11 for c in particles)
    # Another seed keeps every grammatical rewrite; only optional particles and the
    # abbreviation's surface forms are drawn from the rng.
    drawn = ["sge", "slang"]
    other = dialect.generate(_context(source, seed=1, varieties=drawn))

    def grammar(cases: list) -> set:
        return {(c.id, tuple(r for r in c.meta["rules"] if r != "sge.discourse_particle"))
                for c in cases if c.meta["rules"] != ["sge.discourse_particle"]}
    assert grammar(other.cases) == grammar([c for c in suite.cases if c.meta["variety"] in drawn])
    assert [c.text for c in other.cases] != [c.text for c in suite.cases if c.meta["variety"] in drawn]
