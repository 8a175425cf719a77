"""The errors a `segmart` command reports to its user, and the optional features' extras.

Every user error is a SegmartError: its message says what is wrong (and the fix) on one line;
`segmart.cli.main` prints it as `segmart <command>: <message>` on stderr and exits with its
`exit_code`. This module imports nothing outside the standard library.
"""

from __future__ import annotations

import importlib.util


class SegmartError(Exception):
    """A user error a command reports on one line (not a bug: no traceback)."""

    exit_code = 2


class MissingExtra(SegmartError):
    """An optional feature whose packages are not installed: the message names the extra."""


# extra of pyproject.toml's [project.optional-dependencies] -> the modules its feature imports
EXTRAS: dict[str, tuple[str, ...]] = {
    "dashboard": ("streamlit",),
    "report": ("matplotlib",),
    "validate": ("great_expectations",),
    "bench": ("lifetimes",),
    "spark": ("pyspark",),
}


def require_extra(extra: str) -> None:
    """Raise MissingExtra, naming the `pip install` that fixes it, if a module of `extra` is missing."""
    missing = [module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None]
    if missing:
        raise MissingExtra(
            f'needs {", ".join(missing)}, which comes with segmart\'s {extra} extra: pip install "segmart[{extra}]"'
        )
