"""The line breaker, rule by rule (cjk-rules.md §1-§4), beyond the §5 table.

Metrics: typeset.text.paragraph.SpecMetrics (Han and full-width marks 1 em, Latin ½ em,
space ¼ em), em = 10 pt; widths are given in em.
"""
from __future__ import annotations

import random

import pytest

from typeset.errors import TypesetError
from typeset.text import cjk, linebreak
from typeset.text.items import build_items
from typeset.text.paragraph import (SpecMetrics, format_lines, line_violations,
                                    paragraph_violations, set_paragraph)
from typeset.text.types import BreakSettings, Glyph, Line, Span

EM = 10.0
M = SpecMetrics(EM)
S0 = BreakSettings(indent=0)


def lay(text, width, settings=S0, metrics=M, **kw):
    w = [x * EM for x in width] if isinstance(width, list) else width * EM
    spans = text if isinstance(text, list) else [Span(text)]
    return set_paragraph(spans, w, metrics, settings, **kw)


def texts(lines):
    return [ln.text for ln in lines]


def glyph(lines, ch, nth=0):
    found = [g for ln in lines for g in ln.glyphs if g.ch == ch]
    return found[nth]


def ems(v):
    return round(v / EM, 4)


def end(line):
    return line.glyphs[-1].x + line.glyphs[-1].width


# --- §3 Han-Latin spacing ----------------------------------------------------------------------
def test_source_space_is_the_gap_not_an_extra():
    with_space = lay("2024 年", 20)[0]
    without = lay("2024年", 20)[0]
    assert with_space.text == "2024 年"                  # the space is kept as a glyph
    assert ems(glyph([with_space], " ").width) == 0.25   # ... and it is the ¼-em gap
    assert ems(glyph([with_space], "年").x) == ems(glyph([without], "年").x) == 2.25


def test_no_gap_at_line_edges():
    # 我们都在用Python fills 8.25 em; 写 starts the next line with no gap before it
    lines = lay("我们都在用Python写程序", 8.25)
    assert texts(lines) == ["我们都在用Python", "写程序"]
    assert ems(lines[0].glyphs[-1].width) == 0.5           # 'n' ends flush, no gap after it
    assert end(lines[0]) == pytest.approx(lines[0].measure)
    assert lines[1].glyphs[0].x == 0
    # and none before a Latin word that starts a line
    lines = lay("我们使用Python编程", 6)
    assert lines[1].glyphs[0].ch == "P" and lines[1].glyphs[0].x == 0


def test_no_gap_beside_chinese_punctuation():
    ln = lay("用“Python”，然后", 20)[0]
    assert ems(glyph([ln], "“").width) == 1.0
    assert ems(glyph([ln], "P").x - glyph([ln], "“").x) == 1.0
    n = glyph([ln], "n")
    assert ems(n.width) == 0.5 and ems(glyph([ln], "”").x - n.x) == 0.5


def test_han_latin_gap_shrinks_to_its_minimum_before_pushing():
    # 甲乙ABCD丙: 2 + .25 + 2 + .25 + 1 = 5.5 em; in 5.25 em both gaps give ⅛ em
    ln = lay("甲乙ABCD丙", 5.25)
    assert texts(ln) == ["甲乙ABCD丙"]
    assert ems(glyph(ln, "A").x - glyph(ln, "乙").x) == 1.125
    assert ems(glyph(ln, "丙").x - glyph(ln, "D").x) == 0.625


# --- §3 justification --------------------------------------------------------------------------
def test_justification_order_word_spaces_then_han_latin_then_all_gaps():
    text = "甲乙ab cd丙丁WWWWWWWWWW"       # the 5-em word must go to the next line
    # 7 em: 0.25 em to give; word space takes its ⅛, the two Han-Latin gaps the rest
    ln = lay(text, 7)[0]
    assert ln.text == "甲乙ab cd丙丁"
    assert ems(glyph([ln], " ").width) == 0.375
    assert ems(glyph([ln], "a").x - glyph([ln], "乙").x) == 1.3125
    assert ems(glyph([ln], "丁").x - glyph([ln], "丙").x) == 1.0        # Han gaps untouched
    assert ems(glyph([ln], "b").x - glyph([ln], "a").x) == 0.5         # never inside a word
    # 8 em: spaces and Han-Latin gaps at their maximum, the remaining 0.625 em shared by the
    # 5 gaps (甲|乙, 乙|a, the space, d|丙, 丙|丁), 0.125 em each
    ln = lay(text, 8)[0]
    assert ems(glyph([ln], " ").width) == 0.5
    assert ems(glyph([ln], "a").x - glyph([ln], "乙").x) == 1.625
    assert ems(glyph([ln], "乙").x - glyph([ln], "甲").x) == 1.125
    assert ems(glyph([ln], "丁").x - glyph([ln], "丙").x) == 1.125
    assert ems(glyph([ln], "b").x - glyph([ln], "a").x) == 0.5
    assert ln.adjust == pytest.approx(1.25 / 5)
    assert end(ln) == pytest.approx(ln.measure)


def test_never_spread_inside_dash_ellipsis_word_or_number():
    lines = lay("甲——乙……丙2024丁OK戊己庚辛壬癸子丑", 12)
    first = lines[0]
    assert first.adjust > 0 and not first.last
    gl = first.glyphs
    for a, b in zip(gl, gl[1:]):
        if a.ch + b.ch in ("——", "……", "20", "02", "24", "OK"):
            assert b.x - a.x == pytest.approx(M.advance(a.ch, "body")), a.ch + b.ch
    assert end(first) == pytest.approx(first.measure)


def test_last_line_natural_and_flush_left():
    lines = lay("甲乙丙丁戊己庚", 5)
    assert texts(lines) == ["甲乙丙丁戊", "己庚"]
    assert lines[-1].last and lines[-1].adjust == 0
    assert [ems(g.x) for g in lines[-1].glyphs] == [0, 1]


def test_grid_pure_han_line_gets_no_added_spacing():
    grid = BreakSettings(indent=0, grid=True)
    # a full pure-Han line is set solid
    lines = lay("我们去学校好的吗", 5, grid)
    assert texts(lines) == ["我们去学校", "好的吗"] and lines[0].adjust == 0
    # a pure-Han line that lost a character to 避头尾 is spread, never left short (issue 9),
    # on the grid as without it
    lines = lay("我们去学校。好的", 5, grid)
    assert texts(lines) == ["我们去学", "校。好的"]
    assert lines[0].adjust == pytest.approx(1 / 3) and end(lines[0]) == pytest.approx(50)
    plain = lay("我们去学校。好的", 5)
    assert plain[0].adjust == pytest.approx(1 / 3) and end(plain[0]) == pytest.approx(50)
    # a line with Latin in it is still justified on the grid
    mixed = lay("我们用Go写代码好的吧", 7, grid)
    assert mixed[0].text == "我们用Go写代" and end(mixed[0]) == pytest.approx(70)
    # so is a line with punctuation: 开明式 half-width marks leave lines ½ em short
    kaiming = BreakSettings(indent=0, grid=True, punctuation="kaiming")
    lines = lay("我们去学校，好的，是的你们呢", 6, kaiming)
    assert texts(lines)[0] == "我们去学校，"
    assert end(lines[0]) == pytest.approx(60) and lines[0].adjust > 0


def test_ragged_when_not_justified():
    lines = lay("我们去学校。好的", 5, BreakSettings(indent=0, justify=False))
    assert texts(lines) == ["我们去学", "校。好的"]
    assert lines[0].adjust == 0 and ems(end(lines[0])) == 4.0


# --- §2 punctuation widths ---------------------------------------------------------------------
def test_styles_widths():
    text = "“他说，我们走。”好"
    q = lay(text, 40, BreakSettings(indent=0, punctuation="quanjiao"))
    assert [ems(g.width) for g in q[0].glyphs] == [1, 1, 1, 1, 1, 1, 1, 0.5, 1, 1]
    k = lay(text, 40, BreakSettings(indent=0, punctuation="kaiming"))
    # 开明式: 。 full, others ½; an opening quote keeps its ink where it was (x shifted left)
    assert [ems(g.width) for g in k[0].glyphs] == [0.5, 1, 1, 0.5, 1, 1, 1, 1, 0.5, 1]
    assert ems(k[0].glyphs[0].x) == -0.5
    b = lay(text, 40, BreakSettings(indent=0, punctuation="banjiao"))
    assert [ems(g.width) for g in b[0].glyphs] == [0.5, 1, 1, 0.5, 1, 1, 1, 0.5, 0.5, 1]


def test_hangmo_line_end_mark_is_half_and_flush():
    hm = lay("甲乙丙，丁戊己庚", 4, BreakSettings(indent=0, punctuation="hangmo"))
    assert texts(hm) == ["甲乙丙，", "丁戊己庚"]
    assert ems(hm[0].glyphs[-1].width) == 0.5 and end(hm[0]) == pytest.approx(40)
    qj = lay("甲乙丙，丁戊己庚", 4)                       # 全角式 keeps the full em
    assert ems(qj[0].glyphs[-1].width) == 1.0 and qj[0].adjust == 0


def test_question_exclamation_runs():
    ln = lay("真的？！好吗？？？是", 40)[0]
    w = [ems(g.width) for g in ln.glyphs]
    assert w[2:4] == [0.5, 0.5]               # ？！ together 1 em
    assert w[6:9] == [0.5, 0.5, 1.0]          # ？？？ together 2 em


def test_adjacent_marks_compress_toward_the_text():
    ln = lay("好。”（是）《书》", 40)[0]
    w = {(g.ch, i): ems(g.width) for i, g in enumerate(ln.glyphs)}
    assert w[("。", 1)] == 0.5 and w[("”", 2)] == 0.5     # 。”（: the blanks between go
    assert w[("（", 3)] == 1.0
    assert w[("）", 5)] == 0.5 and w[("《", 6)] == 1.0     # ）《 1.5 em


def test_line_start_opening_bracket_may_drop_its_blank():
    # line 2 is 5 em of （己庚辛） in 4 em: the line-end ） and the line-start （ both give ½
    lines = lay("甲乙丙丁戊（己庚辛）", [5, 4])
    assert texts(lines) == ["甲乙丙丁戊", "（己庚辛）"]
    first = lines[1].glyphs[0]
    assert ems(first.x) == -0.5 and ems(first.width) == 0.5   # ink at the left edge
    assert end(lines[1]) <= lines[1].measure + 1e-9


def test_squeeze_prefers_line_end_blank():
    # in 5.5 em the line-end ” alone gives the half em; ： keeps its blank
    ln = lay("他说：“好。”", 5.5)[0]
    assert [ems(g.width) for g in ln.glyphs] == [1, 1, 0.5, 1, 1, 0.5, 0.5]
    ln = lay("他说：“好。”", 5.0)[0]          # one more ½ em: the squeeze goes inside
    assert ln.text == "他说：“好。”" and ems(end(ln)) <= 5.0


# --- §1 prohibitions and units -----------------------------------------------------------------
def test_basic_level_lets_dash_start_a_line():
    basic = BreakSettings(indent=0, strict=False)
    assert texts(lay("他突然说——我们快走吧", 5, basic)) == ["他突然说", "——我们快", "走吧"]
    assert texts(lay("他突然说——我们快走吧", 5)) == ["他突然", "说——我们", "快走吧"]


def test_numbers_with_signs_and_units_stay_whole():
    assert texts(lay("增长53.8亿元", 3)) == ["增长", "53.8", "亿元"]   # 53.8 whole, 亿 may go
    for text in ("价格￥100元", "面积1000m²大", "比例50％高", "温度-5℃低"):
        for width in (3, 4, 5):
            lines = lay(text, width)
            assert not any(ln.emergency for ln in lines), (text, width)
            for unit in ("￥100", "1000m²", "50％", "-5℃"):
                if unit in text:
                    assert any(unit in ln.text for ln in lines), (text, width, texts(lines))


def test_url_and_email_break_only_at_slash_dot_at_hyphen():
    for text, width in (("见https://example.com/path/to/page了", 8),
                        ("联系editor@example.com获取", 6),
                        ("访问www.my-site.org/a/b吧", 5)):
        lines = lay(text, width)
        assert "".join(texts(lines)) == text
        assert not any(ln.emergency for ln in lines)
        for a, b in zip(lines, lines[1:]):
            if a.text[-1].isascii() and b.text[0].isascii():     # a break inside the URL
                assert a.text[-1] in "/.@-", texts(lines)


def test_hyphenated_compound_breaks_after_hyphen_only():
    lines = lay("这是state-of-the-art技术", 6)
    assert texts(lines) == ["这是state-", "of-the-art", "技术"]
    for a, b in zip(lines, lines[1:]):
        if a.text[-1].isascii() and b.text[0].isascii():
            assert a.text[-1] == "-", texts(lines)


def test_emergency_break_of_a_word_wider_than_the_measure():
    lines = lay("我们使用Supercalifragilistic编程", 5)
    assert "".join(texts(lines)) == "我们使用Supercalifragilistic编程"
    assert all(end(ln) <= ln.measure + 1e-9 for ln in lines)
    hurt = [ln for ln in lines if ln.emergency]
    assert hurt and all("Super" in ln.text or "istic" in ln.text or "ragil" in ln.text
                        for ln in hurt)
    assert any("emergency" in v for v in line_violations(hurt[0]))


def test_prohibitions_hold_in_a_long_text():
    rnd = random.Random(7)
    text = _paragraph(rnd, 600)
    for style in ("quanjiao", "kaiming", "hangmo", "banjiao"):
        for width in (7, 13, 20, 32):
            lines = lay(text, width, BreakSettings(indent=2, punctuation=style))
            assert paragraph_violations(lines) == [], (style, width)
            assert "".join(texts(lines)).replace(" ", "") == text.replace(" ", "")


# --- §4 indent and 孤字 --------------------------------------------------------------------------
def test_first_line_indent():
    lines = lay("甲乙丙丁戊己庚辛壬癸子丑", 5, BreakSettings())
    assert texts(lines) == ["甲乙丙", "丁戊己庚辛", "壬癸子丑"]
    assert ems(lines[0].glyphs[0].x) == 2.0 and ems(lines[0].indent) == 2.0
    assert lines[1].glyphs[0].x == 0 and lines[1].indent == 0
    assert end(lines[0]) == pytest.approx(lines[0].measure)


def test_gu_zi_can_be_turned_off_and_up():
    assert texts(lay("我们今天都去了。", 6)) == ["我们今天都", "去了。"]
    off = BreakSettings(indent=0, min_last_line=1)
    assert texts(lay("我们今天都去了。", 6, off)) == ["我们今天都去", "了。"]
    three = BreakSettings(indent=0, min_last_line=3)
    assert texts(lay("一二三四五六七八九十甲乙", 5, three)) == ["一二三四", "五六七八九", "十甲乙"]


# --- widths, last_width, spans -----------------------------------------------------------------
def test_widths_per_line_last_repeats():
    lines = lay("一二三四五六七八九十甲乙丙", [5, 3])
    assert [len(t) for t in texts(lines)] == [5, 3, 3, 2]
    assert [ems(ln.measure) for ln in lines] == [5, 3, 3, 3]


def test_last_width_keeps_room_after_the_last_line():
    lines = lay("一二三四五六七八九十甲乙", 5, last_width=2 * EM)
    assert texts(lines) == ["一二三四五", "六七八九十", "甲乙"]
    assert ems(lines[-1].measure) == 2 and end(lines[-1]) <= 2 * EM + 1e-9
    lines = lay("一二三四五六七八九十甲乙丙", 5, last_width=2 * EM)
    assert end(lines[-1]) <= 2 * EM + 1e-9
    assert len(lines[-1].text) >= 2


def test_styles_keep_their_spans_and_metrics():
    metrics = SpecMetrics(EM, sizes={"small": 8.0})
    spans = [Span("我们", "body"), Span("都在", "small"), Span("学习", "bold")]
    ln = set_paragraph(spans, 100, metrics, S0)[0]
    assert [g.style for g in ln.glyphs] == ["body", "body", "small", "small", "bold", "bold"]
    assert [g.width for g in ln.glyphs] == [10, 10, 8, 8, 10, 10]


def test_spaces_dropped_only_at_breaks():
    text = "hello world foo bar baz"
    lines = lay(text, 5)
    assert " ".join(texts(lines)) == text
    assert all(not ln.text.startswith(" ") and not ln.text.endswith(" ") for ln in lines)
    ln = lay("事争一流 奋发有为", 20)[0]
    assert ln.text == "事争一流 奋发有为" and ems(glyph([ln], " ").width) == 0.25


def test_empty_and_bad_input():
    assert set_paragraph([], 100, M) == []
    assert set_paragraph([Span("")], 100, M) == []
    with pytest.raises(TypesetError):
        lay("我们", 0.5)                                          # narrower than a character
    with pytest.raises(TypesetError):
        lay("我们", 5, BreakSettings(punctuation="fullwidth"))
    with pytest.raises(TypesetError):
        lay("我们", 5, BreakSettings(han_latin=(0.25, 0.5, 0.125)))
    with pytest.raises(TypesetError):
        lay("我们", 5, last_width=0.2 * EM)


# --- items and reports -------------------------------------------------------------------------
def test_items_are_data():
    it = build_items([Span("他说：“好”A")], M, S0)
    assert [b.cls for b in it.boxes] == [cjk.HAN, cjk.HAN, cjk.STOP, cjk.OPEN, cjk.HAN,
                                         cjk.CLOSE, cjk.LATIN]
    colon_quote = it.joins[3]
    assert ems(colon_quote.pair) == 0.5 and colon_quote.pair_left
    assert it.joins[4].level != 0                   # “ may not end a line
    assert it.joins[6].gap == 0                     # ” and A: no Han-Latin gap
    assert it.joins[1].spread and it.joins[1].level == 0


def test_line_violations_reports():
    def mk(text, start=1, last=False):
        return Line([Glyph(c, "body", i * EM, EM) for i, c in enumerate(text)], 50.0, 50.0,
                    0.0, last, start=start, end=start + len(text))
    assert line_violations(mk("，我们")) == ["starts with '，' (never at line start)"]
    assert line_violations(mk("我们《")) == ["ends with '《' (never at line end)"]
    assert line_violations(mk("我们《", last=True)) == []
    assert line_violations(mk("——我们"), strict=False) == []
    assert line_violations(mk("——我们"), strict=True)
    assert line_violations(mk("，我们", start=0)) == []          # a paragraph may start so
    split = line_violations(mk("他说—"), next_line=mk("—我们"))
    assert any("splits" in v for v in split)


def test_format_lines_dump():
    out = format_lines(lay("我们去学校。好的", 5), em=EM)
    assert out.splitlines()[0].startswith("00 |我们去学| measure=5.000em")
    assert "校@0.000+1.000 。@1.000+1.000" in out
    assert "last" in out.splitlines()[2]


# --- speed -------------------------------------------------------------------------------------
def _paragraph(rnd, n):
    han = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 500))
    bits = ["，", "。", "、", "；", "：", "？", "！", "——", "……", "“千万工程”", "《红楼梦》",
            "（注）", "2024年", "Python", "50%", " GDP ", "·"]
    out = []
    while sum(map(len, out)) < n:
        out.append(rnd.choice(bits) if rnd.random() < 0.15 else rnd.choice(han))
    return "".join(out)


def test_the_search_of_1000_characters_at_32_per_line_stays_narrow():
    """The breaker's work (states its search follows; time is the benchmark's, bench/) for a
    paragraph of 1,000 characters at 32 a line: each break point holds a few line counts at
    most, not one per line of the paragraph (a search that widened would follow ~30 times
    more)."""
    text = _paragraph(random.Random(1), 1000)[:1000]
    before = linebreak.STATES_FOLLOWED
    lines = set_paragraph([Span(text)], 32 * EM, M, BreakSettings())
    followed = linebreak.STATES_FOLLOWED - before
    assert len(lines) >= 25
    assert followed < 3 * len(text), followed


def test_break_costs_are_checked():
    with pytest.raises(TypesetError, match="emergency_costs"):
        set_paragraph([Span("中文")], 100, M, BreakSettings(emergency_costs=(1e11, 1e10, 1e13)))
    with pytest.raises(TypesetError, match="must not be negative"):
        set_paragraph([Span("中文")], 100, M, BreakSettings(line_penalty=-1.0))


# --- a paragraph set a line longer or shorter (break_lines_to; adversarial round 8, finding 4) --

_POOL = "政协委员会议建设发展工作人民群众社会经济文化协商监督调研提案乡村振兴茶园山区"


def _marked_text(r: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        c = r.random()
        if c < 0.12:
            out.append(r.choice("，。、；："))
        elif c < 0.14:
            out.append(r.choice("“《（"))
        elif c < 0.16:
            out.append(r.choice("”》）"))
        elif c < 0.18:
            out.append(r.choice(["ABC ", "2024", " word "]))
        else:
            out.append(r.choice(_POOL))
    return "".join(out) + "。"


def _counted(text: str, width: float, limits, counts, settings):
    from typeset.text.paragraph import set_paragraph_lines
    got = set_paragraph_lines([Span(text)], width, M, settings, counts, limits)
    return {c: None if v is None else [(ln.start, ln.end, ln.text, ln.emergency, ln.widow,
                                         tuple((g.x, g.width) for g in ln.glyphs))
                                        for ln in v] for c, v in got.items()}


def test_the_bounded_count_search_sets_what_the_whole_search_sets(monkeypatch):
    """The counting search of a long paragraph follows only the states that can still lead
    to a setting within a bound (linebreak.BOUND_FROM): for every paragraph, measure, limits
    and count asked for, the lines — breaks, positions, flags, or none — are those of the
    whole search, glyph for glyph."""
    r = random.Random(8)
    body = BreakSettings(indent=2, punctuation="hangmo", grid=True, min_last_line=2)
    found = 0
    for trial in range(40):
        text = _marked_text(r, r.choice([30, 80, 200, 600, 1500]))
        width = r.choice([150.0, 200.0, 255.0, 300.0])
        limits = r.choice([(0.08, 0.08), (0.05, 0.1), (0.2, 0.2), (0.02, 0.02)])
        natural = len(set_paragraph([Span(text)], width, M, body))
        counts = (natural - 1, natural + 1) if natural > 1 else (natural + 1,)
        if trial % 5 == 0:
            counts = tuple(sorted({max(1, natural + r.randint(-3, 3)) for _ in range(2)}))
        monkeypatch.setattr(linebreak, "BOUND_FROM", 10 ** 9)
        whole = _counted(text, width, limits, counts, body)
        monkeypatch.setattr(linebreak, "BOUND_FROM", 0)
        bounded = _counted(text, width, limits, counts, body)
        assert bounded == whole, (trial, len(text), width, limits, counts)
        found += sum(v is not None for v in whole.values())
    assert found > 15                      # many counts asked for can be had


def test_setting_a_long_paragraph_a_line_longer_or_shorter_costs_linear_time():
    """One search for a paragraph of 20,000 characters took 16 times that of 5,000 (states
    node x line count: 0.5 s, then 7.4 s); bounded it grows with the text."""
    from typeset.text.paragraph import set_paragraph_lines

    r = random.Random(9)
    body = BreakSettings(indent=2, punctuation="hangmo", grid=True, min_last_line=2)
    work = {}
    for n in (5000, 20000):
        text = _marked_text(r, n)
        natural = len(set_paragraph([Span(text)], 255.0, M, body))
        before = linebreak.STATES_FOLLOWED
        got = set_paragraph_lines([Span(text)], 255.0, M, body, (natural - 1, natural + 1),
                                  (0.08, 0.08))
        work[n] = linebreak.STATES_FOLLOWED - before        # work, not time
        assert got[natural + 1] is not None
    assert work[20000] / work[5000] < 8, work
