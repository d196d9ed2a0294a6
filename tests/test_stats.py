"""`typeset stats`: 字数 by class from the sources, 版面字数 from the laid-out pages.

The fixture issue is written here, small enough to count by hand (the comments do it); the
counting rule is tested as data, the table's alignment by display width, the CSV by reading it
back with the csv module."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from typeset.build import compose
from typeset.cli import main
from typeset.stats import COLUMNS, count_text, issue_stats, occupied, width
from tests import issuekit

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "issues" / "sample" / "issue.yaml"

# (text, 汉字, 标点, 外文词, 数字)
CASES = [
    ("政协委员", 4, 0, 0, 0),
    ("会议要求，各专门委员会要尽早制定方案。", 17, 2, 0, 0),
    ("“回头看”", 3, 2, 0, 0),
    ("他说——好……", 3, 4, 0, 0),                   # —— and …… count two each
    ("《政协专报》", 4, 2, 0, 0),
    ("2024年3月", 2, 0, 0, 2),                         # a number is one, however long
    ("共3.5万字", 3, 0, 0, 1),
    ("typeset排版", 2, 0, 1, 0),
    ("PDF/X-4 文件", 2, 0, 1, 0),                      # / and - inside a word
    ("5G网络", 2, 0, 1, 0),                            # digits and letters: a word
    ("电话0771-1234567", 2, 0, 0, 1),
    ("tougao-sample@example.com", 0, 0, 1, 0),
    ("New York 时报", 2, 0, 2, 0),                      # words end at spaces
    ("气温25℃", 2, 0, 0, 1),
    ("北京 - 上海", 4, 1, 0, 0),                        # a lone ASCII mark counts one
    ("吴　宁", 2, 0, 0, 0),                              # U+3000 counts nothing
    ("①※％", 0, 3, 0, 0),                              # full-width symbols
    ("Ａ４纸", 1, 2, 0, 0),                              # full-width letters and digits
    ("排\u200b版\u2060好", 3, 0, 0, 0),                  # invisible characters are not printed
    ("〇々", 2, 0, 0, 0),
    ("", 0, 0, 0, 0),
]


@pytest.mark.parametrize("text,han,punct,words,numbers", CASES,
                         ids=[c[0] or "empty" for c in CASES])
def test_count_text(text, han, punct, words, numbers):
    c = count_text(text)
    assert (c.han, c.punct, c.words, c.numbers) == (han, punct, words, numbers)
    assert c.total == han + punct + words + numbers


# --- a fixture counted by hand ---------------------------------------------------------------

# Article A. 字数 — title 村里来了新书记: 7 汉字. Paragraph 1: 40 汉字 (the bold markup and
# the zero width space are not printed) + 。. Subhead 一、总体要求: 5 汉字 + 、. Paragraph 2:
# 年 和 共 排 版 万 字 = 7 汉字, ，！ = 2 标点, typeset (the soft hyphen is removed by the
# character rules) and PDF/X-4 = 2 外文词, 2024 and 3.5 = 2 数字. Note 作者系山水市政协委员:
# 10 汉字 (its layout brackets are not counted). The author 吴宁 is not counted.
#   汉字 7 + 40 + 5 + 7 + 10 = 69, 标点 1 + 1 + 2 = 4, 外文词 2, 数字 2, 字数 77.
# Lines (guangxi: 32 字 × 28 行 on a 22 pt grid): the head at the top of folio 1 is title
# 30 + 8 pt and authors 22 + 8 pt = 68 pt -> 4 lines; paragraph 1 is 2 + 40 + 1 = 43 em
# -> 2 lines (30 + 13); the subhead 11 + 22 pt -> 2 lines; paragraph 2 and the note one
# line each: 10 lines, 版面字数 10 × 32 = 320, on folio 1 only.
P1 = "新来的书记走遍了全村每一户人家\u200b把群众的**难处**一件一件记在本子上认真研究解决这些问题。"
ARTICLE_A = f"""---
title: 村里来了新书记
authors: [吴宁]
note: 作者系山水市政协委员
---
{P1}

## 一、总体要求

2024年，type\u00adset和PDF/X-4共排版3.5万字！
"""
# Article B, on a new page: title 山水之间 (4 汉字) and one paragraph of 958 汉字 without
# punctuation: 30 on its first line, then 29 lines of 32 = 30 lines. Folio 2 holds the title
# (30 + 8 pt -> 2 lines) and 26 of them, folio 3 the last 4: 32 lines, 版面字数 1024, 字数 962.
ARTICLE_B = "---\ntitle: 山水之间\n---\n" + "青山绿水" * 239 + "山水\n"
MANIFEST = """layout: guangxi
journal: 山水政协工作
year: 2024
number: 5
sections:
  - title: 乡村振兴
    articles: [articles/a.md]
  - title: 山水之间
    articles: [articles/b.md]
colophon:
  - label: 编辑
    text: 李明 王芳
"""


@pytest.fixture(scope="module")
def fixture_issue(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("stats-issue")
    (d / "articles").mkdir()
    (d / "articles" / "a.md").write_text(ARTICLE_A, encoding="utf-8")
    (d / "articles" / "b.md").write_text(ARTICLE_B, encoding="utf-8")
    (d / "issue.yaml").write_text(MANIFEST, encoding="utf-8")
    return d / "issue.yaml"


def test_the_fixture_is_what_the_comments_count():
    body = P1.replace("**", "").replace("\u200b", "")
    assert len(body) == 41 and body.endswith("。")
    assert len(ARTICLE_B.split("---\n")[2].strip()) == 958


def test_counts_of_the_fixture(fixture_issue):
    stats = issue_stats(compose(fixture_issue))
    a, b = stats.articles
    assert (a.section, a.title, a.authors) == ("乡村振兴", "村里来了新书记", "吴宁")
    assert (a.chars.han, a.chars.punct, a.chars.words, a.chars.numbers) == (69, 4, 2, 2)
    assert a.chars.total == 77
    assert (a.first, a.last, a.pages, a.lines, a.layout_chars) == ("1", "1", 1, 10, 320)
    assert (b.section, b.title, b.authors) == ("山水之间", "山水之间", "")
    assert (b.chars.han, b.chars.punct, b.chars.words, b.chars.numbers) == (962, 0, 0, 0)
    assert (b.first, b.last, b.pages, b.lines, b.layout_chars) == ("2", "3", 2, 32, 1024)
    count, pages, lines, layout_chars = stats.totals()
    assert (count.total, pages, lines, layout_chars) == (77 + 962, 3, 42, 1344)
    assert (stats.chars_per_line, stats.lines_per_page, stats.per_page) == (32, 28, 896)


def test_csv_reads_back(fixture_issue, tmp_path):
    out = tmp_path / "stats.csv"
    assert main(["stats", str(fixture_issue), "--csv", "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")                    # the BOM Excel needs
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 3                                        # header + one per article
    got = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert got[0]["标题"] == "村里来了新书记" and got[0]["字数"] == "77"
    assert got[0]["汉字"] == "69" and got[0]["版面字数"] == "320"
    assert (got[1]["起页"], got[1]["止页"], got[1]["页数"]) == ("2", "3", "2")
    assert got[1]["行数"] == "32" and got[1]["版面字数"] == "1024"


def test_csv_to_stdout_in_a_child_process(fixture_issue, tmp_path):
    r = subprocess.run([sys.executable, "-m", "typeset", "stats", str(fixture_issue), "--csv"],
                       capture_output=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT),
                                                           "LANG": "C", "PATH": "/usr/bin:/bin",
                                                           "TYPESET_CACHE": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(COLUMNS) and len(rows) == 3


def test_table_is_aligned_for_cjk_widths(fixture_issue, capsys):
    assert main(["stats", str(SAMPLE)]) == 0
    out = capsys.readouterr().out.splitlines()
    head, rule = out[1], out[2]
    rows = [line for line in out[3:] if not line.startswith("-")]
    assert len(rows) == 11 and rows[-1].startswith("合计")
    # every row ends at the rule's width (numbers right-aligned, CJK counted two columns)
    assert width(head) == len(rule)
    assert {width(r) for r in rows} == {len(rule)}
    assert "版心 32 字 × 28 行 = 896 字/页" in out[0]


def test_sample_lines_stay_inside_the_text_block():
    """Each article's lines on a page lie within the text block, never overlap another
    article's, and the 版面字数 total is at most the body pages' capacity."""
    comp = compose(SAMPLE)
    spans = occupied(comp)
    per_page: dict[int, list[tuple[int, int]]] = {}
    for pages in spans.values():
        for i, span in pages.items():
            per_page.setdefault(i, []).append(span)
    for i, found in per_page.items():
        found.sort()
        assert all(0 <= t < b <= 28 for t, b in found), (i, found)
        assert all(a[1] <= b[0] for a, b in zip(found, found[1:])), (i, found)
    stats = issue_stats(comp)
    assert len(stats.articles) == 10
    assert sum(a.layout_chars for a in stats.articles) <= len(comp.body) * 896
    # an article's 字数 is at most its 版面字数 (a page holds 896 characters, less indents)
    for a in stats.articles:
        assert a.chars.total <= a.layout_chars, a.title


def test_stats_of_a_broken_issue_is_located(tmp_path, capsys):
    (tmp_path / "issue.yaml").write_text("layout: guangxi\nyear: 2024\nnumber: 1\nsections:\n"
                                         "  - title: 动态\n    articles: [nope.md]\n",
                                         encoding="utf-8")
    assert main(["stats", str(tmp_path / "issue.yaml")]) == 1
    err = capsys.readouterr().err
    assert "issue.yaml:6" in err and "not found" in err


# --- every page an article occupies (adversarial round 8, finding 3) ---------------------------

_HAN = issuekit.pool(2)


def _words(r, n: int) -> str:
    return issuekit.words(r, n, _HAN)


def _sentence(r, n: int | None = None) -> str:
    return issuekit.sentence(r, n, _HAN)


def _one_article(root: Path, body: str) -> Path:
    return issuekit.one_article_issue(root, body, article="a.md")


def _typeset(tmp_path: Path, *args) -> subprocess.CompletedProcess:
    import os
    env = dict(os.environ, TYPESET_CACHE=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "typeset", *map(str, args)], env=env,
                          capture_output=True, text=True, cwd=tmp_path)


def _pages_with_content(tmp_path: Path, manifest: Path) -> int:
    """Body pages on which `typeset dump` shows anything but a running head or folio."""
    import re
    res = _typeset(tmp_path, "dump", manifest)
    assert res.returncode == 0, res.stderr
    count, body, seen = 0, False, False
    for ln in res.stdout.splitlines() + ["== page end [end]"]:
        if ln.startswith("== page"):
            count += body and seen
            body, seen = "[body]" in ln, False
            continue
        g = re.match(r"\s+y=\s*[-\d.]+\s+x=\s*[-\d.]+\s+[\d.]+\s+\S+\s+(\S+)", ln)
        if g and g.group(1) not in ("running-head", "folio"):
            seen = True
    return count


def _stats_line(tmp_path: Path, manifest: Path) -> tuple[int, list[str]]:
    """(pages the articles stand on, the article's row of the CSV)."""
    import re
    res = _typeset(tmp_path, "stats", manifest)
    assert res.returncode == 0, res.stderr
    pages = int(re.search(r"articles on (\d+) of \d+ body pages", res.stdout).group(1))
    res = _typeset(tmp_path, "stats", manifest, "--csv")
    rows = list(csv.reader(io.StringIO(res.stdout.lstrip("\ufeff"), newline="")))
    return pages, rows[1]


def test_stats_counts_the_pages_a_long_table_fills(tmp_path):
    """An article of one paragraph and a table of 300 rows fills 12 body pages: `stats` said
    "1 articles on 1 of 12 body pages", 页数 1, and 版面字数 of the head and paragraph only
    (`occupied` skipped table parts, figures and notes). Every page counts, every full page
    of the table by its 28 lines."""
    import random
    r = random.Random(4)
    table = "| 序号 | 单位 | 数量 | 说明 |\n|--:|:--|--:|:--|\n" + "".join(
        f"| {i + 1} | {_words(r, 6)} | {r.randint(1, 9999)} | {_sentence(r, 10)} |\n"
        for i in range(300))
    m = _one_article(tmp_path / "i", _sentence(r) + "\n\n" + table + "\n: 表1 各单位情况")
    shown = _pages_with_content(tmp_path, m)
    assert shown > 5
    pages, row = _stats_line(tmp_path, m)
    assert pages == shown and int(row[COLUMNS.index("页数")]) == shown
    assert (row[COLUMNS.index("起页")], row[COLUMNS.index("止页")]) == ("1", str(shown))
    lines = int(row[COLUMNS.index("行数")])
    assert 28 * (shown - 1) < lines <= 28 * shown
    assert int(row[COLUMNS.index("版面字数")]) == lines * 32


def test_stats_counts_the_pages_a_footnote_runs_over(tmp_path):
    """A note of 50 paragraphs stands on 4 body pages (some hold only its continuation);
    `stats` counted 2. Its lines at the pages' foot count in 行数 and 版面字数."""
    import random
    r = random.Random(1)
    note = "[^1]: " + "".join(_sentence(r) for _ in range(3)) + "".join(
        "\n\n    " + "".join(_sentence(r) for _ in range(3)) for _ in range(49))
    body = ("".join(_sentence(r) for _ in range(3)) + "有注[^1]。\n\n"
            + "".join(_sentence(r) for _ in range(5)) + "\n\n" + note)
    m = _one_article(tmp_path / "i", body)
    shown = _pages_with_content(tmp_path, m)
    assert shown >= 3
    pages, row = _stats_line(tmp_path, m)
    assert pages == shown and int(row[COLUMNS.index("页数")]) == shown
    # the pages after the first hold only the note: nearly all of each counts
    assert int(row[COLUMNS.index("行数")]) > 20 * (shown - 1)


def test_footnotes_share_the_note_area_by_their_lines():
    """Two articles' notes at the foot of one page (a shared page, `chongqing`): the note
    area's grid lines are shared in proportion to their lines and add up to the area."""
    from types import SimpleNamespace

    from typeset.layout.flow import Note
    from typeset.layout.paginate import Frame, NotePlacement
    from typeset.stats import foot_lines

    def note(key, n):
        return Note(key=key, label="1", number=1, lines=[None] * n, pitch=10.0,
                    number_width=0.0)
    frame = Frame(notes=[NotePlacement(note("article-1-1:1", 0), 0, 3, 1),
                         NotePlacement(note("article-1-2:1", 0), 0, 5, 2),
                         NotePlacement(note("article-1-2:2", 0), 0, 2, 3)], foot=9)
    feet = foot_lines(SimpleNamespace(frames=[Frame(), frame]))
    assert feet == {"article-1-1": {1: 3}, "article-1-2": {1: 6}}
