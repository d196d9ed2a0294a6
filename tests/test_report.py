"""The typographic report counts what is really on the pages."""
from __future__ import annotations

from typeset.layout.flow import Band, Part, Run, SetLine
from typeset.layout.paginate import Frame, Placement
from typeset.report import check_composition, check_frames
from typeset.text.types import Glyph, Line


def line(text: str, *, last=False, start=1, adjust=0.0, measure=None, x0=0.0) -> Line:
    glyphs = [Glyph(ch, "body", x0 + 10.0 * i, 10.0) for i, ch in enumerate(text)]
    width = 10.0 * len(text) + x0
    return Line(glyphs, measure if measure is not None else width, width, adjust, last,
                start=start)


def sl(ln: Line) -> SetLine:
    return SetLine(ln, 0.0, 10.0, "body")


def test_each_problem_is_counted_once():
    para = Run([sl(line("我们去学校好", start=0, adjust=0.2)),       # fine, loosest
                sl(line("，我们去学", adjust=-0.1)),                 # prohibited start
                sl(line("去。", last=True))])                        # 孤字: one char + 。
    wide = Run([sl(line("今天天气很好", start=0, measure=50.0)),     # 10 pt over the measure
                sl(line("好的好的", last=True))])
    long_para = Run([sl(line("一二三四", start=0)), sl(line("五六七八")),
                     sl(line("九十", last=True))])
    heading = Band([Part([sl(line("一、标题", start=0, last=True))], 22.0)],
                   keep_with_next=True, role="subhead")
    frames = [
        Frame([Placement(para, 0, 0, 3), Placement(wide, 3, 0, 2),
               Placement(long_para, 27, 0, 1)]),                    # 孤行 at the foot
        Frame([Placement(long_para, 0, 1, 3), Placement(heading, 2)]),   # stranded heading
    ]
    rep = check_frames(frames, ["1", "2"])
    assert [f.text for f in rep.prohibited] == ["，我们去学"]
    assert [f.text for f in rep.orphans_chars] == ["去。"]
    assert [(f.page, f.text) for f in rep.orphans_lines] == [("1", "一二三四")]
    assert [(f.page, f.text) for f in rep.stranded_headings] == [("2", "一、标题")]
    assert [f.text for f in rep.overflows] == ["今天天气很好"]
    assert rep.loosest[0] == 0.2 and rep.loosest[1].text == "我们去学校好"
    assert rep.tightest[0] == -0.1 and rep.tightest[1].page == "1"
    assert rep.lines == 9
    assert not rep.clean


def test_sample_issue_is_clean(sample_composition):
    rep = check_composition(sample_composition)
    assert rep.lines > 500
    assert rep.prohibited == []
    assert rep.orphans_chars == [] and rep.orphans_lines == []
    assert rep.stranded_headings == [] and rep.overflows == []
    # Spacing stays within cjk-rules §3's bounds: never more than ½ em added per gap.
    assert rep.loosest[0] <= 0.5 and rep.tightest[0] >= -0.5


def test_an_empty_body_page_fails_the_check(sample_composition):
    """The page builder never leaves a page with nothing on it but its running head and folio
    (adversarial round 8, finding 5); should one ever appear, `typeset check` lists it as an
    error, whatever the layout's `check` block says of short pages."""
    from types import SimpleNamespace

    from typeset.report import Report, check_makeup

    comp = sample_composition
    frames = list(comp.frames[:3]) + [Frame()] + list(comp.frames[3:6])
    body = [SimpleNamespace(label=str(i + 1)) for i in range(len(frames))]
    fake = SimpleNamespace(layout=comp.layout, frames=frames, body=body, book=comp.book,
                           contents=[], contents_frames=[])
    rep = Report()
    check_makeup(rep, fake)
    assert [(f.page, f.detail) for f in rep.empty_pages] == [
        ("4", "nothing stands on this page but its running head and folio")]
    assert not rep.clean
    assert "empty pages:              1  (an error)" in rep.format()
    assert "  empty page: p.4: nothing stands" in rep.format()
    # a page meant blank (before a right-hand page) is not one
    frames[3] = Frame(blank=True)
    rep = Report()
    check_makeup(rep, fake)
    assert rep.empty_pages == [] and "empty pages" not in rep.format()


def test_check_quotes_lines_with_the_note_numbers_printed_on_the_page(tmp_path):
    """With `numbering: page` a mark is set with the article's number and drawn with the
    page's (notes.py): `typeset check` quoted the article's (⁠103 on a page whose notes run
    1-27), so a line could not be found by its quote. Every quote now shows the page's own
    numbers, short pages' "next page starts" included (adversarial round 8, finding 9)."""
    import os
    import random
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    r = random.Random(8)
    pool = "政协委员会议建设发展工作人民群众社会经济文化协商监督调研提案乡村振兴茶园山区"

    def words(n: int) -> str:
        return "".join(r.choice(pool) for _ in range(n))
    para = "".join(words(4) + "，" + words(4) + f"[^{i}]。" for i in range(1, 301))
    defs = "\n\n".join(f"[^{i}]: 注释第{i}条，{words(8)}。" for i in range(1, 301))
    (tmp_path / "a.md").write_text(f"---\ntitle: 测试\n---\n\n{para}\n\n{defs}\n",
                                   encoding="utf-8")
    layout = (root / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
    assert "  numerals: circled\n" in layout and "  numbering: page\n" in layout
    (tmp_path / "house.yaml").write_text(
        layout.replace("  numerals: circled\n", "  numerals: decimal\n"), encoding="utf-8")
    (tmp_path / "issue.yaml").write_text(
        "layout: house.yaml\nyear: 2024\nnumber: 2\nsections:\n  - title: 栏目\n"
        "    articles: [a.md]\n", encoding="utf-8")
    env = dict(os.environ, TYPESET_CACHE=str(tmp_path / "cache"), PYTHONPATH=str(root))
    res = subprocess.run([sys.executable, "-m", "typeset", "check", "issue.yaml"], env=env,
                         capture_output=True, text=True, cwd=tmp_path)
    assert "internal error" not in res.stderr
    quoted = [int(n) for n in re.findall(r"\u2060(\d+)", res.stdout)]
    assert len(quoted) > 20, res.stdout[:800]
    assert max(quoted) <= 40, f"check quotes note numbers up to {max(quoted)}"
