"""Errors the command line turns into one-line messages and exit codes.

Every failure a user can cause (a bad path, a malformed file, a label mismatch) is raised as an
:class:`AuditError`; the CLI prints ``emotion-audit: error: <message>`` and exits with
:attr:`AuditError.exit_code` instead of showing a traceback.
"""
from __future__ import annotations


class AuditError(Exception):
    """A user-facing error: a bad input, an incompatible file, an unusable model.

    ``exit_code`` is 2 for usage and compatibility errors (the documented default).
    """

    exit_code: int = 2

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
