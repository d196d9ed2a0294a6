"""The breaker's cold path made faster (wave 9: text/items.py, text/linebreak.py) sets the same
lines it set before, to the last bit of every glyph's position.

* A corpus of 600 generated paragraphs (Han text, every kind of Chinese mark, Latin words,
  numbers with units and ranges, URLs, spaces, a note's word joiner, two styles) in the four
  punctuation styles, strict or not, justified or ragged, on a grid or not, with a first line
  of its own width, a last line to fit, a segmenter's word boundaries: every line of
  `set_paragraph` and of `set_paragraph_lines` (the make-up pass's counts) is written out
  with `repr` of every float and the SHA-256 of the whole compared with the one main's
  breaker (2830061, before the change) gives. A digest rather than a file: the lines are
  ~3 MB of text.
* `RunningSums.of` (itertools.accumulate) against the loop that defined it, float for float.
"""
from __future__ import annotations

import hashlib
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from typeset.text.items import build_items
from typeset.text.linebreak import RunningSums
from typeset.text.paragraph import SpecMetrics, set_paragraph, set_paragraph_lines
from typeset.text.types import BreakSettings, Span

#: the digest of the corpus's lines as main's breaker at 2830061 sets them
WANT = "93aa36ff67bf4d78745a90820e84b4fe85d78c8cf711b85bafa8ec2668f1540e"

HAN = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 300)) + "政协委员会议年月日亿万亩"
PIECES = (list("，。、：；！？·）》”’（《“‘") + ["——", "……", "？！", "。”", "”，", "！？！"]
          + ["2023—2027", "3～5", "12.6 万亩", "2024年", "-5", "+3", "50%", "m²", "don’t",
             "state-of-the-art", "http://example.org/a/b", "name@example.org", "and/or",
             " ", "  ", "\u2060", "\u00a0", "A", "Word", "ISO 15930", "1.5"])
STYLES = ("quanjiao", "kaiming", "hangmo", "banjiao")


def _paragraph(rnd: random.Random) -> str:
    out = []
    for _ in range(rnd.randint(1, 90)):
        if rnd.random() < 0.7:
            out.append("".join(rnd.choice(HAN) for _ in range(rnd.randint(1, 6))))
        else:
            out.append(rnd.choice(PIECES))
    return "".join(out)


def _dump(lines) -> str:
    return "\n".join(repr((ln.text, ln.measure, ln.natural, ln.adjust, ln.last, ln.emergency,
                           ln.widow, ln.start, ln.end, ln.indent, [tuple(g) for g in ln.glyphs]))
                     for ln in lines)


def corpus_digest() -> str:
    rnd = random.Random(20261130)
    metrics = SpecMetrics(10.0, {"note": 7.5, "bold": 10.0})
    h = hashlib.sha256()
    for i in range(600):
        text = _paragraph(rnd)
        cut = rnd.randint(0, len(text))
        spans = [Span(text[:cut], "body"), Span(text[cut:], rnd.choice(("body", "note", "bold")))]
        st_ = BreakSettings(punctuation=rnd.choice(STYLES), strict=rnd.random() < 0.7,
                            justify=rnd.random() < 0.8, grid=rnd.random() < 0.3,
                            keep_number_unit=rnd.random() < 0.5,
                            space_beside_punct=rnd.choice(("drop", "keep")),
                            ragged_squeeze=rnd.random() < 0.3, indent=rnd.choice((0.0, 2.0)))
        em = rnd.randint(4, 40)
        widths = [em * 10.0] if rnd.random() < 0.6 else [em * 10.0 + 5, em * 10.0]
        last = em * 10.0 - rnd.randint(0, 3) * 10.0 if rnd.random() < 0.2 else None
        words = sorted(rnd.sample(range(1, len(text)), min(len(text) - 1, len(text) // 2))) \
            if len(text) > 2 and rnd.random() < 0.15 else None
        try:
            lines = set_paragraph(spans, widths, metrics, st_, last_width=last, words=words)
            h.update(b"SP\n" + _dump(lines).encode())
        except Exception as e:          # (a measure too narrow: the same message)
            h.update(f"ERR {type(e).__name__} {e}".encode())
            continue
        if lines and i % 3 == 0:
            n = len(lines)
            got = set_paragraph_lines(spans, widths, metrics, st_, (n - 1, n, n + 1),
                                      (0.2, 0.1))
            for c in sorted(got):
                h.update(f"SPL {c}\n".encode()
                         + (b"None" if got[c] is None else _dump(got[c]).encode()))
    return h.hexdigest()


def test_the_corpus_sets_the_lines_main_set():
    assert corpus_digest() == WANT


def _reference_sums(items) -> tuple:
    """RunningSums.of as it was written before wave 9 (a loop over boxes and joins)."""
    boxes, joins = items.boxes, items.joins
    n = len(boxes)
    width, impure, chars = [0.0], [0], [0]
    for b in boxes:
        width.append(width[-1] + b.width)
        impure.append(impure[-1] + (0 if b.pure else 1))
        chars.append(chars[-1] + (1 if b.counts else 0))
    glue, squeeze, gap_shrink, gap_stretch, space_shrink, space_stretch, reach = (
        [0.0] for _ in range(7))
    spread_gaps = [0]
    for j in range(n + 1):
        J = joins[j]
        b = boxes[j] if j < n else None
        hs, ht, ss, sst = J.gap_shrink, J.gap_stretch, 0.0, 0.0
        cnt = 1 if J.spread else 0
        if b is not None and b.space:
            cnt += 1
            if b.space == 2:
                hs += b.shrink
                ht += b.stretch
            else:
                ss += b.shrink
                sst += b.stretch
        glue.append(glue[-1] + (J.gap - J.pair))
        squeeze.append(squeeze[-1] + (J.squeeze_left + J.squeeze_right))
        gap_shrink.append(gap_shrink[-1] + hs)
        gap_stretch.append(gap_stretch[-1] + ht)
        space_shrink.append(space_shrink[-1] + ss)
        space_stretch.append(space_stretch[-1] + sst)
        spread_gaps.append(spread_gaps[-1] + cnt)
        reach.append(reach[-1] + max(0.0, J.gap) + ht + sst)
    return (width, impure, chars, glue[1:], squeeze[1:], gap_shrink[1:], gap_stretch[1:],
            space_shrink[1:], space_stretch[1:], spread_gaps[1:], reach[1:])


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.sampled_from(STYLES), st.booleans())
def test_running_sums_are_the_loops(seed, style, keep):
    rnd = random.Random(seed)
    text = _paragraph(rnd)
    items = build_items([Span(text, "body")], SpecMetrics(10.0),
                        BreakSettings(punctuation=style,
                                      space_beside_punct="keep" if keep else "drop"))
    got = RunningSums.of(items)
    want = _reference_sums(items)
    names = ("width", "impure", "chars", "glue", "squeeze", "gap_shrink", "gap_stretch",
             "space_shrink", "space_stretch", "spread_gaps", "reach")
    for name, w in zip(names, want):
        g = getattr(got, name)
        assert [repr(x) for x in g] == [repr(x) for x in w], name
