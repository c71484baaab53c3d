"""Writing an audit's output folder, and the ``report`` and ``card`` commands that rebuild the
HTML report and the model card from a stored ``results.json`` without the model."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import AuditError
from .results import PREDICTIONS_FILE, RESULTS_FILE, load_predictions, load_results, output_texts, write_text_atomic, write_texts_atomic
from .runner import Audit

REPORT_FILE = "report.html"
DATASET_ID_HELP = "Hub dataset id the card's model-index names (default: derived from the results)"
CARD_FILE = "model_card.md"


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


def write_all(out: Path, audit: Audit, card: Path | None = None, dataset_id: str | None = None) -> list[Path]:
    """Write predictions, results, report and card to ``out``: all four are rendered and staged
    before any is renamed into place, so a failure leaves earlier outputs untouched."""
    html, markdown = render_all(audit.results, audit.records, card, dataset_id)
    write_texts_atomic({**output_texts(out, audit.results, audit.records), out / REPORT_FILE: html,
                        out / CARD_FILE: markdown})
    return [out / name for name in (RESULTS_FILE, PREDICTIONS_FILE, REPORT_FILE, CARD_FILE)]


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import render_report

    results = load_results(args.results)
    predictions = Path(args.results).with_name(PREDICTIONS_FILE)
    records = load_predictions(predictions) if predictions.exists() else None
    write_text_atomic(args.output, render_report(results, records))
    return 0


def _cmd_card(args: argparse.Namespace) -> int:
    from .card import fill_card

    results = load_results(args.results)
    write_text_atomic(args.output, fill_card(results, _read_card(args.card), dataset_id=args.dataset_id))
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The ``report`` and ``card`` subcommands."""
    p = sub.add_parser("report", help="render report.html from a stored results.json")
    p.add_argument("results", type=Path, help="results.json (predictions.jsonl beside it is used if present)")
    p.add_argument("-o", "--output", type=Path, required=True, help="HTML file to write")
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser("card", help="fill a model card from a stored results.json")
    p.add_argument("results", type=Path)
    p.add_argument("--card", type=Path, default=None, help="card to fill (default: built-in template)")
    p.add_argument("--dataset-id", default=None, help=DATASET_ID_HELP)
    p.add_argument("-o", "--output", type=Path, required=True, help="markdown file to write")
    p.set_defaults(func=_cmd_card)
