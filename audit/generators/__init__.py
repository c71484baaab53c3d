"""Suite generators: one module per rule family, each with ``generate(ctx) -> GeneratedSuite``.

A module may also define ``summarize(records, labels) -> dict`` for suite-specific figures, which
land in ``results.json`` under ``suites.<name>.extra``. Perturbations are small named classes with a
seeded ``perturb(text, rng) -> str | None`` (``None``: the rule does not apply to this text).
"""
