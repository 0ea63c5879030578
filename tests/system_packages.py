"""Tests that need a system package (Chromium, Pango) skip where it is missing, saying which
and how to install it, so the README's test command passes on a machine with only Python.
`.ci/run` installs them and sets ICM_REQUIRE_SYSTEM_PACKAGES=1, which turns such a skip into
a failure there."""
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def require(present: bool, what: str) -> None:
    if present:
        return
    if os.environ.get("ICM_REQUIRE_SYSTEM_PACKAGES") == "1":
        pytest.fail(f"needs {what}, and ICM_REQUIRE_SYSTEM_PACKAGES=1 forbids skipping")
    pytest.skip(f"needs {what}")


def require_chromium() -> None:
    require(CHROMIUM.exists(), f"Chromium at {CHROMIUM} (Debian: apt-get install chromium)")


def require_pango() -> None:
    try:
        import weasyprint  # noqa: F401  (loads Pango when imported)
        present = True
    except (ImportError, OSError):
        present = False
    require(present, "WeasyPrint with the system's Pango (Debian: apt-get install "
                     "libpango-1.0-0 libpangoft2-1.0-0)")
