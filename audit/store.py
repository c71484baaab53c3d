"""SQLite files in the cache folder that never serve what they cannot vouch for.

:class:`SqliteFile` is what every cache file shares: it creates its one table in a new file, and
moves a file that does not hold exactly that table and layout version (garbage pages, another
program's tables, an older layout) aside to ``<name>.corrupt`` and starts a new one (counted in
``rebuilt``), also when the damage is found while reading or writing. Any other SQLite problem is
one line naming the file.

:class:`ArtifactStore` keeps, in ``artifacts.sqlite`` beside the prediction cache, what an audit
derives besides predictions and can reuse: generated suites and training evidence
(:mod:`audit.suite_cache`), what a model's files say about it and each text's token count and
input key (:mod:`audit.lazy_model`). Entries are blobs by ``(kind, key)``, each stored with a
sha256 over its kind, key and bytes; an entry whose checksum fails, or whose JSON does not decode,
is deleted, counted in ``rejected`` and recomputed by the caller. The key of an entry is a hash of
everything it depends on, so an entry is never updated: a change of any input gives another key.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
import zlib
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .errors import AuditError

#: SQLite result codes of a damaged file: SQLITE_CORRUPT, SQLITE_NOTADB.
_CORRUPT_CODES = (11, 26)
#: Errors by which a reader says a stored value is not what this code would have stored.
UNUSABLE = (TypeError, ValueError, KeyError, AuditError)
#: Keys per ``IN (...)`` query (SQLite's oldest limit on parameters is 999).
_QUERY_KEYS = 500


def _is_corrupt(exc: sqlite3.Error) -> bool:
    """Whether an SQLite error means the file is damaged or not a database at all."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _CORRUPT_CODES
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def key_batches(keys: list[str]) -> Iterable[list[str]]:
    """``keys`` in runs short enough for one ``IN (...)`` query each."""
    for start in range(0, len(keys), _QUERY_KEYS):
        yield keys[start:start + _QUERY_KEYS]


class SqliteFile:
    """One SQLite file ``<folder>/<FILE_NAME>`` holding one table of layout ``SCHEMA_VERSION``.

    Subclasses set the class attributes; ``rebuilt`` counts files moved aside and rebuilt.
    """

    FILE_NAME = ""
    WHAT = "cache"
    TABLE = ""
    #: ``(name, SQL type)`` of each column, in order; the last ``KEY_COLUMNS`` form the primary key.
    COLUMNS: tuple[tuple[str, str], ...] = ()
    KEY_COLUMNS = 2
    SCHEMA_VERSION = 1

    def __init__(self, folder: Path) -> None:
        self.path = folder / self.FILE_NAME
        self.rebuilt = 0
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AuditError(f"cannot create the {self.WHAT} folder {folder}: {exc.strerror or exc}") from exc
        self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        """Connect and make sure the file holds this layout; rebuild it once when it does not."""
        for attempt in range(2):
            db = None
            try:
                db = sqlite3.connect(self.path, timeout=60)
                if self._layout_ok(db):
                    return db
            except sqlite3.Error as exc:
                if not _is_corrupt(exc) or attempt:
                    if db is not None:
                        db.close()
                    raise self._error(exc) from exc
            if db is not None:
                db.close()
            self._move_aside()
        raise AuditError(f"{self.WHAT} {self.path} could not be rebuilt; delete it or use --no-cache")

    def _layout_ok(self, db: sqlite3.Connection) -> bool:
        """Create the table in an empty file; ``False`` when the file holds anything else."""
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if not tables and version == 0:  # a new file (another run may be creating it too)
            columns = ", ".join(f"{name} {kind} NOT NULL" for name, kind in self.COLUMNS)
            key = ", ".join(name for name, _ in self.COLUMNS[:self.KEY_COLUMNS])
            with db:
                db.execute(f"CREATE TABLE IF NOT EXISTS {self.TABLE} ({columns}, PRIMARY KEY ({key}))")
                db.execute(f"PRAGMA user_version = {self.SCHEMA_VERSION}")
            version, tables = self.SCHEMA_VERSION, [self.TABLE]
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({self.TABLE})")]
        return version == self.SCHEMA_VERSION and tables == [self.TABLE] and columns == [n for n, _ in self.COLUMNS]

    def _move_aside(self) -> None:
        """Move a damaged or foreign file (and any journal beside it) to ``*.corrupt``."""
        try:
            for suffix in ("", "-journal", "-wal", "-shm"):
                source = self.path.with_name(self.path.name + suffix)
                if source.exists():
                    os.replace(source, self.path.with_name(self.path.name + suffix + ".corrupt"))
        except OSError as exc:
            raise AuditError(f"{self.WHAT} {self.path} is damaged and cannot be moved aside "
                             f"({exc.strerror or exc}); delete it or use --no-cache") from exc
        self.rebuilt += 1

    def _error(self, exc: sqlite3.Error) -> AuditError:
        return AuditError(f"{self.WHAT} {self.path}: {exc}; use --no-cache or another --cache-dir")

    def recover(self, exc: sqlite3.Error) -> None:
        """After an error while reading or writing: rebuild a damaged file, else give up with one line."""
        if not _is_corrupt(exc):
            raise self._error(exc) from exc
        self.db.close()
        self._move_aside()
        self.db = self._open()

    def write(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """``executemany(sql, rows)`` in one transaction, rebuilding a damaged file once."""
        for attempt in range(2):
            try:
                with self.db:
                    self.db.executemany(sql, rows)
                return
            except sqlite3.Error as exc:
                if attempt:
                    raise self._error(exc) from exc
                self.recover(exc)

    def close(self) -> None:
        self.db.close()


def blob_checksum(*parts: str, blob: bytes) -> bytes:
    """sha256 binding ``blob`` to the strings that name it (a blob moved to another row fails)."""
    return hashlib.sha256("\0".join(parts).encode() + b"\0" + blob).digest()


class _ArtifactFile(SqliteFile):
    FILE_NAME = "artifacts.sqlite"
    WHAT = "artifact cache"
    TABLE = "artifacts"
    COLUMNS = (("kind", "TEXT"), ("key", "TEXT"), ("blob", "BLOB"), ("checksum", "BLOB"))


class ArtifactStore:
    """Checksummed blobs by ``(kind, key)`` in ``<folder>/artifacts.sqlite`` (see the module docs).

    Each call opens the file and closes it again, so a store can be handed to objects that
    outlive a run. ``rejected`` counts entries refused on reading, ``rebuilt`` files rebuilt.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rejected = 0
        self.rebuilt = 0

    def _file(self) -> _ArtifactFile:
        return _ArtifactFile(self.folder)

    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, bytes]:
        """The intact blobs of whichever of ``keys`` are stored; damaged ones are deleted."""
        file = self._file()
        try:
            found, bad = self._read(file, kind, list(dict.fromkeys(keys)))
            if bad:
                self.rejected += len(bad)
                file.write("DELETE FROM artifacts WHERE kind = ? AND key = ?", [(kind, key) for key in bad])
            return found
        except sqlite3.Error as exc:
            file.recover(exc)
            return {}
        finally:
            self.rebuilt += file.rebuilt
            file.close()

    @staticmethod
    def _read(file: _ArtifactFile, kind: str, keys: list[str]) -> tuple[dict[str, bytes], list[str]]:
        found: dict[str, bytes] = {}
        bad: list[str] = []
        for part in key_batches(keys):
            marks = ",".join("?" * len(part))
            rows = file.db.execute(f"SELECT key, blob, checksum FROM artifacts WHERE kind = ? AND key IN ({marks})",
                                   [kind, *part]).fetchall()
            for key, blob, checksum in rows:
                if isinstance(blob, bytes) and checksum == blob_checksum(kind, key, blob=blob):
                    found[key] = blob
                else:
                    bad.append(key)
        return found, bad

    def put_many(self, kind: str, items: Mapping[str, bytes]) -> None:
        """Store ``{key: blob}`` in one transaction."""
        if not items:
            return
        file = self._file()
        try:
            file.write("INSERT OR REPLACE INTO artifacts VALUES (?, ?, ?, ?)",
                       [(kind, key, blob, blob_checksum(kind, key, blob=blob)) for key, blob in items.items()])
        finally:
            self.rebuilt += file.rebuilt
            file.close()

    def get_json(self, kind: str, key: str) -> Any:
        """The JSON value stored under ``(kind, key)``, or None; an entry that does not decode is
        deleted and counted like one whose checksum fails."""
        blob = self.get_many(kind, [key]).get(key)
        if blob is None:
            return None
        try:
            return json.loads(zlib.decompress(blob))
        except (zlib.error, ValueError):
            self.drop(kind, key)
            return None

    def put_json(self, kind: str, key: str, value: Any) -> None:
        """Store ``value`` as compressed JSON."""
        self.put_text(kind, key, json.dumps(value, ensure_ascii=False))

    def put_text(self, kind: str, key: str, text: str) -> None:
        """Store JSON text, compressed."""
        self.put_many(kind, {key: zlib.compress(text.encode(), 1)})

    def drop(self, kind: str, key: str) -> None:
        """Delete an entry its reader found unusable, and count it in ``rejected``."""
        self.rejected += 1
        file = self._file()
        try:
            file.write("DELETE FROM artifacts WHERE kind = ? AND key = ?", [(kind, key)])
        finally:
            self.rebuilt += file.rebuilt
            file.close()


def package_fingerprint() -> str:
    """sha256 of this package's source files: part of every artifact key, so that an entry made
    by other code is never served."""
    return tree_fingerprint(Path(__file__).resolve().parent, "*.py")


@functools.cache
def tree_fingerprint(root: Path, pattern: str = "*") -> str:
    """sha256 of the names (relative to ``root``) and bytes of the files under ``root`` matching
    ``pattern``, once per process."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def installed_versions(names: Iterable[str]) -> dict[str, str | None]:
    """The installed version of each distribution in ``names`` (None when it is not installed),
    read from package metadata without importing anything."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def fingerprint(value: Any, *, strict: bool = False) -> str:
    """sha256 of ``value``'s canonical JSON: the key of an entry that depends on ``value``. A value
    JSON has no form for is written as its ``str()``; with ``strict`` it raises ``TypeError``
    instead (a ``str()`` may abbreviate, as NumPy's does for a long array)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=None if strict else str)
    return hashlib.sha256(text.encode()).hexdigest()


def memoized(store: ArtifactStore | None, kind: str, key: str | None, make: Callable[[], Any],
             encode: Callable[[Any], Any], decode: Callable[[Any], Any]) -> Any:
    """``decode`` of the JSON entry ``(kind, key)``, else ``make()``. What is made is stored
    (through ``encode``) only when it reads back equal to itself, so an entry never serves a value other
    than the one it stands for; an entry ``decode`` refuses (raising one of :data:`UNUSABLE`) is
    dropped and made again. Without a store or a key, just ``make()``."""
    if store is None or key is None:
        return make()
    stored = store.get_json(kind, key)
    if stored is not None:
        try:
            return decode(stored)
        except UNUSABLE:
            store.drop(kind, key)
    made = make()
    text = json.dumps(encode(made), ensure_ascii=False)
    if decode(json.loads(text)) == made:
        store.put_text(kind, key, text)
    return made
