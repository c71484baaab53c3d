"""The bias section's counterfactual paired tests, checked against each other.

Each test (:func:`audit.counterfactual.paired_tests`) carries a t-test of one label's probability
change with its t-interval, and a sign test; both families are Holm-adjusted over all tests of
the section, and a t-test is significant where its adjusted p-value is below the section's alpha.
A reader holds no group column to recompute the probabilities from, but the figures of a test fix
one another: the t-interval is centred on the mean difference, the sign test's p-value follows
from its counts, every adjusted p-value from the family's raw ones, and ``significant`` from the
adjusted value. An edit to any one of them is refused.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..stats import holm
from .access import Invalid, KeyPath, check_kind, close, equal, field
from .closed_forms import sign_test_p


def check_paired_tests(bias: Mapping[str, Any], where: KeyPath) -> None:
    """Every ``bias.attributes.<a>.tests`` entry, and the section's Holm correction."""
    tests: list[tuple[KeyPath, Mapping[str, Any]]] = []
    for name, section in (bias.get("attributes") or {}).items():
        for i, test in enumerate(section.get("tests") or []) if isinstance(section, dict) else ():
            at = where + ("attributes", name, "tests", i)
            tests.append((at, check_kind(test, "map", at)))
    if not tests:
        return
    correction = field(bias, where, "correction", "map")
    alpha = field(correction, where + ("correction",), "alpha", "prob")
    for at, test in tests:
        _check_test(test, at, alpha)
    t_tests = [(at, t) for at, t in tests if t["p_value"] is not None]
    equal(correction.get("n_tests"), len(t_tests), where + ("correction", "n_tests"), "the tests with a p-value")
    _check_holm(t_tests)
    _check_holm([(at + ("sign_test",), t["sign_test"]) for at, t in tests if t["sign_test"]["p_value"] is not None])


def _check_test(test: Mapping[str, Any], at: KeyPath, alpha: float) -> None:
    """One test: its interval centred on its mean difference, its sign test's p-value from its
    counts, ``significant`` from its adjusted p-value."""
    n = field(test, at, "n", "count")
    mean = field(test, at, "mean_diff", "num", nullable=True)
    low = field(test, at, "ci_low", "num", nullable=True)
    high = field(test, at, "ci_high", "num", nullable=True)
    field(test, at, "p_value", "prob", nullable=True)
    adjusted = field(test, at, "p_adjusted", "prob", nullable=True)
    if mean is not None and low is not None and high is not None:
        if not low <= mean <= high:
            raise Invalid(at, f"mean_diff {mean!r} lies outside its interval [{low!r}, {high!r}]")
        close(mean, (low + high) / 2, at + ("mean_diff",), "the centre of its t-interval")
    sign = field(test, at, "sign_test", "map")
    n_pos = field(sign, at + ("sign_test",), "n_pos", "count")
    n_neg = field(sign, at + ("sign_test",), "n_neg", "count")
    if n_pos + n_neg > n:
        raise Invalid(at + ("sign_test",), f"{n_pos} + {n_neg} non-zero differences among n = {n} pairs")
    p = field(sign, at + ("sign_test",), "p_value", "prob", nullable=True)
    expected = sign_test_p(n_pos, n_neg)
    if (p is None) != (expected is None):
        raise Invalid(at + ("sign_test", "p_value"), f"must be {'null' if expected is None else 'a number'} "
                                                     f"with {n_pos + n_neg} non-zero differences")
    if p is not None:
        close(p, expected, at + ("sign_test", "p_value"), f"the sign test of {n_pos} of {n_pos + n_neg}")
    equal(field(test, at, "significant", "bool"), adjusted is not None and adjusted < alpha,
          at + ("significant",), f"p_adjusted below alpha = {alpha}")


def _check_holm(family: Sequence[tuple[KeyPath, Mapping[str, Any]]]) -> None:
    """Each member's ``p_adjusted``: Holm's adjustment of the family's ``p_value`` s."""
    for (at, member), adjusted in zip(family, holm([m["p_value"] for _, m in family])):
        close(member.get("p_adjusted"), adjusted, at + ("p_adjusted",), "Holm's adjustment over its family")
