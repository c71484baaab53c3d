"""Reading the templates file (``sarcasm_templates.yaml``): phrase spans, tones, phrase kinds with
their sarcastic and sincere phrases, and the feeling words of the plain controls.

Every phrase is checked as it is read: its span and tone are declared, a sarcastic phrase's tone
reads as exasperation and never as a positive emotion, and no sincere phrase contains a sarcastic
one (a literal control opening with "oh great" is itself read as sarcasm).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from ...errors import AuditError
from ...suite import load_yaml_mapping
from .declarations import (EXASPERATION, KEY_RE, POSITIVE_LABELS, Feeling, Kind, Phrase, Templates, Tone,
                           check_frame, check_labels, check_style)

#: Values of a sarcastic phrase's ``marker`` tag: said almost only in irony, or often meant.
MARKERS: tuple[str, ...] = ("strong", "weak")


def _string_lists(raw: Any, what: str, where: str) -> dict[str, tuple[str, ...]]:
    """A non-empty mapping of keys in [a-z0-9_]+ to non-empty lists of strings (the ``spans`` and
    ``tones`` of the templates file)."""
    if not isinstance(raw, dict) or not raw:
        raise AuditError(f"{where}: needs a non-empty '{what}' mapping")
    out = {}
    for key, values in raw.items():
        if not KEY_RE.match(str(key)) or not isinstance(values, list) or not values:
            raise AuditError(f"{where}: '{what}' entry {key!r} must map a key in [a-z0-9_]+ to a "
                             "non-empty list")
        out[str(key)] = tuple(str(v) for v in values)
    return out


def _load_tones(raw: Any, known: Sequence[str], where: str) -> dict[str, Tone]:
    """The declared tones and the labels each reads as: never a positive one, and always
    :data:`EXASPERATION` (when the model has that label)."""
    tones = {}
    for name, labels in _string_lists(raw, "tones", where).items():
        checked = check_labels(labels, known, f"{where} tone {name}")
        if set(checked) & set(POSITIVE_LABELS):
            raise AuditError(f"{where} tone {name}: may not read as {sorted(POSITIVE_LABELS)}")
        if EXASPERATION in known and EXASPERATION not in checked:
            raise AuditError(f"{where} tone {name}: must read as {EXASPERATION!r}: every sarcastic "
                             "remark is exasperated")
        tones[name] = Tone(name, checked)
    return tones


def _phrases(entry: Mapping[str, Any], field: str, where: str, spans: Mapping[str, tuple[str, ...]],
             tones: Mapping[str, Tone] | None) -> tuple[Phrase, ...]:
    """A kind's non-empty mapping of phrases (in the data's style) to their tags.

    Every phrase names its ``span``; a sarcastic phrase (``tones`` given) names its ``tone`` and
    its ``marker`` (one of :data:`MARKERS`) too, and a sincere one (``tones`` None) may not: it is
    meant as it is said and marks no sarcasm.
    """
    raw = entry.get(field)
    if not isinstance(raw, dict) or not raw:
        raise AuditError(f"{where}: needs a non-empty '{field}' mapping of phrase to tags")
    allowed = {"span", "tone", "marker"} if tones is not None else {"span"}
    phrases = []
    for text, tags in raw.items():
        text = check_style(str(text), where)
        if not isinstance(tags, dict) or set(tags) != allowed:
            raise AuditError(f"{where}: {field} phrase {text!r} needs exactly the tags {sorted(allowed)}")
        if tags["span"] not in spans:
            raise AuditError(f"{where}: phrase {text!r}: span {tags['span']!r} must be one of {sorted(spans)}")
        if tones is not None and tags["tone"] not in tones:
            raise AuditError(f"{where}: phrase {text!r}: tone {tags['tone']!r} must be one of {sorted(tones)}")
        if tones is not None and tags["marker"] not in MARKERS:
            raise AuditError(f"{where}: phrase {text!r}: marker {tags['marker']!r} must be one of {list(MARKERS)}")
        phrases.append(Phrase(text, tags["span"], frozenset(spans[tags["span"]]),
                              tones[tags["tone"]] if tones is not None else None,
                              tones is not None and tags["marker"] == "strong"))
    return tuple(phrases)


def _contains(phrase: str, part: str) -> bool:
    """Whether ``part`` occurs in ``phrase`` as a run of whole words."""
    return f" {part} " in f" {phrase} "


def _load_feelings(raw: Any, known: Sequence[str], where: str) -> dict[str, Feeling]:
    """The declared feeling words of the plain controls.

    Each word maps to its ``labels`` (never a positive one: a plain control states a negative
    emotion), a non-empty list of ``templates`` that each state the word, and a ``reason``.
    """
    if not isinstance(raw, dict) or not raw:
        raise AuditError(f"{where}: needs a non-empty 'feelings' mapping of word to labels and templates")
    feelings = {}
    for word, entry in raw.items():
        at = f"{where} feeling {word!r}"
        if not KEY_RE.match(str(word)) or not isinstance(entry, dict) \
                or set(entry) != {"labels", "templates", "reason"}:
            raise AuditError(f"{at}: must be a word in [a-z0-9_]+ with exactly 'labels', 'templates' "
                             "and 'reason'")
        labels = check_labels([str(x) for x in entry["labels"] or []], known, at)
        if set(labels) & set(POSITIVE_LABELS):
            raise AuditError(f"{at}: may not allow {sorted(POSITIVE_LABELS)}")
        if not isinstance(entry["templates"], list) or not entry["templates"] \
                or len(str(entry["reason"] or "").split()) < 2:
            raise AuditError(f"{at}: needs a non-empty 'templates' list and a 'reason'")
        templates = tuple(check_frame(str(t), at) for t in entry["templates"])
        unsaid = [t for t in templates if not _contains(t, str(word))]
        if unsaid:
            raise AuditError(f"{at}: template {unsaid[0]!r} does not state the word")
        feelings[str(word)] = Feeling(str(word), labels, templates)
    return feelings


def load_templates(path: Path, known: Sequence[str]) -> Templates:
    """Read the templates YAML: phrase spans, tones, phrase kinds and the plain controls' feeling
    words.

    No sincere phrase may contain a sarcastic phrase: a literal control opening with "oh great" is
    itself read as sarcasm.
    """
    raw = load_yaml_mapping(path)
    if not isinstance(raw.get("kinds"), dict):
        raise AuditError(f"{path}: expected a mapping 'kinds'")
    spans = _string_lists(raw.get("spans"), "spans", str(path))
    tones = _load_tones(raw.get("tones"), known, str(path))
    kinds = []
    for name, entry in raw["kinds"].items():
        where = f"{path} kind {name}"
        if not isinstance(entry, dict) or not isinstance(entry.get("frame"), str):
            raise AuditError(f"{where}: needs a 'frame' string")
        kinds.append(Kind(str(name), check_frame(entry["frame"], where),
                          _phrases(entry, "sarcastic", where, spans, tones),
                          _phrases(entry, "sincere", where, spans, None)))
    sarcastic = [p.text for kind in kinds for p in kind.sarcastic]
    for kind in kinds:
        for phrase in kind.sincere:
            clash = [p for p in sarcastic if _contains(phrase.text, p)]
            if clash:
                raise AuditError(f"{path} kind {kind.name}: sincere phrase {phrase.text!r} contains the "
                                 f"sarcastic phrase {clash[0]!r}")
    feelings = _load_feelings(raw.get("feelings"), known, str(path))
    return Templates(tuple(kinds), feelings, frozenset(s for fits in spans.values() for s in fits))
