"""The contents page: long contents run over pages, long entries wrap, leaders fill to the
author and page, page numbers align right — and every page number is right."""
from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from typeset.build import compose, write
from typeset.layout.page import TextRun

NUMERALS = "一二三四五六七八九十"


@pytest.fixture(scope="module")
def long_issue(tmp_path_factory):
    root = tmp_path_factory.mktemp("long")
    (root / "articles").mkdir()
    sections = []
    n = 0
    for s in range(5):
        files = []
        for a in range(9):
            n += 1
            title = f"第{n}篇：关于进一步做好基层协商工作的思考" + ("与若干建议和做法的总结报告" * (n % 3))
            authors = "[吴宁, 艾粤敏]" if n % 4 else "[]"
            body = "\n\n".join(f"这是第{n}篇文章的第{k}段，写来测试目录的页码是否正确。" * 6
                               for k in range(1, 4 + n % 5))
            (root / "articles" / f"{n:02d}.md").write_text(
                f"---\ntitle: \"{title}\"\nauthors: {authors}\n---\n\n{body}\n", encoding="utf-8")
            files.append(f"      - articles/{n:02d}.md")
        sections.append(f"  - title: 栏目{NUMERALS[s]}\n    articles:\n" + "\n".join(files))
    manifest = root / "issue.yaml"
    manifest.write_text("layout: guangxi\nyear: 2025\nnumber: 1\nsections:\n"
                        + "\n".join(sections) + "\n", encoding="utf-8")
    comp = compose(manifest)
    out = root / "long.pdf"
    write(comp, out, variant="archive")
    return comp, [p.extract_text() for p in PdfReader(out).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_contents_run_over_pages(long_issue):
    comp, _ = long_issue
    assert len(comp.contents) >= 2
    assert [p.label for p in comp.contents] == [f"目录{i + 1}" for i in range(len(comp.contents))]


def test_every_entry_names_the_page_its_title_is_on(long_issue):
    comp, texts = long_issue
    n_contents = len(comp.front)
    contents = squash("".join(texts[:n_contents]))
    for section in comp.issue.sections:
        for art in section.articles:
            title = squash(art.front.title[0])
            m = re.compile(re.escape(title) + r"…*(?:[^(…]*)\((\d+)\)").search(contents)
            assert m, title
            folio = int(m.group(1))
            assert title in squash(texts[n_contents + folio - 1]), (title, folio)


def test_page_numbers_align_right_and_leaders_fill(long_issue):
    comp, _ = long_issue
    measure = comp.layout.measure
    rights = set()
    for page in comp.contents:
        runs = [it for it in page.items if isinstance(it, TextRun) and it.role == "contents-entry"]
        by_line: dict[float, list[TextRun]] = {}
        for r in runs:
            by_line.setdefault(round(r.y, 2), []).append(r)
        for line in by_line.values():
            line.sort(key=lambda r: r.x)
            last = line[-1]
            if not last.text.endswith(")"):
                continue        # a wrapped first line of a long entry
            end = last.x + comp.book.width(last.text, comp.layout.contents.entry_style)
            rights.add(round(end, 2))
            leaders = [r for r in line if set(r.text) == {"…"}]
            assert leaders and len(leaders[0].text) >= 2
    left = (comp.layout.page.width - measure) / 2
    assert rights == {round(left + measure, 2)}


def test_entries_without_author_have_leader_and_page_only(long_issue):
    comp, texts = long_issue
    contents = squash("".join(texts[:len(comp.contents)]))
    assert re.search(r"第4篇：[^…]*…+\(\d+\)", contents)
    assert re.search(r"第1篇：[^…]*…+吴宁艾粤敏\(\d+\)", contents)
