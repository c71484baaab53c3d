"""Reading ``results.json`` and ``predictions.jsonl`` back, refusing what the readers cannot trust.

The report, the model card and the gate read only these two files, and each reads them through
:func:`read_results` and :func:`read_predictions`, which check

- the syntax: JSON without ``NaN`` or infinities, nested at most :data:`MAX_DEPTH` deep, and in
  ``predictions.jsonl`` one JSON object a line;
- the shape: every key a reader uses is present with the type it needs (a suite section is an
  object, a pass rate a number ...), and every estimate-with-interval anywhere in the document
  (``{value, ci_low, ci_high[, successes, n]}``, the form the report draws) holds numbers;
- the arithmetic: every figure a reader shows is recomputed from what it derives from and must
  match it (within :data:`TOLERANCE`): accuracy, macro / weighted / micro F1, per-class precision,
  recall, F1 and support and the normalized matrix from the confusion counts; every rate from its
  ``successes / n``; the ECE from the calibration bins; the dataset's size and class counts from
  the split; per-rule counts from the suite's. With the predictions, the confusion matrices,
  calibration, pass, flip, per-rule and breakdown counts are recomputed from the per-case records,
  each record's prediction must be the argmax of its probabilities, and the number of records of
  every suite must equal the results' (a file cut at a line boundary is refused).

Bootstrap intervals cannot be recomputed without replaying the resampling; they must contain
their estimate. A file that fails a check is refused with one line: the file, the key and why.

Layout: :mod:`.access` (typed access and :class:`Invalid`), :mod:`.figures` (metrics blocks,
calibration, estimates), :mod:`.sections` (the document's sections), :mod:`.records` (per-case
records and baseline outcomes), :mod:`.files` (the readers).
"""
from __future__ import annotations

from .access import TOLERANCE, Invalid, KeyPath, check_kind, dotted, field, is_number
from .figures import INTERVAL_KEYS, MAX_MAGNITUDE, check_estimate, check_metrics, is_estimate
from .files import MAX_DEPTH, check_records, parse_json, read_predictions, read_records, read_results
from .records import check_outcomes, check_predictions, check_record
from .sections import check_results

__all__ = ["INTERVAL_KEYS", "MAX_DEPTH", "MAX_MAGNITUDE", "TOLERANCE", "Invalid", "KeyPath", "check_estimate",
           "check_kind", "check_metrics", "check_outcomes", "check_predictions", "check_record", "check_records",
           "check_results", "dotted", "field", "is_estimate", "is_number", "parse_json", "read_predictions",
           "read_records", "read_results"]
