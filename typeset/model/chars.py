"""One fate for every character: what happens to each character of every text that is printed.

Every text that reaches a page — front-matter values, Markdown body text, the manifest's
journal, section titles and colophon, the layout's printed strings — passes through
`normalize` (or `normalize_runs` for styled body text) before anything measures or draws it,
and every source file is `scan`ned for refused characters when it is read. A character is
either kept exactly as written, changed by one of the rules below, or refused with
`file:line:column`, its code point and name, and a hint. Nothing else changes a character.

| characters | fate |
|---|---|
| TAB, runs of SPACE and TAB | one SPACE (U+0020) |
| a line break inside a value (YAML `\\|` block) | joined as Markdown joins lines: nothing between two Chinese characters, else one space |
| U+00AD SOFT HYPHEN | removed (typeset does not hyphenate, so it never shows a "-") |
| U+200B ZERO WIDTH SPACE | kept, invisible: a line-break opportunity with no width, never drawn |
| U+2060 WORD JOINER | kept, invisible: no line break there, no width, never drawn |
| U+FEFF ZERO WIDTH NO-BREAK SPACE inside text (a byte-order mark) | U+2060 WORD JOINER (its modern spelling); a BOM at the start of a file is dropped when the file is read |
| U+200C ZWNJ, U+200D ZWJ | kept, invisible: no width, never drawn, glued to their neighbours (they only steer shaping, which typeset does not do) |
| U+200E LRM, U+200F RLM, U+061C ALM | removed: typeset sets left to right, and a direction mark only changes the direction of neighbouring neutral characters |
| U+202A–202E, U+2066–2069 (bidi embeddings, overrides, isolates) | refused: they would reorder text, which typeset cannot show |
| U+FE0E, U+FE0F (text / emoji presentation) | removed: print always uses the text form |
| other variation selectors (U+FE00–FE0D, U+E0100–E01EF, Mongolian U+180B–180D, U+180F) | refused: typeset cannot select a glyph variant, and printing the plain form silently would print something else than was written |
| U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR | refused (pasted from a word processor): use a real line break |
| other control characters (C0 except TAB and LF, DEL, C1) | refused |
| other format characters (category Cf) | refused |
| surrogates, noncharacters (U+FDD0–FDEF, U+xFFFE, U+xFFFF) | refused |
| a base character followed by combining marks | composed to the precomposed character where Unicode has one (NFC: `e` + U+0301 -> `é`); a base that NFC would itself change (CJK compatibility ideographs) is left as written |
| other combining marks, private-use and unassigned code points, every other character | kept exactly as written; the glyph check names any that the style's fonts lack |

`is_invisible` is the one predicate that says which characters are kept but never drawn:
the line breaker gives them no width, the run builder never emits them, the glyph check does
not look for them, and `printed` removes them to give the text that appears on the page.
"""
from __future__ import annotations

import functools
import os
import re
import unicodedata
from typeset.records import dataclass
from pathlib import Path

from typeset.errors import TypesetError

__all__ = ["INVISIBLE", "Where", "is_invisible", "printed", "visible_len", "describe", "fate",
           "normalize", "normalize_runs", "scan", "locate", "is_cjk", "join_lines"]

ZWSP, ZWNJ, ZWJ, WJ, BOM, SHY = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"

#: characters kept in the text but never drawn (see the table above)
INVISIBLE = frozenset((ZWSP, ZWNJ, ZWJ, WJ))

# fates
KEEP, SPACE, JOIN, DROP, TO_WJ, REFUSE = "keep", "space", "join", "drop", "wj", "refuse"

_DROPPED = frozenset((SHY, "\u200e", "\u200f", "\u061c", "\ufe0e", "\ufe0f"))
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SELECTORS = frozenset("\u180b\u180c\u180d\u180f" + "".join(chr(c) for c in range(0xFE00, 0xFE0E)))

_C0_NAMES = ("NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION",
             "ENQUIRY", "ACKNOWLEDGE", "BELL", "BACKSPACE", "CHARACTER TABULATION",
             "LINE FEED", "LINE TABULATION", "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT",
             "SHIFT IN", "DATA LINK ESCAPE", "DEVICE CONTROL ONE", "DEVICE CONTROL TWO",
             "DEVICE CONTROL THREE", "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE",
             "SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM",
             "SUBSTITUTE", "ESCAPE", "INFORMATION SEPARATOR FOUR",
             "INFORMATION SEPARATOR THREE", "INFORMATION SEPARATOR TWO",
             "INFORMATION SEPARATOR ONE")


def is_invisible(ch: str) -> bool:
    """A character kept in the text but never drawn and never measured (ZWSP, ZWNJ, ZWJ, WJ)."""
    return ch in INVISIBLE


def printed(text: str) -> str:
    """What of a normalised text appears on the page: the text without invisible characters."""
    if INVISIBLE.isdisjoint(text):      # nearly always: no loop in Python
        return text
    return "".join(ch for ch in text if ch not in INVISIBLE)


def visible_len(text: str) -> int:
    """Characters of a normalised text that are drawn."""
    if INVISIBLE.isdisjoint(text):
        return len(text)
    return sum(1 for ch in text if ch not in INVISIBLE)


def _is_noncharacter(cp: int) -> bool:
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


def describe(ch: str) -> str:
    """'U+200B ZERO WIDTH SPACE': the code point and its Unicode name."""
    cp = ord(ch)
    name = unicodedata.name(ch, "")
    if not name:
        if cp < 0x20:
            name = _C0_NAMES[cp]
        elif cp == 0x7F:
            name = "DELETE"
        elif 0x80 <= cp <= 0x9F:
            name = "C1 CONTROL" if cp != 0x85 else "NEXT LINE"
        elif 0xD800 <= cp <= 0xDFFF:
            name = "<surrogate>"
        elif _is_noncharacter(cp):
            name = "<noncharacter>"
        elif unicodedata.category(ch) == "Co":
            name = "<private use>"
        else:
            name = "<unassigned>"
    return f"U+{cp:04X} {name}"


@functools.lru_cache(maxsize=4096)
def fate(ch: str) -> str:
    """What happens to one character (module docstring): keep, space, join, drop, wj, refuse."""
    if ch == " " or ch == "\t":
        return SPACE
    if ch == "\n":
        return JOIN
    if ch in INVISIBLE:
        return KEEP
    if ch in _DROPPED:
        return DROP
    if ch == BOM:
        return TO_WJ
    cp = ord(ch)
    if ch in _BIDI_CONTROLS or ch in _SELECTORS or 0xE0100 <= cp <= 0xE01EF:
        return REFUSE
    if _is_noncharacter(cp):
        return REFUSE
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return REFUSE
    return KEEP


def _reason(ch: str) -> tuple[str, str]:
    """Why a character is refused, and what to do."""
    cp = ord(ch)
    if ch in _BIDI_CONTROLS:
        return ("a bidirectional control", "typeset sets text left to right and cannot show "
                "reordered text; delete the invisible character (it usually comes with text "
                "pasted from a web page)")
    if ch in _SELECTORS or 0xE0100 <= cp <= 0xE01EF:
        return ("a variation selector", "typeset cannot select glyph variants; delete the "
                "selector to print the standard form of the character before it")
    if ch in "\u2028\u2029":
        return ("a line or paragraph separator", "replace it with a real line break (a blank "
                "line starts a new paragraph); it usually comes from a word processor")
    if 0xD800 <= cp <= 0xDFFF or _is_noncharacter(cp):
        return ("not a character", "delete it; the text was probably damaged when it was "
                "converted or pasted")
    if unicodedata.category(ch) == "Cc":
        return ("a control character", "delete the invisible character; it usually comes "
                "with text pasted from another program")
    return ("an invisible format character", "delete it; typeset prints only visible text, "
            "spaces, and the zero-width characters ZWSP, WJ, ZWNJ and ZWJ")


# --- locating a character in its source file --------------------------------------------------

@dataclass(frozen=True)
class Where:
    """Where a text comes from: its file and the line (and column) it starts at. `last_line`
    bounds the lines a character of it is searched in (a paragraph spans several lines)."""
    file: str | Path | None
    line: int | None = None
    column: int | None = None
    last_line: int | None = None

    def of(self, ch: str) -> tuple[int | None, int | None]:
        """Line and column of the first `ch` of this text in its file (searching from the
        text's start), or the text's own start when the file does not hold it literally (a
        YAML escape, a Markdown entity)."""
        found = locate(self.file, ch, self.line, self.column, self.last_line)
        return found if found is not None else (self.line, self.column)

    def error(self, message: str, hint: str, ch: str | None = None) -> TypesetError:
        line, column = self.of(ch) if ch is not None else (self.line, self.column)
        return TypesetError(message, file=self.file, line=line, column=column, hint=hint)


@functools.lru_cache(maxsize=32)
def _lines(path: str, stamp: tuple[int, int]) -> tuple[str, ...]:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return ()
    text = data.decode("utf-8", errors="replace")
    if text.startswith(BOM):
        text = text[1:]
    return tuple(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def locate(file: str | Path | None, ch: str, line: int | None, column: int | None = None,
           last_line: int | None = None) -> tuple[int, int] | None:
    """1-based line and column of the first `ch` in `file` at or after (line, column), looking
    no further than `last_line` (default: `line`). None if it is not there."""
    if file is None or line is None:
        return None
    try:
        st = os.stat(file)
    except OSError:
        return None
    lines = _lines(str(file), (st.st_mtime_ns, st.st_size))
    last = max(line, last_line or line)
    for n in range(line, min(last, len(lines)) + 1):
        start = (column - 1) if (n == line and column) else 0
        col = lines[n - 1].find(ch, max(start, 0))
        if col >= 0:
            return n, col + 1
    return None


# --- refusing, in a whole source file ---------------------------------------------------------

# Characters that might be refused (a superset, so the scan is quick on Chinese text); each
# candidate is decided by fate().
_CANDIDATES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180b-\u180f\u2028-\u202e\u2061-\u206f\ud800-\udfff\ufdd0-\ufdef\ufe00-\ufe0d"
    "\ufff9-\ufffb\ufffe\uffff\U00010000-\U0010ffff]")


def scan(text: str, file: str | Path, *, line_offset: int = 0) -> None:
    """Refuse the first refused character anywhere in a source file's text (even in a YAML
    comment), with its line and column. Runs before any parser sees the text."""
    for m in _CANDIDATES.finditer(text):
        ch = m.group()
        if fate(ch) != REFUSE:
            continue
        before = text[:m.start()]
        line = before.count("\n") + 1
        column = m.start() - (before.rfind("\n") + 1) + 1
        what, hint = _reason(ch)
        raise TypesetError(f"{describe(ch)} is {what} and cannot be printed",
                           file=file, line=line + line_offset, column=column, hint=hint)


# --- normalising -----------------------------------------------------------------------------

def is_cjk(ch: str) -> bool:
    """A CJK character for the emphasis and line-joining rules: East Asian Width W, F or H
    (UAX #11) — Han, kana, Hangul, CJK and full-width punctuation — but not emoji."""
    code = ord(ch)
    if 0x1F000 <= code <= 0x1FAFF:        # emoji and pictographs are wide but not CJK text
        return False
    if 0x1100 <= code <= 0x11FF:          # Hangul Jamo (medial/final jamo are width N)
        return True
    return unicodedata.east_asian_width(ch) in ("W", "F", "H")


# Punctuation of width A (ambiguous) that Chinese text sets full-width (cjk-rules.md);
# counted as CJK when joining lines.
_CJK_CONTEXT = frozenset("“”‘’—…·")


def _joins_tight(ch: str) -> bool:
    return is_cjk(ch) or ch in _CJK_CONTEXT


def join_lines(before: str, after: str) -> str:
    """The text that replaces a line break between `before` and `after` (non-empty strings):
    nothing between two CJK characters, one space otherwise."""
    if _joins_tight(before[-1]) and _joins_tight(after[0]):
        return ""
    return " "


def _join_newlines(text: str) -> str:
    pieces = [p.strip(" \t") for p in text.split("\n")]
    out = ""
    for p in pieces:
        if not p:
            continue
        out = p if not out else out + join_lines(out, p) + p
    return out


def _compose(text: str) -> str:
    """NFC-compose each base character with the combining marks after it, where Unicode has
    a precomposed character; nothing else is touched (NFC of the whole text would also
    replace CJK compatibility ideographs and signs such as U+212B, which must stay as
    written)."""
    if not any(unicodedata.combining(c) or unicodedata.category(c)[0] == "M" for c in text):
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.category(text[j])[0] == "M":
            j += 1
        cluster = text[i:j]
        if j - i > 1 and unicodedata.category(text[i])[0] != "M" \
                and unicodedata.normalize("NFC", text[i]) == text[i]:
            nfc = unicodedata.normalize("NFC", cluster)
            if len(nfc) < len(cluster):
                cluster = nfc
        out.append(cluster)
        i = j
    return "".join(out)


# Characters that any rule acts on (a superset); a text without them, already in NFC and
# without a double space, is its own normal form.
_ACTED_ON = re.compile("[\t\n\r\u00ad\u200e\u200f\u061c\ufe0e\ufe0f\ufeff]|  |"
                       + _CANDIDATES.pattern)


def _unchanged(text: str) -> bool:
    return not _ACTED_ON.search(text) and unicodedata.is_normalized("NFC", text)


def normalize_runs(runs: list[tuple[str, object]], where: Where | None = None
                   ) -> list[tuple[str, object]]:
    """Normalise styled pieces of one text (a paragraph's runs) as one text: a run of spaces
    across two pieces becomes one space (in the first). Pieces that end up empty are dropped.
    A refused character raises a TypesetError at its place (`where`)."""
    out: list[tuple[str, object]] = []
    last = ""                       # the last character written, across pieces
    for text, tag in runs:
        if text and _unchanged(text) and not (last == " " and text[0] == " "):
            out.append((text, tag))
            last = text[-1]
            continue
        if "\n" in text or "\r" in text:
            text = _join_newlines(text.replace("\r\n", "\n").replace("\r", "\n"))
        buf: list[str] = []
        for ch in text:
            f = fate(ch)
            if f == KEEP:
                buf.append(ch)
            elif f == SPACE:
                if last == " ":
                    continue
                buf.append(" ")
            elif f == DROP:
                continue
            elif f == TO_WJ:
                buf.append(WJ)
            else:                   # REFUSE (JOIN cannot remain after _join_newlines)
                what, hint = _reason(ch)
                w = where or Where(None)
                raise w.error(f"{describe(ch)} is {what} and cannot be printed", hint, ch)
            last = buf[-1]
        piece = _compose("".join(buf))
        if piece:
            out.append((piece, tag))
    return out


def normalize(text: str, where: Where | None = None) -> str:
    """One text normalised by the rules of the module docstring (line breaks joined)."""
    runs = normalize_runs([(text, None)], where)
    return runs[0][0] if runs else ""
