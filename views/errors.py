"""Errors of the reports, importable without loading the renderers."""

from rules_dsl.icm_error import IcmError


class RenderError(IcmError):
    """A report cannot be produced: a format this machine lacks (the message says what to
    install), or a file it cannot write (the message names it and why)."""


class FileWriteError(RenderError):
    """A file or folder could not be written; what was there before is unchanged."""


class NotFoundError(IcmError, LookupError):
    """A payee, deal or statement the command names is not there (exit 1)."""
