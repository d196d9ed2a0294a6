"""Notes: numbers, reference marks in the text, and note texts set for the foot of the page.

A note reference (`[^label]` in a paragraph or subhead) becomes a mark in the line: a word
joiner (U+2060, so no line ever starts with the mark, cjk-rules §1) followed by the number in
the layout's `notes.marker_format`, set in `notes.marker_style` (a smaller size) and raised by
`notes.marker_rise` when drawn (styles.StyleBook.runs). The lines that hold a mark point to
their note (`SetLine.notes`), so the page builder keeps a reference and its note on one page.

Numbers are ①②③ (`numerals: circled`, 1 to 50: U+2460–2473, U+3251–325F, U+32B1–32BF,
all one em wide) or digits. With `numbering: article` a note's number is the order of its
reference in the article; with `numbering: page` the numbers restart on every page and are
given when the page is made (paginate) — the mark is set with the article's number, which is
never narrower (circled numbers all have one width; a page's count never exceeds the
article's), and the page's number is drawn in its place (place.py).

A note's own number is drawn before its first line, in a box as wide as the widest number
the article can show (so its lines never change with the page it lands on); with `hanging`
the later lines align after it.
"""
from __future__ import annotations

from typeset.errors import TypesetError
from typeset.layout.flow import Note, NoteRef, SetLine
from typeset.model.layout import NotesStyle

WJ = "\u2060"
CIRCLED = ([chr(0x2460 + i) for i in range(20)] + [chr(0x3251 + i) for i in range(15)]
           + [chr(0x32B1 + i) for i in range(15)])


def numeral(n: int, style: NotesStyle, *, where: dict | None = None) -> str:
    """The number `n` (from 1) as the layout writes it."""
    if style.numerals == "decimal":
        return str(n)
    if 1 <= n <= len(CIRCLED):
        return CIRCLED[n - 1]
    if style.numbering == "page":       # a page's own count (place.py): the page holds > 50
        raise TypesetError(f"note {n} of a page: circled numbers go up to {len(CIRCLED)} (㊿)",
                           **(where or {}),
                           hint="use `numerals: decimal` in the layout's notes block, or "
                                "fewer notes on this page")
    raise TypesetError(f"note {n}: circled numbers go up to {len(CIRCLED)} (㊿)",
                       **(where or {}),
                       hint="use `numbering: page` or `numerals: decimal` in the layout's "
                            "notes block, or fewer notes in this article")


def set_number(n: int, style: NotesStyle) -> int:
    """The number a reference mark and a note's number box are set with: the article's
    number `n` — but with `numbering: page` and circled numerals, ㊿ for any number past it
    (every circled numeral is one em wide, and the page's own number is drawn in its place:
    only a number printed past ㊿ is refused, where it is drawn)."""
    if style.numbering == "page" and style.numerals == "circled":
        return min(n, len(CIRCLED))
    return n


def mark_text(n: int, style: NotesStyle, *, where: dict | None = None) -> str:
    """The reference mark as it stands in the text (with its leading word joiner)."""
    return WJ + style.marker_format.format(n=numeral(n, style, where=where))


def number_text(n: int, style: NotesStyle, *, where: dict | None = None) -> str:
    """The number at the start of the note."""
    return style.note_format.format(n=numeral(n, style, where=where))


def attach(lines: list[SetLine], notes: list[Note], marker_style: str) -> int:
    """Point each line at the notes whose marks it holds (SetLine.notes): a mark is a word
    joiner in the marker style and the glyphs of that style after it. Returns how many marks
    were found (the caller checks it against the references)."""
    k = 0
    for sl in lines:
        refs = []
        glyphs = sl.line.glyphs
        i = 0
        while i < len(glyphs):
            if glyphs[i].style == marker_style and glyphs[i].ch == WJ and k < len(notes):
                j = i + 1
                while j < len(glyphs) and glyphs[j].style == marker_style and \
                        glyphs[j].ch != WJ:
                    j += 1
                refs.append(NoteRef(notes[k], i, j))
                k += 1
                i = j
            else:
                i += 1
        sl.notes = tuple(refs)
    return k


def line_notes(lines) -> list[Note]:
    """The notes referenced from these set lines, in order."""
    return [ref.note for sl in lines for ref in sl.notes]


def printed_text(sl: SetLine, numbers: dict[str, int], style: NotesStyle) -> str:
    """A set line's text as its page prints it: each reference mark showing the page's
    number for its note (`numbers`: note key -> the page's number, `numbering: page`), as
    place.py draws it."""
    chars = [g.ch for g in sl.line.glyphs]
    for ref in reversed(sl.notes):
        n = numbers.get(ref.note.key)
        if n is not None:
            chars[ref.start:ref.end] = mark_text(n, style)
    return "".join(chars)
