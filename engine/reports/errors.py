"""Errors of the reports, importable without loading the renderers."""


class RenderError(Exception):
    """A format cannot be produced on this machine (the message says what to install)."""


class NotFoundError(LookupError):
    """A payee, deal or statement the command names is not there (exit 1)."""
