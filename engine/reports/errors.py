"""Errors of the reports, importable without loading the renderers."""


class RenderError(Exception):
    """A format cannot be produced on this machine (the message says what to install)."""
