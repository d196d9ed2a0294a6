"""The desk's language: what typeset prints, in Chinese when the locale is Chinese.

**Which language.** Read from the environment in gettext's order: the first of `LANGUAGE`
(a colon list, read left to right), `LC_ALL`, `LC_MESSAGES`, `LANG` that is set and not
empty decides. A language starting with `zh` is Chinese (简体); `en`, `C` and `POSIX` are
English; in `LANGUAGE` a language typeset has no catalogue for is skipped (`fr:zh_CN` is
Chinese). The locale need not be installed: only the names are read. `LANGUAGE=en` forces
English whatever the locale.

**One catalogue.** The source is written in English; `zh_CN.po` (beside this file, a plain
gettext .po file read as text: no compile step) maps every English *template* to its Chinese.
A template is a message as the source writes it, f-string expressions as placeholders
(`{what} not found` → `找不到{what}`); `typeset.i18n.extract` finds them all with `ast`, and
tests/test_i18n.py fails for any the catalogue lacks.

**At print time.** A printed English text is matched against the templates (a regular
expression made once from each; the one with the most literal text wins); what filled a
placeholder is translated the same way when it is itself a message (`the manifest`, an
OS error's words), else kept as it is (paths, keys, values, code points). So no raise site
changes: `TypesetError("…", hint="…")` stays English in the code, the CLI translates the
message and the hint when it prints them, with the location `file:line:col` intact.

Where it lives: this module (the language, the catalogue, `tr`), po.py (the .po format),
templates.py (the templates and the `Translator`), printed.py (a printed line, the streams
and argparse), extract.py (every template of the source).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from typeset.i18n.po import read_po
from typeset.i18n.templates import Translator

CATALOGUE_DIR = Path(__file__).resolve().parent
#: catalogue entries for words typeset's source does not write: the operating system's error
#: texts (what fills `{err.strerror}`) and the progress line's shape
EXTRA = frozenset({
    "No such file or directory", "Permission denied", "No space left on device",
    "Read-only file system", "Is a directory", "Not a directory", "File name too long",
    "Too many levels of symbolic links", "File exists", "Directory not empty",
    "Input/output error", "Operation not permitted", "Disk quota exceeded", "Invalid argument",
    "Resource temporarily unavailable", "Bad file descriptor", "Too many open files",
    "{what}: {done}/{total}…",
    # what the preflight names by a capitalised word (not found as a sentence by extract)
    "RGB colour",
    "none"})                                       # (a report's empty measure)
_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language(environ: dict[str, str] | None = None) -> str:
    """'zh' or 'en', from the environment as gettext reads it (module doc)."""
    env = os.environ if environ is None else environ
    for name in _VARIABLES:
        value = env.get(name, "")
        if not value:
            continue
        for lang in (value.split(":") if name == "LANGUAGE" else [value]):
            known = _known(lang)
            if known is not None:
                return known
            if name != "LANGUAGE":
                break
        return "en"
    return "en"


def _known(lang: str) -> str | None:
    lang = lang.strip().lower()
    if lang.startswith("zh"):
        return "zh"
    if lang in ("c", "posix") or lang.startswith(("c.", "en")):
        return "en"
    return None


def chinese() -> bool:
    return language() == "zh"


# -- the catalogue ----------------------------------------------------------------------------

@lru_cache(maxsize=None)
def catalogue(name: str = "zh_CN") -> dict[str, str]:
    """The catalogue `name` (`zh_CN.po` beside this module) as msgid → msgstr."""
    return read_po((CATALOGUE_DIR / f"{name}.po").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def translator(name: str = "zh_CN") -> Translator:
    return Translator(catalogue(name))


def tr(text: str) -> str:
    """`text` in the user's language (module doc): as it is in English, else through the
    catalogue."""
    if not text or not chinese():
        return text
    return translator().translate(text)


def gettext(message: str) -> str:
    """An exact lookup, for argparse's own messages (`%(prog)s: error: …`): argparse asks
    `gettext` for each of them by its English."""
    if not chinese():
        return message
    return catalogue().get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)

