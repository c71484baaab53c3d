"""The ``emotion-audit`` command line.

Exit codes: 0 success (gate: pass), 1 gate regression and nothing else, 2 every other error
(usage, input, compatibility, environment, and internal errors), 130 interrupted. Errors print one
line ``emotion-audit: error: ...`` on stderr; an unexpected exception is reported as an internal
error in one line too, and ``--debug`` adds the traceback.

Each command group declares its arguments in its own module (:mod:`.run`, :mod:`.suites`,
:mod:`.outputs`, :mod:`.gate`, :mod:`.compare`) and imports what does the work only when it runs,
so ``--help`` loads no model or statistics library.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Sequence

from ..errors import AuditError
from .args import Parser
from .compare import add_compare
from .gate import add_gate
from .outputs import add_outputs
from .run import add_run
from .suites import add_suites

PROG = "emotion-audit"
#: Where an internal error (a bug, not a bad input) should be reported.
REPORT_BUGS = "rerun with --debug and report the traceback to the emotion-audit issue tracker"


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the README's usage examples)."""
    parser = Parser(prog=PROG, description="Audit text emotion classifiers.")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars or summaries")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (add_run, add_suites, add_outputs, add_gate, add_compare):
        add(sub)
    for command in _parsers(sub):  # --quiet/--debug also accepted after the subcommand
        command.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS)
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    return parser


def _parsers(sub: argparse._SubParsersAction) -> list[argparse.ArgumentParser]:
    """Every subcommand's parser, nested ones (``suites sample``) included."""
    out = []
    for command in sub.choices.values():
        out.append(command)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                out += _parsers(action)
    return out


def _one_line(text: object) -> str:
    """A message on one line (file names and library messages may hold line breaks), printable
    on any stream (a lone surrogate quoted from a bad input is written as ``\\udc00``)."""
    return " ".join(str(text).encode("utf-8", "backslashreplace").decode("utf-8").split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn every failure into a one-line message and an exit code.

    Only a gate regression returns 1; every error returns 2 (130 on Ctrl-C), so a crash can never
    pass for a regression in CI. ``--debug`` prints the traceback as well.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if os.environ.get("CI") and "--quiet" not in argv and "-q" not in argv:
        os.environ.setdefault("TQDM_DISABLE", "1")

    def fail(message: str, code: int = 2) -> int:
        if debug:
            traceback.print_exc()
        print(f"{PROG}: {_one_line(message)}", file=sys.stderr)
        return code

    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except AuditError as exc:
        return fail(f"error: {exc}", 2 if exc.exit_code == 1 else exc.exit_code)  # 1 means regression only
    except KeyboardInterrupt:
        return fail("interrupted; earlier outputs are untouched", 130)
    except MemoryError:
        return fail("error: out of memory; try a smaller --batch-size or --max-length")
    except OSError as exc:  # the environment (permissions, a full disk, a vanished file), not a bug
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return fail(f"error: {exc.strerror or exc}{where}")
    except Exception as exc:  # noqa: BLE001 - anything else is a bug: one line, never exit 1
        return fail(f"error: internal error ({type(exc).__name__}: {exc}); {REPORT_BUGS}")
