"""The settings of an audit: :class:`Options`, the ``emotion-audit run`` flags as one value."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .data import Dataset
from .engines import RaySettings, check_engine
from .errors import AuditError
from .labels import unique_names
from .lazy_model import LoadSettings


@dataclass(frozen=True)
class Options:
    """Every setting of an audit (the ``emotion-audit run`` flags), with their defaults.

    Data: ``split``, ``text_column``, ``label_column``, ``group_columns`` (disaggregated metrics),
    ``label_names`` (the data's label order, for integer labels or generic model labels),
    ``strict`` (empty texts are errors). Suites: ``suites`` (names or ``["all"]``), ``suites_dirs``.
    Model: ``device``, ``dtype``, ``batch_size`` (default by device: 64 on CPU, 1,024 on CUDA),
    ``max_length``, ``offline``,
    ``trust_remote_code``, ``allow_pickle``. Statistics: ``seed`` (every random choice derives from
    it), ``n_resamples`` (bootstrap, at least 1000), ``stream`` (score the split from counts a
    chunk at a time, :mod:`audit.counts`, with a Poisson bootstrap, and hold only the split's
    records the report shows: memory that does not grow with the records). Cache: ``use_cache`` (predictions, and in
    ``artifacts.sqlite`` what a re-run can reuse: model facts, suites, evidence, discoveries),
    ``cache_dir``. Training
    evidence (:mod:`audit.train_check`): ``train_data`` (a path, Hub id or :class:`Dataset`; by
    default the data's own train split when it has one), ``train_check`` (False skips it).
    Discoveries on the split: ``label_issues`` (False skips the search for suspected label errors,
    :mod:`audit.label_issues`); discovered slices (:mod:`audit.slices`) always run. Inference
    engine (:mod:`audit.engines`): ``engine`` (``local`` or ``ray``), and for Ray ``ray_address``,
    ``ray_actors``, ``ray_gpus_per_actor``.
    """

    split: str = "test"
    text_column: str = "text"
    label_column: str = "label"
    group_columns: tuple[str, ...] = ()
    label_names: tuple[str, ...] | None = None
    strict: bool = False
    suites: tuple[str, ...] = ()
    suites_dirs: tuple[Path, ...] = ()
    device: str = "auto"
    dtype: str = "float32"
    batch_size: int | None = None
    max_length: int = 512
    offline: bool = False
    trust_remote_code: bool = False
    allow_pickle: bool = False
    seed: int = 0
    n_resamples: int = 1000
    stream: bool = False
    use_cache: bool = True
    cache_dir: Path | None = None
    progress: bool = True
    train_data: str | Dataset | None = None
    train_check: bool = True
    label_issues: bool = True
    engine: str = "local"
    ray_address: str | None = None
    ray_actors: int | None = None
    ray_gpus_per_actor: float = 0.0

    @property
    def loading(self) -> LoadSettings:
        """How a model named by path or Hub id is loaded."""
        return LoadSettings(device=self.device, dtype=self.dtype, max_length=self.max_length,
                            batch_size=self.batch_size, offline=self.offline, trust_remote_code=self.trust_remote_code,
                            allow_pickle=self.allow_pickle, progress=self.progress)

    @property
    def ray(self) -> RaySettings:
        """The Ray engine's settings."""
        return RaySettings(self.ray_address, self.ray_actors, self.ray_gpus_per_actor)

    def __post_init__(self) -> None:
        # Accept lists and strings from Python callers; store the documented types.
        fix = partial(object.__setattr__, self)
        fix("group_columns", tuple(self.group_columns))
        fix("suites", tuple(self.suites))
        fix("suites_dirs", tuple(Path(p) for p in self.suites_dirs))
        if self.label_names is not None:
            fix("label_names", tuple(unique_names(self.label_names, "--label-names")))
        if self.cache_dir is not None:
            fix("cache_dir", Path(self.cache_dir))
        if self.n_resamples < 1000:
            raise AuditError(f"--bootstrap must be at least 1000 resamples, got {self.n_resamples}")
        check_engine(self.engine, self.ray)
