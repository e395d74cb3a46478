"""Where static/ and templates/ are: inside the installed package, else at the top of the repo checkout.

The wheel maps the repo's top-level static/ and templates/ to app/static and app/templates
(pyproject.toml, force-include); an editable install or a plain checkout uses the repo folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """The first existing folder `name`: the installed package's copy first, then the checkout's."""
    candidates = (PACKAGE_DIR / name, PACKAGE_DIR.parent / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"the {name}/ folder is missing: looked in {tried}")


@cache
def static_dir() -> Path:
    """The folder served under /static."""
    return _resource_dir("static")


@cache
def templates_dir() -> Path:
    """The folder of Jinja2 templates."""
    return _resource_dir("templates")
