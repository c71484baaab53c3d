"""Argument types and options several ``emotion-audit`` commands share.

Usage errors are raised at parse time as one-line :class:`~audit.errors.AuditError`\\ s, so a bad
value never reaches a command.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable, Sequence

from ..errors import AuditError

DATASET_ID_HELP = "Hub dataset id the card's model-index names (default: derived from the results)"
POLICY_HELP = "gate policy YAML whose floors decide the badges and findings (default: the built-in policy)"
#: ``(flags, help)`` of an optional file argument.
PathOption = tuple[Sequence[str], str]


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are :class:`AuditError` (one line, exit 2) instead
    of argparse's usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise AuditError(f"{message} (see {self.prog} --help)")


def csv(value: str) -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [v.strip() for v in value.split(",") if v.strip()]


def label_names(value: str) -> list[str]:
    """``--label-names``: comma-separated, each name once (a repeated name would merge two classes)."""
    from ..labels import unique_names

    try:
        return unique_names(csv(value), "")
    except AuditError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def at_least(low: float, kind: type = int) -> Callable[[str], float]:
    """An argparse type: a finite ``kind`` (int or float) of at least ``low``, so a bad number is a
    one-line usage error at parse time (``argument --seed: must be an integer >= 0, got '-1'``)."""
    import math

    noun = "an integer" if kind is int else "a number"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < low:
            raise argparse.ArgumentTypeError(f"must be {noun} >= {low:g}, got {text!r}")
        return value

    parse.__name__ = kind.__name__
    return parse


def run_inputs(results: Path) -> list[tuple[str, Path]]:
    """A stored run's input files: ``results.json`` and the predictions beside it."""
    from ..streaming import find_predictions

    return [("RESULTS", results), ("predictions", find_predictions(results))]


def add_command(sub: argparse._SubParsersAction, name: str, func: Callable[[argparse.Namespace], int],
                help: str, description: str | None = None) -> argparse.ArgumentParser:
    """A subcommand's parser that runs ``func`` with the parsed arguments. Commands pass ``func``'s
    docstring as the ``description`` (``--help`` reflows it), so the two always say the same."""
    parser = sub.add_parser(name, help=help, description=description)
    parser.set_defaults(func=func)
    return parser


def add_optional_paths(parser: argparse.ArgumentParser, *options: PathOption) -> None:
    """Optional file arguments (each ``(flags, help)``): nothing is read or written when absent."""
    for flags, text in options:
        parser.add_argument(*flags, type=Path, default=None, help=text)
