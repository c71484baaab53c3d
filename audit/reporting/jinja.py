"""The Jinja environments of the shipped templates (``reports/``): one for HTML pages, escaping
every value (the report, the comparison page), and the settings the markdown card shares."""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..resources import resource_dir
from .formatting import fmt_number, fmt_rate, fmt_score


def environment(**options: Any) -> Environment:
    """An environment over the shipped templates: undefined names are errors, block tags leave
    no blank lines; ``options`` add to or override these settings (autoescape, finalize ...)."""
    settings = {"undefined": StrictUndefined, "trim_blocks": True, "lstrip_blocks": True, **options}
    return Environment(loader=FileSystemLoader(resource_dir("reports")), **settings)


def html_environment() -> Environment:
    """The HTML pages' environment: autoescape on, and the number, rate and score filters."""
    env = environment(autoescape=True)
    env.filters.update(number=fmt_number, rate=fmt_rate, score=fmt_score)
    return env
