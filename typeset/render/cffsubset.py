"""The direct CFF subsetter: a CFF font program holding exactly the glyphs used.

fontTools' subsetter interprets every charstring twice in Python (a seac closure, then the
subroutine pruning) and recompiles every kept subroutine: ~5 s for 2,500 glyphs of Noto
Serif CJK. CJK fonts use neither seac nor charstring arithmetic, so the subset is built here
from the raw bytes instead, in one pass (Adobe TN 5177, "The Type 2 Charstring Format"):
each used charstring is scanned, following callsubr/callgsubr to collect the subroutines it
needs (counting stem hints so hintmask/cntrmask bytes are skipped exactly; the drawing
operators between are skipped by a regular expression, and a subroutine met again in the
same state is not scanned again); kept subroutines are renumbered densely per index, and
the one operand before each call is re-encoded for the new index and bias. Anything unusual
(seac, arithmetic or storage operators, a subroutine index not given as a literal) raises
`Unsupported` and the caller (`fontprogram.build_subset`) falls back to fontTools.

The charstrings come from the table's bytes (`_RawSource`, typeset.text.cff: only the ones
used are ever located), or, for a table that reader does not take, through fontTools' cffLib
objects (`_FontToolsSource`, which reads every INDEX and the charset first); either way
fontTools compiles the subset. tests/test_sfnt.py holds the two sources, and the scanner and
a byte-by-byte scan, to the same results.
"""
from __future__ import annotations

import re


class Unsupported(Exception):
    """The font uses something this subsetter does not handle; use fontTools instead."""


class Damaged(Unsupported):
    """A charstring no font may hold (a reserved operator, TN 5177 Appendix A): the font is
    damaged, and no other subsetter should make a program of it. `op`: the operator; `gid`:
    the glyph whose outline holds it (set by `subset_cff`)."""

    def __init__(self, op: int):
        super().__init__(f"reserved operator {op}")
        self.op = op
        self.gid: int | None = None


def _bias(n: int) -> int:
    return 107 if n < 1240 else 1131 if n < 33900 else 32768


def _encode_int(v: int) -> bytes:
    if -107 <= v <= 107:
        return bytes((v + 139,))
    if 108 <= v <= 1131:
        v -= 108
        return bytes((247 + (v >> 8), v & 0xFF))
    if -1131 <= v <= -108:
        v = -v - 108
        return bytes((251 + (v >> 8), v & 0xFF))
    if -32768 <= v <= 32767:
        return bytes((28, (v >> 8) & 0xFF, v & 0xFF))
    raise Unsupported("subroutine index out of range")


_STEM_OPS = frozenset((1, 3, 18, 23))          # hstem vstem hstemhm vstemhm
_MASK_OPS = frozenset((19, 20))                 # hintmask cntrmask


# Operands (TN 5177 Table 1): one byte 32-246, two bytes 247-254, five bytes 255 (16.16
# fixed), three bytes 28 (16-bit integer). The scan needs to stop only at the operators that
# call, return, end the glyph, count stems or skip a hint mask; the drawing operators
# (rmoveto ... hvcurveto, and the flexes) between them, each with its operands, are skipped
# by one match of `_STEP` (all they do to the scan is clear the operand count), which also
# takes the operands of the next operator (its group 1).
_NUMBER = rb"(?:[\x20-\xf6]|[\xf7-\xfe][\x00-\xff]|\xff[\x00-\xff]{4}|\x1c[\x00-\xff]{2})"
_DRAW_OP = rb"(?:[\x04-\x08\x15\x16\x18-\x1b\x1e\x1f]|\x0c[\x22-\x25])"
_STEP = re.compile(rb"(?:" + _NUMBER + rb"*+" + _DRAW_OP + rb")*+(" + _NUMBER + rb"*+)").match
_NUMBERS = re.compile(_NUMBER).findall
_SMALL = re.compile(rb"[\x20-\xf6]*").match      # a run of one-byte numbers only


def _value(token: bytes) -> int | None:
    """The value of one operand token (None for 16.16 fixed: never a subroutine index)."""
    b0 = token[0]
    if b0 == 28:
        return int.from_bytes(token[1:3], "big", signed=True)
    if b0 <= 246:
        return b0 - 139
    if b0 <= 250:
        return (b0 - 247) * 256 + token[1] + 108
    if b0 <= 254:
        return -(b0 - 251) * 256 - token[1] - 108
    return None


class _CFFScanner:
    """Scans Type 2 charstrings, recording subroutine calls (see the section comment).

    What a subroutine does to the scan depends only on the subroutine, the font dict (whose
    local subroutines a call reaches), the operands left on the stack when it is called and
    (if it skips a hint mask) the stem hints counted so far; a subroutine called again in the
    same state is not scanned again (`_call`: its effect is remembered, the subroutines it
    uses are already recorded)."""

    def __init__(self, gsubrs, lsubrs_by_fd):
        self.gsubrs = gsubrs                    # global subrs (a sequence of bytes)
        self.lsubrs = lsubrs_by_fd              # fd -> local subrs (the same, or None)
        self.gbias = _bias(len(gsubrs))
        self.lbias = {fd: _bias(len(x)) for fd, x in lsubrs_by_fd.items() if x is not None}
        self.used_g: set[int] = set()
        self.used_l: dict[int, set[int]] = {}
        # calls[(kind, fd, index)] = [(start, end, callee kind, callee index)] for subrs;
        # glyph calls are returned per glyph.
        self.subr_calls: dict[tuple, list] = {}
        self.code: dict[tuple, bytes] = {}      # (kind, fd, index) -> the subroutine's bytes
        # (key, fd, operands in[, stems in]) -> (operands out, stems added, endchar reached,
        # deepest nesting below it, a mask skipped): see `_call`
        self._seen: dict[tuple, tuple] = {}

    def glyph(self, code: bytes, fd: int) -> list:
        self.depth = 0
        self.deepest = 0
        self.n = 0
        self.stems = 0
        self.masked = False
        calls: list = []
        self._run(code, fd, calls)
        return calls

    def _run(self, code: bytes, fd: int, calls: list) -> bool:
        """Interpret `code`; True when endchar was reached (the glyph is finished)."""
        i = 0
        end = len(code)
        n = self.n
        while i < end:
            m = _STEP(code, i)
            p, j = m.span(1)
            if p > i:
                n = 0
            small = j == p or _SMALL(code, p).end() == j
            if j > p:
                n += j - p if small else len(_NUMBERS(code, p, j))
            if j == end:
                break
            b0 = code[j]
            if b0 >= 32 or b0 == 28:             # a number cut off by the end of the code
                if 247 <= b0 <= 254:
                    raise IndexError("charstring ends inside a number")
                n += 1
                break
            if b0 == 10 or b0 == 29:            # callsubr / callgsubr
                if j == p:
                    raise Unsupported("computed subroutine index")
                last = code[j - 1:j] if small else _NUMBERS(code, p, j)[-1]
                v = last[0] - 139 if small else _value(last)
                if v is None:
                    raise Unsupported("computed subroutine index")
                if b0 == 10:
                    subrs = self.lsubrs.get(fd)
                    if subrs is None:
                        raise Unsupported("callsubr without local subrs")
                    idx = v + self.lbias[fd]
                    key = ("l", fd, idx)
                    used = self.used_l.get(fd)
                    if used is None:
                        used = self.used_l[fd] = set()
                    used.add(idx)
                else:
                    subrs = self.gsubrs
                    idx = v + self.gbias
                    key = ("g", 0, idx)
                    self.used_g.add(idx)
                if not 0 <= idx < len(subrs):
                    raise Unsupported("subroutine index out of range")
                calls.append((j - len(last), j, key))
                n -= 1
                depth = self.depth = self.depth + 1
                if depth > 10:
                    raise Unsupported("subroutine nesting too deep")
                done = self._call(key, fd, n, subrs, idx)
                n = self.n
                self.depth -= 1
                if done:
                    return True
                i = j + 1
                continue
            i = j + 1
            if b0 == 11:                          # return
                self.n = n
                return False
            if b0 == 14:                          # endchar
                if n >= 4:
                    raise Unsupported("seac")
                self.n = 0
                return True
            if b0 in _STEM_OPS:
                self.stems += n // 2
            elif b0 in _MASK_OPS:
                self.stems += n // 2
                self.masked = True
                i += (self.stems + 7) // 8
            elif b0 == 12:
                b1 = code[i]
                i += 1
                if b1 not in (34, 35, 36, 37):    # hflex flex hflex1 flex1
                    raise Unsupported(f"operator 12 {b1}")
            elif b0 in (0, 2, 9, 13, 15, 16, 17):
                raise Damaged(b0)
            n = 0
        self.n = n
        return False

    def _call(self, key: tuple, fd: int, n: int, subrs, idx: int) -> bool:
        """Scan subroutine `key` called with `n` operands on the stack (at `self.depth`);
        leaves the operands after it in `self.n`, the stems counted in `self.stems`.

        A subroutine that skips no hint mask does the same whatever the stems counted before
        it (it only adds its own): its effect is remembered by (subroutine, font dict,
        operands); one that does skip a mask, by the stems too."""
        stems = self.stems
        seen = self._seen.get((key, fd, n))
        if seen is None:
            seen = self._seen.get((key, fd, n, stems))
        if seen is not None:
            n_out, added, done, below, masked = seen
            if self.depth + below > 10:
                raise Unsupported("subroutine nesting too deep")
            self.deepest = max(self.deepest, self.depth + below)
            self.n = n_out
            self.stems = stems + added
            self.masked = self.masked or masked
            return done
        sub = self.code.get(key)
        if sub is None:
            sub = self.code[key] = subrs[idx]
        sub_calls = self.subr_calls.get(key)
        first = sub_calls is None
        if first:
            sub_calls = self.subr_calls[key] = []
        self.n = n
        outer, self.deepest = self.deepest, self.depth
        outer_masked, self.masked = self.masked, False
        done = self._run(sub, fd, sub_calls if first else [])
        masked = self.masked
        self._seen[(key, fd, n, stems) if masked else (key, fd, n)] = (
            self.n, self.stems - stems, done, self.deepest - self.depth, masked)
        self.deepest = max(outer, self.deepest)
        self.masked = outer_masked or masked
        return done


def _rewrite(code: bytes, calls: list, new_index: dict, new_bias: dict) -> bytes:
    if not calls:
        return code
    out = []
    pos = 0
    for start, end, key in calls:
        out.append(code[pos:start])
        kind = key[0]
        out.append(_encode_int(new_index[key] - new_bias[(kind, key[1])]))
        pos = end
    out.append(code[pos:])
    return b"".join(out)


class _Bytecodes:
    """A fontTools subroutine INDEX as a sequence of charstring bytes."""

    def __init__(self, index):
        self.index = index

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> bytes:
        return self.index[i].bytecode


class _FontToolsSource:
    """The charstrings, subroutines and font dicts of a CFF font through fontTools' cffLib
    objects (reads every INDEX's offsets, and the charset: any CFF fontTools reads)."""

    def __init__(self, cff, top, privates: dict, cid_keyed: bool):
        cs = top.CharStrings
        if not cs.charStringsAreIndexed:
            raise Unsupported("charstrings not indexed")
        self._index = cs.charStringsIndex
        self._fdsel = top.FDSelect if cid_keyed else None
        self.global_subrs = _Bytecodes(cff.GlobalSubrs)
        self._local = {fd: getattr(p, "Subrs", None) for fd, p in privates.items()}

    def charstring(self, gid: int) -> bytes:
        return self._index[gid].bytecode

    def fd_of(self, gid: int):
        return self._fdsel[gid] if self._fdsel is not None else 0

    def local_subrs(self, fd):
        subrs = self._local.get(fd)
        return _Bytecodes(subrs) if subrs is not None else None


class _RawSource:
    """The same read in place from the table's bytes (typeset.text.cff): only the offsets
    of the charstrings and subroutines used are ever read."""

    def __init__(self, data: bytes, cid_keyed: bool, fds: int):
        from typeset.text.cff import CFF, reader_of
        from typeset.text.sfnt import Unsupported as Unread
        try:
            self._cff = CFF(reader_of(data))
        except Unread as err:
            raise Unsupported(str(err)) from None
        if self._cff.is_cid != cid_keyed or self._cff.num_fds != fds:
            raise Unsupported("the table reads differently from fontTools")
        self.global_subrs = self._cff.global_subrs
        self.charstring = self._cff.charstring
        self.fd_of = self._cff.fd_of

    def local_subrs(self, fd: int):
        return self._cff.local_subrs(fd)


def cid_names(codes: list[int]) -> list[str]:
    """The charset of a CID-keyed subset whose GID i (from 1) has CID codes[i-1]: fontTools
    names a CID glyph "cidNNNNN" and compiles the charset from the numbers."""
    return [".notdef"] + [f"cid{c:05d}" for c in codes]


def make_cid_keyed(cff, top) -> None:
    """Make a name-keyed CFF font CID-keyed (Adobe TN 5176 §18): ROS Adobe-Identity-0, its
    Private dict in an FDArray of one font dict, no Encoding. A name-keyed program under a
    CIDFontType0 is indexed by CID as GID (ISO 32000-1 §9.7.4.2), so a subset with sparse
    CIDs would need a glyph slot for every CID up to the highest; a CID-keyed one maps its
    dense glyphs to them through its charset. The top dict keeps its FontMatrix (the font
    dict has none, as in Noto CJK's)."""
    from fontTools.cffLib import FDArrayIndex, FontDict
    fd = FontDict(strings=cff.strings)
    fd.Private = top.Private
    name = cff.fontNames[0] if cff.fontNames else "Font"
    fd.FontName = name
    fdarray = FDArrayIndex()
    fdarray.strings = cff.strings
    fdarray.append(fd)
    for key in ("Private", "Encoding"):
        top.__dict__.pop(key, None)
        top.rawDict.pop(key, None)
    top.ROS = ("Adobe", "Identity", 0)
    top.FDArray = fdarray


class _Untrusted(Exception):
    """Scans kept from earlier subsets do not reach what they marked used (`subset_cff`)."""


class _Scans:
    """What scanning a face's glyphs found, kept for its next subset (`subset_cff`'s
    `scans`): the scanner (its subroutines' bytes, calls and effects) and each glyph's calls,
    charstring and font dict. `key`: the face (its identity); `check`: the table's length
    and a hash of its first bytes, and how it reads (CID-keyed, font dicts)."""

    def __init__(self, key: str, check: tuple):
        self.key, self.check = key, check
        self.scanner: _CFFScanner | None = None
        self.glyph_calls: dict[int, tuple] = {}


def _scans_of(scans: tuple[dict, str], data: bytes, cid_keyed: bool, fds: int) -> "_Scans":
    """The face's scans in `scans` (a dict, the face's key), made empty when there are none
    or they are of other bytes."""
    import hashlib
    store, key = scans
    check = (len(data), hashlib.sha256(data[:65536]).digest(), cid_keyed, fds)
    memo = store.get(key)
    if memo is None or memo.check != check:
        memo = store[key] = _Scans(key, check)
    return memo


def _reached(glyphs, glyph_calls: dict, subr_calls: dict) -> tuple[set, dict]:
    """(global subroutines, font dict -> local subroutines) that `glyphs` reach through
    their calls and their subroutines' calls, as `_CFFScanner.used_g` and `used_l`."""
    used_g: set[int] = set()
    used_l: dict[int, set[int]] = {}
    seen: set = set()
    todo = [key for g in glyphs for _, _, key in glyph_calls[g][0]]
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        kind, fd, idx = key
        if kind == "g":
            used_g.add(idx)
        else:
            used_l.setdefault(fd, set()).add(idx)
        todo.extend(k for _, _, k in subr_calls.get(key, ()))
    return used_g, used_l


def subset_cff(font, gids: list[int], data: bytes | None = None,
               codes: list[int] | None = None,
               scans: tuple[dict, str] | None = None) -> tuple[bytes, int]:
    """Subset the CFF table of `font` (a fontTools TTFont) so that GID i draws gids[i-1]
    (GID 0 = .notdef) and has CID codes[i-1] (ascending; 1..n when not given): a CID-keyed
    CFF whatever the font's was (`make_cid_keyed`); returns the compiled CFF table and its
    glyph count. `data`: the table's bytes, read directly (typeset.text.sfnt): its
    charstrings are then taken from them rather than through fontTools' objects, which only
    compile the result. `scans`: (a dict, the face's key): the scans of an earlier subset of
    the face are kept there and only the glyphs new to it are scanned (a warm process,
    typeset.session; the same bytes). Raises Unsupported for anything the module docstring
    does not cover."""
    from fontTools.cffLib import (FDArrayIndex, FDSelect, GlobalSubrsIndex, SubrsIndex,
                                  CharStrings)
    from fontTools.misc.psCharStrings import T2CharString
    if data is not None:
        from fontTools.ttLib import newTable
        table = newTable("CFF ")
        table.decompile(data, font)
    else:
        table = font["CFF "]
    cff = table.cff
    if len(cff.fontNames) != 1 or cff.major != 1:
        raise Unsupported("not a single-font CFF 1")
    top = cff.topDictIndex[0]
    cid_keyed = hasattr(top, "ROS")
    if cid_keyed:
        fdarray = top.FDArray
        privates = {i: fd.Private for i, fd in enumerate(fdarray)}
    else:
        privates = {0: top.Private}
    source = None
    if data is not None:
        try:
            source = _RawSource(data, cid_keyed, len(privates))
        except Unsupported:
            source = None
    if source is None:
        source = _FontToolsSource(cff, top, privates, cid_keyed)
    lsubrs = {fd: source.local_subrs(fd) for fd in privates}
    memo = None
    if scans is not None and isinstance(source, _RawSource):
        memo = _scans_of(scans, data, cid_keyed, len(privates))
    again = memo is not None and memo.scanner is not None
    if again:
        scanner, glyph_calls = memo.scanner, memo.glyph_calls
        scanner.gsubrs, scanner.lsubrs = source.global_subrs, lsubrs   # (this call's bytes)
    else:
        scanner, glyph_calls = _CFFScanner(source.global_subrs, lsubrs), {}
        if memo is not None:
            memo.scanner, memo.glyph_calls = scanner, glyph_calls

    glyphs = [0] + list(gids)                      # new GID -> old GID
    try:
        for old in dict.fromkeys(glyphs):
            if old in glyph_calls:                  # (scanned for an earlier subset: `scans`)
                continue
            fd = source.fd_of(old)
            code = source.charstring(old)
            try:
                glyph_calls[old] = (scanner.glyph(code, fd), code, fd)
            except Damaged as err:
                err.gid = old
                raise
        used_g, used_l = scanner.used_g, scanner.used_l       # (every glyph scanned)
        if again:
            # Scanned for earlier subsets too: the subroutines this subset's glyphs reach,
            # from the calls recorded, once those are found to be exactly the ones the scans
            # marked used (for every glyph scanned so far): then the subset holds what a scan
            # of its own glyphs alone finds, and its bytes are that scan's.
            if _reached(glyph_calls, glyph_calls, scanner.subr_calls) != (used_g, used_l):
                raise _Untrusted()
            if len(glyph_calls) != len(set(glyphs)):
                used_g, used_l = _reached(dict.fromkeys(glyphs), glyph_calls,
                                          scanner.subr_calls)
    except _Untrusted:
        # (a subroutine called in two states found other calls the second time: the scans
        # are of no use to other glyph sets; this subset is made as if they were not there)
        scans[0].pop(memo.key, None)
        return subset_cff(font, gids, data, codes, scans)
    except BaseException:
        if memo is not None:
            scans[0].pop(memo.key, None)        # (half scanned: never reused)
        raise
    finally:
        scanner.gsubrs = scanner.lsubrs = None  # (the table's bytes are not kept)

    # Dense renumbering of the kept subroutines, per INDEX.
    new_index: dict[tuple, int] = {}
    new_bias: dict[tuple, int] = {}
    gl = sorted(used_g)
    for k, old in enumerate(gl):
        new_index[("g", 0, old)] = k
    new_bias[("g", 0)] = _bias(len(gl))
    local_lists = {}
    for fd, used in used_l.items():
        lst = sorted(used)
        local_lists[fd] = lst
        for k, old in enumerate(lst):
            new_index[("l", fd, old)] = k
        new_bias[("l", fd)] = _bias(len(lst))

    def rebuilt(key) -> bytes:
        kind, fd, old = key
        return _rewrite(scanner.code[key], scanner.subr_calls.get(key, []), new_index,
                        new_bias)

    # FDs in use, in first-use order of the new glyph order, renumbered densely.
    fd_map: dict[int, int] = {}
    for old in glyphs:
        fd = glyph_calls[old][2]
        if fd not in fd_map:
            fd_map[fd] = len(fd_map)

    gsubrs = GlobalSubrsIndex()
    for old in gl:
        gsubrs.append(T2CharString(bytecode=rebuilt(("g", 0, old))))
    cff.GlobalSubrs = gsubrs
    for fd, p in privates.items():
        if fd in local_lists:
            li = SubrsIndex()
            for old in local_lists[fd]:
                li.append(T2CharString(bytecode=rebuilt(("l", fd, old)), private=p))
            p.Subrs = li
        else:                      # (never read from the font if it was not already)
            p.__dict__.pop("Subrs", None)
            p.rawDict.pop("Subrs", None)

    if codes is None:
        codes = list(range(1, len(glyphs)))
    if len(codes) != len(gids):
        raise ValueError("one code per glyph")
    names = cid_names(codes)
    if not cid_keyed:
        make_cid_keyed(cff, top)
        fdarray = top.FDArray
    new_fdarray = FDArrayIndex()
    for fd, _ in sorted(fd_map.items(), key=lambda t: t[1]):
        new_fdarray.append(fdarray[fd])
    new_fdarray.strings = getattr(fdarray, "strings", None)
    top.FDArray = new_fdarray
    sel = FDSelect()
    sel.format = 3
    sel.gidArray = [fd_map[glyph_calls[old][2]] for old in glyphs]
    top.FDSelect = sel
    top.CIDCount = codes[-1] + 1 if codes else 1         # CIDs 0 .. the highest code

    new_cs = CharStrings(None, None, gsubrs, None, top.FDSelect, top.FDArray)
    for name, old in zip(names, glyphs):
        calls, code, fd = glyph_calls[old]
        c = T2CharString(bytecode=_rewrite(code, calls, new_index, new_bias),
                         private=privates[fd], globalSubrs=gsubrs)
        c.fdSelectIndex = fd_map[fd]
        new_cs.charStrings[name] = c
    top.CharStrings = new_cs
    top.charset = names
    return table.compile(font), len(names)
