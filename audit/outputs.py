"""Writing an audit's output folder, and the ``report`` and ``card`` commands that rebuild the
HTML report and the model card from a stored ``results.json`` without the model."""
from __future__ import annotations

import argparse
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from .errors import AuditError
from .results import PREDICTIONS_FILE, RESULTS_FILE, dumps, output_texts, write_text_atomic, write_texts_atomic
from .runner import Audit
from .streaming import PARQUET_DIR, find_predictions, remove_parquet, staged_parquet
from .validate import read_predictions, read_results

REPORT_FILE = "report.html"
DATASET_ID_HELP = "Hub dataset id the card's model-index names (default: derived from the results)"
CARD_FILE = "model_card.md"
#: Longest wait for another run to finish writing the same output folder.
LOCK_WAIT_S = 120.0


def render_all(results: Mapping[str, Any], records: Sequence[Mapping[str, Any]] | None,
               card: Path | None, dataset_id: str | None = None) -> tuple[str, str]:
    """The report's HTML and the filled card's markdown (rendered before anything is written)."""
    from .card import fill_card
    from .report import render_report

    return render_report(results, records), fill_card(results, _read_card(card), dataset_id=dataset_id)


def _read_card(card: Path | None) -> str | None:
    if card is None:
        return None
    try:
        return card.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise AuditError(f"model card not found: {card}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read model card {card}: {exc}") from exc


@contextmanager
def locked_folder(folder: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (created if missing) while writing into it, so two
    runs into one folder write one after the other and the files left are all from one run.

    The lock is an ``flock`` on the folder itself, so no lock file is left in it, and it is
    released when the process ends, however it ends. Without ``fcntl`` (Windows) there is no lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise AuditError(f"cannot create or open the output folder {folder}: {exc.strerror or exc}") from exc
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AuditError(f"output folder {folder} has been in use by another emotion-audit run "
                                     f"for {wait_s:.0f} s; wait for it or pick another --out") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def write_all(out: Path, audit: Audit, card: Path | None = None, dataset_id: str | None = None,
              predictions: str = "jsonl") -> list[Path]:
    """Write predictions, results, report and card to ``out``: all four are rendered and staged
    before any is renamed into place, under a lock on ``out`` (:func:`locked_folder`), so a
    failure leaves earlier outputs untouched and two runs never leave a mix of their files.
    ``predictions`` is the per-case form: ``jsonl`` (``predictions.jsonl``) or ``parquet`` (a
    ``predictions.parquet`` folder of shards, :mod:`audit.streaming`); the other form, left by an
    earlier run, is removed."""
    html, markdown = render_all(audit.results, audit.records, card, dataset_id)
    others = {out / REPORT_FILE: html, out / CARD_FILE: markdown}
    with locked_folder(out):
        if predictions == "parquet":
            with staged_parquet(out, audit.records, audit.results["model"]["labels"]):
                write_texts_atomic({out / RESULTS_FILE: dumps(audit.results), **others})
        else:
            write_texts_atomic({**output_texts(out, audit.results, audit.records), **others})
            remove_parquet(out)
    per_case = PARQUET_DIR if predictions == "parquet" else PREDICTIONS_FILE
    return [out / name for name in (RESULTS_FILE, per_case, REPORT_FILE, CARD_FILE)]


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import render_report

    results = read_results(args.results)
    predictions = find_predictions(Path(args.results))
    records = read_predictions(predictions, results) if predictions.exists() else None
    write_text_atomic(args.output, render_report(results, records))
    return 0


def _cmd_card(args: argparse.Namespace) -> int:
    from .card import fill_card

    results = read_results(args.results)
    write_text_atomic(args.output, fill_card(results, _read_card(args.card), dataset_id=args.dataset_id))
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The ``report`` and ``card`` subcommands."""
    p = sub.add_parser("report", help="render report.html from a stored results.json")
    p.add_argument("results", type=Path,
                   help="results.json (predictions.jsonl or predictions.parquet beside it is used if present)")
    p.add_argument("-o", "--output", type=Path, required=True, help="HTML file to write")
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser("card", help="fill a model card from a stored results.json")
    p.add_argument("results", type=Path)
    p.add_argument("--card", type=Path, default=None, help="card to fill (default: built-in template)")
    p.add_argument("--dataset-id", default=None, help=DATASET_ID_HELP)
    p.add_argument("-o", "--output", type=Path, required=True, help="markdown file to write")
    p.set_defaults(func=_cmd_card)
