"""Where things are drawn (typeset/pagecheck.py, issue 8 part 2): `typeset check` fails on an
item outside the trim box or drawn over another, and the shipped issues have none."""
from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import CORPUS
from typeset.layout.page import Image, Page, Rule, TextRun
from typeset.pagecheck import check_pages
from typeset.report import check_composition

W, H = 500.0, 700.0


def one_em(font, ch):        # every character 1 em wide
    return 1.0


def check(*items):
    return check_pages([Page(W, H, label="7", items=list(items))], one_em)


def test_items_inside_and_apart_are_clean():
    assert check(TextRun(50, 600, "f", 12, "一二三"), TextRun(50, 578, "f", 12, "四五六"),
                 Rule(50, 590, 450, 590, 0.5), Image(50, 300, 200, 150, "/x/a.jpg")) == ([], [])


@pytest.mark.parametrize("item, words", [
    (TextRun(480, 600, "f", 12, "一二三"), "outside the trim box"),        # runs past the right
    (TextRun(50, 695, "f", 12, "一"), "outside the trim box"),             # above the top
    (TextRun(-3, 300, "f", 12, "一"), "outside the trim box"),
    (Rule(10, 5, 510, 5, 0.5), "outside the trim box"),
    (Image(400, 100, 200, 100, "/x/a.jpg"), "outside the trim box"),
])
def test_outside_the_trim_box(item, words):
    outside, _ = check(item)
    assert len(outside) == 1 and words in outside[0][1] and outside[0][0] == "7"


def test_text_over_text_overlaps():
    _, over = check(TextRun(50, 600, "f", 12, "政协委员会"), TextRun(80, 604, "f", 12, "重叠"))
    assert len(over) == 1 and "drawn over each other" in over[0][1]


def test_two_halves_of_a_running_head_meeting_overlap():
    _, over = check(TextRun(50, 680, "f", 9, "※ 调查研究与建言献策 ※"),
                    TextRun(150, 680, "f", 9, "GUANGXIZHENGXIEGONGZUO"))
    assert len(over) == 1


def test_compressed_punctuation_at_a_run_joint_is_not_an_overlap():
    # 。 set half width: the next run (bold) starts half an em into its advance
    _, over = check(TextRun(50, 600, "f", 12, "会议。"), TextRun(80, 600, "f", 12, "强调"))
    assert over == []


def test_rule_through_text_and_picture_over_text_overlap():
    _, over = check(TextRun(50, 600, "f", 12, "政协委员会"), Rule(40, 604, 200, 604, 0.5))
    assert len(over) == 1
    _, over = check(TextRun(50, 600, "f", 12, "政协委员会"), Image(60, 560, 100, 100, "/x/p.png"))
    assert len(over) == 1 and "p.png" in over[0][1]


def test_the_sample_issue_is_clean(sample_composition):
    report = check_composition(sample_composition)
    assert report.outside == [] and report.overlaps == []


@pytest.mark.skipif(not CORPUS.exists(), reason="corpus not present")
def test_the_corpus_is_clean():
    from typeset.build import compose

    report = check_composition(compose(CORPUS))
    assert report.outside == [] and report.overlaps == []


def test_check_fails_on_a_run_moved_off_the_page(sample_composition):
    """The check sees the pages the writer draws: a run placed past the foot makes it fail."""
    comp = dataclasses.replace(sample_composition,
                               body=[dataclasses.replace(p, items=list(p.items))
                                     for p in sample_composition.body],
                               front=list(sample_composition.front))
    page = comp.body[3]
    run = next(it for it in page.items if isinstance(it, TextRun) and it.role == "body")
    page.items.append(dataclasses.replace(run, y=-4.0))
    report = check_composition(comp)
    assert not report.clean
    assert [f.page for f in report.outside] == [page.label]
    assert "outside the trim box" in str(report.outside[0])


# -- the right edge of a run, found from its last glyph when no other can reach past it ------

from hypothesis import given, settings, strategies as st  # noqa: E402

_ADV = {"一": 1.0, "、": 1.0, "i": 0.25, "W": 0.9, "—": 2.0, "x": 0.5}


def _full_right(x, xs, text, scale):
    """The maximum over every glyph, as pagecheck computed it before the shortcut."""
    return max((x + p) + _ADV[c] * scale for p, c in zip(xs, text))


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_right_edge_is_the_maximum_over_every_glyph(data):
    from typeset.pagecheck import _Advances, _right_edge

    text = data.draw(st.text(alphabet="".join(_ADV), min_size=1, max_size=12))
    x = data.draw(st.floats(-50, 500, allow_nan=False))
    scale = data.draw(st.sampled_from([0.0, 1e-3, 9.0, 10.5, 12.0, 100.0 / 3]))
    steps = data.draw(st.lists(st.floats(-30, 30, allow_nan=False), min_size=len(text),
                               max_size=len(text)))
    xs, cur = [], 0.0
    for s in steps:                     # mostly advancing, sometimes back (compressed marks)
        xs.append(cur)
        cur += s
    adv = _Advances(lambda font, ch: _ADV[ch], "f")
    assert _right_edge(x, tuple(xs), text, adv, scale) == _full_right(x, xs, text, scale)


def test_extents_are_extents_and_the_check_uses_the_same_fields():
    from typeset.pagecheck import Extent, _Box, extents

    assert _Box._fields == tuple(f.name for f in dataclasses.fields(Extent))
    page = Page(W, H, items=[TextRun(50, 600, "f", 12, "一二三", xs=(0.0, 12.0, 25.0)),
                             Rule(50, 590, 450, 590, 0.5)])
    got = extents(page, one_em)
    assert all(type(e) is Extent for e in got)
    assert got[0] == Extent(50.0, 600 - 0.12 * 12, 50 + 25 + 12.0, 600 + 0.88 * 12, "text",
                            12, 600, "一二三")
