"""The ``bias`` section of ``results.json``: one per-attribute shape, two producers, one merge.

- :func:`audit.disaggregation.disaggregate` splits gold/predicted labels by one or more group
  columns (an *attribute* such as ``gender``, whose values are *groups* such as ``female``) and by
  every intersection of columns (``gender x race``), and reports the largest gap between groups
  per metric.
- :func:`audit.counterfactual.counterfactual_summary` reads the scored records of a paired
  counterfactual suite (the ``identity`` suite): it disaggregates the template cases by the
  demographics of their person phrase, and adds flip rates, probability changes and paired
  significance tests per attribute.
- :func:`combine` merges the two into the section.

Shape (keys marked *cf* only appear in the counterfactual summary)::

    {
      "labels": ["sadness", ...],
      "min_group_size": 30,          # groups with fewer labeled cases are flagged, not judged
      "ci": {"method": ..., "level": 0.95, "resamples": 1000, "seed": 0},
      "attributes": {
        "<attribute>": {
          "groups": {
            "<group>": {
              "n": 378, "too_small": false,
              "accuracy": {"value", "ci_low", "ci_high"}, "macro_f1": {"value", "ci_low", "ci_high"},
              "per_class_f1": {"<label>": 0.93, ...}, "support": {"<label>": 63, ...}
            }
          },
          "excluded_groups": ["<group>", ...],  # too small: left out of the gaps
          "gaps": {
            "accuracy": {"value", "ci_low", "ci_high", "high_group", "low_group", "n_groups"},
            "macro_f1": {...},
            "per_class_f1": {"<label>": {...}}    # groups without gold support for it left out
          },
          "tests": [{"name", "label", "group", "source_group", "n", "mean_diff", "ci_low", "ci_high", "t_statistic",
                     "p_value", "p_adjusted", "significant", "sign_test": {...}, ...}],  # cf; else []
          "untested": [{"origin", "source_group", "group", "n"}],                        # cf
          "counterfactual": {                                                             # cf
            "n": 672, "n_sources": 336, "flip_rate": {rate}, "mean_abs_change": {"<label>": 0.004},
            "by_origin": {"template": {"n", "n_sources", "flip_rate", "mean_abs_change"}, "test": {...}},
            "by_group": {"<group>": {"n", "n_sources", "flip_rate", "mean_abs_change"}}
          }
        }
      },
      "intersections": {"gender x race": {"groups", "excluded_groups", "gaps", "tests": []}},
      "correction": {"method": "holm", "alpha": 0.05, "n_tests": 84}                   # cf
    }

How gaps and their intervals are computed: :mod:`audit.disaggregation`; how pairs, flip rates and
paired tests are counted: :mod:`audit.counterfactual`. A ``{rate}`` is
:func:`audit.metrics.rate_with_ci` (Wilson interval).
"""
from __future__ import annotations

from typing import Any, Mapping


def combine(counterfactual: Mapping[str, Any] | None, data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The ``bias`` section of ``results.json`` from the identity suite's counterfactual summary
    and/or the group-column disaggregation, in the one shape of this module.

    Each attribute records its ``source`` (``identity suite`` or ``group column``); a group column
    named like a counterfactual attribute is keyed ``<name> (data)``. ``None`` when neither exists.
    """
    if counterfactual is None and data is None:
        return None
    first = counterfactual or data
    out: dict[str, Any] = {key: first[key] for key in ("labels", "min_group_size", "ci")}
    out["attributes"], out["intersections"] = {}, {}
    for part, source in ((counterfactual, "identity suite"), (data, "group column")):
        if part is None:
            continue
        for kind in ("attributes", "intersections"):
            for name, section in part[kind].items():
                key = f"{name} (data)" if name in out[kind] else name
                out[kind][key] = {**section, "source": source}
    if counterfactual is not None and "correction" in counterfactual:
        out["correction"] = counterfactual["correction"]
    return out
