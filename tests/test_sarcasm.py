"""The sarcasm suite: seeded (sarcastic, literal, plain) groups, their label sets, the figures
reported on them, and the training texts that already fit a sarcasm frame."""
from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest

from audit.errors import AuditError
from audit.generators import sarcasm
from audit.generators.lexicon import read_tsv
from audit.suite import SourceData, SuiteContext, SuiteSpec, cases_hash, generate, load_spec, load_yaml_mapping

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "suites" / "data"
LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
NO_SOURCE = SourceData(ids=[], texts=[], labels=[])

TINY_TEMPLATES = """\
spans:
  any: [moment, day, period]
  day: [moment, day]
tones:
  exasperated: [anger]
kinds:
  opener:
    frame: "{phrase} {clause}"
    sarcastic:
      oh great: {span: any, tone: exasperated, marker: strong}
    sincere:
      im so happy: {span: any}
feelings:
  annoyed:
    labels: [anger]
    templates: ["{clause} and im so annoyed"]
    reason: irritation is anger
"""
#: The columns of a situations file.
HEADER = "id\tpolarity\tlabels\tspan\tbad\tfeelings\tgerund\tclause\twhen\treason\tbad_reason\tfeelings_reason\n"


def _negative_row(key: str, labels: str, span: str, bad: str, feelings: str, gerund: str, clause: str,
                  when: str) -> str:
    """One negative situation row with placeholder reasons."""
    return (f"{key}\tnegative\t{labels}\t{span}\t{bad}\t{feelings}\t{gerund}\t{clause}\t{when}"
            "\tr\tsome reason\tsome reason\n")


def _positive_row(key: str, labels: str, span: str, gerund: str, clause: str, when: str) -> str:
    """One positive situation row (``-`` in the negative-only columns)."""
    return f"{key}\tpositive\t{labels}\t{span}\t-\t-\t{gerund}\t{clause}\t{when}\tr\t-\t-\n"


TINY_SITUATIONS = (
    "# provenance comment\n" + HEADER
    + _negative_row("traffic", "anger", "moment", "universal", "annoyed", "being stuck in traffic again",
                    "im stuck in traffic again", "i get stuck in traffic")
    + _positive_row("beach", "joy", "day", "spending a day at the beach", "im at the beach", "i go to the beach")
)


def _spec(folder: Path, **params: object) -> SuiteSpec:
    """A sarcasm spec whose data files are ``templates.yaml`` and ``situations.tsv`` in ``folder``."""
    return SuiteSpec("sarcasm", "test", "sarcasm", "MFT",
                     {"templates": "templates.yaml", "situations": "situations.tsv", **params},
                     folder / "sarcasm.yaml")


def _write(folder: Path, templates: str, situations: str, **params: object) -> SuiteSpec:
    """Write the two data files into ``folder`` and return a spec reading them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "templates.yaml").write_text(templates, encoding="utf-8")
    (folder / "situations.tsv").write_text(situations, encoding="utf-8")
    return _spec(folder, **params)


def _shipped_text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def shipped():
    """The shipped sarcasm suite, generated with seed 0."""
    spec = load_spec(ROOT / "suites" / "sarcasm.yaml")
    return spec, generate(spec, NO_SOURCE, LABELS, seed=0)


@pytest.fixture(scope="module")
def shipped_data():
    """The shipped phrase kinds, feeling words and situations."""
    templates = sarcasm.load_templates(DATA / "sarcasm_templates.yaml", LABELS)
    negative, positive = sarcasm.load_situations(DATA / "sarcasm_situations.tsv", LABELS, templates.spans)
    return templates.kinds, templates.feelings, negative, positive


def _groups(cases) -> dict[str, dict[str, object]]:
    """Each sarcastic case with the two control cases it names, by group."""
    by_id = {c.id: c for c in cases}
    return {c.meta["group"]: {"sarcastic": c, "literal": by_id[c.meta["literal_id"]], "plain": by_id[c.meta["plain_id"]]}
            for c in cases if c.rule == "sarcastic"}


# --- the shape of a group ------------------------------------------------------------------------

def test_hand_worked_group(tmp_path: Path) -> None:
    suite = generate(_write(tmp_path, TINY_TEMPLATES, TINY_SITUATIONS, n_sarcastic=5), NO_SOURCE, LABELS, seed=0)
    group = "opener.oh_great.traffic"
    about = {"situation": "traffic", "situation_labels": "anger", "span": "moment"}
    literal, plain = "sarcasm:literal:im_so_happy_im_at_the_beach", "sarcasm:plain:im_stuck_in_traffic_again_and_im_so_annoyed"
    got = [(c.id, c.text, c.expectation.labels, c.rule, dict(c.meta)) for c in suite.cases]
    assert got[:3] == [
        (f"sarcasm:sarcastic:{group}", "oh great im stuck in traffic again", ("anger",), "sarcastic",
         {"role": "sarcastic", "group": group, "phrase_kind": "opener", **about, "tone": "exasperated",
          "literal_id": literal, "plain_id": plain}),
        (literal, "im so happy im at the beach", ("joy",), "literal",
         {"role": "literal", "phrase_kind": "opener", "literal_situation": "beach"}),
        (plain, "im stuck in traffic again and im so annoyed", ("anger",), "plain",
         {"role": "plain", **about, "feeling": "annoyed"}),
    ]
    assert all(c.expectation.kind == "MFT" and c.label is None for c in suite.cases)


def test_shipped_suite_shape(shipped) -> None:
    spec, suite = shipped
    n = spec.params["n_sarcastic"]
    counts = Counter(c.rule for c in suite.cases)
    assert counts["sarcastic"] == n and 0 < counts["literal"] < n and 0 < counts["plain"] < n
    # each control text is one case, however many groups it controls; every group names its two
    assert all(len({c.text for c in suite.cases if c.rule == role}) == counts[role] for role in sarcasm.ROLES)
    groups = _groups(suite.cases)
    assert len(groups) == n and all(g["literal"].rule == "literal" and g["plain"].rule == "plain"
                                    for g in groups.values())
    named = {c.meta[f"{role}_id"] for c in suite.cases if c.rule == "sarcastic" for role in ("literal", "plain")}
    assert named == {c.id for c in suite.cases if c.rule != "sarcastic"}  # no control is left unnamed
    # Every sarcastic combination is drawn at most once.
    assert len({c.text for c in suite.cases if c.rule == "sarcastic"}) == n
    # Written in the data's style: lowercase, no punctuation, no apostrophes.
    assert all(re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", c.text) for c in suite.cases)


def test_every_kind_and_situation_is_drawn(shipped, shipped_data) -> None:
    _, suite = shipped
    kinds, _, negative, _ = shipped_data
    sarcastic = [c for c in suite.cases if c.rule == "sarcastic"]
    assert {c.meta["phrase_kind"] for c in sarcastic} == {k.name for k in kinds}
    assert {c.meta["situation"] for c in sarcastic} == {s.key for s in negative}


def test_deterministic_per_seed(shipped) -> None:
    spec, suite = shipped
    assert cases_hash(generate(spec, NO_SOURCE, LABELS, seed=0).cases) == cases_hash(suite.cases)
    assert cases_hash(generate(spec, NO_SOURCE, LABELS, seed=1).cases) != cases_hash(suite.cases)


def test_n_sarcastic_is_capped_by_the_fitting_combinations(tmp_path: Path) -> None:
    spec = _write(tmp_path, TINY_TEMPLATES, TINY_SITUATIONS, n_sarcastic=1000)
    assert len(generate(spec, NO_SOURCE, LABELS, seed=0).cases) == 3  # one phrase x one situation


# --- class 1: no ungrammatical frame -------------------------------------------------------------

#: Past forms of the irregular verbs a situation might use; a `when` form is read in the present.
_IRREGULAR_PAST = frozenset(
    "was were did got went lost broke stole left ate had found won took made came felt heard "
    "told sat fell forgot gave kept knew lay ran saw sent spent stood thought wore wrote".split())
#: Words whose first sound is not what their first letter suggests ("an hour", "a user").
_VOWEL_SOUND_H = frozenset("hour hours honest honour honor heir".split())
_CONSONANT_SOUND_VOWEL = frozenset("one once university unique user usual european uniform".split())
#: Words after which an -ed participle is passive or adjectival, not a past tense.
_PARTICIPLE_AUXILIARIES = frozenset("get gets got getting be is am are was were been being im its".split())
#: Words ending in -ed that are no past tense.
_ED_NOT_PAST = frozenset("need feed speed seed bleed breed indeed naked wicked sacred hundred".split())


def grammar_problems(text: str) -> list[str]:
    """Mechanical grammar checks that hold for every sentence of this suite."""
    words = text.split()
    problems = []
    for a, b in pairwise(words):
        if a == b:
            problems.append(f"doubled word {a!r}")
        vowel_sound = (b[0] in "aeiou" or b in _VOWEL_SOUND_H) and b not in _CONSONANT_SOUND_VOWEL
        if (a, vowel_sound) in {("a", True), ("an", False)}:
            problems.append(f"'{a} {b}'")
    if words.count("again") > 1:
        problems.append("'again' twice")
    if "so much" in text and not text.endswith("so much fun"):
        problems.append("'so much' after a verb phrase")
    return problems


def present_tense_problems(clause: str) -> list[str]:
    """Past-tense verbs in a clause that must be read in the present ("when ...")."""
    words = clause.split()
    return [w for k, w in enumerate(words)
            if w in _IRREGULAR_PAST
            or (w.endswith("ed") and w not in _ED_NOT_PAST and len(w) > 3
                and (k == 0 or words[k - 1] not in _PARTICIPLE_AUXILIARIES))]


def test_grammar_checks_catch_what_they_should() -> None:
    assert grammar_problems("nothing makes me happier than being ignored again so much") == [
        "'so much' after a verb phrase"]
    assert grammar_problems("oh great i was on hold for a hour") == ["'a hour'"]
    assert grammar_problems("a stranger followed me with an knife") == ["'an knife'"]
    assert grammar_problems("i found an old jacket and a university an hour ago") == []
    assert grammar_problems("i love it when it it rains again and again") == ["doubled word 'it'", "'again' twice"]
    assert present_tense_problems("my flight got cancelled") == ["got"]
    assert present_tense_problems("my package arrived late") == ["arrived"]
    assert present_tense_problems("my flight gets cancelled") == []
    assert present_tense_problems("my boss tells me we need to talk") == []
    assert grammar_problems("my car broke down on an empty road at night so much fun") == []


def test_a_frame_with_words_after_a_phrase_slot_is_refused(tmp_path: Path) -> None:
    """Before: "{phrase} {gerund} so much" made "... being ignored again so much"."""
    bad = TINY_TEMPLATES.replace('frame: "{phrase} {clause}"', 'frame: "{phrase} {gerund} so much"')
    with pytest.raises(AuditError, match="nothing may follow the {gerund} slot"):
        generate(_write(tmp_path, bad, TINY_SITUATIONS), NO_SOURCE, LABELS, seed=0)
    bad_plain = TINY_TEMPLATES.replace('"{clause} and im so annoyed"', '"{when} makes me so annoyed"')
    with pytest.raises(AuditError, match="nothing may follow the {when} slot"):
        generate(_write(tmp_path, bad_plain, TINY_SITUATIONS), NO_SOURCE, LABELS, seed=0)


def test_every_frame_fits_every_situation(shipped_data) -> None:
    """The full product, not a sample: every sarcastic, sincere and plain sentence the data can make."""
    kinds, feelings, negative, positive = shipped_data
    texts = [kind.fill(p, s) for kind in kinds for p in kind.sarcastic for s in negative if p.fits_situation(s)]
    texts += [kind.fill(p, s) for kind in kinds for p, s in sarcasm.literals_for(kind, positive)]
    texts += [t.format(**s.slots()) for s in negative for _, t in sarcasm.plain_options(feelings, s)]
    assert len(texts) > 1000
    bad = {t: grammar_problems(t) for t in texts if grammar_problems(t)}
    assert not bad
    tense = {s.when: present_tense_problems(s.when) for s in negative + positive if present_tense_problems(s.when)}
    assert not tense
    assert all(re.match(r"(not )?\w+ing\b", s.gerund) for s in negative + positive)


def test_a_gerund_that_is_not_one_is_refused(tmp_path: Path) -> None:
    bad = TINY_SITUATIONS.replace("being stuck in traffic again", "stuck in traffic again")
    with pytest.raises(AuditError, match="must start with an -ing word"):
        generate(_write(tmp_path, TINY_TEMPLATES, bad), NO_SOURCE, LABELS, seed=0)


# --- class 2: allowed label sets ------------------------------------------------------------------

def test_expectations_are_the_declared_label_sets(shipped, shipped_data) -> None:
    _, suite = shipped
    kinds, feelings, negative, positive = shipped_data
    situations = {s.key: s for s in negative + positive}
    phrases = {(k.name, k.fill(p, s)): p for k in kinds for p in k.sarcastic for s in negative}
    for group in _groups(suite.cases).values():
        sarcastic, literal, plain_case = group["sarcastic"], group["literal"], group["plain"]
        situation = situations[sarcastic.meta["situation"]]
        phrase = phrases[(sarcastic.meta["phrase_kind"], sarcastic.text)]
        # The phrase adds nothing: the set is the situation's, and the tone's labels lie in it.
        assert sarcastic.expectation.labels == situation.labels
        assert set(phrase.tone.labels) <= set(situation.labels)
        assert not set(sarcastic.expectation.labels) & set(sarcasm.POSITIVE_LABELS)
        assert literal.expectation.labels == situations[literal.meta["literal_situation"]].labels
        # A plain control is allowed its stated word's declared set, which lies in the situation's.
        feeling = feelings[plain_case.meta["feeling"]]
        assert plain_case.expectation.labels == feeling.labels
        assert set(feeling.labels) <= set(situation.labels)


def test_mishaps_allow_anger_and_sadness() -> None:
    """Before: a lost key or a cracked screen was sadness only."""
    spans = sarcasm.load_templates(DATA / "sarcasm_templates.yaml", LABELS).spans
    negative, _ = sarcasm.load_situations(DATA / "sarcasm_situations.tsv", LABELS, spans)
    labels = {s.key: set(s.labels) for s in negative}
    assert {"anger", "sadness"} <= labels["keys"] and {"anger", "sadness"} <= labels["screen"]
    assert {"anger", "sadness"} <= labels["monday"]
    expectation = sarcasm.Expectation("MFT", labels=tuple(labels["keys"]))
    assert expectation.check("anger", None, None) and expectation.check("sadness", None, None)
    assert expectation.check("joy", None, None) is False and expectation.check("fear", None, None) is False


def test_every_situation_gives_its_reason() -> None:
    rows = read_tsv(DATA / "sarcasm_situations.tsv", ["id", "reason"])
    assert rows and all(len(r["reason"].split()) >= 2 for r in rows)
    assert _shipped_text("sarcasm_situations.tsv").startswith("# ")
    assert "Riloff" in _shipped_text("sarcasm_situations.tsv")


@pytest.mark.parametrize("edit, message", [
    (("negative\tanger\t", "negative\tanger,joy\t"), "may not allow"),
    (("positive\tjoy\t", "positive\tjoy,anger\t"), "must allow joy or love and no negative"),
    (("positive\tjoy\t", "positive\tsurprise\t"), "must allow joy or love"),
    (("negative\tanger\t", "negative\trage\t"), "not model labels"),
    (("negative\tanger\t", "negative\t\t"), "non-empty set"),
    (("beach\tpositive", "traffic\tpositive"), "unique"),
    (("positive\tjoy", "neutral\tjoy"), "polarity"),
    (("positive\tjoy\tday", "positive\tjoy\tweek"), "span 'week' must be one of ['day', 'moment', 'period']"),
    (("im at the beach", "i'm at the beach"), "lowercase words"),
    (("\tuniversal\t", "\tsometimes\t"), "bad 'sometimes' must be one of ['universal', 'contestable']"),
    (("\tuniversal\tannoyed\t", "\tuniversal\t\t"), "feelings must be a non-empty list of distinct words"),
    (("\tuniversal\tannoyed\t", "\tuniversal\tannoyed,annoyed\t"), "non-empty list of distinct words"),
    (("\tuniversal\tannoyed\t", "\tuniversal\tsad\t"), "feeling 'sad': not a declared feeling word"),
    (("\tsome reason\tsome reason\n", "\tsome reason\twhy\n"), "bad_reason and feelings_reason must say why"),
    (("\tr\t-\t-\n", "\tr\t-\tsome reason\n"), "a positive situation puts '-' in"),
    (("positive\tjoy\tday\t-", "positive\tjoy\tday\tuniversal"), "a positive situation puts '-' in"),
])
def test_bad_situations_are_reported(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    with pytest.raises(AuditError, match=re.escape(message)):
        generate(_write(tmp_path, TINY_TEMPLATES, TINY_SITUATIONS.replace(*edit)), NO_SOURCE, LABELS, seed=0)


@pytest.mark.parametrize("edit, message", [
    (("oh great:", "oh great!:"), "lowercase words"),
    (("{clause}", "{place}"), "unknown slot"),
    (("labels: [anger]", "labels: [fear]"), "its labels ['fear'] must lie in the situation's ['anger']"),
    (("labels: [anger]", "labels: [anger, joy]"), "feeling 'annoyed': may not allow ['joy', 'love']"),
    (('"{clause} and im so annoyed"', '"{clause} and im so angry"'), "does not state the word"),
    (("reason: irritation is anger", "reason: anger"), "needs a non-empty 'templates' list and a 'reason'"),
    (("  annoyed:\n", "  annoyed too:\n"), "must be a word in [a-z0-9_]+"),
    (("feelings:", "plain:"), "needs a non-empty 'feelings' mapping"),
    (("      im so happy: {span: any}\n", ""), "non-empty 'sincere' mapping"),
    (("{span: any, tone: exasperated, marker: strong}", "{span: any, tone: exasperated}"),
     "needs exactly the tags ['marker', 'span', 'tone']"),
    (("im so happy: {span: any}", "im so happy: {span: any, tone: exasperated}"), "needs exactly the tags ['span']"),
    (("im so happy: {span: any}", "im so happy: {span: any, marker: strong}"), "needs exactly the tags ['span']"),
    (("{span: any, tone: exasperated,", "{span: week, tone: exasperated,"), "span 'week' must be one of"),
    (("tone: exasperated, marker", "tone: gleeful, marker"), "tone 'gleeful' must be one of"),
    (("marker: strong", "marker: loud"), "marker 'loud' must be one of ['strong', 'weak']"),
    (("  day: [moment, day]\n", "  day: []\n"), "must map a key in [a-z0-9_]+ to a non-empty list"),
    (("exasperated: [anger]", "exasperated: [anger, joy]"), "may not read as ['joy', 'love']"),
])
def test_bad_templates_are_reported(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    with pytest.raises(AuditError, match=re.escape(message)):
        generate(_write(tmp_path, TINY_TEMPLATES.replace(*edit), TINY_SITUATIONS), NO_SOURCE, LABELS, seed=0)


# --- class 3: sincere literal controls -----------------------------------------------------------

def test_literal_controls_never_use_a_sarcastic_phrase(shipped, shipped_data) -> None:
    """Before: "oh great i got a promotion" was the literal control of "oh great ..."."""
    _, suite = shipped
    kinds = shipped_data[0]
    sarcastic = [p.text for k in kinds for p in k.sarcastic]
    for case in (c for c in suite.cases if c.rule == "literal"):
        padded = f" {case.text} "
        assert not any(f" {p} " in padded for p in sarcastic), case.text
        assert not any(case.text.startswith(f"{p} ") or case.text.endswith(f" {p}") for p in sarcastic)


def test_a_sincere_phrase_holding_a_sarcastic_one_is_refused(tmp_path: Path) -> None:
    bad = TINY_TEMPLATES.replace("im so happy: {span: any}", "im so happy oh great: {span: any}")
    with pytest.raises(AuditError, match="contains the sarcastic phrase 'oh great'"):
        generate(_write(tmp_path, bad, TINY_SITUATIONS), NO_SOURCE, LABELS, seed=0)


# --- class 4: seeded per case ---------------------------------------------------------------------

def _copy_shipped(folder: Path, situations: str) -> SuiteSpec:
    return _write(folder, _shipped_text("sarcasm_templates.yaml"), situations, n_sarcastic=360)


def _without(situations: str, key: str) -> str:
    return "".join(line for line in situations.splitlines(keepends=True) if not line.startswith(f"{key}\t"))


def _by_id(cases) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {c.id: (c.text, c.expectation.labels) for c in cases}


def test_removing_a_negative_situation_leaves_other_cases_unchanged(tmp_path: Path) -> None:
    """Before: one stream drew every case, so one row less shifted every later group."""
    full_tsv = _shipped_text("sarcasm_situations.tsv")
    full = _by_id(generate(_copy_shipped(tmp_path / "a", full_tsv), NO_SOURCE, LABELS, seed=0).cases)
    fewer = _by_id(generate(_copy_shipped(tmp_path / "b", _without(full_tsv, "keys")), NO_SOURCE, LABELS, seed=0).cases)
    kept = {i: v for i, v in full.items() if i.startswith("sarcasm:sarcastic:") and not i.endswith(".keys")}
    assert len(kept) < len(full)
    # Every other sarcastic case is still there, with the same text and expectation ...
    assert all(fewer.get(i) == v for i, v in kept.items())
    # ... and the freed places go to the next-ranked combinations: n stays as declared.
    assert sum(i.startswith("sarcasm:sarcastic:") for i in fewer) == sum(i.startswith("sarcasm:sarcastic:") for i in full)


def test_removing_a_positive_situation_changes_only_the_controls_that_used_it(tmp_path: Path) -> None:
    full_tsv = _shipped_text("sarcasm_situations.tsv")
    full = generate(_copy_shipped(tmp_path / "a", full_tsv), NO_SOURCE, LABELS, seed=0).cases
    fewer_cases = generate(_copy_shipped(tmp_path / "b", _without(full_tsv, "beach")), NO_SOURCE, LABELS,
                           seed=0).cases
    before, after = _groups(full), _groups(list(fewer_cases))
    beach = {g for g, roles in before.items() if roles["literal"].meta["literal_situation"] == "beach"}
    assert beach and before.keys() == after.keys()
    for group, roles in before.items():
        for role in sarcasm.ROLES:
            same = (after[group][role].text, after[group][role].expectation.labels) == (
                roles[role].text, roles[role].expectation.labels)
            assert same == (role != "literal" or group not in beach), (group, role)


def test_editing_a_row_changes_only_its_cases(tmp_path: Path) -> None:
    full_tsv = _shipped_text("sarcasm_situations.tsv")
    edited_tsv = full_tsv.replace("\ti lost my keys\t", "\ti lost my house keys\t")
    assert edited_tsv != full_tsv
    full = _groups(generate(_copy_shipped(tmp_path / "a", full_tsv), NO_SOURCE, LABELS, seed=0).cases)
    edited = _groups(generate(_copy_shipped(tmp_path / "b", edited_tsv), NO_SOURCE, LABELS, seed=0).cases)
    assert full.keys() == edited.keys()
    changed = {(g, role) for g in full for role in sarcasm.ROLES if full[g][role].text != edited[g][role].text}
    # only cases of the keys situation that use its clause: sarcastic ones and plain controls
    assert changed and all(g.endswith(".keys") and role != "literal" for g, role in changed)


# --- class 5: phrase and situation fit in time span -----------------------------------------------

CLOSER_TEMPLATES = """\
spans:
  any: [moment, day, period]
  day: [moment, day]
tones:
  exasperated: [anger]
  resigned: [anger, sadness]
kinds:
  closer:
    frame: "{clause} {phrase}"
    sarcastic:
      what a great day: {span: day, tone: exasperated, marker: weak}
      lucky me: {span: any, tone: resigned, marker: strong}
    sincere:
      and im so happy: {span: any}
feelings:
  mad:
    labels: [anger]
    templates: ["{clause} and im so mad"]
    reason: anger informally
"""
CLOSER_SITUATIONS = (
    "# provenance comment\n" + HEADER
    + _negative_row("keys", "anger,sadness", "moment", "universal", "mad", "losing my keys", "i lost my keys",
                    "i lose my keys")
    + _negative_row("rain", "anger,sadness", "period", "universal", "mad", "having it rain all through my holiday",
                    "it rained all through my holiday", "it rains all through my holiday")
    + _negative_row("traffic", "anger", "moment", "universal", "mad", "being stuck in traffic again",
                    "im stuck in traffic again", "i get stuck in traffic")
    + _positive_row("beach", "joy", "day", "spending a day at the beach", "im at the beach", "i go to the beach")
)


def _closer_suite(tmp_path: Path, situations: str = CLOSER_SITUATIONS) -> dict[str, tuple[str, ...]]:
    """Every case of the closer-only data, text -> allowed labels."""
    suite = generate(_write(tmp_path, CLOSER_TEMPLATES, situations, n_sarcastic=100), NO_SOURCE, LABELS, seed=0)
    return {c.text: c.expectation.labels for c in suite.cases}


def test_a_day_phrase_is_never_said_of_a_longer_situation(tmp_path: Path) -> None:
    """Before: "it rained all through my holiday what a great day" (a holiday is not a day)."""
    sarcastic = {t for t in _closer_suite(tmp_path) if t.endswith(("what a great day", "lucky me"))}
    assert sarcastic == {"i lost my keys what a great day", "i lost my keys lucky me",
                         "it rained all through my holiday lucky me",
                         "im stuck in traffic again what a great day"}


def test_a_situation_no_phrase_fits_is_refused(tmp_path: Path) -> None:
    only_day = TINY_TEMPLATES.replace("oh great: {span: any", "oh great: {span: day")
    with pytest.raises(AuditError, match=re.escape("no sarcastic phrase fits situation 'traffic' (span 'period'")):
        generate(_write(tmp_path, only_day, TINY_SITUATIONS.replace("anger\tmoment", "anger\tperiod")),
                 NO_SOURCE, LABELS, seed=0)
    sincere_day = TINY_TEMPLATES.replace("im so happy: {span: any}", "im so happy: {span: day}")
    with pytest.raises(AuditError, match="no sincere phrase fits a positive situation"):
        generate(_write(tmp_path, sincere_day, TINY_SITUATIONS.replace("joy\tday", "joy\tperiod")),
                 NO_SOURCE, LABELS, seed=0)


def test_every_shipped_pair_fits_in_time(shipped_data) -> None:
    """Over every seed's draw as over the whole product: a phrase is said only of a situation its
    span fits, and a day-bound phrase never of a night or a period."""
    kinds, _, negative, positive = shipped_data
    spec = load_spec(ROOT / "suites" / "sarcasm.yaml")
    phrase_of = {(k.name, k.fill(p, s)): p for k in kinds for p in k.sarcastic for s in negative}
    span_of = {s.key: s.span for s in negative}
    for seed in range(3):
        for case in generate(spec, NO_SOURCE, LABELS, seed=seed).cases:
            if case.rule == "sarcastic":
                phrase = phrase_of[(case.meta["phrase_kind"], case.text)]
                assert span_of[case.meta["situation"]] in phrase.fits, case.text
    data = sarcasm.SarcasmData(kinds, shipped_data[1], negative, positive)
    combos = sarcasm.combinations(data)
    assert combos and all(p.fits_situation(s) for _, p, s in combos)
    day_bound = [(p, s) for _, p, s in combos if p.span == "day"]
    assert day_bound and all(s.span in {"moment", "day"} for _, s in day_bound)
    assert "it rained all through my holiday what a great day" not in {k.fill(p, s) for k, p, s in combos}
    assert len(combos) < sum(len(k.sarcastic) for k in kinds) * len(negative)  # some pairs are refused


def test_a_phrase_that_names_a_time_is_span_bound(shipped_data) -> None:
    """A phrase that names a stretch of time ("best day ever", "what a week") judges that stretch:
    it may not be tagged as fitting every span."""
    kinds = shipped_data[0]
    time_words = {"day", "today", "tonight", "night", "morning", "week", "weekend", "monday", "year"}
    timed = [p for k in kinds for p in k.sarcastic if time_words & set(p.text.split())]
    assert {p.text for p in timed} >= {"best day ever", "what a great day"}
    assert all(p.span != "any" and "period" not in p.fits and "night" not in p.fits for p in timed)


def test_every_situation_gives_the_reason_for_its_span() -> None:
    rows = read_tsv(DATA / "sarcasm_situations.tsv", ["id", "span", "reason"])
    assert all(f"; {r['span']}: " in r["reason"] for r in rows)
    assert {r["span"] for r in rows} == {"moment", "day", "night", "period"}
    spans = {r["id"]: r["span"] for r in rows}
    assert spans["rain"] == "period" and spans["neighbours"] == "night" and spans["monday"] == "day"


# --- class 6: a sarcastic case is judged on its situation's set; the phrase adds nothing -----------

#: Feeling words for situations that sarcasm may not be said of (a threat, a loneliness).
FEAR_AND_LONELY = CLOSER_TEMPLATES + """\
  scared:
    labels: [fear]
    templates: ["{clause} and im so scared"]
    reason: fear named
  lonely:
    labels: [sadness]
    templates: ["{clause} and i feel so lonely"]
    reason: loneliness named
"""


def test_a_tone_adds_no_label(tmp_path: Path) -> None:
    """Before: every sarcastic case also allowed its tone's labels ("im stuck in traffic again lucky
    me" allowed sadness and anger, though a traffic jam is anger). Now the set is the situation's
    own, and a resigned phrase is said only of a situation that allows sadness."""
    cases = _closer_suite(tmp_path)
    assert cases["i lost my keys lucky me"] == ("sadness", "anger")
    assert cases["i lost my keys what a great day"] == ("sadness", "anger")
    assert cases["im stuck in traffic again what a great day"] == ("anger",)
    assert cases["im stuck in traffic again and im so mad"] == ("anger",)
    assert "im stuck in traffic again lucky me" not in cases


@pytest.mark.parametrize("row, message", [
    # Before: "how lovely i can hear strange noises downstairs" allowed anger beside fear.
    (_negative_row("noises", "fear", "night", "universal", "scared", "hearing strange noises downstairs at night",
                   "i can hear strange noises downstairs", "i hear strange noises downstairs at night"),
     "situation 'noises' allows ['fear']: a sarcastic case may allow only ['anger', 'sadness']"),
    # Before: "oh joy my boss just told me we need to talk" allowed anger and fear.
    (_negative_row("talk", "anger,fear", "moment", "contestable", "scared", "being told by my boss that we need to talk",
                   "my boss just told me we need to talk", "my boss tells me we need to talk"),
     "situation 'talk' allows ['fear']: a sarcastic case may allow only ['anger', 'sadness']"),
    # Before: "i have nobody to spend the weekend with lucky me" allowed anger beside sadness.
    (_negative_row("alone", "sadness", "period", "contestable", "lonely", "having nobody to spend the weekend with",
                   "i have nobody to spend the weekend with", "i have nobody to spend the weekend with"),
     "no sarcastic phrase fits situation 'alone' (span 'period', contestable, labels ['sadness'])"),
])
def test_a_threat_or_a_loneliness_is_never_said_sarcastically(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(AuditError, match=re.escape(message)):
        generate(_write(tmp_path, FEAR_AND_LONELY.replace("any: [moment, day, period]", "any: [moment, day, night, period]"),
                        CLOSER_SITUATIONS + row), NO_SOURCE, LABELS, seed=0)


def test_a_tone_without_exasperation_is_refused(tmp_path: Path) -> None:
    bad = TINY_TEMPLATES.replace("exasperated: [anger]", "exasperated: [sadness]")
    with pytest.raises(AuditError, match="tone exasperated: must read as 'anger'"):
        generate(_write(tmp_path, bad, TINY_SITUATIONS), NO_SOURCE, LABELS, seed=0)


#: Threats and dread (fear first) and hurts and loneliness (sadness first): said sarcastically,
#: careful annotators split between the situation's emotion and the remark's exasperation.
THREATS_AND_HURTS = {
    "i can hear strange noises downstairs", "my boss just told me we need to talk", "im waiting for my biopsy results",
    "a stranger followed me on the way home", "i got a letter from the tax office", "im stuck in a lift between floors",
    "my car broke down on an empty road at night", "a driver cut me off without even looking",
    "the printer jammed right before my deadline", "i have nobody to spend the weekend with",
    "nobody remembered my birthday", "nobody sat with me at lunch", "everyone got invited to the party except me",
    "everyone ignored me again", "my best friend left me on read",
}


def test_no_shipped_situation_is_a_threat_or_a_hurt(shipped_data) -> None:
    """Every shipped negative situation is an irritation (anger) or a mishap (anger and sadness):
    none allows fear, every one allows anger, and none of the threats and hurts is said."""
    kinds, feelings, negative, positive = shipped_data
    assert all("anger" in s.labels and set(s.labels) <= {"anger", "sadness"} for s in negative)
    assert not THREATS_AND_HURTS & {s.clause for s in negative}
    product = {k.fill(p, s) for k, p, s in sarcasm.combinations(sarcasm.SarcasmData(kinds, feelings, negative,
                                                                                    positive))}
    assert not [t for t in product if any(clause in t for clause in THREATS_AND_HURTS)]
    assert "oh great im stuck in traffic again" in product


def test_no_shipped_sarcastic_case_of_a_threat_or_a_hurt(shipped, shipped_data) -> None:
    """Over three seeds: every sarcastic case's situation allows anger and no fear, its set is the
    situation's, and a resigned phrase ("lucky me") is said only where sadness is allowed."""
    negative = {s.key: s for s in shipped_data[2]}
    spec = load_spec(ROOT / "suites" / "sarcasm.yaml")
    resigned = {"lucky me", "living the dream"}
    for seed in range(3):
        for case in (c for c in generate(spec, NO_SOURCE, LABELS, seed=seed).cases if c.rule == "sarcastic"):
            situation = negative[case.meta["situation"]]
            assert case.expectation.labels == situation.labels, case.text
            assert "anger" in situation.labels and "fear" not in situation.labels, case.text
            assert not any(case.text.endswith(p) for p in resigned) or "sadness" in situation.labels, case.text
            assert not any(clause in case.text for clause in THREATS_AND_HURTS), case.text


def test_the_shipped_suite_has_more_fitting_combinations_than_it_draws(shipped, shipped_data) -> None:
    """n_sarcastic is not capped: the irritations and mishaps give more fitting combinations than
    the groups drawn, so every role has exactly n_sarcastic cases."""
    spec, suite = shipped
    kinds, feelings, negative, positive = shipped_data
    combos = sarcasm.combinations(sarcasm.SarcasmData(kinds, feelings, negative, positive))
    assert len(combos) > spec.params["n_sarcastic"] == 360
    assert Counter(c.rule for c in suite.cases)["sarcastic"] == 360


# --- class 7: no phrase or gerund pins the situation to a date --------------------------------------

def test_no_gerund_names_a_one_off_date(shipped_data) -> None:
    """Before: "i really enjoy having a job interview tomorrow with no time to prepare": verbs of
    liking take a generic gerund, so a one-off date in it is odd. (A sincere "im so happy about"
    takes a dated one well: "going on holiday tomorrow".)"""
    negative = shipped_data[2]
    dated = {"tomorrow", "today", "tonight", "yesterday", "now"}
    assert not [s.gerund for s in negative if dated & set(s.gerund.split())]


def test_no_sarcastic_phrase_presupposes_a_coming_event(shipped_data) -> None:
    """Before: "im so excited about losing my keys": excitement looks ahead, but most situations
    have already happened."""
    prospective = ("excited", "cant wait", "looking forward", "look forward")
    phrases = [p.text for k in shipped_data[0] for p in k.sarcastic]
    assert not [p for p in phrases if any(f" {w} " in f" {p} " for w in prospective)]


def test_no_negative_situation_is_a_mere_absence(shipped_data) -> None:
    """Before: "yay i didnt get invited to the party" can be sincere relief; a negative situation
    says what is bad outright ("everyone got invited to the party except me")."""
    negative = shipped_data[2]
    bare = [s.key for s in negative
            if s.gerund.startswith("not ") or s.clause.split()[:2] in (["i", "didnt"], ["i", "dont"])]
    assert not bare


# --- class 8: a plain control is allowed the labels of the word it states ---------------------------

def _plain_suite(tmp_path: Path, feelings: str, rows: str) -> dict[str, tuple[str, ...]]:
    """Every plain case over seeds 0-19 of an opener-only suite with the given feeling words and
    negative rows: text -> allowed labels."""
    templates = TINY_TEMPLATES[:TINY_TEMPLATES.index("feelings:")] + feelings
    situations = "# provenance comment\n" + HEADER + rows + _positive_row(
        "beach", "joy", "day", "spending a day at the beach", "im at the beach", "i go to the beach")
    spec = _write(tmp_path, templates, situations)
    return {c.text: c.expectation.labels for seed in range(20)
            for c in generate(spec, NO_SOURCE, LABELS, seed=seed).cases if c.rule == "plain"}


PLAIN_FEELINGS = """\
feelings:
  disappointed:
    labels: [sadness]
    templates: ["{clause} and im so disappointed"]
    reason: a hope let down
  annoyed:
    labels: [anger]
    templates: ["{clause} and im so annoyed"]
    reason: irritation is anger
  upset:
    labels: [sadness, anger]
    templates: ["{clause} and im so upset"]
    reason: spans hurt and anger
"""


def test_a_plain_control_is_allowed_its_words_labels_not_the_situations(tmp_path: Path) -> None:
    """Before: a plain control was allowed its situation's whole set ("my flight got cancelled and
    im so disappointed" allowed anger too); a text that says "disappointed" is sadness. "upset"
    spans two classes."""
    flight = _negative_row("flight", "anger,sadness", "moment", "universal", "disappointed,annoyed",
                           "having my flight cancelled", "my flight got cancelled", "my flight gets cancelled")
    keys = _negative_row("keys", "sadness,anger", "moment", "universal", "upset", "losing my keys",
                         "i lost my keys", "i lose my keys")
    assert _plain_suite(tmp_path, PLAIN_FEELINGS, flight + keys) == {
        "my flight got cancelled and im so disappointed": ("sadness",),
        "my flight got cancelled and im so annoyed": ("anger",),
        "i lost my keys and im so upset": ("sadness", "anger"),
    }


def test_every_shipped_plain_case_is_allowed_exactly_its_words_labels(shipped_data) -> None:
    """Over three seeds: the one declared feeling word a plain text states is the one its case
    names, and the allowed set is that word's declared set."""
    feelings = shipped_data[1]
    spec = load_spec(ROOT / "suites" / "sarcasm.yaml")
    for seed in range(3):
        plain = [c for c in generate(spec, NO_SOURCE, LABELS, seed=seed).cases if c.rule == "plain"]
        assert plain and len({c.text for c in plain}) == len(plain)
        for case in plain:
            stated = {w for w in feelings if w in case.text.split()}
            assert stated == {case.meta["feeling"]}, case.text
            assert case.expectation.labels == feelings[case.meta["feeling"]].labels, case.text


def test_feeling_words_declare_their_class(shipped_data) -> None:
    """One class per word, the class its meaning and the data give it; only "upset" spans two."""
    feelings = shipped_data[1]
    labels = {w: f.labels for w, f in feelings.items()}
    assert {w for w, ls in labels.items() if len(ls) > 1} == {"upset"}
    assert labels["upset"] == ("sadness", "anger")
    expected = {"mad": "anger", "furious": "anger", "annoyed": "anger", "angry": "anger", "sad": "sadness",
                "miserable": "sadness", "unhappy": "sadness", "hurt": "sadness", "disappointed": "sadness",
                "frustrated": "anger"}
    assert {w: labels[w] for w in expected} == {w: (label,) for w, label in expected.items()}
    # Every declared word is one some situation states (fear words went with the threats).
    assert {w for s in shipped_data[2] for w in s.feelings} == set(feelings)
    raw = load_yaml_mapping(DATA / "sarcasm_templates.yaml")["feelings"]
    assert all(len(entry["reason"].split()) >= 3 for entry in raw.values())


# --- class 9: a plain control states a word that fits its situation, in a frame that reads -----------

def test_every_shipped_plain_word_is_one_its_situation_allows(shipped_data) -> None:
    feelings, negative = shipped_data[1], {s.key: s for s in shipped_data[2]}
    spec = load_spec(ROOT / "suites" / "sarcasm.yaml")
    for seed in range(3):
        for case in (c for c in generate(spec, NO_SOURCE, LABELS, seed=seed).cases if c.rule == "plain"):
            situation = negative[case.meta["situation"]]
            assert case.meta["feeling"] in situation.feelings, case.text
            assert set(feelings[case.meta["feeling"]].labels) <= set(situation.labels)


def _plain_product(shipped_data) -> dict[str, set[str]]:
    """Every plain text the shipped data can make, per situation."""
    feelings, negative = shipped_data[1], shipped_data[2]
    return {s.key: {t.format(**s.slots()) for _, t in sarcasm.plain_options(feelings, s)} for s in negative}


def test_mismatched_feelings_are_never_said(shipped_data) -> None:
    """Before: "i lost my keys and im so unhappy" (an odd register for keys), "im so sad about
    failing my driving test again" (a stilted gerund frame)."""
    product = _plain_product(shipped_data)
    everything = set().union(*product.values())
    assert "i lost my keys and im so unhappy" not in everything
    assert not any(t.startswith("im so sad about") for t in everything)
    assert "im so disappointed that i failed my driving test again" in product["driving"]
    assert "i lost my keys and im so annoyed" in product["keys"]
    feelings = shipped_data[1]
    negative = {s.key: s for s in shipped_data[2]}
    # Small mishaps and irritations take no sadness word.
    for key in ("keys", "traffic", "package", "hold", "printer"):
        assert "sadness" not in {label for w in negative[key].feelings for label in feelings[w].labels}, key
    # No feeling template uses the gerund form.
    assert not [t for f in feelings.values() for t in f.templates if "{gerund}" in t]


def test_every_situation_gives_the_reason_for_its_feelings_and_badness() -> None:
    rows = read_tsv(DATA / "sarcasm_situations.tsv", ["polarity", "feelings_reason", "bad_reason"])
    negative = [r for r in rows if r["polarity"] == "negative"]
    assert negative and all(len(r[c].split()) >= 4 for r in negative for c in ("feelings_reason", "bad_reason"))


def test_an_and_template_is_not_used_with_an_and_clause(tmp_path: Path) -> None:
    """Before: "my laptop crashed and i lost all my work and im furious" (two "and"s run on)."""
    laptop = sarcasm.Situation("laptop", ("anger",), "moment", "losing all my work to a laptop crash",
                               "my laptop crashed and i lost all my work",
                               "my laptop crashes and i lose all my work")
    keys = sarcasm.Situation("keys", ("anger",), "moment", "losing my keys", "i lost my keys", "i lose my keys")
    assert not sarcasm.template_reads("{clause} and im furious", laptop)
    assert sarcasm.template_reads("im furious that {clause}", laptop)
    assert sarcasm.template_reads("{clause} and im furious", keys)
    furious = ("feelings:\n  furious:\n    labels: [anger]\n"
               '    templates: ["{clause} and im furious", "im furious that {clause}"]\n'
               "    reason: strong anger\n")
    row = _negative_row("laptop", "anger", "moment", "universal", "furious",
                        laptop.gerund, laptop.clause, laptop.when)
    assert _plain_suite(tmp_path, furious, row) == {
        "im furious that my laptop crashed and i lost all my work": ("anger",)}
    only_and = furious.replace(', "im furious that {clause}"', "")
    with pytest.raises(AuditError, match="no template of the word reads naturally"):
        _plain_suite(tmp_path, only_and, row)


def test_a_word_outside_the_situations_labels_is_refused(tmp_path: Path) -> None:
    """A traffic jam is never "disappointed" (sadness): a word may only name a label its situation
    allows."""
    traffic = _negative_row("traffic", "anger", "moment", "universal", "annoyed,disappointed",
                            "being stuck in traffic again", "im stuck in traffic again", "i get stuck in traffic")
    with pytest.raises(AuditError, match=re.escape("feeling 'disappointed': its labels ['sadness'] must lie in")):
        _plain_suite(tmp_path, PLAIN_FEELINGS, traffic)


# --- class 10: a weak sarcasm marker is said only of a situation bad for anyone ----------------------

MARKER_TEMPLATES = TINY_TEMPLATES.replace(
    "      oh great: {span: any, tone: exasperated, marker: strong}\n",
    "      oh great: {span: any, tone: exasperated, marker: strong}\n"
    "      yay: {span: any, tone: exasperated, marker: weak}\n")
LUNCH_ALONE = _negative_row("lunchalone", "anger", "moment", "contestable", "annoyed",
                            "having nobody sit with me at lunch", "nobody sat with me at lunch",
                            "nobody sits with me at lunch")


def test_a_weak_marker_is_never_said_of_a_contestable_situation(tmp_path: Path) -> None:
    """Before: "i really enjoy having nobody sit with me at lunch" (many people like to eat alone):
    a weak marker of a contestable situation may be meant. A strong one still is sarcasm."""
    suite = generate(_write(tmp_path, MARKER_TEMPLATES, TINY_SITUATIONS + LUNCH_ALONE, n_sarcastic=10),
                     NO_SOURCE, LABELS, seed=0)
    assert {c.text for c in suite.cases if c.rule == "sarcastic"} == {
        "oh great im stuck in traffic again", "yay im stuck in traffic again",
        "oh great nobody sat with me at lunch"}


def test_a_contestable_situation_without_a_strong_marker_is_refused(tmp_path: Path) -> None:
    only_weak = MARKER_TEMPLATES.replace("oh great: {span: any, tone: exasperated, marker: strong}",
                                         "oh great: {span: any, tone: exasperated, marker: weak}")
    with pytest.raises(AuditError, match=re.escape("no sarcastic phrase fits situation 'lunchalone'")):
        generate(_write(tmp_path, only_weak, TINY_SITUATIONS + LUNCH_ALONE), NO_SOURCE, LABELS, seed=0)


def test_shipped_markers_and_badness(shipped_data) -> None:
    kinds, feelings, negative, positive = shipped_data
    phrases = {p.text: p for k in kinds for p in k.sarcastic}
    assert all(phrases[t].strong for t in ("oh great", "oh joy", "lucky me", "living the dream", "just great"))
    assert not any(phrases[t].strong for t in ("i really enjoy", "i just love", "i love it when", "yay", "awesome",
                                                "just what i needed", "i just love it when"))
    contestable = {s.key for s in negative if not s.universal}
    assert contestable == {"monday"}
    combos = sarcasm.combinations(sarcasm.SarcasmData(kinds, feelings, negative, positive))
    assert all(s.universal for _, p, s in combos if not p.strong)
    assert {s.key for _, _, s in combos} == {s.key for s in negative}  # every situation is still said
    texts = {k.fill(p, s) for k, p, s in combos}
    assert "yay its monday again" not in texts and "i really enjoy having to go back to work on monday" not in texts
    assert "oh great its monday again" in texts


def test_no_shipped_sarcastic_case_pairs_a_weak_marker_with_a_contestable_situation(shipped, shipped_data) -> None:
    _, suite = shipped
    kinds, _, negative, _ = shipped_data
    universal = {s.key: s.universal for s in negative}
    strong = {(k.name, k.fill(p, s)): p.strong for k in kinds for p in k.sarcastic for s in negative}
    sarcastic = [c for c in suite.cases if c.rule == "sarcastic"]
    assert any(not universal[c.meta["situation"]] for c in sarcastic)
    assert all(strong[(c.meta["phrase_kind"], c.text)] or universal[c.meta["situation"]] for c in sarcastic)


# --- figures ----------------------------------------------------------------------------------------

def _record(group: str, role: str, allowed: tuple[str, ...], pred: str, kind: str = "opener",
            situation: str = "anger") -> dict:
    """A record of group ``group``'s case of ``role``; a sarcastic one names its group's controls."""
    meta = {"group": group, "role": role, "phrase_kind": kind, "situation_labels": situation}
    if role == "sarcastic":
        meta.update(literal_id=f"literal:{group}", plain_id=f"plain:{group}")
    return {"id": f"{role}:{group}", "pred": pred, "passed": pred in allowed, "label": None, "meta": meta}


def test_summarize_hand_counted() -> None:
    a, s, j, jl = ("anger",), ("anger", "sadness"), ("joy",), ("joy", "love")
    records = [
        # g1: taken at face value (joy), both controls pass.
        _record("g1", "sarcastic", a, "joy"), _record("g1", "literal", j, "joy"), _record("g1", "plain", a, "anger"),
        # g2: a negative emotion inside the set, but the literal control is called love (fails: joy only).
        _record("g2", "sarcastic", s, "sadness", "verb", "anger+sadness"), _record("g2", "literal", j, "love", "verb"),
        _record("g2", "plain", s, "sadness", "verb"),
        # g3: a negative emotion outside the set (fails, but no trap), both controls pass.
        _record("g3", "sarcastic", s, "fear", "verb", "anger+sadness"), _record("g3", "literal", jl, "love", "verb"),
        _record("g3", "plain", s, "anger", "verb"),
        # g4: love on a sarcastic case is a trap too; controls pass.
        _record("g4", "sarcastic", s, "love", "closer", "anger+sadness"), _record("g4", "literal", j, "joy", "closer"),
        _record("g4", "plain", a, "anger", "closer"),
    ]
    out = sarcasm.summarize(records, LABELS)
    assert out["n_groups"] == 4
    trap, passed = out["literal_trap_rate"], out["sarcastic_pass_rate"]
    assert (trap["successes"], trap["n"]) == (2, 4)  # g1 joy, g4 love; g3's fear is no trap
    assert (passed["successes"], passed["n"]) == (1, 4)  # only g2
    assert out["control_pass_rate"]["literal"]["successes"] == 3
    assert out["control_pass_rate"]["plain"]["successes"] == 4
    # Groups g1, g3 and g4 have both controls passing; g1 and g4 are traps there.
    controlled = out["literal_trap_rate_controls_passed"]
    assert (controlled["successes"], controlled["n"]) == (2, 3)
    assert out["sarcastic_pass_rate_controls_passed"]["successes"] == 0
    assert out["sarcastic_predictions"] == {"sadness": 1, "joy": 1, "love": 1, "anger": 0, "fear": 1, "surprise": 0}
    by_set = out["by_situation_labels"]
    assert by_set["anger"]["literal_trap_rate"]["value"] == 1.0
    assert (by_set["anger+sadness"]["literal_trap_rate"]["successes"], by_set["anger+sadness"]["literal_trap_rate"]["n"]) == (1, 3)
    assert by_set["anger+sadness"]["pass_rate"]["successes"] == 1
    assert out["by_phrase_kind"]["verb"]["pass_rate"]["value"] == 0.5
    assert out["by_phrase_kind"]["verb"]["literal_trap_rate"]["value"] == 0.0
    assert 0 < trap["ci_low"] < 0.5 < trap["ci_high"] < 1


def test_trap_rate_ignores_labels_the_model_lacks() -> None:
    records = [_record("g1", "sarcastic", ("anger",), "joy"), _record("g1", "literal", ("joy",), "joy"),
               _record("g1", "plain", ("anger",), "anger")]
    out = sarcasm.summarize(records, ["anger", "joy"])
    assert out["literal_trap_rate"]["value"] == 1.0 and set(out["sarcastic_predictions"]) == {"anger", "joy"}


# --- what the training data says --------------------------------------------------------------------

def _ctx() -> SuiteContext:
    return SuiteContext(load_spec(ROOT / "suites" / "sarcasm.yaml"), NO_SOURCE, LABELS, 0)


@pytest.mark.parametrize("text, kind", [
    ("oh great i feel so stupid today", "opener"),
    ("Oh great, I feel so stupid today!", "opener"),
    ("i feel like a total bitchy person today yay", "closer"),
    ("i just love feeling so lonely on a friday night", "verb"),
    ("gotta love it when you feel ignored by everyone", "when"),
    ("oh great i feel so happy today", None),  # no complaint after the phrase
    ("i feel so stupid today oh great", None),  # an opener in closing position
    ("so i just love feeling lonely", None),  # the verb phrase does not open the text
    ("oh great", None),
])
def test_sarcasm_frame_matcher(text: str, kind: str | None) -> None:
    ctx = _ctx()
    data = sarcasm.load_data(ctx)
    complaint = frozenset({"stupid", "bitchy", "lonely", "ignored"})
    assert sarcasm.sarcasm_frame(text, data.kinds, complaint) == kind


def test_train_evidence_hand_counted() -> None:
    train = SourceData(
        ids=[str(k) for k in range(6)],
        texts=["oh great i feel so stupid today", "yay i feel awful", "i lost my keys and i feel lonely lucky me",
               "i feel so happy today", "i just love feeling ignored", "awesome i feel so terrified"],
        labels=["sadness", "joy", "sadness", "joy", "love", "fear"])
    out = sarcasm.train_evidence(_ctx(), train)
    # "awesome i feel so terrified" is no match: a complaint is a cue of a label some negative
    # situation allows (anger, sadness), and no situation said sarcastically allows fear.
    assert out["n_train"] == 6 and out["n_matched"] == 4 and out["n_consistent"] == 2
    assert out["label_counts"] == {"sadness": 2, "joy": 1, "love": 1}
    assert (out["consistent_rate"]["successes"], out["consistent_rate"]["n"]) == (2, 4)
    assert out["summary"] == ("train: 4 texts open or close with a sarcastic positive phrase around a complaint; "
                              "50% are labelled joy or love, which this suite counts as a failure")


def test_train_evidence_without_matches() -> None:
    out = sarcasm.train_evidence(_ctx(), SourceData(["0"], ["i feel so happy"], ["joy"]))
    assert out["n_matched"] == 0 and out["consistent_rate"] is None and out["label_counts"] == {}
    assert out["summary"].startswith("train: no text")


def test_train_evidence_needs_the_complaint_lexicon(tmp_path: Path) -> None:
    ctx = SuiteContext(_write(tmp_path, TINY_TEMPLATES, TINY_SITUATIONS), NO_SOURCE, LABELS, 0)
    with pytest.raises(AuditError, match="params.lexicon"):
        sarcasm.train_evidence(ctx, NO_SOURCE)
    one = sarcasm.train_evidence(_ctx(), SourceData(["0"], ["oh great i feel so stupid"], ["joy"]))
    assert one["summary"].startswith("train: 1 text opens or closes with") and "100% are labelled" in one["summary"]


def test_train_evidence_on_the_reference_train_split(emotion_data: Path) -> None:
    from conftest import read_split

    train = read_split(emotion_data, "train")
    out = sarcasm.train_evidence(_ctx(), train)
    assert out["n_train"] == len(train.texts) > 10_000
    assert out["n_consistent"] <= out["n_matched"] == sum(out["label_counts"].values())
    assert out["summary"].startswith(f"train: {out['n_matched']} text")
