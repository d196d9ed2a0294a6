"""The page make-up pass (issue 9 part 1): page cases as data (tests/data/page_makeup_cases.yaml),
paragraphs set a line longer or shorter (the breaker's looseness), the end note's keep, the
pass on the sample and the corpus, and random flows (hypothesis)."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import event, given, settings, strategies as st

from tests import issuekit
from tests.test_placement_cases import check_invariants
from typeset.layout.compose import _keep_with_note
from typeset.layout.flow import (Band, Figure, Marker, PageBreak, Part, Run, SetLine, Source,
                                 Space)
from typeset.layout.makeup import make_up, room, short_pages
from typeset.layout.paginate import paginate
from typeset.model.layout import Makeup
from typeset.text.paragraph import SpecMetrics, paragraph_violations, set_paragraph, \
    set_paragraph_lines
from typeset.text.types import BreakSettings, Span

@pytest.fixture(autouse=True)
def _whole_short_page_check(monkeypatch):
    """Every trial of the pass finds its short pages by looking at the pages it replaced
    only; here each is also checked against looking at every page (makeup.CHECK_SHORTS)."""
    from typeset.layout import makeup
    monkeypatch.setattr(makeup, "CHECK_SHORTS", True)


DATA = yaml.safe_load((Path(__file__).parent / "data" / "page_makeup_cases.yaml")
                      .read_text(encoding="utf-8"))
EM = 10.0
PITCH = 10.0
METRICS = SpecMetrics(EM)
#: body paragraphs as the shipped layouts set them (行末半角, grid), without the indent
BODY = BreakSettings(indent=0, punctuation="hangmo", grid=True, min_last_line=2)
HAN = "政协委员会议建设发展工作人民群众社会经济文化协商监督调研提案乡村振兴"


def text_of(spec: dict) -> str:
    """A paragraph's text: `text` as written, or `han` Han characters with a comma after
    every `comma` of them (marks a shorter setting can squeeze), ending in 。"""
    if "text" in spec:
        return spec["text"]
    n, every = spec["han"], spec.get("comma", 0)
    out = []
    for i in range(n):
        out.append(HAN[i % len(HAN)])
        if every and (i + 1) % every == 0 and i + 1 < n:
            out.append("，")
    return "".join(out) + "。"


def paragraph(text: str, width: float, role: str = "body") -> Run:
    lines = set_paragraph([Span(text)], width * EM, METRICS, BODY)
    return Run([SetLine(ln, 0.0, EM, role) for ln in lines], role=role,
               source=Source((Span(text),), "body") if role == "body" else None)


def resetter(width: float, limits: tuple[float, float]):
    """Composer.reset for these cases: the same breaker, SpecMetrics, the case's limits."""
    def reset(run: Run, delta: int):
        n = len(run.lines) + delta
        got = set_paragraph_lines(run.source.spans, width * EM, METRICS, BODY, (n,),
                                  limits)[n]
        if not got:
            return None
        return dataclasses.replace(run, lines=[SetLine(ln, 0.0, EM, run.role) for ln in got],
                                   makeup=run.makeup + delta)
    return reset


def build(case):
    """Flow items from the case's specs, and a name for each (a paragraph the pass sets
    again keeps its Source, and so its name)."""
    width = case.get("width", 20)
    items, names = [], {}
    for spec in case["flow"]:
        if spec.get("break"):
            items.append(PageBreak())
            continue
        name = spec["id"]
        if "figure" in spec:
            item = Figure(source="x.png", width=50.0, height=spec["figure"] * PITCH, x=0.0,
                          caption=[], caption_pitch=PITCH, gap=0.0, before=0.0, after=0.0,
                          placement=spec.get("placement", "here"))
        elif "heading" in spec:
            line = set_paragraph([Span("标题")], width * EM, METRICS, BODY)[0]
            item = Band([Part([SetLine(line, 0.0, EM, "subhead")] * spec["heading"], PITCH)],
                        keep_with_next=True, role="subhead")
        elif "head" in spec:
            line = set_paragraph([Span("标题")], width * EM, METRICS, BODY)[0]
            item = Band([Part([SetLine(line, 0.0, EM, "title")] * spec["head"], PITCH)],
                        keep_with_next=True, role="head",
                        markers=[Marker("article", name, name, 1, "")])
        else:
            item = paragraph(text_of(spec), width, "note" if spec.get("note") else "body")
        items.append(item)
        names[id(item.source if isinstance(item, Run) and item.source else item)] = name
    if any(isinstance(it, Run) and it.role == "note" for it in items):
        # the article's end note keeps its body lines (as compose sets it)
        at = next(i for i, it in enumerate(items) if isinstance(it, Run) and it.role == "note")
        head = items[:at]
        _keep_with_note(head, case.get("note_lines", 2))
        items = head + items[at:]
    return items, names


def name(item, names) -> str:
    return names[id(item.source if isinstance(item, Run) and item.source else item)]


def describe(frames, names) -> list[list[str]]:
    pages = []
    for fr in frames:
        page = []
        for pl in fr.placements:
            if isinstance(pl.item, Run):
                page.append(f"{name(pl.item, names)} {pl.first}-{pl.last}")
            elif isinstance(pl.item, Figure):
                page.append(f"{name(pl.item, names)} "
                            f"{pl.region if pl.region != 'body' else 'here'}"
                            + (" late" if pl.late else ""))
            else:
                page.append(name(pl.item, names))
        pages.append(page)
    return pages


def run_case(case):
    items, names = build(case)
    width = case.get("width", 20)
    limits = tuple(case.get("limits", (0.07, 0.07)))
    mk = Makeup(max_spread=limits[0], max_squeeze=limits[1], tries=case.get("tries", 6))
    lpp = case.get("lines", 10)
    before = paginate(items, lpp, PITCH)
    frames = make_up(items, lpp, PITCH, reset=resetter(width, limits), settings=mk)
    return items, names, before, frames, lpp


def final_flow(items, frames):
    """The flow as the pass left it: each paragraph it set again in place of the old one."""
    now = {id(pl.item.source): pl.item for fr in frames for pl in fr.placements
           if isinstance(pl.item, Run) and pl.item.source is not None}
    return [now.get(id(it.source), it) if isinstance(it, Run) and it.source else it
            for it in items]


CASES = DATA["pages"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_page_case(case):
    items, names, before, frames, lpp = run_case(case)
    if "before" in case:
        assert describe(before, names) == [[str(x) for x in p] for p in case["before"]], \
            "the page builder alone: " + case["rule"]
    assert describe(frames, names) == [[str(x) for x in p] for p in case["expect"]], \
        case["rule"]
    made = {name(pl.item, names): pl.item.makeup for fr in frames for pl in fr.placements
            if isinstance(pl.item, Run) and pl.item.makeup}
    assert made == case.get("made_up", {}), case["rule"]
    # a page still short keeps the pass's reason, which names what stopped it
    unfilled = {i + 1: fr.unfilled for i, fr in enumerate(frames) if fr.unfilled}
    assert sorted(unfilled) == sorted(case.get("unfilled", {})), unfilled
    for page, words in case.get("unfilled", {}).items():
        assert words in unfilled[page], unfilled[page]
    flow = final_flow(items, frames)
    assert [i + 1 for i in short_pages(frames, flow, lpp)] == sorted(unfilled)
    # the page builder's rules still hold; no figure stands more than a page from its text
    check_invariants([x for x in flow if not isinstance(x, (Space, PageBreak))], frames, lpp)
    assert not any(pl.late for fr in frames for pl in fr.placements)
    # every paragraph set again is within the limits, flush, and breaks no rule
    limits = case.get("limits", (0.07, 0.07))
    for it in flow:
        if isinstance(it, Run) and it.makeup:
            lines = [sl.line for sl in it.lines]
            assert paragraph_violations(lines) == []
            for ln in lines[:-1]:
                assert -limits[1] - 1e-9 <= ln.adjust <= limits[0] + 1e-9
                end = ln.glyphs[-1].x + ln.glyphs[-1].width
                assert end == pytest.approx(ln.measure)


def test_the_cases_cover_the_rules():
    ids = " ".join(c["id"] for c in CASES)
    for word in ("looser", "tighter", "nothing-can-be-done", "end-note", "figure", "pair"):
        assert word in ids, word


PARAGRAPHS = DATA["paragraphs"]


@pytest.mark.parametrize("case", PARAGRAPHS, ids=[c["id"] for c in PARAGRAPHS])
def test_paragraph_a_line_longer_or_shorter(case):
    width = case.get("width", 20)
    text = text_of(case["input"])
    natural = set_paragraph([Span(text)], width * EM, METRICS, BODY)
    n = len(natural) + case["delta"]
    limits = tuple(case.get("limits", (0.07, 0.07)))
    got = set_paragraph_lines([Span(text)], width * EM, METRICS, BODY, (n,), limits)[n]
    if case["lengths"] is None:
        assert got is None, case["rule"]
        return
    assert got is not None, case["rule"]
    assert [len(ln.text) for ln in got] == case["lengths"], case["rule"]
    assert "".join(ln.text for ln in got) == text
    assert paragraph_violations(got) == []
    for ln in got[:-1]:
        assert -limits[1] - 1e-9 <= ln.adjust <= limits[0] + 1e-9
        assert ln.glyphs[-1].x + ln.glyphs[-1].width == pytest.approx(ln.measure)


def test_the_natural_count_gives_the_natural_setting():
    """The line-count search is the breaker's own: asked for the number of lines it chose,
    with limits it cannot reach, it sets the same lines."""
    for spec in ({"han": 78}, {"han": 51, "comma": 4}, {"han": 122}):
        text = text_of(spec)
        natural = set_paragraph([Span(text)], 200, METRICS, BODY)
        n = len(natural)
        got = set_paragraph_lines([Span(text)], 200, METRICS, BODY, (n,), (9.0, 9.0))[n]
        assert [ln.text for ln in got] == [ln.text for ln in natural]


# --- the pass on the sample and the corpus ------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "issues" / "sample" / "issue.yaml"
CORPUS = next((d / "shared" / "corpus" / "chongqing-sample" / "issue.yaml"
               for d in (ROOT.parent, ROOT.parent.parent)
               if (d / "shared" / "corpus" / "chongqing-sample").is_dir()), ROOT / "missing")
FIXTURE = ROOT / "tests" / "data" / "model" / "issue" / "issue.yaml"
ISSUES = [pytest.param(SAMPLE, id="sample"), pytest.param(FIXTURE, id="fixture"),
          pytest.param(CORPUS, id="corpus", marks=pytest.mark.skipif(
              not CORPUS.exists(), reason="shared corpus not present"))]


def _flow(manifest: Path):
    from typeset.build import load
    from typeset.layout.compose import Composer, compose_issue
    from typeset.layout.issue import foot_spec
    from typeset.layout.styles import StyleBook
    from typeset.text.fonts import FontLibrary

    issue, layout = load(manifest)
    composer = Composer(layout, StyleBook(layout, FontLibrary()), None)
    return composer, compose_issue(issue, composer), layout, foot_spec(layout)


def _pages(frames, index):
    return [(fr.blank, fr.foot, [(index.get(id(pl.item)), pl.slot, pl.slots, pl.first, pl.last,
                                  pl.region, pl.late) for pl in fr.placements],
             [(np.note.key, np.first, np.last, np.number) for np in fr.notes])
            for fr in frames]


@pytest.mark.parametrize("manifest", ISSUES)
def test_the_page_builder_restarts_from_a_clean_page_as_it_would_go_on(manifest):
    """The pass re-runs the page builder from a page that starts cleanly (its first item
    starts there, nothing carried over): the pages it gets are the pages of a whole run."""
    from typeset.layout.makeup import _Pass

    composer, flow, layout, foot = _flow(manifest)
    tb = layout.textblock
    frames = paginate(flow, tb.lines, tb.line_pitch, notes=foot)
    p = _Pass(flow, frames, tb.lines, tb.line_pitch, foot, None, layout.makeup, 0.45, 1)
    clean = 0
    for page in range(1, len(frames)):
        c, j = p._restart(page, len(flow))
        if c != page:
            continue
        clean += 1
        again = paginate(flow[j:], tb.lines, tb.line_pitch, first_folio=1 + c, notes=foot)
        assert _pages(again, p.index) == _pages(frames[c:], p.index), f"page {c + 1}"
    assert clean >= 2


@pytest.mark.parametrize("manifest", ISSUES)
def test_the_pass_fills_what_the_rules_allow(manifest):
    """On real issues: fewer short pages than the page builder leaves alone (the measured
    numbers are in the README), every one left short with the pass's reason and the keep
    rule that caused it, no note-only page, every paragraph set again within the limits;
    and the same pages every time (deterministic: the speed work caches on it)."""
    from typeset.build import compose
    from typeset.report import character_spacing, check_composition

    composer, flow, layout, foot = _flow(manifest)
    tb = layout.textblock
    alone = short_pages(paginate(flow, tb.lines, tb.line_pitch, notes=foot), flow, tb.lines)
    comp = compose(manifest, use_cache=False)
    rep = check_composition(comp)
    assert len(rep.short_pages) < len(alone) or not alone
    for f in rep.short_pages:
        assert "(make-up: " in f.detail and "short: " in f.detail, f
    # the report's short pages are the pages the pass left short, no more, no fewer
    labels = [pg.label for pg in comp.body]
    assert sorted(f.page for f in rep.short_pages) == \
        sorted(labels[i] for i, fr in enumerate(comp.frames) if fr.unfilled)
    assert rep.note_only_pages == []
    mk = layout.makeup
    for fr in comp.frames:
        for pl in fr.placements:
            if isinstance(pl.item, Run) and pl.item.makeup:
                assert abs(pl.item.makeup) == 1
                for sl in pl.item.lines[:-1]:
                    assert sl.line.adjust >= -mk.max_squeeze - 1e-9
                    assert character_spacing(sl, comp.book.advance) <= mk.max_spread + 1e-6
    assert rep.prohibited == [] and rep.orphans_lines == [] and rep.orphans_chars == []
    assert rep.short_lines == [] and rep.late_figures == []
    again = compose(manifest, use_cache=False)
    assert [[(pl.slot, pl.first, pl.last) for pl in fr.placements] for fr in again.frames] == \
        [[(pl.slot, pl.first, pl.last) for pl in fr.placements] for fr in comp.frames]
    from typeset.layout import makeup
    makeup.WINDOWS = False          # every trial run to the next page break: the same pages
    try:
        whole = compose(manifest, use_cache=False)
    finally:
        makeup.WINDOWS = True
    assert [[(pl.slot, pl.first, pl.last) for pl in fr.placements] for fr in whole.frames] == \
        [[(pl.slot, pl.first, pl.last) for pl in fr.placements] for fr in comp.frames]


def test_a_warm_build_sets_nothing_again(tmp_path, monkeypatch):
    """The pass's settings go through the paragraph cache: a second build breaks no
    paragraph (the line breaker is not called), with the same pages."""
    from typeset.build import compose
    from typeset.text import paragraph as para

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path))
    first = compose(SAMPLE)
    assert any(pl.item.makeup for fr in first.frames for pl in fr.placements
               if isinstance(pl.item, Run))
    calls = []
    monkeypatch.setattr(para, "break_lines_to", lambda *a, **k: calls.append(a))
    second = compose(SAMPLE)
    assert calls == []
    assert [[(pl.slot, pl.first, pl.last) for pl in fr.placements] for fr in second.frames] == \
        [[(pl.slot, pl.first, pl.last) for pl in fr.placements] for fr in first.frames]


def test_fill_pages_false_leaves_the_pages_as_the_builder_made_them(tmp_path):
    from typeset.build import compose
    from typeset.model.layout import LAYOUTS_DIR

    lay = tmp_path / "g.yaml"
    src = (LAYOUTS_DIR / "guangxi.yaml").read_text(encoding="utf-8")
    lay.write_text(re.sub(r"\nmakeup:[^\n]*\n", "\nmakeup:\n  fill_pages: false\n", src),
                   encoding="utf-8")
    assert "fill_pages: false" in lay.read_text(encoding="utf-8")
    comp = compose(SAMPLE, layout_override=str(lay), use_cache=False)
    assert not any(pl.item.makeup for fr in comp.frames for pl in fr.placements
                   if isinstance(pl.item, Run))
    assert not any(fr.unfilled for fr in comp.frames)


# --- hypothesis: random flows -------------------------------------------------------------------

item = st.one_of(
    st.builds(lambda n, c: {"han": n, "comma": c}, st.integers(5, 160),
              st.sampled_from([0, 0, 3, 4, 6])),
    # a last line nearly full (it may be set a line longer) or nearly empty (shorter)
    st.builds(lambda k, d, c: {"han": 20 * k + d, "comma": c}, st.integers(1, 8),
              st.sampled_from([-3, -2, -1, 1, 2, 3]), st.sampled_from([0, 3, 4])),
    st.builds(lambda n: {"figure": n}, st.integers(1, 4)),
    st.just({"heading": 1}),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(item, min_size=2, max_size=18), st.integers(8, 16), st.booleans(),
       st.sampled_from([(0.07, 0.07), (0.15, 0.15)]))
def test_random_flows_made_up(specs, per_page, note, limits):
    """Whatever the flow, the pass never leaves more pages short than the page builder
    alone, nor a figure further from its reference, nor a note alone on a page; every page
    still short carries the pass's reason; the page builder's invariants hold; the same flow
    gives the same pages."""
    flow = [dict(s, id=f"I{i}") for i, s in enumerate(specs)]
    if note:
        flow.append({"id": "P", "han": 40})
        flow.append({"id": "N", "han": 12, "note": True})
    case = {"flow": flow, "lines": per_page, "limits": list(limits)}
    items, names, before, frames, lpp = run_case(case)
    flow_now = final_flow(items, frames)
    after = short_pages(frames, flow_now, lpp)
    first = short_pages(before, items, lpp)
    assert len(after) <= len(first)
    event(f"short pages {len(first)} -> {len(after)}")
    assert sum(pl.late for fr in frames for pl in fr.placements) <= \
        sum(pl.late for fr in before for pl in fr.placements)
    for i, fr in enumerate(frames):
        assert (i in after) == bool(fr.unfilled), (i, fr.unfilled)
        roles = {getattr(pl.item, "role", "") for pl in fr.placements}
        assert roles != {"note"}, "the end note stands alone"
        assert room(fr, lpp) >= 0
    check_invariants([x for x in flow_now if not isinstance(x, (Space, PageBreak))], frames, lpp)
    _, names2, _, again, _ = run_case(case)
    assert describe(again, names2) == describe(frames, names)
    # trials that stop where the pages rejoin the old ones give the pages of whole runs
    from typeset.layout import makeup
    makeup.WINDOWS = False
    try:
        _, names3, _, whole, _ = run_case(case)
    finally:
        makeup.WINDOWS = True
    assert describe(whole, names3) == describe(frames, names)
    for it in flow_now:
        if isinstance(it, Run) and it.makeup:
            assert abs(it.makeup) == 1
            assert paragraph_violations([sl.line for sl in it.lines]) == []
            for sl in it.lines[:-1]:
                assert -limits[1] - 1e-9 <= sl.line.adjust <= limits[0] + 1e-9


def test_a_page_short_because_of_the_end_note_says_so(tmp_path):
    """A paragraph that ends on the last line of the page: the end note would stand alone
    on the next page, so the paragraph's last two lines go over with it, and `check` names
    the end note's keep as the cause of the page it leaves short."""
    from typeset.build import compose
    from typeset.report import check_composition

    def issue(name: str, body: str) -> Path:
        root = tmp_path / name
        root.mkdir()
        (root / "a.md").write_text("---\ntitle: 标题\nnote: 作者系政协委员\n---\n\n" + body
                                   + "\n", encoding="utf-8")
        (root / "issue.yaml").write_text("layout: guangxi\nyear: 2025\nnumber: 1\nsections:\n"
                                         "  - title: 栏目\n    articles: [a.md]\n",
                                         encoding="utf-8")
        return root / "issue.yaml"

    head = compose(issue("probe", "字。"), use_cache=False).frames[0].placements[0].slots
    lines = 28 - head                  # the paragraph fills the first page exactly
    comp = compose(issue("i", "字" * (30 + 32 * (lines - 1))), use_cache=False)
    rep = check_composition(comp)
    assert rep.note_only_pages == []
    (page,) = [fr for fr in comp.frames
               if any(getattr(pl.item, "role", "") == "note" for pl in fr.placements)]
    assert [(pl.item.role, pl.last - pl.first) for pl in page.placements] == \
        [("body", 2), ("note", 1)]
    assert [f.page for f in rep.short_pages] == ["1"]
    assert "the end note keeps the last lines" in rep.short_pages[0].detail


#: an article the generated sequences of an adversarial explorer made (its ideographs then all
#: replaced by 文: same widths, same classes): two notes, a figure, a table (wave 7, finding 6)
MADE_UP_OVER_A_NOTE = Path(__file__).parent / "data" / "adv7-made-up-over-a-note.md"


def test_a_paragraph_made_up_a_line_shorter_keeps_its_note_mark_clear_of_the_text(
        tmp_path, monkeypatch):
    """A one-article issue (paragraphs, two footnotes, a full-width figure, a table, a
    subhead): `typeset build` writes it. Until wave 7 every build refused it ("p.2: 文文文… and
    ① are drawn over each other; no PDF is written"): the make-up pass set a paragraph a line
    shorter, squeezing the last line up to the blank of its final 。, and the raised note mark
    ① after it was drawn inside that 。's em box — a layout the build's own page check
    refuses. The blank of a mark before a note's reference mark is never squeezed now."""
    from tests.adv7kit import png, write_issue
    from typeset.build import build

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    m = write_issue(tmp_path / "issue", articles=1, paragraphs=1, sections=1)
    png(m.parent / "articles" / "p0.png", (600, 400), (200, 60, 60), 20000)
    (m.parent / "articles" / "a0.md").write_bytes(MADE_UP_OVER_A_NOTE.read_bytes())
    build(m, tmp_path / "issue.pdf")
    assert (tmp_path / "issue.pdf").exists()


def test_the_blank_before_a_note_mark_is_not_squeezed():
    """items: the join between a 。 and the word joiner opening a note's mark (in the marker
    style) squeezes nothing; the same 。 before text of its own style, or before a word joiner
    typed in the text, keeps its squeezable half em."""
    from typeset.text.items import build_items

    metrics = SpecMetrics(EM, sizes={"mark": 6.0})
    settings = BreakSettings(indent=0)
    note = build_items([Span("文文。", "body"), Span("\u2060①", "mark")], metrics, settings)
    assert note.joins[3].squeeze_left == 0.0
    plain = build_items([Span("文文。文", "body")], metrics, settings)
    assert plain.joins[3].squeeze_left == pytest.approx(0.5 * EM)
    typed = build_items([Span("文文。\u2060文", "body")], metrics, settings)
    assert typed.joins[3].squeeze_left == pytest.approx(0.5 * EM)
    # set a line shorter by squeezing: the 。 before the mark keeps its whole em
    spans = [Span("文" * 8 + "，文文。", "body"), Span("\u2060①", "mark")]
    got = set_paragraph_lines(spans, 12.1 * EM, metrics, settings, (1,), (0.0, 0.5))[1]
    assert got is not None
    stop = next(g for g in got[0].glyphs if g.ch == "。")
    mark = next(g for g in got[0].glyphs if g.ch == "①")
    assert mark.x >= stop.x + EM - 1e-6


# --- a long paragraph set again in linear time (adversarial round 8, findings 4 and 4b) -------

def _r8_sentence(r, n: int | None = None) -> str:
    return issuekit.sentence(r, n)


def _r8_issue(root: Path, body: str, edit: tuple[str, str] | None = None) -> Path:
    return issuekit.one_article_issue(root, body, edit=edit)


def _footnoted_paragraph(root: Path, sentences: int) -> Path:
    """One paragraph with a note every five sentences (decimal numbers)."""
    import random
    r = random.Random(5)
    parts, defs = [], []
    for i in range(sentences):
        s = _r8_sentence(r)
        if i % 5 == 0:
            k = i // 5 + 1
            s = s[:-1] + f"[^{k}]。"
            defs.append(f"[^{k}]: 注{k}：" + _r8_sentence(r, 40) + _r8_sentence(r, 30))
        parts.append(s)
    return _r8_issue(root, "".join(parts) + "\n\n" + "\n\n".join(defs),
                     edit=("  numerals: circled\n", "  numerals: decimal\n"))


def _paragraph_then_subheads(root: Path, sentences: int) -> Path:
    """One long paragraph, then a subhead (at 1,000 sentences it lands at a page foot: the
    pass sets the paragraph a line longer or shorter), text, another subhead, text."""
    import random
    r = random.Random(8)

    def para(n: int) -> str:
        return "".join(_r8_sentence(r) for _ in range(n))
    return _r8_issue(root, para(sentences) + "\n\n## 一个小标题\n\n" + para(3)
                     + "\n\n## 又一个小标题\n\n" + para(2))


def _compose_work(manifest: Path, monkeypatch) -> int:
    """The line breaker's work composing `manifest` with an empty cache of its own: the
    states its searches followed (linebreak.STATES_FOLLOWED; work, not time, so the measure
    does not depend on the machine's load)."""
    from typeset import build
    from typeset.text import linebreak
    monkeypatch.setenv("TYPESET_CACHE", str(manifest.parent / "cache"))
    before = linebreak.STATES_FOLLOWED
    build.compose(manifest)
    return linebreak.STATES_FOLLOWED - before


def test_composing_a_long_footnoted_paragraph_grows_linearly(tmp_path, monkeypatch):
    """A note every five sentences in one paragraph, caches cold: the make-up pass set the
    paragraph a line longer or shorter by a search over (break, line count) — characters x
    lines: 500 sentences 2.3 s of CPU for the build, 1,000 7.2 s, 2,000 26.5 s and 634 MB.
    The bounded search (linebreak.BOUND_FROM) sets the same lines in time that grows with the
    text (README "Scale and memory")."""
    small = _compose_work(_footnoted_paragraph(tmp_path / "x1", 250), monkeypatch)
    large = _compose_work(_footnoted_paragraph(tmp_path / "x4", 1000), monkeypatch)
    assert large / small < 6, f"1x {small} states, 4x {large}: ratio {large / small:.1f}"


def test_a_long_paragraph_before_a_subhead_is_set_again_in_linear_time(tmp_path, monkeypatch):
    """No notes: ~1,000 sentences (~24,000 characters, 27 pages), then a subhead at a page
    foot (a short page: a trial sets the whole paragraph again, here 1,045 sentences) — 7.2 s
    of CPU against 0.6 s for 500 sentences, whose subhead lands mid-page (no trial). In
    work: the whole counting search followed 71 times the states of the half-size issue; the
    bounded one (linebreak.BOUND_FROM) ~5 times (the paragraph set twice more, each twice
    the text)."""
    from typeset.text import paragraph
    trials = []
    counted = paragraph.break_lines_to

    def counting(items, *a, **k):
        if len(items.text) >= 20_000:
            trials.append(len(items.text))
        return counted(items, *a, **k)
    monkeypatch.setattr(paragraph, "break_lines_to", counting)
    small = _compose_work(_paragraph_then_subheads(tmp_path / "x1", 500), monkeypatch)
    assert trials == []
    large = _compose_work(_paragraph_then_subheads(tmp_path / "x2", 1045), monkeypatch)
    assert trials, "no trial set the long paragraph again: choose another length"
    assert large / small < 10, f"1x {small} states, 2x {large}: ratio {large / small:.1f}"
