"""Text styles resolved against fonts: the Metrics the line breaker measures with, and the
conversion of set lines into positioned text runs.

A style name (from the layout's `styles`) resolves once to a font chain (first face that has a
character sets it) and a size. Advances are cached per (style, character): a whole issue asks
for the same few thousand characters again and again.
"""
from __future__ import annotations

from typeset.records import dataclass
from itertools import repeat
from operator import sub
from pathlib import Path

from typeset.errors import TypesetError
from typeset.layout.page import TextRun
from typeset.model.chars import describe, is_invisible
from typeset.model.layout import Layout
from typeset.text.fonts import FontChain, FontFace, FontLibrary
from typeset.text.linebreak import Line


JOINED = "\u2014"      # EM DASH: two make the 破折号
_NO_JOINED = frozenset(JOINED)


class _Advances(dict):
    """Character -> StyleBook.advance in one style (for `width`: a sum without a loop in
    Python)."""

    def __init__(self, book: "StyleBook", style: str):
        super().__init__()
        self.book, self.style = book, style

    def __missing__(self, ch: str) -> float:
        a = self[ch] = self.book.advance(ch, self.style)
        return a


class _DrawnFaces(dict):
    """Character -> the face that draws it in one style; None for a character that is not
    drawn (invisible) or has no glyph (StyleBook.runs then takes the general way).
    `alone[face]`: the characters looked up so far that `face` draws and that may stand in a
    run of one face without a second look (all but a dash a 破折号 may join, when dashes are
    connected): a line whose characters are all in one face's set is that face's alone, one
    `issuperset` instead of a face per character."""

    def __init__(self, book: "StyleBook", style: str):
        super().__init__()
        self.book, self.style = book, style
        self.alone: dict[FontFace, set[str]] = {}

    def __missing__(self, ch: str):
        face = None if is_invisible(ch) else self.book.face_for(ch, self.style)
        self[ch] = face
        if face is not None and not (self.book.connect_dashes and ch == JOINED):
            self.alone.setdefault(face, set()).add(ch)
        return face


@dataclass(frozen=True)
class ResolvedStyle:
    name: str
    chain: FontChain
    size: float
    bold: str | None
    italic: str | None


class StyleBook:
    """Style name -> fonts and size; implements the line breaker's Metrics protocol."""

    def __init__(self, layout: Layout, library: FontLibrary):
        self.layout = layout
        self.library = library
        chains: dict[str, FontChain] = {}

        def ref_of(f: str) -> str:
            if "/" in f and not Path(f).is_absolute() and layout.path:
                return str(Path(layout.path).parent / f)
            return f
        for role, files in layout.fonts.items():
            faces = []
            for f in files:
                faces.append(library.face(ref_of(f)))
            if not faces:
                raise TypesetError(f"font role '{role}' lists no font file", file=layout.path)
            chains[role] = FontChain(tuple(faces))
        self.styles: dict[str, ResolvedStyle] = {
            name: ResolvedStyle(name, chains[s.font], float(s.size), s.bold, s.italic)
            for name, s in layout.styles.items()
        }
        self.connect_dashes = layout.paragraph.connect_dashes
        # raised styles (a note's reference mark: a smaller size set above the baseline,
        # drawn as a run of its own)
        self.rise: dict[str, float] = {}
        if layout.notes is not None:
            self.rise[layout.notes.marker_style] = float(layout.notes.marker_rise)
        self._advance: dict[tuple[str, str], float] = {}
        self._face: dict[tuple[str, str], FontFace | None] = {}
        self._drawn: dict[str, _DrawnFaces] = {}
        self._widths: dict[str, _Advances] = {}
        # Glyph offsets shared between runs that have the same ones: on a grid most full
        # lines place their glyphs at the same offsets (a 376-page issue: 234k offsets, 33k
        # distinct), and a tuple of floats costs 32 bytes an offset (issue 13 part 5, memory).
        self._offsets: dict[tuple[float, ...], tuple[float, ...]] = {}
        # a line's x positions -> its offsets (one of `_offsets`): `runs`
        self._offsets_at: dict[tuple[float, ...], tuple[float, ...]] = {}

    def fingerprint(self, name: str) -> str:
        """What a style measures with: its size and its font files' content (SHA-256)."""
        st = self.styles[name]
        return f"{st.size!r}|" + "|".join(f.identity for f in st.chain.faces)

    def style(self, name: str) -> ResolvedStyle:
        return self.styles[name]

    def scaled(self, name: str, size: float) -> str:
        """A style like `name` at another size (a wide table's cells, shrunk); its bold and
        italic styles follow. Named `name@size`: the same fonts, so the glyph check of `name`
        covers it."""
        st = self.styles[name]
        if abs(size - st.size) < 1e-9:
            return name
        key = f"{name.split('@')[0]}@{size:g}"
        if key not in self.styles:
            variant = {}
            for which in ("bold", "italic"):
                other = getattr(st, which)
                variant[which] = (self.scaled(other, size) if other and other != name
                                  else other)
            self.styles[key] = ResolvedStyle(key, st.chain, size, variant["bold"],
                                             variant["italic"])
        return key

    # --- Metrics protocol (typeset.text.linebreak.Metrics) ---------------------------------
    def em(self, style: str) -> float:
        return self.styles[style].size

    def advance(self, ch: str, style: str) -> float:
        """Natural advance in pt; the invisible characters (chars.is_invisible) have none."""
        key = (style, ch)
        adv = self._advance.get(key)
        if adv is None:
            face = self.face_for(ch, style)
            st = self.styles[style]
            if is_invisible(ch):
                adv = 0.0
            else:
                adv = face.advance(ch) * st.size if face is not None else st.size
            self._advance[key] = adv
        return adv

    def drawn_face(self, ch: str, style: str) -> FontFace:
        """The face that draws `ch`. The glyph check (layout/preflight.py) has already found
        every printed character in its style's fonts, so a gap here is a bug in typeset."""
        face = self.face_for(ch, style)
        if face is None:
            raise TypesetError(f"internal error: {describe(ch)} reached the page without a "
                               f"glyph in style '{style}' (the glyph check missed it)",
                               hint="this is a bug in typeset; please report it with the "
                                    "input that caused it")
        return face

    def face_for(self, ch: str, style: str) -> FontFace | None:
        key = (style, ch)
        try:
            return self._face[key]
        except KeyError:
            face = self.styles[style].chain.face_for(ch)
            self._face[key] = face
            return face

    def missing(self, text: str, style: str) -> list[str]:
        return self.styles[style].chain.missing(text)

    def width(self, text: str, style: str) -> float:
        widths = self._widths.get(style)
        if widths is None:
            widths = self._widths[style] = _Advances(self, style)
        return sum(map(widths.__getitem__, text))

    # --- set lines -> text runs -------------------------------------------------------------
    def runs(self, line: Line, x: float, y: float, role: str) -> list[TextRun]:
        """One TextRun per stretch of glyphs sharing a face and size; every glyph keeps the
        x the line breaker gave it (justification and compression are in those positions)."""
        glyphs = line.glyphs
        if glyphs:
            # Most lines are one style drawn by one face: one run, made without a loop in
            # Python (what the general way below gives, exactly). The glyphs' fields are
            # taken apart in one pass (zip); the characters are checked against the set of
            # those the first one's face draws alone (_DrawnFaces.alone), and the offsets
            # are looked up by the line's x positions (the same positions give the same
            # offsets: a ten-times issue has ~10k lines and ~1.2k distinct offsets).
            chs, styles, xs, _ = zip(*glyphs)
            style = styles[0]
            if styles.count(style) == len(styles) and style not in self.rise:
                faces = self._drawn.get(style)
                if faces is None:
                    faces = self._drawn[style] = _DrawnFaces(self, style)
                face = faces[chs[0]]
                alone = faces.alone.get(face)
                if face is not None and ((alone is not None and alone.issuperset(chs))
                                         or self._one_face(faces, face, chs)):
                    offsets = self._offsets_at.get(xs)
                    if offsets is None:
                        x0 = xs[0]
                        offsets = tuple(map(sub, xs, repeat(x0)))
                        offsets = self._offsets_at[xs] = self._offsets.setdefault(offsets,
                                                                                  offsets)
                    return [TextRun(x=x + xs[0], y=y, font=face.path,
                                    size=self.styles[style].size, text="".join(chs),
                                    xs=offsets, role=role)]
        return self._runs(line, x, y, role)

    def _one_face(self, faces: _DrawnFaces, face: FontFace, chs: tuple[str, ...]) -> bool:
        """Whether `face` draws every character of `chs` and, when dashes are connected,
        none of them is a dash (what the first test of `runs` could not tell from the
        characters seen so far: this looks each one up, adding it to `faces.alone`)."""
        drawn = list(map(faces.__getitem__, chs))
        return drawn.count(face) == len(drawn) and not (
            self.connect_dashes and not _NO_JOINED.isdisjoint(chs))

    def _runs(self, line: Line, x: float, y: float, role: str) -> list[TextRun]:
        out: list[TextRun] = []
        cur_key = None
        chars: list[str] = []
        xs: list[float] = []
        x0 = 0.0

        def flush():
            if chars:
                face, size = cur_key
                offsets = tuple(v - x0 for v in xs)
                offsets = self._offsets.setdefault(offsets, offsets)
                out.append(TextRun(x=x + x0, y=y, font=face.path, size=size, text="".join(chars),
                                   xs=offsets, role=role))

        glyphs = line.glyphs
        base_y, base_role = y, role
        for i, g in enumerate(glyphs):
            if is_invisible(g.ch):          # kept for line breaking, never drawn (chars.py)
                if g.style in self.rise:    # the word joiner that starts a reference mark
                    flush()
                    cur_key, chars, xs = None, [], []
                continue
            face = self.drawn_face(g.ch, g.style)
            rise = self.rise.get(g.style, 0.0)
            if (base_y + rise, base_role if not rise else "note-ref") != (y, role):
                flush()
                cur_key, chars, xs = None, [], []
                y, role = base_y + rise, (base_role if not rise else "note-ref")
            if g.ch in JOINED and self.connect_dashes and (
                    (i > 0 and glyphs[i - 1].ch == g.ch) or
                    (i + 1 < len(glyphs) and glyphs[i + 1].ch == g.ch)):
                flush()
                cur_key, chars, xs = None, [], []
                out.append(self._joined(g, face, x, y, role))
                continue
            key = (face, self.styles[g.style].size)
            if key != cur_key:
                flush()
                cur_key, chars, xs, x0 = key, [], [], g.x
            chars.append(g.ch)
            xs.append(g.x)
        flush()
        return out

    def _joined(self, g, face: FontFace, x: float, y: float, role: str) -> TextRun:
        """A dash of a 破折号 (——) drawn scaled so its ink fills its whole advance: the two
        dashes meet in one unbroken 2 em line (clreq §3.1.4, GB/T 15834 §4.9). Fonts leave
        side bearings on the full-width dash, which would show a gap in the middle."""
        size = self.styles[g.style].size
        left, right = face.ink(g.ch)
        ink = (right - left) * size
        scale = g.width / ink if ink > 0 else 1.0
        return TextRun(x=x + g.x - left * size * scale, y=y, font=face.path, size=size,
                       text=g.ch, role=role, hscale=scale)

    def spread_run(self, text: str, style: str, x: float, width: float, y: float,
                   role: str) -> TextRun:
        """Characters of one face spread evenly over `width`, each centred in its share
        (a leader: the dots keep one rhythm from the text to the author)."""
        text = "".join(ch for ch in text if not is_invisible(ch))
        face = self.drawn_face(text[0], style)
        share = width / len(text)
        xs = tuple(i * share + (share - self.advance(ch, style)) / 2 for i, ch in enumerate(text))
        return TextRun(x=x, y=y, font=face.path, size=self.styles[style].size, text=text,
                       xs=xs, role=role)

    def plain_run(self, text: str, style: str, x: float, y: float, role: str) -> list[TextRun]:
        """Natural-width text (running heads, folios, leaders), split by face; invisible
        characters (chars.is_invisible) take no room and are not drawn."""
        out: list[TextRun] = []
        size = self.styles[style].size
        text = "".join(ch for ch in text if not is_invisible(ch))
        start = 0
        pos = x
        while start < len(text):
            face = self.drawn_face(text[start], style)
            end = start + 1
            while end < len(text) and self.face_for(text[end], style) is face:
                end += 1
            piece = text[start:end]
            out.append(TextRun(x=pos, y=y, font=face.path, size=size, text=piece, role=role))
            pos += self.width(piece, style)
            start = end
        return out
