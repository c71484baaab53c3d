"""The negation suite's word lists: what a feeling clause's head, degree words and scope may hold.

Each list says, in its comment, which texts it lets the matcher negate or makes it skip, with an
example; :mod:`.scope` and :mod:`.matcher` read them. Word classes other suites share (pronouns,
determiners, conjunctions, negators) come from :mod:`audit.generators.lexicon`.
"""
from __future__ import annotations

from ..lexicon import CONJUNCTIONS, MARKUP_WORDS, NEGATION_WORDS, WH_WORDS

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
#: Degree words a negated clause drops: "i dont feel so scared", "not very scared", "not too
#: scared", "i dont feel really sad" read as "less scared", "a little sad" (a degree, not a
#: denial), so "i feel so scared" becomes "i dont feel scared", which denies the emotion.
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
#: times ("i wasnt nervous at first", "i wasnt happy until ...", "sometimes i dont feel so sad",
#: "i dont feel stupid whenever this happens": not every time, so some times)
#: and quantifiers that a negation makes partial ("i dont feel terrific in every one of them",
#: "i havent been feeling afraid a lot", "... the whole day", "not disturbed by tons of things",
#: "not close to most people", "not assaulted by all directions", "not nostalgic about all
#: these memories", "not superior in one thing", "not inspired for a few projects", "not lousy
#: on a daily basis"): the emotion is asserted for the other times or cases.
PARTIAL_SCOPE = frozenset(
    "first initially beginning until till til sometimes occasionally often oftentimes usually "
    "always constantly every everything everyone everybody each everyday everytime whenever wherever whole entire "
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
PHRASE_BREAKERS = (frozenset("as like than whether".split()) | WH_WORDS | ASIDES | CONJUNCTIONS
                   | CLAUSE_CONNECTIVES | RUN_ON_SUBJECTS | MARKUP_WORDS)
#: Words a phrase may hold only as its last word: inside it they open a clause ("that my art
#: style can be copied", "here there was a huge market", "gloomy yet excited").
PHRASE_FINAL_ONLY = frozenset("that there yet either anymore".split())
#: "to" opens a phrase only before one of these ("close to him"); before any other word it opens
#: an infinitive ("blessed to know this family", "helpless to regain a safe feeling"), whose
#: content the negation leaves asserted and may presuppose the emotion.
TO_OBJECTS = frozenset(
    "the a an my your his her their our this these those me him us them you it everyone "
    "anyone".split())
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
#: Negated causatives that head an already negated "make me feel" clause.
NEGATED_CAUSATIVES = (("didnt",), ("doesnt",), ("dont",), ("never",), ("didn", "t"),
                      ("doesn", "t"), ("don", "t"), ("did", "not"), ("does", "not"),
                      ("do", "not"))
#: The causative verb after such a negator ("didnt make me", "never made me").
CAUSATIVE_VERBS = frozenset("make makes made".split())
