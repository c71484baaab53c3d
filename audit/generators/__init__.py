"""Suite generators: one module (or package) per rule family, each with ``generate(ctx) -> GeneratedSuite``.

A module declares the ``params`` it takes in ``PARAMS`` (name -> type): other keys, and values of
the wrong type, are refused with the key named. A module may also define
``summarize(records, labels) -> dict`` for suite-specific figures, which land in ``results.json``
under ``suites.<name>.extra`` (a ``summarize`` that also accepts ``seed`` and ``n_resamples``
keywords receives the audit's, for any resampling it does). Perturbations are small named classes
with a seeded ``perturb(text, rng) -> str | None`` (``None``: the rule does not apply to this text).

A rule family too large for one module is a package whose ``__init__`` is the generator (it
builds the suite) and whose modules each do one job (word lists, matchers, rules, data files,
figures, training evidence); word classes several families use live in :mod:`.lexicon`.
"""
