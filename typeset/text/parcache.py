"""A cache of broken paragraphs, so a rebuild after a correction re-breaks only what changed.

The production desk rebuilds the issue after every correction; line breaking is the largest
share of a build, and almost every paragraph is the same as last time. A paragraph's lines
depend only on its spans, the widths, the break settings, the fonts and sizes of the styles
it uses, and the breaker's own code — all of which go into the key — so a cached result is
exactly what breaking it again would give. The cache lives in one file per issue under the
typeset cache directory ($TYPESET_CACHE, default ~/.cache/typeset); a missing, stale or
unreadable file only means the paragraphs are broken afresh.

The file is binary, read as data and checked (never pickle: a planted cache file must not be
able to run code), all numbers little-endian:

    b"typeset-paragraphs\n"  u32 header length  header (ASCII JSON: format, the text stage's
    source digest "code", the entry keys, the style names, the counts of lines, runs, glyphs
    and text bytes, and "words")
    then one section after another, each in entry and line order:
    every entry's line count (u32)
    every line's start, end, glyph count and run count (u32 each)
    every line's flags (u8: 1 last, 2 emergency, 4 widow)
    every line's measure, natural, adjust and indent (f64 each)
    every style run's style (u16, an index in the header's names), then every run's length
    (u32)
    every glyph's x (f64), then every glyph's width (f64)
    the lines' characters, one line after another (UTF-8)
    the seal of everything before it (32 bytes: an HMAC-SHA256 with the user's cache key,
    cacheseal.sealed; format 3 had a SHA-256 here)

"words" holds the word boundaries of the headings that wrapped (text/words.py), keyed by
the segmenter's name and version and the text: a warm build does not load the segmenter.
"seal" is an HMAC of the boundaries and of which entries have no lines, with the user's cache
key (cacheseal.cache_seal): neither can be checked against its source without redoing the work,
so a file without the seal has both ignored (`_seal`). The whole file is sealed too (the
trailer): a file not sealed with this user's key (planted, copied without its key, damaged)
is ignored whole, and without a key of ours none is read or written; the header's seal is
kept inside it.

Floats are stored as IEEE doubles, so a warm build sets the same lines as a cold one (an
entry holding a number that is not a float, or anything else the format cannot hold
exactly, is not kept: it is broken afresh next time). Reading it is a few bulk conversions
(`array.frombytes`; the doubles read in place, a `memoryview` cast), not a parse of every
number, and the glyphs are made by the tuple constructor a block of lines at a time
(`_GLYPH_BLOCK`: never all of them at once before they are shared); it is written piece by
piece (`_encode_parts`), never joined in memory. The sample's 1,573 lines (30k glyphs) are
read and their shape checked in ~14 ms of CPU, where the JSON of format 2 took ~31 ms to read and `lines_match` another ~11 at use
(the half of the check left for use, `_read_entry_matches`, ~4 ms). Anything not of this shape
(the seal, a count, a length that does not add up, an index out of range, a number that is
not finite, a file over `_LIMIT`) makes the whole file ignored. The keys hold the paragraph's
text, widths, settings and the styles' fingerprints (size and font content hashes), never a
path or a date; the issue's path only chooses which file holds its paragraphs.

A key says which paragraph an entry claims to be; it does not prove the lines are that
paragraph's (a cache file can be edited, planted or shared). So every entry is checked
against what it stands for before it is used (`lines_match`): the lines' characters and
styles are exactly the paragraph's, in order, none lost and none added; the lines sit on the
measures asked for and stay inside them. An entry that fails is ignored and the paragraph is
broken afresh: the cache can make a build faster, never print something else. For an entry
read from the file the check is made in two halves with the same tests (`_shape_ok` when the
file is read: what the lines say of themselves; `_read_entry_matches` at use: the lines'
characters and style runs, compared as strings and run lists with the paragraph's, and the
measures), so a warm build does not take every glyph apart again; lines held in memory (a
warm process's last build) go through `lines_match` itself.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from array import array
from bisect import bisect_right
from collections.abc import Callable, MutableMapping, Sequence
from itertools import accumulate, chain, islice, repeat
from operator import attrgetter, le
from pathlib import Path

from typeset.cachefiles import cache_dir, read_cache, write_cache
from typeset.cacheseal import (SEAL_SIZE, code_files, seal_of, seal_of_parts, sealed,
                               unseal)
from typeset.text import cjk
from typeset.text import words as _words
from typeset.text.linebreak import BreakSettings, Glyph, Line, Span

_CH, _STYLE, _X = attrgetter("ch"), attrgetter("style"), attrgetter("x")
_new_tuple = tuple.__new__

FORMAT = "typeset-paragraphs/4"
_MAGIC = b"typeset-paragraphs\n"
_LIMIT = 256 << 20          # a larger file is not read (an issue's lines are a few MB)


def _code_version() -> str:
    """A digest of the text stage's source: new code never reads old results."""
    h = hashlib.sha256()
    try:
        for path in code_files(Path(__file__).resolve().parent):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    except OSError:                       # a module that cannot be read: a version no
        return os.urandom(8).hex()        # file holds (every entry a miss), not an error
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


def _path(name: str) -> Path:
    """The cache file of the issue `name` (one file per issue)."""
    return cache_dir() / "paragraphs" / (
        hashlib.sha256(f"{_VERSION}\0{name}".encode()).hexdigest()[:32] + ".lines")


def file_size(name: str) -> int:
    """Bytes of the issue `name`'s cache file (0: none, unreadable, or caches off): what a
    build of it would decode (typeset/stream.py chooses how to build by it)."""
    from typeset import cachefiles
    if cachefiles._off:
        return 0
    try:
        return os.stat(_path(name), follow_symlinks=False).st_size
    except (OSError, ValueError):
        return 0


class ParagraphCache:
    def __init__(self, name: str, fingerprint: Callable[[str], str], *, on_disk: bool = True,
                 lazy: bool = False):
        """`name` identifies the issue (one file per issue); `fingerprint(style)` names the
        fonts and size a style measures with (the same answer for a style as long as this
        cache lives: it is asked once per set of styles). `on_disk=False`: in memory only
        (never read or written). `lazy`: the file's entries are decoded when they are asked
        for (`_FileEntries`), and `let_go` drops the lines of those used so far: a build
        that sets the issue a stretch at a time (typeset/stream.py) holds one stretch's
        lines, not the file's."""
        self.lazy = lazy
        # lazy: the key of every entry this build used, in order of first use (what `save`
        # writes: the lines of the entries `let_go` dropped are decoded from the file again)
        self.used: dict[str, None] = {}
        self._from_file: set[str] = set()      # lazy: entries of `new` read from the file
        # lazy: entries of the file used by two stretches or more, kept by `let_go` (up to
        # KEEP_GLYPHS glyphs in all): a number or a table's header repeated through an issue
        # is decoded and checked once, not once a stretch (`_keep`)
        self._kept: dict[str, list[Line]] = {}
        self._kept_glyphs = 0
        self._fp_reprs: dict[tuple[str, ...], str] = {}
        self._keys: dict[tuple, str] = {}
        self.path = _path(name)
        self.on_disk = on_disk
        self.fingerprint = fingerprint
        self.old: dict[str, list[Line]] = {}
        self.old_words: dict[str, tuple[int, ...]] = {}
        # entries as read from the file: key -> (lines, each line's characters, each line's
        # style runs), for the check at use (`_read_entry_matches`)
        self._read: dict[str, tuple] = {}
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
            self._read = {}                  # (what is in memory is checked as it is)
            # remembered keys of what the last build used only (a long session's edits
            # would otherwise pile up)
            self._keys = {m: k for m, k in self._keys.items() if k in self.old}
            self._dirty = self.misses > 0 or getattr(self, "_dirty", False)
            self.hits = self.misses = 0

    def _load(self) -> None:
        data = _map_cache(self.path) if self.lazy else read_cache(self.path, _LIMIT)
        if data is None:
            return
        got = _decode(data, lazy=self.lazy)
        if got is None:
            return        # truncated, planted, from another version: start afresh
        if self.lazy:
            self.old, self.old_words = got
            return
        self._read, self.old_words = got
        self.old = {k: v[0] for k, v in self._read.items()}

    def let_go(self) -> None:
        """Drop the lines of the entries used so far that the file holds (a lazy cache: they
        are decoded again if asked for again), the keys remembered for them and what the
        decoding shares between entries: a build that is done with a stretch of the issue
        (typeset/stream.py). Lines broken afresh stay until `save` has written them."""
        if not self.lazy:
            return
        for k in self._from_file:
            got = self.new.pop(k, None)
            if got is not None and k not in self._kept:
                self._keep(k, got)
        self._from_file.clear()
        kept = self._kept
        self._keys = {m: k for m, k in self._keys.items() if k in kept} if kept else {}
        if type(self.old) is _FileEntries:
            self.old.forget()

    def _keep(self, k: str, lines: list[Line]) -> None:
        """Keep the file's entry `k` past `let_go` if an earlier stretch used it too (it is
        likely to be asked for again: a number, a table's header cell, repeated through the
        issue) and KEEP_GLYPHS allows: the memory this holds is bounded, whatever the issue.
        Its check at use (`lines`) held under the same key, which names the paragraph, its
        measures, settings and target, so it holds again."""
        if type(self.old) is not _FileEntries or not self.old.used_before(k):
            return
        n = sum(len(ln.glyphs) for ln in lines)
        if self._kept_glyphs + n <= KEEP_GLYPHS:
            self._kept[k] = lines
            self._kept_glyphs += n

    def key(self, spans: Sequence[Span], widths, settings: BreakSettings,
            last_width: float | None, words: Sequence[int] | None = None,
            target: tuple | None = None) -> str:
        pairs = tuple([(s.text, s.style) for s in spans])
        rest = (repr(widths if isinstance(widths, (int, float)) else tuple(widths)),
                repr(last_width), _settings_repr(settings),
                repr(None if words is None else tuple(words)),
                None if target is None else repr(target))
        # A paragraph is asked for again and again (the make-up pass's trials, a table's
        # widths at each size, articles that repeat it): its key is remembered by the texts
        # and styles themselves (strings compare exactly) and the reprs of everything else,
        # so the digest below is made once per distinct key.
        memo = (pairs, rest)
        got = self._keys.get(memo)
        if got is not None:
            return got
        styles = tuple(sorted({st for _, st in pairs}))
        fps = self._fp_reprs.get(styles)
        if fps is None:
            fps = self._fp_reprs[styles] = repr([(st, self.fingerprint(st)) for st in styles])
        # the repr of the tuple (version, spans, widths, last width, settings, fingerprints,
        # words[, target]), written out so that the settings' repr is made once per settings
        # and the fingerprints' once per set of styles
        parts = [_VERSION_REPR, repr(list(pairs)), rest[0], rest[1], rest[2], fps, rest[3]]
        if target is not None:
            parts.append(rest[4])
        material = "(" + ", ".join(parts) + ")"
        got = self._keys[memo] = hashlib.sha256(material.encode("utf-8")).hexdigest()
        return got

    def words(self, text: str) -> tuple[int, ...]:
        """The word boundaries of `text` (text/words.py), from this cache when it has them:
        the segmenter is loaded only for a heading it has not seen."""
        k = hashlib.sha256(f"{_words.segmenter_id()}\0{text}".encode("utf-8")).hexdigest()
        got = self.new_words.get(k)
        if got is None:
            got = self.old_words.get(k)
            if got is not None and not _words.could_be(text, got):
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
        if got is None and self._kept:
            got = self._kept.get(k)
            if got is not None:               # (checked when first used: `_keep`)
                self.hits += 1
                self.new[k] = got
                self._from_file.add(k)
                self.used.setdefault(k)
                return got
        if got is None:
            read = None
            if type(self.old) is _FileEntries:       # (lazy: decoded now, with its check)
                read = self.old.entry(k)
                got = read[0]
                if read[1] is None:
                    read = None
            else:
                got = self.old.get(k)
            # a make-up target's empty list means "cannot be set so" (read from the file only
            # under this user's seal, `_decode`); anything else must be this paragraph's
            # lines, as many as a target asks for and none an emergency break, or it is
            # broken afresh
            if got and target is not None and len(got) != target[0]:
                got = None
            if got:
                if read is None:
                    read = self._read.get(k)
                if read is not None and read[0] is got:
                    ok = _read_entry_matches(spans, got, read[1], read[2], widths, last_width)
                else:
                    ok = lines_match(spans, got, widths, last_width)
                if not ok or (target is not None and any(ln.emergency for ln in got)):
                    got = None
            elif got is not None and target is None and not lines_match(spans, got, widths,
                                                                          last_width):
                got = None
            if got is None:
                self.misses += 1
                got = breaker()
            else:
                self.hits += 1
                if self.lazy and read is not None:
                    k = self.old.key_of(k)       # (one string for the key: `used` keeps it)
                    self._from_file.add(k)
            self.new[k] = got
            if self.lazy:
                self.used.setdefault(k)
        return got

    def save(self) -> None:
        """Keep what this build used (so the file never grows beyond one issue)."""
        if not self.on_disk:
            return
        if self.lazy:
            self._save_lazy()
            return
        if self.misses == 0 and len(self.new) == len(self.old) \
                and len(self.new_words) == len(self.old_words) \
                and not getattr(self, "_dirty", False):
            return
        self._dirty = False
        parts = _encode_parts(self.new, self.new_words)
        seal = None if parts is None else seal_of("paragraphs", "", *parts)
        if seal is not None:            # (None: no key of ours, nothing a later build trusts)
            # written piece by piece: the file is never joined in memory (a 3,668-page
            # issue's is ~60 MB, and was joined, then copied to add its digest)
            write_cache(self.path, _write_parts(parts, seal))

    def _save_lazy(self) -> None:
        """`save` for a lazy cache: what this build used (`used`, in order), the lines
        `let_go` dropped decoded from the file again — all at once, and only when the file
        would change (a warm build writes nothing, so it never holds them all)."""
        old = self.old
        n_old = len(old)
        if self.misses == 0 and len(self.used) == n_old \
                and len(self.new_words) == len(self.old_words):
            return
        entries: dict[str, list[Line]] = {}
        for k in self.used:
            got = self.new.get(k)
            if got is None and type(old) is _FileEntries:
                got = old.entry(k)[0]
            if got is not None:
                entries[k] = got
        parts = _encode_parts(entries, self.new_words)
        seal = None if parts is None else seal_of("paragraphs", "", *parts)
        if seal is not None:
            mine = type(old) is _FileEntries and old.unchanged()
            write_cache(self.path, _write_parts(parts, seal))
            if mine:                 # (renamed over: the mapped file lost its name, which
                old.renamed_over()   # moves its change time, not its bytes)


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
        if line.measure != measure or not _inside(line, glyphs, measure):
            return False
        pos = end
    return pos == len(text)


def _inside(line: Line, glyphs, measure: float) -> bool:
    """The line's glyphs set inside its measure, as the breaker sets them: its indent lies in
    the measure, its first glyph reaches into the line (a line-start bracket hangs its blank
    half left of it, x < indent, never more), its glyphs never step back and the last one
    ends inside the measure (`lines_match`, `_shape_ok`)."""
    if not 0 <= line.indent < measure or glyphs[0].x + glyphs[0].width < line.indent - _EPS:
        return False
    xs = list(map(_X, glyphs))
    if not all(map(le, xs, islice(xs, 1, None))):
        return False
    return glyphs[-1].x + glyphs[-1].width <= measure + _EPS


def _int(v) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("not an integer")
    return v


def _bounds(v) -> tuple[int, ...]:
    """Word boundaries from their JSON form: positive integers, rising."""
    if not isinstance(v, list):
        raise TypeError("not a list of boundaries")
    out = tuple(_int(k) for k in v)
    if any(k < 1 for k in out) or any(a >= b for a, b in zip(out, out[1:])):
        raise ValueError("boundaries must be positive and rising")
    return out


# --- the file -------------------------------------------------------------------------------

_U32 = 1 << 32
_FLOAT = frozenset((float,))
_STR = frozenset((str,))
_ONE = frozenset((1,))
_LAST, _EMERGENCY, _WIDOW = 1, 2, 4


def _entry_parts(lines: Sequence[Line], styles: dict[str, int]):
    """An entry as the file holds it: (ints, flags, floats, run styles, run lengths, xs,
    widths, characters), or None if the format cannot hold it exactly (a number that is not
    a float, a glyph that is not one character, ...): such an entry is not kept."""
    ints: list[int] = []
    flags = bytearray()
    floats: list[float] = []
    rstyles: list[int] = []
    rlens: list[int] = []
    xs: list[float] = []
    ws: list[float] = []
    chars: list[str] = []
    for line in lines:
        glyphs = line.glyphs
        chs = list(map(_CH, glyphs))
        sts = list(map(_STYLE, glyphs))
        gx = list(map(_X, glyphs))
        gw = [g.width for g in glyphs]
        nums = [line.measure, line.natural, line.adjust, line.indent]
        fl = (line.last, line.emergency, line.widow)
        start, end = line.start, line.end
        if not (_STR.issuperset(map(type, chs)) and _ONE.issuperset(map(len, chs))
                and _STR.issuperset(map(type, sts)) and _FLOAT.issuperset(map(type, gx))
                and _FLOAT.issuperset(map(type, gw)) and _FLOAT.issuperset(map(type, nums))
                and all(type(f) is bool for f in fl)
                and type(start) is int and type(end) is int and 0 <= start < _U32
                and 0 <= end < _U32):
            return None
        n_runs = 0
        prev = None
        for st in sts:
            if st == prev:
                rlens[-1] += 1
                continue
            idx = styles.setdefault(st, len(styles))
            if idx > 0xFFFF:
                return None
            rstyles.append(idx)
            rlens.append(1)
            n_runs += 1
            prev = st
        ints += (start, end, len(glyphs), n_runs)
        flags.append(fl[0] * _LAST | fl[1] * _EMERGENCY | fl[2] * _WIDOW)
        floats += nums
        xs += gx
        ws += gw
        chars += chs
    return ints, flags, floats, rstyles, rlens, xs, ws, chars


def _le(a: array):
    """An array's bytes, little-endian: the array itself where the machine is (no copy)."""
    if sys.byteorder != "little":
        a = array(a.typecode, a)
        a.byteswap()
    return a


def _encode(entries: dict[str, list[Line]], words: dict[str, tuple[int, ...]]) -> bytes | None:
    """The file's bytes for these entries and word boundaries, sealed (None: nothing worth
    keeping, a number that is not finite, no key of ours); `save` writes the same bytes
    piece by piece."""
    parts = _encode_parts(entries, words)
    if parts is None:
        return None
    return sealed("paragraphs", "", b"".join(parts))


def _encode_parts(entries: dict[str, list[Line]], words: dict[str, tuple[int, ...]]
                  ) -> list | None:
    """The file's pieces before its digest, in order (bytes and arrays: `save` writes and
    hashes them one after another, never joined), as `_encode` joins them."""
    styles: dict[str, int] = {}
    keys: list[str] = []
    counts, ints, rstyles, rlens = array("I"), array("I"), array("H"), array("I")
    flags = bytearray()
    floats, xs, ws = array("d"), array("d"), array("d")
    text = bytearray()              # (each entry's characters encoded as it comes: no list
    for k, lines in entries.items():      # of every character of the file)
        if not isinstance(k, str):
            continue
        before = dict(styles)
        parts = _entry_parts(lines, styles)
        if parts is None:
            styles = before
            continue
        keys.append(k)
        counts.append(len(lines))
        e_ints, e_flags, e_floats, e_rs, e_rl, e_xs, e_ws, e_chars = parts
        ints.extend(e_ints)
        flags += e_flags
        floats.extend(e_floats)
        rstyles.extend(e_rs)
        rlens.extend(e_rl)
        xs.extend(e_xs)
        ws.extend(e_ws)
        text += "".join(e_chars).encode("utf-8", "surrogatepass")
    if not all(math.isfinite(sum(a)) for a in (floats, xs, ws)):
        return None
    words_doc = {k: list(v) for k, v in words.items()}
    header = {"format": FORMAT, "code": _VERSION, "keys": keys,
              "styles": sorted(styles, key=styles.__getitem__),
              "lines": len(flags), "runs": len(rstyles), "glyphs": len(xs), "text": len(text),
              "words": words_doc,
              "seal": _seal(words_doc, [k for k, n in zip(keys, counts) if not n])}
    h = json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return [_MAGIC, len(h).to_bytes(4, "little"), h, _le(counts), _le(ints), bytes(flags),
            _le(floats), _le(rstyles), _le(rlens), _le(xs), _le(ws), text]


def _write_parts(parts: list, seal: bytes):
    """A function writing `parts` and then their seal into a file (cachefiles.write_cache)."""
    def fill(f) -> None:
        for part in parts:
            f.write(part)
        f.write(seal)
    return fill


def _seal(words: dict, empty: list[str]) -> str:
    """The seal of what no cheap check can prove against its source: the word boundaries
    (only the segmenter knows them: loading it is ~0.25 s) and which entries have no lines
    (a make-up target that cannot be set so: only the search proves it). Made with this
    user's cache key (cacheseal.cache_seal): a file planted or edited by anyone without it has
    its boundaries and its empty entries ignored."""
    from typeset.cacheseal import cache_seal
    return cache_seal(json.dumps(words, ensure_ascii=True, separators=(",", ":")).encode(),
                      "\n".join(empty).encode("ascii"))


def _count(v) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < _U32:
        raise TypeError("not a count")
    return v


def _decode(data: bytes, lazy: bool = False):
    """(key -> (lines, characters of each line, style runs of each line), words) from a
    file's bytes; None if anything about the file is not as `_encode` writes it. An entry
    whose lines fail `_shape_ok` is left out (broken afresh). `lazy`: the entries are a
    `_FileEntries` (key -> lines, each decoded when it is asked for), the same checks made
    of the whole file first.""" 
    try:
        body = memoryview(data)[:-SEAL_SIZE]                # (the file is never copied)
        if data[:len(_MAGIC)] != _MAGIC or not _unsealed(data):
            return None
        at = len(_MAGIC)
        hlen = int.from_bytes(body[at:at + 4], "little")
        at += 4
        if hlen > len(body) - at:
            return None
        header = json.loads(str(body[at:at + hlen], "ascii"))
        at += hlen
        if (not isinstance(header, dict) or header.get("format") != FORMAT
                or header.get("code") != _VERSION):
            return None
        keys, styles, words = header.get("keys"), header.get("styles"), header.get("words")
        if (not isinstance(keys, list) or not _STR.issuperset(map(type, keys))
                or not isinstance(styles, list) or not _STR.issuperset(map(type, styles))
                or not isinstance(words, dict)):
            return None
        n_lines, n_runs, n_glyphs, n_text = (_count(header.get(f))
                                             for f in ("lines", "runs", "glyphs", "text"))
        n_entries = len(keys)
        sizes = (4 * n_entries, 16 * n_lines, n_lines, 32 * n_lines, 2 * n_runs, 4 * n_runs,
                 8 * n_glyphs, 8 * n_glyphs, n_text)
        if sum(sizes) != len(body) - at:
            return None
        parts = []
        numbers_at = at + sum(sizes[:6])                  # the glyphs' x positions, widths
        for i, (size, code) in enumerate(zip(sizes, ("I", "I", None, "d", "H", "I", "d", "d",
                                                   None))):
            chunk = body[at:at + size]
            at += size
            if code is None:
                parts.append(chunk)
                continue
            if code == "d" and sys.byteorder == "little":
                # the lines' and glyphs' numbers read where they stand in the file (a
                # memoryview of its doubles: no copy of them, no list of every number)
                parts.append(chunk.cast("d"))
                continue
            a = array(code)
            a.frombytes(chunk)
            if sys.byteorder != "little":
                a.byteswap()
            # (the glyphs' numbers stay packed until they are shared, below; a lazy read
            # keeps every number packed)
            parts.append(a if i >= 6 or lazy else a.tolist())
        counts, ints, flags, floats, rstyles, rlens, xs, ws, text = parts
        flags = bytes(flags)
        text_bytes = text
        text = str(text, "utf-8", "surrogatepass")
        starts, ends, n_gl, n_rn = ints[0::4], ints[1::4], ints[2::4], ints[3::4]
        if (sum(counts) != n_lines or sum(n_gl) != n_glyphs or sum(n_rn) != n_runs
                or len(text) != n_glyphs
                or (n_lines and max(flags) > _LAST | _EMERGENCY | _WIDOW)
                or (n_runs and (max(rstyles) >= len(styles) or min(rlens) < 1))
                or not all(math.isfinite(_sum(a, data)) for a in (floats, xs, ws))):
            return None
        old_words = {k: _bounds(v) for k, v in words.items()}
        sealed = header.get("seal") == _seal(words, [k for k, n in zip(keys, counts) if not n])
        if not sealed:
            old_words = {}                  # (and no entry without lines is kept, below)
        if lazy:
            # where each entry's lines, each line's glyphs and style runs start; a line whose
            # runs do not add up to its glyphs makes the whole file ignored, as below
            line_at = array("q", accumulate(counts, initial=0))
            glyph_at = array("q", accumulate(n_gl, initial=0))
            run_at = array("q", accumulate(n_rn, initial=0))
            run_ends = array("q", accumulate(rlens, initial=0))
            if any(run_ends[r] != g for r, g in zip(run_at, glyph_at)):
                return None
            del run_ends
            same_numbers = not _negative_zero(data, numbers_at, numbers_at + 16 * n_glyphs)
            # each entry's characters are decoded from the file's UTF-8 when it is asked
            # for: where each entry's bytes start (the text itself is not kept)
            text_at = array("q", [0])
            pos = 0
            for i in range(n_entries):
                pos += len(text[glyph_at[line_at[i]]:glyph_at[line_at[i + 1]]].encode(
                    "utf-8", "surrogatepass"))
                text_at.append(pos)
            del text
            got = _FileEntries(keys, line_at, glyph_at, run_at, text_at, starts, ends, flags,
                               floats, styles, rstyles, rlens, xs, ws, text_bytes,
                               same_numbers, sealed)
            if not got.unchanged():
                return None              # (written in place while it was checked)
            _release(data)
            return got, old_words
        entries: dict[str, tuple] = {}
        names = [styles[i] for i in rstyles]              # each run's style
        run_pairs = list(zip(names, rlens))
        # the glyphs, Glyph(ch, style, x, width), made by the tuple constructor itself (no
        # Python call each), a block of whole lines at a time (`_GLYPH_BLOCK` glyphs or
        # more), each line taking its stretch. Equal characters, numbers and glyphs are one
        # object each (memory, issue 13 part 5: a 3,668-page issue of distinct text holds ~6
        # million glyphs, of which a few thousand characters and numbers differ); never
        # when a zero of the other sign is there, which compares equal to 0.0 and would
        # take its place. Each block is shared against all before it, so the file's glyphs
        # are never all made first and shared after (for that issue ~200 MB more for a
        # moment, the peak of its build), nor a list of every character or number held.
        style_of = chain.from_iterable(map(repeat, names, rlens))
        same_numbers = not _negative_zero(data, numbers_at, numbers_at + 16 * n_glyphs)
        seen_chars: dict = {}
        seen_numbers: dict = {}
        seen_glyphs: dict = {}

        def block(a: int, b: int) -> list:
            cs = text[a:b]
            chars = list(map(seen_chars.setdefault, cs, cs))
            bx, bw = xs[a:b], ws[a:b]
            if same_numbers:
                bx = list(map(seen_numbers.setdefault, bx, bx))
                bw = list(map(seen_numbers.setdefault, bw, bw))
            made = list(map(_new_tuple, repeat(Glyph), zip(chars, style_of, bx, bw)))
            if same_numbers:
                made = list(map(seen_glyphs.setdefault, made, made))
            return made
        glyphs: list = []
        first = last = 0                   # the glyphs in `glyphs`: first to last
        li = gi = ri = 0
        for key, count in zip(keys, counts):
            lines: list[Line] = []
            texts: list[str] = []
            runs: list[tuple] = []
            for j in range(li, li + count):
                n, nr = n_gl[j], n_rn[j]
                if nr == 1:
                    if rlens[ri] != n:
                        return None
                    run = (run_pairs[ri],)
                else:
                    if sum(rlens[ri:ri + nr]) != n:
                        return None
                    run = tuple(run_pairs[ri:ri + nr])
                f = flags[j]
                measure, natural, adjust, indent = floats[4 * j:4 * j + 4]
                if gi + n > last:          # (then gi == last: blocks end where lines do)
                    first = last = gi
                    k = j
                    while k < n_lines and last - first < _GLYPH_BLOCK:
                        last += n_gl[k]
                        k += 1
                    glyphs = block(first, last)
                lines.append(Line(glyphs[gi - first:gi - first + n], measure, natural, adjust,
                                  bool(f & _LAST), bool(f & _EMERGENCY), bool(f & _WIDOW),
                                  starts[j], ends[j], indent))
                texts.append(text[gi:gi + n])
                runs.append(run)
                gi += n
                ri += nr
            li += count
            if (lines or sealed) and _shape_ok(lines):
                entries[key] = (lines, texts, runs)
        return entries, old_words
    except (ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError, RecursionError):
        return None


class _FileEntries(MutableMapping):
    """The entries of a cache file (key -> lines), each decoded when it is asked for
    (`entry`), never all at once: a build that sets the issue a stretch at a time holds the
    lines of the stretch it is setting, not every paragraph of the file (memory, issue 13
    part 5). The file's numbers are read where they stand; equal characters, numbers and
    glyphs are one object each among the entries decoded since `forget` (a build forgets
    them with each stretch). Entries put in later (`added`: the lines forked children
    broke, compose.prebreak) come first. An entry whose lines fail `_shape_ok` is not there
    (broken afresh); `len` counts the file's keys before that check."""

    def __init__(self, keys, line_at, glyph_at, run_at, text_at, starts, ends, flags, floats,
                 styles, rstyles, rlens, xs, ws, text, same_numbers, sealed):
        self._keys = keys
        self._index = {k: i for i, k in enumerate(keys)}     # (a key twice: the last)
        self._line_at, self._glyph_at, self._run_at = line_at, glyph_at, run_at
        self._text_at = text_at
        self._starts, self._ends, self._flags, self._floats = starts, ends, flags, floats
        self._styles, self._rstyles, self._rlens = styles, rstyles, rlens
        self._xs, self._ws, self._text = xs, ws, text
        self._same = same_numbers
        self._sealed = sealed
        self._stale = False
        self.added: dict[str, list[Line]] = {}
        # each entry: whether a stretch before the last `forget` used it (`used_before`)
        self._used = bytearray(len(keys))
        self.forget()

    def unchanged(self) -> bool:
        """Whether the mapped file is still the one whose seal was checked (`_Mapped`): its
        size, modification and change times and identity as when it was opened. Another
        program writing into it in place (not renaming a file over it, as typeset does)
        changes what the mapping reads — entries never checked, or past a new end, SIGBUS —
        so from then on no entry is read from it: each is a miss, broken afresh
        (adversarial round 9)."""
        f = getattr(self._text, "obj", None)
        if self._stale or getattr(f, "stamp", None) is None:
            return not self._stale          # (bytes: nothing can change them)
        try:                                # (~1 us: once before and once after each entry)
            st = os.fstat(f.fd)
            now = (st.st_ctime_ns, st.st_mtime_ns, st.st_size)
            if now != f.stamp:
                # removed, or another build's file renamed over it (a batch building the
                # issue's other variant): its name went, which moves the change time; its
                # bytes are the ones checked if its seal holds still (hashed once)
                if st.st_nlink == 0 and now[1:] == f.stamp[1:] and _unsealed(f):
                    f.stamp = now
                else:
                    self._stale = True
        except OSError:
            self._stale = True
        return not self._stale

    def renamed_over(self) -> None:
        """This build renamed its new cache file over the mapped one (`save`): the change
        time that moved with its name is the one `unchanged` compares from now on."""
        f = getattr(self._text, "obj", None)
        if getattr(f, "stamp", None) is None or self._stale:
            return
        try:
            st = os.fstat(f.fd)
        except OSError:
            self._stale = True
            return
        if (st.st_mtime_ns, st.st_size) == f.stamp[1:]:
            f.stamp = (st.st_ctime_ns, st.st_mtime_ns, st.st_size)
        else:
            self._stale = True

    def _short(self) -> bool:
        """A mapped file now shorter than its mapping (`_cut_short`): stale."""
        f = getattr(self._text, "obj", None)
        if getattr(f, "stamp", None) is not None:
            try:
                self._stale = f.size() < len(f)
            except (OSError, ValueError):
                self._stale = True
        return self._stale

    def used_before(self, key: str) -> bool:
        """Whether a stretch before this one used the entry `key` (a build that sets the
        issue a stretch at a time tells each use as it lets go of a stretch); marks it used."""
        i = self._index.get(key)
        if i is None:
            return False
        seen = self._used[i]
        self._used[i] = 1
        return bool(seen)

    def forget(self) -> None:
        """Share nothing more with the entries decoded so far (they can go), and give the
        file's pages read so far back to the system (a mapped file: `_map_cache`)."""
        self._chars: dict = {}
        self._numbers: dict = {}
        self._glyphs: dict = {}
        _release(self._text.obj if isinstance(self._text, memoryview) else None)

    def key_of(self, key: str) -> str:
        """The file's own string for `key`, if it holds one (a caller keeping keys keeps
        one string for each)."""
        i = self._index.get(key)
        return key if i is None else self._keys[i]

    def entry(self, key: str) -> tuple:
        """(lines, each line's characters, each line's style runs) of the file's entry
        `key`, decoded now (for `_read_entry_matches`); (lines, None, None) for an added
        one; (None, None, None) for none."""
        got = self.added.get(key)
        if got is not None:
            return got, None, None
        i = self._index.get(key)
        if i is None:
            return None, None, None
        return self._decode_entry(i) or (None, None, None)

    def _decode_entry(self, i: int):
        if self._stale or self._short():     # (before: never read past a new end)
            return None
        first_line, end_line = self._line_at[i], self._line_at[i + 1]
        if first_line == end_line and not self._sealed:
            return None                  # (no entry without lines, unsealed: `_decode`)
        glyph_at, run_at = self._glyph_at, self._run_at
        a, b = glyph_at[first_line], glyph_at[end_line]
        styles, rstyles, rlens = self._styles, self._rstyles, self._rlens
        r0, r1 = run_at[first_line], run_at[end_line]
        names = [styles[s] for s in rstyles[r0:r1]]
        lens = rlens[r0:r1]
        # the glyphs, Glyph(ch, style, x, width), made by the tuple constructor itself (no
        # Python call each); equal characters, numbers and glyphs one object — never when
        # a zero of the other sign is in the file, which compares equal to 0.0 and would
        # take its place (as `_decode`)
        cs = str(self._text[self._text_at[i]:self._text_at[i + 1]], "utf-8", "surrogatepass")
        if len(cs) != b - a:
            return None
        chars = list(map(self._chars.setdefault, cs, cs))
        bx, bw = self._xs[a:b], self._ws[a:b]
        if self._same:
            bx = list(map(self._numbers.setdefault, bx, bx))
            bw = list(map(self._numbers.setdefault, bw, bw))
        style_of = chain.from_iterable(map(repeat, names, lens))
        glyphs = list(map(_new_tuple, repeat(Glyph), zip(chars, style_of, bx, bw)))
        if self._same:
            glyphs = list(map(self._glyphs.setdefault, glyphs, glyphs))
        lines: list[Line] = []
        texts: list[str] = []
        runs: list[tuple] = []
        floats, flags, starts, ends = self._floats, self._flags, self._starts, self._ends
        for j in range(first_line, end_line):
            g0, g1 = glyph_at[j], glyph_at[j + 1]
            q0, q1 = run_at[j] - r0, run_at[j + 1] - r0
            run = tuple(zip(names[q0:q1], lens[q0:q1]))
            f = flags[j]
            measure, natural, adjust, indent = floats[4 * j:4 * j + 4]
            lines.append(Line(glyphs[g0 - a:g1 - a], measure, natural, adjust,
                              bool(f & _LAST), bool(f & _EMERGENCY), bool(f & _WIDOW),
                              starts[j], ends[j], indent))
            texts.append(cs[g0 - a:g1 - a])
            runs.append(run)
        if not _shape_ok(lines) or not self.unchanged():   # (after: what was read is sealed)
            return None
        return lines, texts, runs

    # -- a mapping of key -> lines ----------------------------------------------------------
    def __getitem__(self, key):
        got = self.entry(key)[0]
        if got is None:
            raise KeyError(key)
        return got

    def get(self, key, default=None):
        got = self.entry(key)[0]
        return default if got is None else got

    def __contains__(self, key) -> bool:
        return key in self.added or key in self._index

    def __setitem__(self, key, lines) -> None:
        self.added[key] = lines

    def __delitem__(self, key) -> None:
        if key not in self:
            raise KeyError(key)
        self.added.pop(key, None)
        self._index.pop(key, None)

    def __iter__(self):
        yield from self.added
        for key in self._index:
            if key not in self.added and self.entry(key)[0] is not None:
                yield key

    def __len__(self) -> int:
        return len(self.added) + sum(1 for k in self._index if k not in self.added)


def _map_cache(path: Path):
    """The cache file at `path` mapped into memory (read only), or None when `read_cache`
    would give None. Its pages are read when they are used and given back by `_release`:
    a lazy cache (`ParagraphCache(lazy=True)`) holds in memory only the parts of the file
    it has read since its last `let_go`, not the whole file (~17 KB a page of an issue).
    Typeset replaces a cache file by renaming a new one over it, so the file mapped is never
    changed while it is read."""
    import mmap

    from typeset.fileread import open_regular
    global _Mapped
    if _Mapped is None:
        class _Mapped(mmap.mmap):
            """A mapped cache file with a descriptor of its own and its stamp when opened
            (`_FileEntries.unchanged`)."""
            fd = -1
            stamp = None

            def __del__(self):
                fd, self.fd = self.fd, -1
                if fd >= 0:
                    os.close(fd)
    try:
        fd, st = open_regular(path, follow=False)
    except (OSError, ValueError):
        return None
    try:
        if not 0 < st.st_size <= _LIMIT:
            return None
        got = _Mapped(fd, 0, access=mmap.ACCESS_READ)
        got.stamp = (st.st_ctime_ns, st.st_mtime_ns, st.st_size)
        got.fd, fd = fd, -1
        return got
    except (OSError, ValueError):
        return None
    finally:
        if fd >= 0:
            os.close(fd)


_Mapped = None       # (the mmap.mmap subclass `_map_cache` makes, once mmap is imported)


def _release(data) -> None:
    """Give the pages of a mapped file read so far back to the system (they are read again
    if used again); nothing for bytes."""
    import mmap
    if isinstance(data, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        try:
            data.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):
            pass


def _cut_short(data) -> bool:
    """Whether a mapped file (`_map_cache`) is now shorter than its mapping: reading past
    its end would kill the process (SIGBUS), so its reader stops first."""
    fd = getattr(data, "fd", -1)
    try:
        return fd >= 0 and os.fstat(fd).st_size < len(data)
    except OSError:
        return True


#: bytes of a mapped file looked at before they are given back (`_unsealed`, `_sum`)
_PIECE = 8 << 20


def _unsealed(data) -> bool:
    """unseal("paragraphs", "", data), a mapped file hashed a piece at a time, each given
    back once hashed (the whole file is never in memory at once)."""
    import mmap
    if not isinstance(data, mmap.mmap):
        return unseal("paragraphs", "", data)
    n = len(data) - SEAL_SIZE
    if n < 0:
        return False
    view = memoryview(data)

    def pieces():
        for a in range(0, n, _PIECE):
            if _cut_short(data):
                return                      # (the seal then fails: never read past its end)
            yield view[a:min(a + _PIECE, n)]
            _release(data)
    seal = seal_of_parts("paragraphs", "", pieces())
    import hmac
    return seal is not None and hmac.compare_digest(seal, data[n:])


def _sum(a, data) -> float:
    """sum(a) (the same additions in the same order), a piece at a time for a mapped file,
    each piece given back once added."""
    if not isinstance(a, memoryview) or len(a) * a.itemsize <= _PIECE:
        return sum(a)
    step = _PIECE // a.itemsize
    total = 0
    for i in range(0, len(a), step):
        if _cut_short(data):
            return math.nan
        total = sum(a[i:i + step], total)
        _release(data)
    return total


_NEGATIVE_ZERO = bytes(7) + b"\x80"      # -0.0 as a little-endian double


def _negative_zero(data: bytes, start: int, end: int) -> bool:
    """Whether the doubles in data[start:end] hold a -0.0 (a mapped file looked at a piece
    at a time, each given back: `_release`)."""
    for a in range(start, end, _PIECE):
        if _cut_short(data):
            return True                      # (shares nothing; the file is then refused)
        b = min(a + _PIECE, end)
        at = data.find(_NEGATIVE_ZERO, a, b)
        while at >= 0:
            if (at - start) % 8 == 0:
                return True
            at = data.find(_NEGATIVE_ZERO, at + 1, b)
        _release(data)
    return False


#: glyphs of the entries a lazy cache keeps past `let_go` at most (ParagraphCache._keep):
#: ~3 MB of lines at most; the hundred-times distinct-text issue (3,668 pages) keeps 416
#: entries of 3,236 glyphs, which were decoded 36,000 times more without
KEEP_GLYPHS = 1 << 15

#: glyphs made at once when a file is read (`_decode`)
_GLYPH_BLOCK = 1 << 15


def _shape_ok(lines: Sequence[Line]) -> bool:
    """The half of `lines_match` that needs no paragraph: what the lines say of themselves
    (the same tests, made once when the file is read). Each line's glyphs number end - start,
    the first line starts at 0 and each starts where the one before ended or after it, only the
    last is the last; its indent lies in its measure, its first glyph reaches into the line,
    its glyphs never step back, the last one ends inside the measure."""
    pos = 0
    final = len(lines) - 1
    for i, line in enumerate(lines):
        start, end, glyphs = line.start, line.end, line.glyphs
        if not (pos <= start < end) or len(glyphs) != end - start or (i == 0 and start != 0):
            return False
        if line.last != (i == final):
            return False
        if not _inside(line, glyphs, line.measure):
            return False
        pos = end
    return True


def _style_runs(spans: Sequence[Span]) -> tuple[list[int], list[tuple[str, int, int]]]:
    """The paragraph's styles as runs (style, start, end), neighbours of one style joined,
    and the runs' ends (for bisect)."""
    runs: list[tuple[str, int, int]] = []
    pos = 0
    for s in spans:
        n = len(s.text)
        if not n:
            continue
        if runs and runs[-1][0] == s.style:
            runs[-1] = (s.style, runs[-1][1], pos + n)
        else:
            runs.append((s.style, pos, pos + n))
        pos += n
    return [r[2] for r in runs], runs


def _read_entry_matches(spans: Sequence[Span], lines: Sequence[Line], texts: Sequence[str],
                        runs: Sequence[tuple], widths, last_width: float | None) -> bool:
    """The half of `lines_match` that needs the paragraph, for an entry read from the file
    (whose other half, `_shape_ok`, held when it was read): each line's characters, as the
    file gave them (its glyphs were made of them), are text[start:end], and its style runs the
    paragraph's over that stretch; between two lines lie only the discardable spaces a break
    drops; the lines end at the paragraph's end; line i is set on measure widths[i] (the last
    entry repeating; the last line on at most `last_width`)."""
    text = "".join(s.text for s in spans)
    if not text:
        return not lines
    ws = [float(widths)] if isinstance(widths, (int, float)) else [float(w) for w in widths]
    if not lines or not ws:
        return False
    ends, par_runs = _style_runs(spans)
    one = (par_runs[0][0],) if len(par_runs) == 1 else None
    pos = 0
    final = len(lines) - 1
    for i, line in enumerate(lines):
        start, end = line.start, line.end
        if end > len(text) or texts[i] != text[start:end]:
            return False
        if pos < start and any(cjk.char_class(ch) != cjk.SPACE for ch in text[pos:start]):
            return False
        if one is not None:
            if runs[i] != ((one[0], end - start),):
                return False
        else:
            k = bisect_right(ends, start)
            got = []
            while k < len(par_runs) and par_runs[k][1] < end:
                st, a, b = par_runs[k]
                got.append((st, min(b, end) - max(a, start)))
                k += 1
            if tuple(got) != runs[i]:
                return False
        measure = ws[min(i, len(ws) - 1)]
        if i == final and last_width is not None:
            measure = min(measure, last_width)
        if line.measure != measure:
            return False
        pos = end
    return pos == len(text)
