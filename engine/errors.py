"""The engine's error: what a calculation refuses, said to the user in one line."""
from __future__ import annotations

from rules_dsl.icm_error import IcmError


class CalculationError(IcmError):
    """An evaluation error, naming the payee, the period, the plan file and the position."""
