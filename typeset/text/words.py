"""Word boundaries of Chinese text, for headings and contents entries that wrap (issue 9).

Chinese is written without spaces, so a line breaker that knows only characters will split a
title inside a word (乡|村, 特|色). Body text may break between any two characters
(cjk-rules §1); titles, subtitles, subheads and contents entries may not: they break between
words. The words come from a segmenter: rjieba, the Rust port of jieba with its dictionary.

Loading it is not free — importing rjieba builds the dictionary, about 0.25 s, half a warm
build — so it is loaded only when a heading actually wraps, and its answers are cached by
content alongside the paragraph cache (text/parcache.py): a warm build whose headings have
not changed never imports it. `segmenter_id` names the segmenter and its version for cache
keys without importing it.

Everything here is data in, data out: `boundaries(text)` returns the offsets (0 < k <
len(text)) where one word ends and the next begins. Spaces are boundaries on both sides.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

#: A phrase ends after a closing mark, a 点号, a dash or an ellipsis, or the particle 的 (a
#: modifier is complete: 建设的|调研报告), and before an opening mark, a dash or an ellipsis;
#: and at a space. A heading or a contents entry breaks at a phrase boundary for free, at any
#: other word boundary for `paragraph.phrase_cost` (clreq's prohibitions still apply).
PHRASE_AFTER = frozenset("”’）］｝〕】〗〉》」』｠，。、：；！？．—…⋯的 ")
PHRASE_BEFORE = frozenset("“‘（［｛〔【〖〈《「『｟—…⋯ ")


def phrase_boundary(text: str, j: int) -> bool:
    """Does a phrase end between text[j-1] and text[j]?"""
    return 0 < j < len(text) and (text[j - 1] in PHRASE_AFTER or text[j] in PHRASE_BEFORE)


#: answers already known in this process (from the segmenter or the paragraph cache)
_memo: dict[str, tuple[int, ...]] = {}
_id: str | None = None


def segmenter_id() -> str:
    """The segmenter and its version ("rjieba-0.2.2"), without importing it: the name of its
    installed distribution, else a digest of its extension module (a cache key must change
    when the dictionary may have)."""
    global _id
    if _id is None:
        spec = importlib.util.find_spec("rjieba")
        if spec is None or not spec.submodule_search_locations:
            _id = "none"
        else:
            pkg = Path(next(iter(spec.submodule_search_locations)))
            dists = sorted(p.name for p in pkg.parent.glob("rjieba-*.dist-info"))
            if dists:
                _id = dists[-1].removesuffix(".dist-info")
            else:
                import hashlib
                h = hashlib.sha256()
                for lib in sorted(pkg.glob("rjieba*.so")) + sorted(pkg.glob("rjieba*.pyd")):
                    h.update(lib.read_bytes())
                _id = "rjieba-" + h.hexdigest()[:16]
    return _id


#: what the segmenter may join into a word (jieba's "Han" class: the ideographs, taken
#: generously, and [a-zA-Z0-9+#&._%-]); every other character is a word by itself
_JOIN_RANGES = ((0x2E80, 0x2FDF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
                (0x20000, 0x3FFFF))
_JOIN_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")


def _joins(ch: str) -> bool:
    if ch in _JOIN_ASCII:
        return True
    cp = ord(ch)
    return any(a <= cp <= b for a, b in _JOIN_RANGES)


def could_be(text: str, bounds: tuple[int, ...]) -> bool:
    """Whether word boundaries read from a cache could be the segmenter's for `text`: inside
    the text, and a boundary on each side of every character it never joins to another (a
    mark, a space, a symbol; rjieba 0.2 cuts each alone, and `_segment` puts spaces alone
    too). A cheap test, not a proof: where boundaries fall inside a run of ideographs only
    the segmenter's dictionary knows, which is why the paragraph cache also seals them
    (text/parcache.py `_seal`)."""
    n = len(text)
    if bounds and (bounds[0] < 1 or bounds[-1] >= n):
        return False
    cut = set(bounds)
    for i, ch in enumerate(text):
        if not _joins(ch) and ((i > 0 and i not in cut) or (i + 1 < n and i + 1 not in cut)):
            return False
    return True


def known(text: str) -> tuple[int, ...] | None:
    """The boundaries of `text` if this process already has them."""
    return _memo.get(text)


def remember(text: str, bounds: tuple[int, ...]) -> None:
    """Record boundaries read from a cache (so a later `boundaries` does not segment)."""
    _memo[text] = bounds


def boundaries(text: str) -> tuple[int, ...]:
    """Offsets inside `text` where a word ends (sorted, each 0 < k < len(text))."""
    got = _memo.get(text)
    if got is None:
        got = _segment(text)
        _memo[text] = got
    return got


def _segment(text: str) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        import rjieba
    except ImportError:     # not installed: every character boundary (no word kept whole)
        return tuple(range(1, len(text)))
    out: list[int] = []
    pos = 0
    for word in rjieba.cut(text):
        pos += len(word)
        out.append(pos)
    if pos != len(text):    # a segmenter must give the text back; if not, trust nothing
        return tuple(range(1, len(text)))
    bounds = set(out[:-1])
    # spaces are boundaries on both sides, whatever the segmenter made of them
    for i, ch in enumerate(text):
        if ch.isspace():
            bounds.update((i, i + 1))
    return tuple(sorted(k for k in bounds if 0 < k < len(text)))
