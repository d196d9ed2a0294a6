"""The one exception type the user sees.

Every failure caused by input (a manifest, an article, a layout, a font) is raised as a
TypesetError naming the file, the line (and column where known) and what to do. The CLI
prints it and exits non-zero; nothing is written at the output path.
"""
from __future__ import annotations

from pathlib import Path


def format_location(file: str | None, line: int | None = None,
                    column: int | None = None) -> str:
    """`file:line:column` as messages print it (an editor jumps to it); "" without a file."""
    if not file:
        return ""
    loc = file
    if line is not None:
        loc += f":{line}"
        if column is not None:
            loc += f":{column}"
    return loc


class TypesetError(Exception):
    """An error in the user's input, reported as `file:line:col: message` plus a hint.
    `missing`: the absolute path of a file the sources name that does not exist (a picture,
    an article, a whole page), when that is the error — a warm process watches for it."""

    missing: str | None = None

    def __init__(self, message: str, *, file: str | Path | None = None,
                 line: int | None = None, column: int | None = None,
                 hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.hint = hint

    def location(self) -> str:
        return format_location(self.file, self.line, self.column)

    def __str__(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text
