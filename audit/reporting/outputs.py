"""Writing an audit's output folder, and rebuilding the HTML report and the model card from a
stored ``results.json`` without the model (the ``report`` and ``card`` commands).

The report and card modules (and with them matplotlib) are imported only when something is
rendered, so commands that render nothing stay light.
"""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from ..errors import AuditError
from ..results import (PREDICTIONS_FILE, RESULTS_FILE, dumps, output_texts, whole_split, write_text_atomic,
                       write_texts_atomic)
from ..streaming import PARQUET_DIR, find_predictions, remove_parquet, staged_parquet
from ..validate import read_predictions, read_results

if TYPE_CHECKING:
    from ..policy import Policy
    from ..store import ArtifactStore
    from ..runner import Audit

REPORT_FILE = "report.html"
CARD_FILE = "model_card.md"
#: Longest wait for another run to finish writing the same output folder.
LOCK_WAIT_S = 120.0


def render_all(results: Mapping[str, Any], records: Sequence[Mapping[str, Any]] | None,
               card: Path | None, dataset_id: str | None = None, policy: Policy | None = None,
               store: ArtifactStore | None = None) -> tuple[str, str]:
    """The report's HTML and the filled card's markdown (rendered before anything is written),
    both judged against ``policy`` (the shipped default gate policy when None); the report's
    charts kept in ``store`` (:mod:`.chart_store`) when one is given."""
    from .card import fill_card
    from .chart_store import charts_kept_in
    from .report import render_report

    # As results.json will read back (keys sorted), so the report and card written here are the
    # ones the report and card commands make from the written files.
    results = json.loads(dumps(results))
    with charts_kept_in(store):
        html = render_report(results, records, policy)
    return html, fill_card(results, read_card(card), dataset_id=dataset_id, policy=policy)


def read_card(card: Path | None) -> str | None:
    """The text of the model card to fill, or ``None`` (the built-in template) without one; a
    card whose front matter cannot be read is refused here, naming the file."""
    from .card import parse_card

    if card is None:
        return None
    try:
        text = card.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise AuditError(f"model card not found: {card}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read model card {card}: {exc}") from exc
    parse_card(text, f"model card {card}")
    return text


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
              predictions: str = "jsonl", policy: Policy | None = None, store: ArtifactStore | None = None) -> list[Path]:
    """Write predictions, results, report and card to ``out``: all four are rendered and staged
    before any is renamed into place, under a lock on ``out`` (:func:`locked_folder`), so a
    failure leaves earlier outputs untouched and two runs never leave a mix of their files.
    ``predictions`` is the per-case form: ``jsonl`` (``predictions.jsonl``) or ``parquet`` (a
    ``predictions.parquet`` folder of shards, :mod:`audit.streaming`); the other form, left by an
    earlier run, is removed. ``policy`` is the gate policy the report and card follow; ``store``,
    where the report's charts are kept between runs (None: drawn every time)."""
    html, markdown = render_all(audit.results, audit.records, card, dataset_id, policy, store)
    others = {out / REPORT_FILE: html, out / CARD_FILE: markdown}
    with locked_folder(out):
        if predictions == "parquet":
            with staged_parquet(out, whole_split(audit.per_case(), audit.results), audit.results["model"]["labels"]):
                write_texts_atomic({out / RESULTS_FILE: dumps(audit.results), **others})
        else:
            write_texts_atomic({**output_texts(out, audit.results, audit.per_case()), **others})
            remove_parquet(out)
    per_case = PARQUET_DIR if predictions == "parquet" else PREDICTIONS_FILE
    return [out / name for name in (RESULTS_FILE, per_case, REPORT_FILE, CARD_FILE)]


def rebuild_report(results_path: Path, output: Path, policy: Policy | None = None) -> None:
    """Write the HTML report of a stored ``results.json`` (with the per-case predictions beside
    it when present) to ``output``."""
    from .report import render_report

    results, records = read_run(results_path)
    write_text_atomic(output, render_report(results, records, policy))


def read_run(results_path: Path) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """A stored ``results.json`` and, when present, the per-case predictions beside it, checked
    against each other (:func:`audit.validate.read_predictions`): the report and the card read
    a run the same way, so neither shows a figure the predictions contradict."""
    results = read_results(results_path)
    predictions = find_predictions(Path(results_path))
    return results, read_predictions(predictions, results) if predictions.exists() else None


def rebuild_card(results_path: Path, output: Path, card: Path | None = None, dataset_id: str | None = None,
                 policy: Policy | None = None) -> None:
    """Write the model card (``card`` filled, or the built-in template) for a stored ``results.json``,
    checked against the predictions beside it as the report is (:func:`read_run`)."""
    from .card import fill_card

    results, _ = read_run(results_path)
    write_text_atomic(output, fill_card(results, read_card(card), dataset_id=dataset_id, policy=policy))
