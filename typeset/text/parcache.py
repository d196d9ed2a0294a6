"""A cache of broken paragraphs, so a rebuild after a correction re-breaks only what changed.

The production desk rebuilds the issue after every correction; line breaking is the largest
share of a build, and almost every paragraph is the same as last time. A paragraph's lines
depend only on its spans, the widths, the break settings, the fonts and sizes of the styles
it uses, and the breaker's own code — all of which go into the key — so a cached result is
exactly what breaking it again would give. The cache lives in one file per issue under the
typeset cache directory ($TYPESET_CACHE, default ~/.cache/typeset); a missing, stale or
unreadable file only means the paragraphs are broken afresh.

The file is JSON (never pickle: a planted cache file must not be able to run code):

    {"format": "typeset-paragraphs/2", "code": <digest of the text stage's source>,
     "entries": {<key>: [[measure, natural, adjust, last, emergency, widow, start, end,
                          indent, text, [[style, run length], …], [x, …], [width, …]], …]},
     "words": {<key>: [boundary, …]}}

"words" holds the word boundaries of the headings that wrapped (text/words.py), keyed by
the segmenter's name and version and the text: a warm build does not load the segmenter.

Floats are written by `repr` and read back exactly, so a warm build sets the same lines as a
cold one. Anything not of this shape (a wrong type, a length that does not add up, a file over
`_LIMIT`) makes the whole file ignored. The keys hold the paragraph's text, widths, settings
and the styles' fingerprints (size and font content hashes), never a path or a date; the
issue's path only chooses which file holds its paragraphs.

A key says which paragraph an entry claims to be; it does not prove the lines are that
paragraph's (a cache file can be edited, planted or shared). So every entry is checked
against what it stands for before it is used (`lines_match`): the lines' characters and
styles are exactly the paragraph's, in order, none lost and none added; the lines sit on the
measures asked for and stay inside them. An entry that fails is ignored and the paragraph is
broken afresh: the cache can make a build faster, never print something else.
"""
from __future__ import annotations

import hashlib
import json
import math
from array import array
from collections.abc import Callable, Sequence
from itertools import islice, repeat
from operator import attrgetter, le
from pathlib import Path

from typeset.fsutil import cache_dir, read_cache, write_cache
from typeset.text import cjk
from typeset.text import words as _words
from typeset.text.linebreak import BreakSettings, Glyph, Line, Span

_CH, _STYLE, _X = attrgetter("ch"), attrgetter("style"), attrgetter("x")
_WIDTH = attrgetter("width")
_new_tuple = tuple.__new__
#: one string object per character for the glyphs of every line read: iterating a string
#: makes a new object for each character outside Latin-1 (76 bytes for a CJK one), which a
#: glyph would otherwise keep — about 40 % of a glyph (the lines of a 3,000-page issue of
#: distinct text hold some two million of them). A few thousand entries (an issue's
#: distinct characters); `dict.setdefault` keeps the first object it was given.
_CHARS: dict[str, str] = {}
_char = _CHARS.setdefault

FORMAT = "typeset-paragraphs/2"
_LIMIT = 256 << 20          # a larger file is not read (an issue's lines are a few MB)


def _code_version() -> str:
    """A digest of the text stage's source: new code never reads old results."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in sorted(p.name for p in here.glob("*.py")):
        h.update(name.encode())
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


_VERSION = _code_version()
_VERSION_REPR = repr(_VERSION)
_SETTINGS_REPRS: dict[int, tuple[BreakSettings, str]] = {}


def _settings_repr(settings: BreakSettings) -> str:
    """repr(settings), made once for each settings object (by identity: two equal settings
    may differ in repr, 2 and 2.0, 0.0 and -0.0, and the key must be the repr's)."""
    got = _SETTINGS_REPRS.get(id(settings))
    if got is None or got[0] is not settings:
        if len(_SETTINGS_REPRS) > 256:          # settings made per call (tables) come and go
            _SETTINGS_REPRS.clear()
        got = _SETTINGS_REPRS[id(settings)] = (settings, repr(settings))
    return got[1]


class ParagraphCache:
    def __init__(self, name: str, fingerprint: Callable[[str], str], *, on_disk: bool = True):
        """`name` identifies the issue (one file per issue); `fingerprint(style)` names the
        fonts and size a style measures with. `on_disk=False`: in memory only (never read or
        written)."""
        self.path = cache_dir() / "paragraphs" / (
            hashlib.sha256(f"{_VERSION}\0{name}".encode()).hexdigest()[:32] + ".json")
        self.on_disk = on_disk
        self.fingerprint = fingerprint
        self.old: dict[str, list[Line]] = {}
        self.old_words: dict[str, tuple[int, ...]] = {}
        if on_disk:
            self._load()
        self.new: dict[str, list[Line]] = {}
        self.new_words: dict[str, tuple[int, ...]] = {}
        self.hits = 0
        self.misses = 0

    def next_build(self) -> None:
        """Another build with the same cache (a warm process, typeset.session): what the
        last build used is what this one may find; `save` then writes what this one used."""
        if self.hits or self.misses or self.new:
            self.old, self.old_words = self.new, self.new_words
            self.new, self.new_words = {}, {}
            self._dirty = self.misses > 0 or getattr(self, "_dirty", False)
            self.hits = self.misses = 0

    def _load(self) -> None:
        data = read_cache(self.path, _LIMIT)
        if data is None:
            return
        try:
            doc = json.loads(data.decode("utf-8"))
            del data                   # (the file's bytes are not needed any more)
            if (not isinstance(doc, dict) or doc.get("format") != FORMAT
                    or doc.get("code") != _VERSION or not isinstance(doc.get("entries"), dict)
                    or not isinstance(doc.get("words", {}), dict)):
                return
            entries = doc["entries"]
            if not all(isinstance(v, list) for v in entries.values()):
                return
            shared = _Shared()
            old = {}
            for k in list(entries):    # each entry's JSON form let go once it is read
                old[k] = [_line(x, shared) for x in entries.pop(k)]
            old_words = {k: _bounds(v) for k, v in doc.get("words", {}).items()}
        except (ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError):
            return        # truncated, planted, from another version: start afresh
        self.old, self.old_words = old, old_words

    def key(self, spans: Sequence[Span], widths, settings: BreakSettings,
            last_width: float | None, words: Sequence[int] | None = None,
            target: tuple | None = None) -> str:
        styles = sorted({s.style for s in spans})
        # the repr of the tuple (version, spans, widths, last width, settings, fingerprints,
        # words[, target]), written out so that the settings' repr is made once per settings
        parts = [_VERSION_REPR, repr([(s.text, s.style) for s in spans]),
                 repr(widths if isinstance(widths, (int, float)) else tuple(widths)),
                 repr(last_width), _settings_repr(settings),
                 repr([(st, self.fingerprint(st)) for st in styles]),
                 repr(None if words is None else tuple(words))]
        if target is not None:
            parts.append(repr(target))
        material = "(" + ", ".join(parts) + ")"
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def words(self, text: str) -> tuple[int, ...]:
        """The word boundaries of `text` (text/words.py), from this cache when it has them:
        the segmenter is loaded only for a heading it has not seen."""
        k = hashlib.sha256(f"{_words.segmenter_id()}\0{text}".encode("utf-8")).hexdigest()
        got = self.new_words.get(k)
        if got is None:
            got = self.old_words.get(k)
            if got is not None and (got and got[-1] >= len(text)):
                got = None                   # not this text's: segment it again
            if got is None:
                self.misses += 1
                got = _words.boundaries(text)
            else:
                _words.remember(text, got)
            self.new_words[k] = got
        return got

    def lines(self, spans: Sequence[Span], widths, settings: BreakSettings,
              last_width: float | None, breaker: Callable[[], list[Line]],
              words: Sequence[int] | None = None, target: tuple | None = None) -> list[Line]:
        """The lines `breaker` gives, from the cache when it has them. `target`: a set line
        count and limits (the make-up pass; no lines means it cannot be set so)."""
        k = self.key(spans, widths, settings, last_width, words, target)
        got = self.new.get(k)
        if got is None:
            got = self.old.get(k)
            # a make-up target's empty list means "cannot be set so"; anything else must be
            # this paragraph's lines, or it is broken afresh
            if got is not None and not (target is not None and got == []) \
                    and not lines_match(spans, got, widths, last_width):
                got = None
            if got is None:
                self.misses += 1
                got = breaker()
            else:
                self.hits += 1
            self.new[k] = got
        return got

    def save(self) -> None:
        """Keep what this build used (so the file never grows beyond one issue)."""
        if not self.on_disk:
            return
        if self.misses == 0 and len(self.new) == len(self.old) \
                and len(self.new_words) == len(self.old_words) \
                and not getattr(self, "_dirty", False):
            return
        self._dirty = False
        doc = {"format": FORMAT, "code": _VERSION,
               "entries": {k: [_dump(line) for line in v] for k, v in self.new.items()},
               "words": {k: list(v) for k, v in self.new_words.items()}}
        try:
            data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except ValueError:          # a non-finite number: not worth keeping
            return
        write_cache(self.path, data.encode("utf-8"))


_EPS = 1e-6


def lines_match(spans: Sequence[Span], lines: Sequence[Line], widths,
                last_width: float | None = None) -> bool:
    """Do `lines` (read from a cache) stand for the paragraph `spans` set on `widths`?

    True only if, as the breaker makes them (linebreak.py `_lines`): the lines cover the
    paragraph's text from its first character to its last, in order, each line's glyphs
    being exactly the characters text[start:end] with their styles; between two lines lie
    only the discardable spaces a break drops (cjk SPACE class); line i is set on measure
    widths[i] (the last entry repeating; the last line on at most `last_width`); glyphs never
    step back, the first reaches into the line (a bracket's blank half may hang out) and the
    last one ends inside the measure. O(characters); the one check every
    use of a cached paragraph goes through."""
    text = "".join(s.text for s in spans)
    if not text:
        return not lines
    styles = [s.style for s in spans for _ in s.text]
    ws = [float(widths)] if isinstance(widths, (int, float)) else [float(w) for w in widths]
    if not lines or not ws:
        return False
    pos = 0
    for i, line in enumerate(lines):
        start, end, glyphs = line.start, line.end, line.glyphs
        if not (pos <= start < end <= len(text)) or len(glyphs) != end - start:
            return False
        if (i == 0 and start != 0) or any(cjk.char_class(ch) != cjk.SPACE
                                          for ch in text[pos:start]):
            return False
        # each glyph is the paragraph's character with its style (whole lines compared,
        # glyph by glyph)
        if list(map(_CH, glyphs)) != list(text[start:end]) or \
                list(map(_STYLE, glyphs)) != styles[start:end]:
            return False
        last = i == len(lines) - 1
        if line.last != last:
            return False
        measure = ws[min(i, len(ws) - 1)]
        if last and last_width is not None:
            measure = min(measure, last_width)
        if line.measure != measure:
            return False
        # a line-start bracket hangs its blank half left of the line (x < indent), never more
        if not 0 <= line.indent < measure or glyphs[0].x + glyphs[0].width < line.indent - _EPS:
            return False
        xs = list(map(_X, glyphs))
        if not all(map(le, xs, islice(xs, 1, None))):      # glyphs never step back
            return False
        if glyphs[-1].x + glyphs[-1].width > measure + _EPS:
            return False
        pos = end
    return pos == len(text)


def _dump(line: Line) -> list:
    runs: list[list] = []
    for g in line.glyphs:
        if runs and runs[-1][0] == g.style:
            runs[-1][1] += 1
        else:
            runs.append([g.style, 1])
    return [line.measure, line.natural, line.adjust, line.last, line.emergency, line.widow,
            line.start, line.end, line.indent, "".join(g.ch for g in line.glyphs), runs,
            [g.x for g in line.glyphs], [g.width for g in line.glyphs]]


def _num(v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise TypeError("not a number")
    return v


_NUMBERS = frozenset((int, float))


def _nums(values: list) -> None:
    """Every value a finite number (as `_num`, checked for the whole list at once: a sum
    that is not finite means a value was not — or that they are absurdly large)."""
    try:
        ok = _NUMBERS.issuperset(map(type, values)) and math.isfinite(sum(values))
    except OverflowError:          # an integer too large for a float
        ok = False
    if not ok:
        raise TypeError("not a list of numbers")


def _int(v) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("not an integer")
    return v


def _flag(v) -> bool:
    if not isinstance(v, bool):
        raise TypeError("not a boolean")
    return v


def _bounds(v) -> tuple[int, ...]:
    """Word boundaries from their JSON form: positive integers, rising."""
    if not isinstance(v, list):
        raise TypeError("not a list of boundaries")
    out = tuple(_int(k) for k in v)
    if any(k < 1 for k in out) or any(a >= b for a, b in zip(out, out[1:])):
        raise ValueError("boundaries must be positive and rising")
    return out


_FLOAT = frozenset((float,))


class _Shared:
    """Equal numbers and equal glyphs of the lines read from one cache file, as one object
    each. A line of distinct text still repeats its neighbours' positions and advances (a
    solid-set line's glyphs stand at multiples of the em): a 3,668-page issue's lines hold
    5.7 million numbers of which some 12,000 differ, and most glyphs equal one on another
    line (same character, style, position and advance). Nothing read changes: two equal
    numbers may still differ in the sign of a zero, or be an integer and a float, and such a
    line keeps its own objects (`numbers`)."""

    def __init__(self) -> None:
        self._numbers: dict[float, float] = {0.0: 0.0}     # (a positive zero is the zero)
        self._glyphs: dict[Glyph, Glyph] = {}

    def numbers(self, values: list) -> list | None:
        """`values` with equal numbers as one object, or None if that would change one of
        them (not all floats, or a zero of the other sign already kept)."""
        if not _FLOAT.issuperset(map(type, values)):
            return None
        out = list(map(self._numbers.setdefault, values, values))
        return out if array("d", out).tobytes() == array("d", values).tobytes() else None

    def glyphs(self, glyphs: list[Glyph]) -> list[Glyph]:
        """`glyphs` (made of numbers `numbers` shared) with equal glyphs as one object: an
        equal glyph kept before holds the very same objects (each number has one object,
        bit for bit the line's), so nothing changes."""
        return list(map(self._glyphs.setdefault, glyphs, glyphs))


def _line(x, shared: _Shared | None = None) -> Line:
    """A line from its JSON form; TypeError or ValueError if it is not one typeset wrote.
    `shared`: equal numbers and glyphs of the lines read so far, shared (`_Shared`)."""
    if not isinstance(x, list) or len(x) != 13:
        raise TypeError("not a line")
    measure, natural, adjust, last, emergency, widow, start, end, indent, text, runs, xs, ws = x
    if (not isinstance(text, str) or not isinstance(runs, list) or not isinstance(xs, list)
            or not isinstance(ws, list) or not len(text) == len(xs) == len(ws)):
        raise TypeError("not a line")
    styles: list[str] = []
    for run in runs:
        if (not isinstance(run, list) or len(run) != 2 or not isinstance(run[0], str)
                or _int(run[1]) < 1):
            raise TypeError("not a style run")
        styles += [run[0]] * run[1]
    if len(styles) != len(text):
        raise ValueError("style runs do not cover the text")
    _nums(xs)
    _nums(ws)
    if shared is not None:
        sxs, sws = shared.numbers(xs), shared.numbers(ws)
        if sxs is None or sws is None:
            shared = None                    # (only glyphs of shared numbers are shared)
        else:
            xs, ws = sxs, sws
    # Glyph(ch, style, x, width), made by the tuple constructor itself (no Python call each)
    glyphs = list(map(_new_tuple, repeat(Glyph), zip(map(_char, text, text), styles, xs, ws)))
    if shared is not None:
        glyphs = shared.glyphs(glyphs)
    return Line(glyphs, _num(measure), _num(natural), _num(adjust), _flag(last),
                _flag(emergency), _flag(widow), _int(start), _int(end), _num(indent))
