"""The reference plan library: plan files a comp admin copies and adapts, shipped inside the
package so that `icm demo` finds them after a plain `pip install .` as in a clone."""
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent


def reference_plan(name: str) -> Path:
    """The file of a reference plan, by its plan id (`enterprise-ae`)."""
    return DIRECTORY / f"{name}.yaml"
