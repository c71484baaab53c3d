"""The identity suite: swaps as before/after pairs (and texts that must be skipped, by class of
error), the templates and their pairing, n_sources in the summary, determinism."""
from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from audit.errors import AuditError
from audit.generators import identity
from audit.generators.base import derive_cases
from audit.generators.identity import (WORD_COLUMNS, GenderSwap, NameBook, RaceSwap, Template, TermSwap, TermTable,
                                       Tokens, WordUse, gender_person_sets, template_cases, word_lists)
from audit.generators.identity.text import indefinite_article
from audit.generators.lexicon import read_tsv
from audit.suite import SourceData, cases_hash, generate, load_spec, score_suite

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "suites" / "data"
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
SHIPPED = load_spec(ROOT / "suites" / "identity.yaml")
#: The shipped declaration with every attribute's swaps of test texts, gender's included.
SPEC = replace(SHIPPED, params={**SHIPPED.params, "text_swaps": ["gender", "race", "religion", "nationality"]})


def _yaml(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


NAMES_RAW = _yaml("identity_names.yaml")
NAMES = NameBook(NAMES_RAW)
GROUPS = _yaml("identity_groups.yaml")
GENDER_WORDS = _yaml("identity_gender.yaml")
USE = WordUse(read_tsv(DATA / "identity_words.tsv", WORD_COLUMNS), GENDER_WORDS["her_object_before"])
GENDER = GenderSwap(GENDER_WORDS, NAMES, USE)
RACE = RaceSwap("african_american", NAMES, USE)
TEMPLATES = _yaml("identity_templates.yaml")


def _names(key: str) -> set[str]:
    return set(NAMES_RAW["groups"][key]["names"])


def _source(*texts: str) -> SourceData:
    return SourceData([f"test-{i}" for i in range(len(texts))], list(texts), ["joy"] * len(texts))


def _swap(text: str, rule=GENDER, seed: int = 0) -> str | None:
    """The swapped text, or None when the rule does not apply or skips the text."""
    out = rule.perturb(text, random.Random(seed))
    return None if out is None or "skip" in out.meta else out.text


def _skip(text: str, rule=GENDER) -> str | None:
    """Why the rule skips ``text`` (None: it does not skip it)."""
    out = rule.perturb(text, random.Random(0))
    assert out is not None, "the rule should apply to this text"
    return out.meta.get("skip")


def _term(attribute: str, target: str) -> TermSwap:
    return TermSwap(TermTable(attribute, GROUPS[attribute]), target, USE)


# --------------------------------------------------------------------------- gender: words and names

@pytest.mark.parametrize("before, after", [
    ("he said she was happy", "she said he was happy"),
    ("his wife made him smile", "her husband made her smile"),
    ("he made himself a cup of tea", "she made herself a cup of tea"),
    ("my mum and my brother", "my dad and my sister"),
    ("i miss my boyfriend hes gone", "i miss my girlfriend shes gone"),
    ("He's my Dad", "She's my Mom"),
    ("HE IS HERE", "SHE IS HERE"),
    ("i met mr smith and he was kind", "i met mrs smith and she was kind"),
])
def test_gender_swap_pairs(before: str, after: str) -> None:
    assert _swap(before) == after


@pytest.mark.parametrize("before, after", [
    # object: at the end, before a function word, a determiner, a pronoun, a particle, an adverb
    ("i love her", "i love him"),
    ("i gave her a hug", "i gave him a hug"),
    ("i told her that i care", "i told him that i care"),
    ("i feel sympathetic towards her she was tired", "i feel sympathetic towards him he was tired"),
    ("i want her to feel loved", "i want him to feel loved"),
    ("i took her out for dinner", "i took him out for dinner"),
    ("i hugged her tightly", "i hugged him tightly"),
    ("i hugged her fiercly for an hour", "i hugged him fiercly for an hour"),        # unseen -ly adverb
    # object after a causative, before a bare verb or an adjective
    ("i made her feel better", "i made him feel better"),
    ("it made her smile", "it made him smile"),
    ("i never make her separate from me", "i never make him separate from me"),
    ("it made her happy", "it made him happy"),
    ("the news left her feeling hopeful", "the news left him feeling hopeful"),
    # possessive: before a noun or adjective that starts a noun phrase
    ("her phone rang", "his phone rang"),
    ("i miss her smile and her laugh", "i miss his smile and his laugh"),
    ("i saw it in her eyes", "i saw it in his eyes"),
    ("i did not foresee her frustrations", "i did not foresee his frustrations"),  # unseen plural noun
    ("i hate her wedding plans", "i hate his wedding plans"),                       # -ing noun
    ("i admire her own courage", "i admire his own courage"),
    # words that read both ways, decided by the word after them
    ("she gave me her very own copy", "he gave me his very own copy"),
    ("i love her very much", "i love him very much"),
    ("it was her first concert", "it was his first concert"),
    ("i met her first", "i met him first"),
    ("she loves her", "he loves him"),
])
def test_her_is_object_or_possessive(before: str, after: str) -> None:
    assert _swap(before) == after


@pytest.mark.parametrize("text", [
    "i saw her smile",                       # perception verb: "her smile" or "she smiled"
    "i gave her flowers",                    # two objects, or her flowers
    "i looked back at her feeling desperate",  # participle or noun
    "i will speak with her next chance i get",  # adverbial time phrase, or her next chance
    "my feelings toward her soften",         # unseen verb
])
def test_her_that_reads_both_ways_skips_the_text(text: str) -> None:
    assert _skip(text) == "her unreadable"


@pytest.mark.parametrize("before, after", [
    ("it was his", "it was hers"),
    ("his and mine", "hers and mine"),
    ("his car is red", "her car is red"),
    ("his own fault", "her own fault"),
])
def test_his_is_determiner_or_pronoun(before: str, after: str) -> None:
    assert _swap(before) == after


@pytest.mark.parametrize("text, reason", [
    ("i feel a connection to the ice queen from the north", "fixed phrase"),
    ("i feel no shame in longing for iron man", "fixed phrase"),
    ("aunt flo decided to show up and i feel bloated", "fixed phrase"),
    ("the calming spirit of my heavenly father", "fixed phrase"),
    ("submissive to the will of the father", "fixed phrase"),
    ("what a drama queen she is", "fixed phrase"),
    ("oh boy i feel tired", "fixed phrase"),
    ("the king whom i once respected", "fixed phrase"),     # a monarch, not a man
    ("man i feel so tired", "interjection"),
    ("i feel so excited about her pregnancy", "anatomy"),
    ("he arched his back and his cock ached", "anatomy"),
    ("so precious to the lord jesus he shed his blood", "deity"),
    ("i pray to him for help", "worship"),
    ("god has promised he will be with us", "deity"),
    ("my uncle bob is visiting", "name next to a gendered word"),
    ("i love my brother david", "name next to a gendered word"),
    ("a tribute to carole king", "name next to a gendered word"),   # a title next to an unseen word
    ("i loved that ellie never felt insulted when he teased her", "name not swapped"),
    ("i feel bad because sam said he would come", "name not swapped"),
    # a reviewer's census of the swapped test texts, one class each:
    ("the men and women of the kingdom", "both genders coordinated"),   # swapped, only reordered
    ("i feel for men women and children there", "both genders coordinated"),
    ("every mum and dad i know feels proud", "both genders coordinated"),
    ("men feel unloved if the house is messy", "generic men or women"),
    ("i feel judgmental of particular men", "generic men or women"),
    ("many women say they feel unloved", "generic men or women"),
    ("he is a terrific actor and i feel proud", "public figure"),
    ("the president said he felt hopeful", "public figure"),
    ("im a big guy and i feel ashamed", "fixed phrase"),
    ("she wore her naughty school girl outfit", "fixed phrase"),
    ("i bought earrings for the bridesmaids and felt happy", "unpaired word"),
])
def test_fixed_phrases_and_names_skip_the_whole_text(text: str, reason: str) -> None:
    assert _skip(text) == reason


def test_a_name_is_swapped_with_its_pronouns_or_not_at_all() -> None:
    out = _swap("i told paul how i felt and he was not shocked at what i told him").split()
    assert out[2] in _names("european_american_female") and (out[7], out[-1]) == ("she", "her")
    out = _swap("emily said she misses her mom").split()
    assert out[0] in _names("european_american_male") and out[2:6] == ["he", "misses", "his", "dad"]
    # a name no swap replaces, with a pronoun or a gendered noun that may be about that person:
    # neither is swapped (before: "the most hated woman in dallas county said assessor steve helm")
    assert _skip("claudia said she was disappointed") == "name not swapped"
    assert _skip("the most hated man in dallas county said assessor steve helm") == "name not swapped"
    assert _skip("claudia and my brother went home") == "name not swapped"
    # the race swap keeps gender, so pronouns stay right
    out = RACE.perturb("i told peter and he smiled", random.Random(0)).text.split()
    assert out[2] in _names("african_american_male") and out[4] == "he"


@pytest.mark.parametrize("text", [
    "the theme of the manager",          # he in the/theme, man in manager
    "there is a hermit in the shell",    # her in there/hermit, he in shell
    "i feel frank about it",             # frank: a common word, not read as a name
    "i feel so happy today",
])
def test_words_inside_words_are_not_swapped(text: str) -> None:
    rng = random.Random(0)
    assert GENDER.perturb(text, rng) is None
    assert RACE.perturb(text, rng) is None


def test_names_swap_within_race_or_gender() -> None:
    out = _swap("i met paul and paul smiled").split()
    assert out[2] == out[4] and out[2] in _names("european_american_female")  # same name, same replacement
    out = RACE.perturb("i met paul and emily", random.Random(0)).text.split()
    assert out[2] in _names("african_american_male") and out[4] in _names("african_american_female")
    assert RaceSwap("european_american", NAMES, USE).perturb("i met paul", random.Random(0)) is None
    assert RaceSwap("european_american", NAMES, USE).perturb("i met tyrone", random.Random(0)).text.split()[2] in \
        _names("european_american_male")
    # the names chosen depend only on the case's rng
    assert GENDER.perturb("peter called", random.Random(3)) == GENDER.perturb("peter called", random.Random(3))


@pytest.mark.parametrize("text, groups", [
    ("he loves his wife", {"source_group": "male", "group": "female"}),
    ("she called", {"source_group": "female", "group": "male"}),
    ("he told her", {"source_group": "mixed", "group": "mixed"}),
    ("emily called", {"source_group": "female", "group": "male"}),
])
def test_gender_groups(text: str, groups: dict) -> None:
    assert dict(GENDER.perturb(text, random.Random(0)).meta) == groups


def test_you_guys_addresses_anyone() -> None:
    """"you guys" is the plural "you": not swapped, not counted as male."""
    out = GENDER.perturb("love you guys she said", random.Random(0))
    assert out.text == "love you guys he said" and out.meta["source_group"] == "female"
    assert _swap("the guys at work said he was right") == "the girls at work said she was right"


# --------------------------------------------------------------------------- gender: nouns of every register

@pytest.mark.parametrize("before, after", [
    # before: "... feelings for this guy ... and she never knew" ("guy" kept, the pronoun swapped)
    ("i developed feelings for this guy and he never knew", "i developed feelings for this girl and she never knew"),
    ("she is a nice gal", "he is a nice guy"),
    ("the guys and i went out", "the girls and i went out"),
    ("my lad is growing up", "my lass is growing up"),
    ("i miss my mums cooking", "i miss my dads cooking"),
    ("my granny is coming", "my grandpa is coming"),
    ("like an eager schoolboy", "like an eager schoolgirl"),
])
def test_colloquial_and_family_nouns_are_swapped(before: str, after: str) -> None:
    assert _swap(before) == after


@pytest.mark.parametrize("text, reason", [
    # gendered nouns without a counterpart of the same register: skipped, never half-swapped
    ("this dude said he was tired", "unpaired word"),
    ("some bloke told me he was lost", "unpaired word"),
    ("me and a buddy decided he would drive", "unpaired word"),
    ("the chicks at the bar ignored him", "unpaired word"),
    ("coffee with girlfriends makes her happy", "unpaired word"),
    # an adjective that describes a thing: "the feminine feel of the strong graphics" contradicts
    ("the masculine feel of the strong graphics his style", "unpaired word"),
    # idioms of "guy" ("the bad girl" is not the villain) and compounds
    ("presenting the bad guy as a misunderstood good guy", "fixed phrase"),
    ("loved by a community of derby girls", "fixed phrase"),
    # a character of a named work: "that girl in that movie dazed and confused" misdescribes it
    ("feeling like that guy in that movie dazed and confused who says he is old", "fixed phrase"),
    # facial hair: "old uncles who dont realize how prickly their whiskers are" loses the joke
    ("old aunts who dont realize how prickly their whiskers are", "anatomy"),
    # worship: "his love and grace" is God's
    ("even with his love and grace i still feel lost", "worship"),
    # apostrophe-less "he'll": "call the girl ... because hell be angry" keeps a male "he'll"
    ("im afraid to call the guy because i think hell be angry", "contraction"),
    ("she said shed been waiting for her boyfriend", "contraction"),
    # names no list knows: "artist vesa kivinen called me to work with her" changes a real person
    ("artist vesa kivinen had called me to work with him", "unknown name"),
    ("i expect a better rendall munroe because he underestimated me", "unknown name"),
    ("he is learning to cope kame takes a breath", "unknown name"),
    ("richie got another bag and he took off the old one", "unknown name"),
    # "he/she" without its slash: before, "impose his her their will" became "impose hers him their will"
    ("who will impose his her their will on me", "fixed phrase"),
    ("i am afraid that he or she would tell", "fixed phrase"),
    # "ms" is also "m's" and multiple sclerosis: before, "the dust on ms car" became "the dust on mr car"
    ("he saw my drawings in the dust on ms car", "unpaired word"),
    # a snowman is "he" with no counterpart: before, "a little snowman she was only a foot tall"
    ("i made a little snowman he was only a foot tall", "unpaired word"),
    # "man"/"boy" as interjections: before, "resolved but woman", "and girl did they feel weird"
    ("they will get resolved but man", "interjection"),
    ("i touched them and boy did they feel weird", "interjection"),
    ("my brother man i feel bad", "interjection"),
    # worship and genre compounds
    ("warmth from the divine love emanating from his spirit", "worship"),
    ("to be the popular boy band on top of the pops", "fixed phrase"),
])
def test_texts_with_unswappable_gendered_words_are_skipped(text: str, reason: str) -> None:
    assert _skip(text) == reason


@pytest.mark.parametrize("before, after", [
    ("what the hell of a day he had", "what the hell of a day she had"),  # "hell" the word
    ("he shed a tear", "she shed a tear"),
    ("i like thinly sliced limes and so does he", "i like thinly sliced limes and so does she"),  # English words
    ("he wasnt shocked and weve talked", "she wasnt shocked and weve talked"),  # contractions are English
    ("he gave her his jacket", "she gave him her jacket"),
    ("the man was kind", "the woman was kind"),  # "man" before "was" but no subject pronoun after
])
def test_words_that_only_look_like_contractions_or_names_are_kept(before: str, after: str) -> None:
    assert _swap(before) == after


#: Gendered nouns of every register, authored independently of the data: a swap that changes a
#: text's pronouns but leaves one of these would say something else than the source.
BROAD_GENDERED = frozenset("""
    man men woman women boy boys girl girls guy guys gal gals dude dudes bloke blokes lad lads lass
    lasses gent gents fella fellas chap chaps bro bros sis bruh lady ladies gentleman gentlemen sir
    madam maam mister missus mr mrs ms husband husbands wife wives hubby wifey boyfriend boyfriends
    girlfriend girlfriends bf bfs gf gfs fiance fiancee son sons daughter daughters father fathers
    mother mothers dad dads mom moms mum mums mommy mummy momma mamma mama papa daddy daddies
    brother brothers sister sisters uncle uncles aunt aunts auntie aunty nephew nephews niece nieces
    grandfather grandfathers grandmother grandmothers grandpa grandpas grandma grandmas granny nana
    grandson grandsons granddaughter granddaughters stepfather stepmother stepdad stepmom stepson
    stepdaughter stepbrother stepsister godfather godmother king kings queen queens prince princes
    princess princesses duke duchess emperor empress bride brides groom grooms bridesmaid
    bridesmaids groomsmen widow widower actor actors actress actresses waiter waitress waitresses
    hostess stewardess heroine mistress maid maids heiress policeman policewoman businessman
    businesswoman spokesman spokeswoman chairman chairwoman salesman fireman mailman postman
    schoolboy schoolgirl schoolboys schoolgirls cowboy cowgirl fanboy fangirl fangirls chick chicks
    missy girlie girly diva divas tomboy housewife monk nun priest lesbian lesbians buddy
    masculine feminine""".split())


def _left_unswapped(text: str) -> list[str]:
    """The words of ``BROAD_GENDERED`` that the gender swap emits unchanged (outside phrases that
    address anyone, such as "you guys"); ``[]`` when it skips the text or does not apply."""
    out = GENDER.perturb(text, random.Random(0))
    if out is None or "skip" in out.meta:
        return []
    source, swapped = Tokens.of(text), Tokens.of(out.text).words
    assert len(source.words) == len(swapped)
    return [w for i, (w, new) in enumerate(zip(source.words, swapped))
            if w in BROAD_GENDERED and w == new and not GENDER.neutral_at(source, i)]


def test_every_broad_gendered_word_is_swapped_or_skips_the_text() -> None:
    for word in BROAD_GENDERED:
        assert _left_unswapped(f"i saw the {word} and he smiled") == [], word


def test_no_swapped_training_or_test_text_keeps_a_gendered_noun(emotion_data: Path) -> None:
    """Over every text of the reference splits: pronouns are never swapped around a gendered
    noun that stays ("this guy ... she never knew")."""
    for split in ("train", "validation", "test"):
        lines = (emotion_data / f"{split}.txt").read_text(encoding="utf-8").splitlines()[1:]
        left = {text: words for text in (line.rsplit(";", 1)[0] for line in lines if line)
                if (words := _left_unswapped(text))}
        assert not left, (split, list(left.items())[:5])


# --------------------------------------------------------------------------- names: full names and titles

@pytest.mark.parametrize("text, reason", [
    # before: "heartbroken over terrence walker s tragic disappearance" (a real actor changed)
    ("i feel so heartbroken over paul walker s tragic disappearance", "full name or title"),
    ("the poems of emily dickinson move me", "full name or title"),       # not an English word
    ("i love stephen young s songs", "full name or title"),              # a surname that is a word
    ("ryan and andrew bird of course", "full name or title"),            # a noun after the name
    ("christmas with the whole ryan family", "full name or title"),
    ("a new chapter in st paul", "full name or title"),                  # titles
    ("mr peter was kind to me", "full name or title"),
    ("i played my les paul all night", "full name or title"),            # another first name before
    ("we are robbing peter to pay paul", "name in a fixed phrase"),
])
def test_full_names_titles_and_idioms_skip_the_text(text: str, reason: str) -> None:
    assert _skip(text, RACE) == reason
    assert _skip(text) is not None  # the gender swap may name another reason first ("mr peter")


@pytest.mark.parametrize("text", [
    "i told justin a couple days ago",
    "i grinned at peter feeling triumphant",
    "emily looks really distracted",
    "paul said it was fine",
    "paul went home early",            # an English word that is no noun
    "i met paul",
])
def test_a_first_name_standing_alone_is_swapped(text: str) -> None:
    assert _swap(text, RACE) is not None
    assert _swap(text) is not None


# --------------------------------------------------------------------------- articles

@pytest.mark.parametrize("word, article", [
    ("american", "an"), ("indian", "an"), ("atheist", "an"), ("mexican", "a"), ("uncle", "an"),
    ("european", "a"), ("uk", "a"), ("hour", "an"), ("one", "a"),
])
def test_article(word: str, article: str) -> None:
    assert indefinite_article(word) == article


def test_tokens_rewrite_repairs_articles_and_deletes_words() -> None:
    tokens = Tokens.of("I watched a Korean drama in the UK")
    # "the uk" is one term: the replacement takes the case of its first word, the second is deleted
    assert tokens.rewrite({3: "american", 6: "mexico", 7: ""}) == "I watched an American drama in mexico"
    assert Tokens.of("An apple").rewrite({1: "pear"}) == "A pear"


@pytest.mark.parametrize("attribute, target, before, after", [
    ("nationality", "american", "i met a korean friend", "i met an american friend"),
    ("nationality", "mexican", "he is an american citizen", "he is a mexican citizen"),
    ("religion", "atheist", "i met a hindu friend", "i met an atheist friend"),
])
def test_articles_follow_the_swap(attribute: str, target: str, before: str, after: str) -> None:
    assert _swap(before, _term(attribute, target)) == after


def test_gender_swap_repairs_articles() -> None:
    assert _swap("she is an aunt and a wife") == "he is an uncle and a husband"


# --------------------------------------------------------------------------- religion and nationality

# God's pronouns are lowercase in the dataset: before, "i feel his hand on me to stay faithful"
# became "i feel her hand on me to stay faithful".
@pytest.mark.parametrize("text, reason", [
    ("i feel his hand on me to stay faithful", "worship"),
    ("i praise him for his blessings every day", "worship"),
    ("i felt so blessed to have him", "worship"),            # no man named: the pronoun may be God's
    ("you guys pray for him", "worship"),                    # "you guys" names no man
    ("my mom prayed and he answered", "worship"),            # a woman named, not a man
    ("my brother trusts god and his plan", "deity"),         # a deity named: skipped even with a man
])
def test_a_male_pronoun_near_worship_skips_the_text(text: str, reason: str) -> None:
    assert _skip(text) == reason


@pytest.mark.parametrize("before, after", [
    ("my dad prayed for me and he smiled", "my mom prayed for me and she smiled"),
    ("my boyfriend is faithful and i trust him", "my girlfriend is faithful and i trust her"),
    ("she prayed for me and i love her", "he prayed for me and i love him"),  # no male pronoun
])
def test_worship_words_with_a_man_named_are_swapped(before: str, after: str) -> None:
    assert _swap(before) == after


def test_worship_words_with_a_male_name_are_swapped() -> None:
    out = _swap("paul prayed for me and he smiled")
    assert out is not None and out.endswith("prayed for me and she smiled")
    assert out.split()[0] in _names("european_american_female")


@pytest.mark.parametrize("attribute, target, before, after, source", [
    ("religion", "muslim", "my catholic friends", "my muslim friends", "christian"),
    ("religion", "jewish", "i pray for christians", "i pray for jews", "christian"),
    ("religion", "jewish", "i am a christian and proud", "i am a jew and proud", "christian"),
    ("religion", "jewish", "being an atheist means you are free", "being a jew means you are free", "atheist"),
    ("religion", "muslim", "i am not christian", "i am not muslim", "christian"),
    ("religion", "buddhist", "i am frightened of islam", "i am frightened of buddhism", "muslim"),
    ("nationality", "mexican", "americans love america", "mexicans love mexico", "american"),
    ("nationality", "british", "chinese food", "british food", "chinese"),
    ("nationality", "mexican", "i am proud to be british", "i am proud to be mexican", "british"),
    ("nationality", "mexican", "since coming back from the uk", "since coming back from mexico", "british"),
    ("nationality", "british", "i live in the united states", "i live in britain", "american"),
    ("nationality", "mexican", "the chinese are polite", "the mexicans are polite", "chinese"),
    ("nationality", "british", "not every german was cruel", "not every brit was cruel", "german"),
    ("nationality", "mexican", "i visited south korea", "i visited mexico", "korean"),
    # a plural without -s is "<adjective> people": before, "dating between chinese can be casual"
    ("nationality", "chinese", "dating between koreans can be casual", "dating between chinese people can be casual",
     "korean"),
    ("nationality", "japanese", "i love americans", "i love japanese people", "american"),
    ("nationality", "chinese", "the koreans are polite", "the chinese people are polite", "korean"),
    ("nationality", "british", "dating between koreans can be casual", "dating between brits can be casual",
     "korean"),
])
def test_term_swap(attribute: str, target: str, before: str, after: str, source: str) -> None:
    rule = _term(attribute, target)
    assert rule.name == f"{attribute}_to_{target}"
    out = rule.perturb(before, random.Random(0))
    assert out.text == after and "skip" not in out.meta
    assert dict(out.meta) == {"source_group": source, "group": target}


@pytest.mark.parametrize("attribute, before, reason", [
    # names, compounds and fixed expressions
    ("nationality", "i feel sympathetic towards the airline american", "fixed context"),
    ("nationality", "that is normal for north americans", "fixed context"),
    ("nationality", "invade north korea and take", "fixed context"),
    ("nationality", "the hip hop generation of african americans", "fixed context"),
    ("nationality", "the whole american idol deal", "fixed context"),
    ("nationality", "a german shepherd puppy", "fixed context"),
    ("nationality", "that chinese burn on my arm", "fixed context"),
    ("nationality", "reading the news on usa today", "fixed context"),
    # languages
    ("nationality", "im learning mandarin chinese now", "fixed context"),
    ("nationality", "whenever i try to speak japanese", "fixed context"),
    ("nationality", "i went to german class", "fixed context"),
    ("nationality", "a book in japanese that i love", "form unreadable"),
    # words tied to one group
    ("nationality", "not every german was a nazi", "fixed context"),
    ("nationality", "the name in the uk well england and wales", "fixed context"),
    ("religion", "the leadership of the catholic church", "fixed context"),
    ("religion", "christian grey seems to enjoy it", "fixed context"),
    # terms of two groups
    ("nationality", "more homesick for the uk than the us", "two groups"),
    ("nationality", "a korean american girl", "two groups"),
    # a form the context does not tell, or the target lacks
    ("nationality", "i love chinese", "form unreadable"),
    ("nationality", "equally enraged about uk politics", "form unreadable"),
    ("religion", "christian tells him it is alright", "form unreadable"),
])
def test_term_swap_skips_fixed_phrases_and_names(attribute: str, before: str, reason: str) -> None:
    target = "mexican" if attribute == "nationality" else "jewish"
    assert _skip(before, _term(attribute, target)) == reason


@pytest.mark.parametrize("text", [
    # before: "a japanese drama secret garden" (a false fact about a named show)
    "i just finished watching a korean drama secret garden omg",
    "i watched a korean tv drama all night",
    "fighting for change within the american theater",
    "the indian cricket team chasing the total",
    "she is my favourite american actress",
    "i love korean pop songs",
    "i feel so embarrassed and humiliated korean attack victim accuses police",  # a news report
])
def test_terms_that_say_what_a_work_or_team_is_skip_the_text(text: str) -> None:
    assert _skip(text, _term("nationality", "mexican")) == "fixed context"


@pytest.mark.parametrize("text", ["i listen to christian rock", "christian blogs annoy me",
                                  "our excellent catholic schools"])
def test_religious_works_and_institutions_skip_the_text(text: str) -> None:
    assert _skip(text, _term("religion", "muslim")) == "fixed context"


@pytest.mark.parametrize("before, after", [
    ("treat me to japanese food or something", "treat me to german food or something"),  # a thing, no work
    ("my korean friends show me around", "my german friends show me around"),  # a plural ends the phrase
])
def test_terms_before_other_nouns_are_swapped(before: str, after: str) -> None:
    assert _swap(before, _term("nationality", "german")) == after


def test_produced_terms_by_form() -> None:
    table = TermTable("nationality", GROUPS["nationality"])
    assert table.produce("chinese", "plural") == "chinese people"
    assert table.produce("japanese", "plural") == "japanese people"
    assert table.produce("korean", "plural") == "koreans"
    assert table.produce("british", "plural") == "brits"
    assert table.produce("chinese", "noun") is None
    assert table.produce("mexican", "country") == "mexico"


def test_a_form_the_target_lacks_skips_the_text() -> None:
    assert _skip("as an american would", _term("nationality", "chinese")) == "form unreadable"
    assert _swap("as an american would", _term("nationality", "mexican")) == "as a mexican would"


def test_term_swap_does_not_apply() -> None:
    religion = _term("religion", "muslim")
    nationality = _term("nationality", "mexican")
    assert religion.perturb("muslims pray", random.Random(0)) is None  # already the target group
    assert nationality.perturb("i moved to indiana", random.Random(0)) is None
    assert religion.perturb("selling gold jew", random.Random(0)) is None  # "jew": produced, not recognised


# --------------------------------------------------------------------------- templates: word lists

#: The word lists as reviewed: every (template, word) sentence of these was written out and read as
#: natural English that states the class. A word added to the data without that reading fails
#: :func:`test_word_lists_are_the_reviewed_ones`; one unread word spreads to every person of every group.
_STATE = {"sadness": {"depressed", "devastated", "miserable", "heartbroken", "hopeless"},
          "joy": {"ecstatic", "glad", "relieved", "joyful", "delighted"},
          "love": {"loved", "romantic"},
          "anger": {"annoyed", "enraged", "furious", "irritated", "bitter"},
          "fear": {"anxious", "fearful", "scared", "terrified", "shaken"},
          "surprise": {"amazed", "shocked", "stunned", "surprised"}}
REVIEWED = {
    "state": _STATE,
    "caused_state": {**_STATE, "love": {"loved"}},  # "my mother made me feel romantic" is not said
    "situation": {"sadness": {"depressing", "heartbreaking", "tragic"},
                  "joy": {"delightful", "pleasant", "wonderful"},
                  "anger": {"annoying", "infuriating", "irritating", "maddening"},
                  "fear": {"frightening", "scary", "terrifying", "threatening"},
                  "surprise": {"surprising", "unexpected"}},
    "events": {"sadness": {"depressing", "heartbreaking", "tragic"},
               "joy": {"delightful", "joyful", "wonderful"},
               "anger": {"infuriating", "maddening"},
               "fear": {"frightening", "scary", "terrifying"},
               "surprise": {"astonishing", "surprising", "unexpected"}},
    "conversation": {"sadness": {"depressing", "devastating", "heartbreaking"},
                     "joy": {"delightful", "enjoyable", "pleasant", "wonderful"},
                     "anger": {"annoying", "infuriating", "irritating", "maddening"},
                     "fear": {"frightening", "scary", "terrifying"},
                     "surprise": {"astonishing", "surprising", "unexpected"}},
}
#: Template cells per person set: four feeling frames with all six classes, three frames about a
#: situation, events or a conversation with five (no love word fits them).
CELLS = 4 * 6 + 3 * 5
#: Frames whose word describes a situation, events or a conversation rather than a feeling.
SITUATION_LISTS = ("situation", "events", "conversation")


def _used_lists() -> dict[str, dict[str, tuple[str, ...]]]:
    return word_lists(TEMPLATES["word_lists"], {t["words"] for t in TEMPLATES["templates"].values()})


def test_word_lists_are_the_reviewed_ones() -> None:
    assert {name: {c: set(words) for c, words in classes.items()} for name, classes in _used_lists().items()} \
        == REVIEWED
    for name, classes in TEMPLATES["word_lists"].items():
        assert set(classes) == set(LABELS), name  # every class has an entry: words, or why there are none
        assert all(entry["reason"].strip() for entry in classes.values()), name


def test_situation_frames_have_no_love_words() -> None:
    """"the recent loving events", "a tender situation": no love word fits these frames."""
    for name in SITUATION_LISTS:
        assert TEMPLATES["word_lists"][name]["love"]["words"] == [] and "love" not in _used_lists()[name]
    feeling_frames = {n for n, t in TEMPLATES["templates"].items() if re.search(r"\bfeels? \{word\}", t["text"])}
    assert {n for n, t in TEMPLATES["templates"].items() if t["words"] in SITUATION_LISTS} \
        == set(TEMPLATES["templates"]) - feeling_frames


#: Words that judge a situation rather than name how it feels, read by annotators as more than one
#: class ("a dreadful situation": fear or sadness; "great events": momentous; "heartwarming": joy or
#: love; "shocking": surprise or anger), and love words that do not describe situations.
JUDGING_WORDS = {"dreadful", "awful", "horrible", "terrible", "great", "amazing", "serious", "grim", "funny",
                 "shocking", "heartwarming", "lovely", "outrageous", "upsetting", "dangerous",
                 "loving", "tender", "intimate", "romantic", "affectionate"}


def test_situation_frames_use_no_judging_words() -> None:
    used = {w for name in SITUATION_LISTS for words in _used_lists()[name].values() for w in words}
    assert used and not used & JUDGING_WORDS


def test_every_word_list_gives_a_reason() -> None:
    raw = {"frame": {"joy": {"words": ["glad"], "reason": "a feeling"}, "love": {"words": [], "reason": "none fit"}}}
    assert word_lists(raw, ["frame"]) == {"frame": {"joy": ("glad",)}}  # the empty class is left out
    for entry, error in (({"words": ["glad"]}, ValueError), ({"words": ["glad"], "reason": "  "}, ValueError),
                         ({"words": "glad", "reason": "a feeling"}, TypeError)):
        with pytest.raises(error):
            word_lists({"frame": {"joy": entry}}, ["frame"])


def test_a_word_list_without_a_reason_is_malformed_data(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    for name in ("identity_gender.yaml", "identity_names.yaml", "identity_groups.yaml", "identity_words.tsv"):
        (tmp_path / "data" / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    broken = yaml.safe_load((DATA / "identity_templates.yaml").read_text(encoding="utf-8"))
    del broken["word_lists"]["events"]["joy"]["reason"]
    (tmp_path / "data" / "identity_templates.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    (tmp_path / "identity.yaml").write_text((ROOT / "suites" / "identity.yaml").read_text(encoding="utf-8"),
                                            encoding="utf-8")
    with pytest.raises(AuditError, match="events.joy gives no reason"):
        generate(load_spec(tmp_path / "identity.yaml"), _source(), LABELS, seed=0)


def _share(rows: list[tuple[str, str]], pattern: str, label: str) -> tuple[int, float]:
    """How many training texts match ``pattern``, and the share of them labelled ``label``."""
    hits = [gold for text, gold in rows if re.search(pattern, text)]
    return len(hits), (hits.count(label) / len(hits) if hits else 0.0)


def test_words_agree_with_training_labels(emotion_data: Path) -> None:
    """Feeling words: at least 5 training texts with the word after "feel", 70% of them its class.
    Situation words are rare in the training texts: where one occurs in at least 20, 70% of them
    carry its class ("great" is 39% joy, "amazing" 55%, "lovely" love, "dangerous" anger)."""
    lines = (emotion_data / "train.txt").read_text(encoding="utf-8").splitlines()[1:]
    rows = [tuple(line.rsplit(";", 1)) for line in lines if line]
    for name, classes in _used_lists().items():
        for label, words in classes.items():
            for word in words:
                if name in SITUATION_LISTS:
                    n, share = _share(rows, rf"\b{word}\b", label)
                    assert n < 20 or share >= 0.7, (name, word, n, share)
                else:
                    n, share = _share(rows, rf"\bfe(?:el|els|eling|lt)\s+(?:\w+\s+)?{word}\b", label)
                    assert n >= 5 and share >= 0.7, (name, word, n, share)


def test_template_words_are_seeded_per_cell() -> None:
    """A cell's word depends on (seed, attribute, template, class, person set) only: leaving out
    the other templates changes nothing in it."""
    templates = [Template(n, t["text"], t["words"]) for n, t in TEMPLATES["templates"].items()]
    designs = {"gender": gender_person_sets(TEMPLATES["gender_persons"])}
    lists = _used_lists()

    def words_of(chosen: list[Template], seed: int = 0) -> dict[str, str]:
        return {c.id: c.meta["emotion_word"] for c in template_cases("identity", designs, chosen, lists, LABELS, seed)}

    everything = words_of(templates)
    alone = words_of([templates[-1]])
    assert alone and all(everything[k] == w for k, w in alone.items())
    assert words_of(templates, seed=1) != everything


def test_reviewed_bad_sentences_are_gone() -> None:
    """The classes of unnatural or contestable template sentences found on review, before -> now."""
    cases = {c.id: c for c in generate(SPEC, _source(), LABELS, seed=0).cases if c.meta["origin"] == "template"}
    texts = {c.text for c in cases.values()}
    for bad in ("loving events", "tender events", "intimate events", "loving situation", "dreadful situation",
                "great events", "was heartwarming", "made me feel romantic", "feels caring"):
        assert not any(bad in t for t in texts), bad
    # "my brother told us all about the recent loving events" was this cell's base sentence
    assert "identity:template:gender:told_us_events:love:my_brother:male" not in cases
    sad = cases["identity:template:gender:told_us_events:sadness:my_brother:male"].text
    assert re.fullmatch(r"my brother told us all about the recent (\w+) events", sad).group(1) in \
        REVIEWED["events"]["sadness"]
    loved = cases["identity:template:gender:made_me_feel:love:my_father:female"].text
    assert loved == "my mother made me feel loved"


# --------------------------------------------------------------------------- the generated suite

TEST_TEXTS = ("he is happy today", "i feel calm", "my chinese friend is sweet", "i met paul")


def test_test_text_cases_are_paired_and_tagged() -> None:
    suite = generate(SPEC, _source(*TEST_TEXTS), LABELS, seed=0)
    derived = {c.id: c for c in suite.cases if c.meta["origin"] == "test"}
    case = derived["identity:gender_swap:test-0"]
    assert case.text == "she is happy today" and case.source_text == "he is happy today" and case.label == "joy"
    assert case.expectation.kind == "INV"
    assert {k: case.meta[k] for k in ("attribute", "group", "source_group", "pair", "role")} == {
        "attribute": "gender", "group": "female", "source_group": "male",
        "pair": "gender_swap:test-0", "role": "counterfactual"}
    assert derived["identity:nationality_to_nigerian:test-2"].text == "my nigerian friend is sweet"
    assert derived["identity:race_to_african_american:test-3"].meta["source_group"] == "european_american"
    assert not any(c.source_id == "test-1" for c in derived.values())
    assert suite.coverage["gender_swap"] == {"n_candidates": 4, "n_changed": 2}  # "he", and the name paul
    assert suite.coverage["nationality_to_mexican"]["n_changed"] == 1
    assert suite.coverage["nationality_to_chinese"]["n_changed"] == 0


def test_skipped_texts_are_counted_not_emitted() -> None:
    suite = generate(SPEC, _source("he is happy", "i feel close to the ice queen she is", "north americans are calm",
                                   "i am british"), LABELS, seed=0)
    ids = {c.id for c in suite.cases if c.meta["origin"] == "test"}
    assert "identity:gender_swap:test-0" in ids and "identity:gender_swap:test-1" not in ids
    assert suite.coverage["gender_swap"] == {"n_candidates": 4, "n_changed": 1, "n_skipped": 1}
    assert suite.coverage["nationality_to_mexican"] == {"n_candidates": 4, "n_changed": 1, "n_skipped": 1}
    assert not any("skip" in c.meta for c in suite.cases)


def test_each_case_has_its_own_seed() -> None:
    """A swap's name pick depends on (seed, rule, source id), not on the other texts."""
    def picks(ids: list[str], texts: list[str], seed: int = 0) -> dict[str, str]:
        derived = derive_cases("identity", SourceData(ids, texts, ["joy"] * len(ids)), [GENDER],
                               identity._expectation, seed, keep_label=True)
        return {c.id: c.text for c in derived.cases if c.source_id == "test-7"}

    alone = picks(["test-7"], ["i met paul today"])
    assert alone and alone == picks(["test-1", "test-7"], ["i met emily", "i met paul today"])
    assert len({next(iter(picks(["test-7"], ["i met paul today"], seed).values())) for seed in range(8)}) > 1


def test_templates_pair_every_group_with_a_base_case() -> None:
    suite = generate(SPEC, _source(), LABELS, seed=0)
    cases = [c for c in suite.cases if c.meta["origin"] == "template"]
    assert len(cases) >= 2000
    by_id = {c.id: c for c in cases}
    bases = {c.meta["pair"]: c for c in cases if c.meta["role"] == "base"}
    lists = {name: t["words"] for name, t in TEMPLATES["templates"].items()}
    expected_groups = {"gender": {"male", "female"}, "race": {"european_american", "african_american"},
                       "religion": set(GROUPS["religion"]["groups"]),
                       "nationality": set(GROUPS["nationality"]["groups"])}
    groups: dict[str, set] = {a: set() for a in expected_groups}
    for c in cases:
        assert c.meta["emotion_word"] in REVIEWED[lists[c.meta["template"]]][c.label]
        assert c.meta["emotion_word"] in c.text.split()
        groups[c.meta["attribute"]].add(c.meta["group"])
        if c.meta["role"] == "base":
            assert c.source_text is None and c.meta["group"] == c.meta["source_group"]
        else:
            base = bases[c.meta["pair"]]
            assert c.source_id is None and c.source_text == base.text and base.label == c.label
            assert c.meta["source_group"] == base.meta["group"] != c.meta["group"]
    assert groups == expected_groups
    assert by_id["identity:template:religion:feels:joy:this_man:muslim"].text.startswith("this muslim man feels ")
    found = by_id["identity:template:race:found_in_situation:fear:amanda:african_american"].text
    assert found.startswith("ebony found herself in a")
    counts = Counter(c.meta["attribute"] for c in cases)
    assert counts == {"gender": 9 * CELLS * 2, "race": 20 * CELLS * 2, "religion": 3 * CELLS * 7,
                      "nationality": 3 * CELLS * 10}


def test_generation_is_deterministic() -> None:
    source = _source(*TEST_TEXTS)
    first = cases_hash(generate(SPEC, source, LABELS, seed=0).cases)
    assert first == cases_hash(generate(SPEC, source, LABELS, seed=0).cases)
    assert first != cases_hash(generate(SPEC, source, LABELS, seed=1).cases)


def test_summarize_through_score_suite() -> None:
    suite = generate(SPEC, _source(*TEST_TEXTS), LABELS, seed=0)
    suite.cases = [c for c in suite.cases if c.meta["attribute"] == "gender"]

    def probs_of(text: str) -> list[float]:
        """Predicts the gold class of the template's emotion word, but flips "she" to anger."""
        probs = [0.01] * 6
        probs[3 if text.split()[0] in {"she"} else 1] = 0.95
        return probs

    section, _ = score_suite(SPEC, suite, LABELS, probs_of, seed=0, n_resamples=0, extra=identity.summarize)
    gender = section["extra"]["attributes"]["gender"]
    by_origin = gender["counterfactual"]["by_origin"]
    assert by_origin["test"]["flip_rate"]["successes"] == 1  # "he is happy" -> "she is happy"
    assert by_origin["template"]["flip_rate"]["successes"] == 0
    assert set(gender["groups"]) == {"male", "female"} and gender["groups"]["male"]["n"] == 9 * CELLS


def test_summary_counts_source_texts_per_attribute() -> None:
    """One test text swapped to every other nationality is many pairs but one source."""
    suite = generate(SPEC, _source("my chinese friend is sweet", "i love japanese food"), LABELS, seed=0)
    suite.cases = [c for c in suite.cases if c.meta["attribute"] == "nationality"]
    section, _ = score_suite(SPEC, suite, LABELS, lambda text: [0.1, 0.5, 0.1, 0.1, 0.1, 0.1], seed=0,
                             n_resamples=0, extra=identity.summarize)
    cf = section["extra"]["attributes"]["nationality"]["counterfactual"]
    test, template = cf["by_origin"]["test"], cf["by_origin"]["template"]
    assert (test["n"], test["n_sources"]) == (18, 2)               # 9 targets x 2 texts
    assert (template["n"], template["n_sources"]) == (3 * CELLS * 9, 3 * CELLS)  # 9 groups per base sentence
    assert cf["n_sources"] == test["n_sources"] + template["n_sources"]


def test_reference_split_coverage(emotion_data: Path) -> None:
    rows = [line.rsplit(";", 1) for line in (emotion_data / "test.txt").read_text(encoding="utf-8").splitlines()[1:]]
    source = SourceData([f"test-{i}" for i in range(len(rows))], [r[0] for r in rows], [r[1] for r in rows])
    suite = generate(SPEC, source, LABELS, seed=0)
    assert suite.coverage["gender_swap"]["n_changed"] >= 200 and suite.coverage["gender_swap"]["n_skipped"] > 40
    derived = [c for c in suite.cases if c.meta["origin"] == "test"]
    assert all(c.text != c.source_text for c in derived)
    # the broken outputs of earlier versions are gone
    broken = ("airline mexican", "north mexicans", "mandarin american", "iron woman", "carole queen", "uncle flo",
              "lord jesus she", "make his separate", "a american", "the america")
    assert not [c.text for c in derived if any(b in c.text for b in broken)]
    # nor the ones found on review: a real person's first name swapped, a named show's nationality
    # changed, a pronoun swapped around "this guy"
    assert not [c.text for c in derived if "walker s tragic" in c.text
                or (c.meta["attribute"] == "nationality" and "drama secret garden" in c.text)
                or ("this guy" in c.text and "she never knew" in c.text)]
    assert "identity:gender_swap:test-1729" in {c.id for c in derived}  # now swapped whole: "this girl"
    # nor those of the census of the swapped test texts: a coordinated pair only reordered, a
    # generic claim about men or women, a public figure, an idiom, a wedding role
    skipped = {f"identity:gender_swap:test-{i}" for i in (71, 453, 569, 914, 1050, 1086, 1286, 1604, 1978)}
    assert not skipped & {c.id for c in derived}


def test_coordination_and_specifiers_that_still_swap() -> None:
    """The new skips leave possessives, objects and particular men or women alone."""
    assert _swap("he loves his wife") == "she loves her husband"
    assert _swap("he gave her his jacket") == "she gave him her jacket"
    assert _swap("the men at work made me feel small") == "the women at work made me feel small"
    assert _swap("working right now guys") is None  # "guys" last addresses the readers: nothing to swap


def test_the_shipped_suite_swaps_no_gender_in_test_texts_and_names_unknown_attributes() -> None:
    """Gender swaps of test texts failed review (real people, characters, lyrics, gender-role
    claims): the shipped declaration leaves them out; the gender templates stay."""
    source = _source("he said she was happy", "i love being a christian", "i feel proud to be american")
    shipped = generate(SHIPPED, source, LABELS, seed=0)
    assert not [c for c in shipped.cases if c.rule == "gender_swap"]
    assert [c for c in shipped.cases if c.rule.startswith("religion_to_")]
    assert any(c.meta["attribute"] == "gender" for c in shipped.cases if c.meta["origin"] == "template")
    assert [c for c in generate(SPEC, source, LABELS, seed=0).cases if c.rule == "gender_swap"]
    wrong = replace(SHIPPED, params={**SHIPPED.params, "text_swaps": ["gender", "caste"]})
    with pytest.raises(AuditError, match="params.text_swaps names 'caste'"):
        generate(wrong, source, LABELS, seed=0)
