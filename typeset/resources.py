"""Where typeset's data is: the shipped fonts, layouts and ICC profiles.

The top-level `fonts/` and `layouts/` folders of the repository are the source of truth. A
wheel (or `pip install .`) carries them inside the package as `typeset/_data/fonts` and
`typeset/_data/layouts` (pyproject.toml maps the folders into the package; nothing is
copied in the repository). So:

* installed from a wheel: `<site-packages>/typeset/_data/{fonts,layouts}`;
* a checkout (or an editable install of one): `<checkout>/{fonts,layouts}`.

The ICC profiles live in the package itself (`typeset/render/icc`) in both cases.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED = PACKAGE_DIR / "_data"


def data_dir(name: str) -> Path:
    """The folder of shipped data called `name` ("fonts" or "layouts")."""
    installed = _INSTALLED / name
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / name


FONTS_DIR = data_dir("fonts")
LAYOUTS_DIR = data_dir("layouts")
ICC_DIR = PACKAGE_DIR / "render" / "icc"
