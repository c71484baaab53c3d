"""The suite's data, read from both files and checked to fit together, and which phrases,
situations and feeling templates may be combined.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from ...errors import AuditError
from ...suite import SuiteContext
from .declarations import SARCASTIC_LABELS, Feeling, Kind, Phrase, SarcasmData, Situation
from .situations import load_situations
from .templates import load_templates


def _check_feelings(situation: Situation, feelings: Mapping[str, Feeling], where: str) -> None:
    """Raise unless every feeling word ``situation`` declares is a declared word, names only labels
    the situation allows ("furious" is never said of loneliness), and has a template that reads
    naturally with the situation's clause."""
    for word in situation.feelings:
        at = f"{where}: situation {situation.key!r} feeling {word!r}"
        if word not in feelings:
            raise AuditError(f"{at}: not a declared feeling word ({sorted(feelings)})")
        if not set(feelings[word].labels) <= set(situation.labels):
            raise AuditError(f"{at}: its labels {list(feelings[word].labels)} must lie in the "
                             f"situation's {list(situation.labels)}")
        if not any(template_reads(t, situation) for t in feelings[word].templates):
            raise AuditError(f"{at}: no template of the word reads naturally with {situation.clause!r}")


def load_data(ctx: SuiteContext) -> SarcasmData:
    """Read the suite's data files and check that they fit together: every negative situation's
    feeling words fit it (:func:`_check_feelings`), it allows only :data:`SARCASTIC_LABELS`, and
    some sarcastic phrase fits it (in time span, tone and marker strength); and every kind has a
    sincere phrase that fits some positive situation."""
    params = ctx.spec.params
    templates = load_templates(ctx.data_path(params["templates"]), ctx.labels)
    negative, positive = load_situations(ctx.data_path(params["situations"]), ctx.labels, templates.spans)
    data = SarcasmData(templates.kinds, templates.feelings, negative, positive)
    where = f"suite {ctx.spec.name!r}"
    for s in negative:
        _check_feelings(s, data.feelings, where)
        unagreed = [label for label in s.labels if label not in SARCASTIC_LABELS]
        if unagreed:
            raise AuditError(f"{where}: situation {s.key!r} allows {unagreed}: a sarcastic case may allow only "
                             f"{list(SARCASTIC_LABELS)} (said sarcastically, a threat divides annotators "
                             "between fear and exasperation)")
        if not any(p.fits_situation(s) for k in data.kinds for p in k.sarcastic):
            raise AuditError(f"{where}: no sarcastic phrase fits situation {s.key!r} (span {s.span!r}, "
                             f"{'universal' if s.universal else 'contestable'}, labels {list(s.labels)})")
    for kind in data.kinds:
        if not literals_for(kind, positive):
            raise AuditError(f"{where}: kind {kind.name!r}: no sincere phrase fits a positive situation's span")
    return data


def template_reads(template: str, situation: Situation) -> bool:
    """Whether a feeling template reads naturally around ``situation``: one that joins the clause
    with "and" ("{clause} and im furious") is not used with a clause that already joins two with
    "and" ("my laptop crashed and i lost all my work and im furious" runs on)."""
    return not ("{clause} and " in template and "and" in situation.clause.split())


def plain_options(feelings: Mapping[str, Feeling], situation: Situation) -> list[tuple[Feeling, str]]:
    """Every (feeling word, template) a plain control of ``situation`` may be drawn from: the
    words the situation declares, in the templates that read naturally with it."""
    return [(feelings[word], t) for word in situation.feelings
            for t in feelings[word].templates if template_reads(t, situation)]


def literals_for(kind: Kind, positive: Sequence[Situation]) -> list[tuple[Phrase, Situation]]:
    """Every (sincere phrase, positive situation) of ``kind`` that fit in time span."""
    return [(p, s) for p in kind.sincere for s in positive if p.fits_situation(s)]
