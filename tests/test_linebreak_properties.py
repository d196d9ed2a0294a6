"""Properties of the line breaker on random Chinese text (cjk-rules.md §5, last row).

Random paragraphs of Han characters, Chinese punctuation (paired quotes and brackets, ——,
……), Latin words, numbers and spaces, at random measures of 3-40 em, in every punctuation
style. What must always hold:
- the lines' text joined is the input, except spaces dropped at a break;
- no glyph is drawn outside its line, x never goes backwards, justified lines end flush;
- —— and …… never split;
- no line starts with a never-at-start mark or ends with a never-at-end mark (cjk-rules §1)
  unless the breaker flagged an emergency;
- the last line is never a lone character (孤字, §4) when a better last line exists.

The exceptions are checked, not trusted: the test works out by itself (with a simple,
conservative rule the breaker does not share) when an emergency or a short last line is
avoidable, and then demands that the breaker avoided it.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typeset.text import cjk
from typeset.text.paragraph import SpecMetrics, set_paragraph
from typeset.text.types import BreakSettings, Span

EM = 10.0
METRICS = SpecMetrics(EM)

# ideographs from the start of the CJK block (一丁丂七丄丅...): the breaker treats all alike
HAN = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 500))

HAN_SET = set(HAN)
# cjk-rules.md §1, literally
NEVER_START = set("，。、：；！？．”’）］｝〕】〗〉》」』-–—～〜·・/％‥…")
NEVER_END = set("“‘（［｛〔【〖〈《「『￥＄￡")

han = st.sampled_from(HAN)
hans = st.text(alphabet=HAN, min_size=1, max_size=4)
word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1,
               max_size=8)
number = st.builds(lambda d, u: d + u, st.text(alphabet="0123456789", min_size=1, max_size=5),
                   st.sampled_from(["", "", "%", ".5", "m²"]))
token = st.one_of(
    han, han, han, han, han, han,
    st.sampled_from(list("，。、：；！？·")),
    st.sampled_from(["——", "……", "？！", "。”", "”，"]),
    hans.map(lambda s: "“" + s + "”"),
    hans.map(lambda s: "《" + s + "》"),
    hans.map(lambda s: "（" + s + "）"),
    word, number,
    st.just(" "),
)
paragraphs = st.lists(token, min_size=1, max_size=40).map("".join)
styles = st.sampled_from(["quanjiao", "kaiming", "hangmo", "banjiao"])


def _adv(ch: str) -> float:
    return METRICS.advance(ch, "body") / EM


def _upper_width(text: str) -> float:
    """A generous natural width (em) of text on one line: advances plus a ¼-em gap at every
    Han/Latin meeting (the breaker may only make it narrower)."""
    w = sum(_adv(c) for c in text)
    for a, b in zip(text, text[1:]):
        if (a in HAN_SET and b.isascii() and b.isalnum()) or \
                (b in HAN_SET and a.isascii() and a.isalnum()):
            w += 0.25
    return w


def _han_cuts(text: str) -> list[int]:
    """Offsets between two Han characters: a break there is always allowed (§1 forbids
    nothing between two ideographs)."""
    return [i for i in range(1, len(text)) if text[i - 1] in HAN_SET and text[i] in HAN_SET]


def _counted(text: str) -> int:
    return sum(1 for c in text if c in HAN_SET or (c.isascii() and c.isalnum()))


def _pairs(text: str) -> list[tuple[int, int]]:
    out, i = [], 0
    while i < len(text) - 1:
        if text[i:i + 2] in ("——", "……"):
            out.append((i, i + 2))
            i += 2
        else:
            i += 1
    return out


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=paragraphs, width=st.integers(6, 80).map(lambda h: h / 2), style=styles,
       strict=st.booleans(), grid=st.booleans())
def test_properties(text, width, style, strict, grid):
    cfg = BreakSettings(indent=0, punctuation=style, strict=strict, grid=grid)
    W = width * EM
    lines = set_paragraph([Span(text)], W, METRICS, cfg)
    assert lines
    dump = "\n".join(f"{ln.text!r} last={ln.last} emergency={ln.emergency}" for ln in lines)

    # the text is kept: joined lines = input, except spaces dropped at breaks
    assert lines[0].start == 0 and lines[-1].end == len(text)
    rebuilt = []
    for i, ln in enumerate(lines):
        assert text[ln.start:ln.end] == ln.text, dump
        rebuilt.append(ln.text)
        if i + 1 < len(lines):
            dropped = text[ln.end:lines[i + 1].start]
            assert dropped.strip(" ") == "", dump
            rebuilt.append(dropped)
    assert "".join(rebuilt) == text
    assert [ln.last for ln in lines] == [False] * (len(lines) - 1) + [True]

    # geometry: inside the measure, x never backwards, justified lines flush
    for ln in lines:
        xs = [g.x for g in ln.glyphs]
        assert xs == sorted(xs), dump
        assert all(g.width >= -1e-9 for g in ln.glyphs), dump
        last_glyph = ln.glyphs[-1]
        end = last_glyph.x + last_glyph.width
        assert end <= ln.measure + 1e-6, dump
        if last_glyph.ch in cjk.OPENING:
            # an opening mark at a line end (an emergency break only): its left blank may be
            # squeezed, so its origin stands left of its set box; its ink ends at its advance
            end = last_glyph.x + METRICS.advance(last_glyph.ch, "body")
        # every line but the last ends flush, pure-Han lines on the grid and pieces of a word
        # broken in an emergency too (issue 9: never short); only a line that is one glyph or
        # one unsplittable mark (——, ……) has nothing to spread
        if not ln.last and len(ln.glyphs) >= 2 and ln.text not in _UNSPREADABLE:
            assert abs(end - ln.measure) < 1e-6, f"not flush: {ln.text!r}\n{dump}"

    # —— and …… never split
    cuts = [ln.end for ln in lines[:-1]]
    for i, j in _pairs(text):
        assert not any(i < c < j for c in cuts), f"{text[i:j]} split\n{dump}"

    # emergencies only when unavoidable: if every stretch between two Han characters fits
    # the measure, breaking at those points alone is a valid setting
    bounds = [0] + _han_cuts(text) + [len(text)]
    all_fit = all(_upper_width(text[a:b]) <= width + 1e-9 for a, b in zip(bounds, bounds[1:]))
    if all_fit:
        assert not any(ln.emergency for ln in lines), f"needless emergency\n{dump}"

    # prohibitions (cjk-rules §1), except around a flagged emergency break
    for i in range(len(lines) - 1):
        a, b = lines[i], lines[i + 1]
        if a.emergency or b.emergency:
            continue
        assert a.text[-1] not in NEVER_END, f"line {i} ends with {a.text[-1]}\n{dump}"
        pair_start = b.text[:2] in ("——", "……")
        if pair_start:
            assert not strict, f"line {i + 1} starts with {b.text[:2]} (strict)\n{dump}"
        else:
            assert b.text[0] not in NEVER_START, f"line {i + 1} starts with {b.text[0]}\n{dump}"

    # 孤字 (cjk-rules §4): whenever a last line of 2+ characters can be had, it is
    if len(lines) > 1 and all_fit and not any(ln.emergency for ln in lines):
        possible = any(_counted(text[c:]) >= 2 and _upper_width(text[c:]) <= width + 1e-9
                       for c in _han_cuts(text))
        if possible:
            assert _counted(lines[-1].text) >= 2, f"孤字\n{dump}"
            assert not lines[-1].widow


_UNSPREADABLE = {"——", "……"}


@settings(max_examples=60, deadline=None)
@given(text=st.lists(han, min_size=1, max_size=120).map("".join),
       chars=st.integers(3, 40))
def test_pure_han_fills_every_line(text, chars):
    """Pure Han text on a measure of whole characters: every line but the last is full
    (exactly `chars` characters, no spacing added), the last holds the rest."""
    lines = set_paragraph([Span(text)], chars * EM, METRICS, BreakSettings(indent=0))
    full = len(text) // chars
    rest = len(text) - full * chars
    if 0 < rest < 2 and full:     # 孤字: the breaker pulls one character down
        assert len(lines[-1].text) == 2
    else:
        assert all(len(ln.text) == chars and ln.adjust == 0 for ln in lines[:-1])
    assert "".join(ln.text for ln in lines) == text


def _check_kept_and_inside(text, lines, last_width=None):
    assert lines[0].start == 0 and lines[-1].end == len(text)
    for i, ln in enumerate(lines):
        assert text[ln.start:ln.end] == ln.text
        if i + 1 < len(lines):
            assert text[ln.end:lines[i + 1].start].strip() == ""
        xs = [g.x for g in ln.glyphs]
        assert xs == sorted(xs)
        assert ln.glyphs[-1].x + ln.glyphs[-1].width <= ln.measure + 1e-6
    if last_width is not None:
        ll = lines[-1]
        assert ll.glyphs[-1].x + ll.glyphs[-1].width <= last_width + 1e-6


@settings(max_examples=150, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60),
       width=st.integers(3, 40), style=styles)
def test_any_unicode_is_kept_and_fits(text, width, style):
    """Whatever the text (emoji, combining marks, controls, other scripts), nothing is lost,
    reordered or drawn outside the measure."""
    lines = set_paragraph([Span(text)], width * EM, METRICS,
                          BreakSettings(indent=0, punctuation=style))
    _check_kept_and_inside(text, lines)


@settings(max_examples=100, deadline=None)
@given(text=paragraphs, widths=st.lists(st.integers(4, 30), min_size=1, max_size=4),
       last=st.one_of(st.none(), st.integers(3, 30)), indent=st.sampled_from([0, 2]),
       cut=st.integers(0, 40))
def test_widths_last_width_and_spans(text, widths, last, indent, cut):
    """Line i is set to widths[i] (the last repeats), the last line fits last_width, the
    first line's indent is inside its measure, and a style change (a span boundary) anywhere,
    even inside a word, changes nothing about what may break."""
    W = [w * EM for w in widths]
    lw = None if last is None else max(last, 2) * EM
    cut = min(cut, len(text))
    spans = [Span(text[:cut], "body"), Span(text[cut:], "bold")]
    cfg = BreakSettings(indent=indent)
    lines = set_paragraph(spans, W, METRICS, cfg, last_width=lw)
    _check_kept_and_inside(text, lines, lw)
    for i, ln in enumerate(lines):
        expect = W[min(i, len(W) - 1)]
        if ln.last and lw is not None:
            expect = min(expect, lw)
        assert ln.measure == expect
    assert lines[0].glyphs[0].x >= indent * EM - 0.5 * EM - 1e-9   # (a bracket may hang ½ em)
    assert [g.style for ln in lines for g in ln.glyphs] == \
        [("body" if k < cut else "bold") for ln in lines for k in range(ln.start, ln.end)]
    single = set_paragraph([Span(text)], W, METRICS, cfg, last_width=lw)
    assert [ln.text for ln in single] == [ln.text for ln in lines]
