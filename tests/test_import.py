"""typeset import: Word documents (built here with python-docx, all text written for this
project) -> articles. What is recognised and why, that every character of the document is in
the article, that escaped Markdown reads back as written, and what bad input gets."""
from __future__ import annotations

import os
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.docxfixture import P, PageBreak, Picture, Table, article_blocks, build_docx, make_image
from typeset.cli import main
from typeset.importer import import_docx
from typeset.model.article import load_article
from typeset.model.chars import normalize, printed

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# --- the document's text, read independently of the importer ---------------------------------

def docx_texts(path: Path) -> list[str]:
    """Every paragraph of the body (table cells included) and of the footnotes, as Word
    stores it: w:t text, tabs, breaks; in document order, footnotes last."""
    texts: list[str] = []
    with zipfile.ZipFile(path) as z:
        from lxml import etree

        for part in ("word/document.xml", "word/footnotes.xml"):
            if part not in z.namelist():
                continue
            root = etree.fromstring(z.read(part))
            for p in root.iter(f"{W}p"):
                buf = []
                for el in p.iter(f"{W}t", f"{W}tab", f"{W}br"):
                    buf.append(el.text or "" if el.tag == f"{W}t" else
                               "\t" if el.tag == f"{W}tab" else "\n")
                texts.append("".join(buf))
    return texts


def article_text(md: str) -> str:
    """The article's printed text: front-matter values and body with the markup the importer
    writes taken away (##, **, figure and table syntax, note references and definitions,
    backslash escapes)."""
    _, front, body = md.split("---\n", 2)
    values = yaml.safe_load(front)
    out = []
    for key in ("title", "subtitle", "authors", "byline", "lead", "note"):
        v = values.get(key)
        if v:
            out.extend(v if isinstance(v, list) else [v])
    for line in body.split("\n"):
        if re.fullmatch(r"\|(?:[-:]+\|)+", line):
            continue                                         # the delimiter row
        if line.startswith("| "):                            # a table row: cells apart
            cells = re.split(r"(?<!\\) ?\| ?", line)
            out.extend(_unmark(c) for c in cells)
            continue
        line = re.sub(r"^#{2,3} ", "", line)
        line = re.sub(r"^\[\^\d+\]: ?", "", line)            # a note's definition
        line = re.sub(r"^: ", "", line)                      # a table's caption
        m = re.fullmatch(r"!\[(.*)\]\(images/[^)]+\)\{width=full\}", line)
        if m:
            line = m.group(1)
        out.append(_unmark(line))
    return "\n".join(out)


def _unmark(line: str) -> str:
    res = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line) and re.match(r"[!-/:-@\[-`{-~]", line[i + 1]):
            res.append(line[i + 1])
            i += 2
        elif ch == "*":
            i += 1                                           # emphasis
        elif line.startswith("[^", i) and re.match(r"\[\^\d+\]", line[i:]):
            i = line.index("]", i) + 1                       # a note reference
        else:
            res.append(ch)
            i += 1
    return "".join(res)


def visible_counter(text: str) -> Counter:
    return Counter(ch for ch in printed(text) if not ch.isspace())


def assert_every_character_kept(docx: Path, md: str, consumed: list[str]) -> None:
    doc = Counter()
    for t in docx_texts(docx):
        doc += visible_counter(normalize(t))
    art = visible_counter(article_text(md)) + visible_counter("".join(consumed))
    assert doc - art == Counter(), f"dropped: {doc - art}"
    assert art - doc == Counter(), f"added: {art - doc}"


def do_import(tmp_path: Path, blocks: list, name: str = "wenzhang", **kw):
    src = build_docx(tmp_path / f"{name}.docx", blocks)
    result = import_docx(src, tmp_path / f"{name}.md", **kw)
    return src, result


# --- a document built by hand ----------------------------------------------------------------

HAND = [
    P("龙溪镇：小菜园里的大民生", style="Title"),
    P("——龙溪镇政协委员工作站助力“家门口”菜市场改造"),
    P("□ 蒙晓川 黎　芳"),
    P("今年以来，龙溪镇政协委员工作站把农贸市场改造作为“有事好商量”的重点议题，"
      "先后组织协商活动4次，收集群众意见86条[^见《龙溪镇政协委员工作站2024年工作台账》。]。"),
    P("一、问需于民，把议题选准"),
    P("**创建党建品牌。**深入开展“委员进市场”活动，委员们分组走访摊主和居民。"),
    P("**坚持每月一议。**2024年共召开协商会12场，参会群众超过300人次。"),
    P("（一）摸清底数"),
    P("调查显示，市场内有固定摊位68个，其中约三成存在排水不畅、遮阳不足等问题。"),
    Picture("jpeg", seed=3),
    P("图1 委员在龙溪农贸市场听取摊主意见", style="Caption"),
    P("表1 市场改造前后对比"),
    Table([["项目", "改造前", "改造后"], ["固定摊位（个）", "68", "92"],
           ["排水沟（m）", "120", "480"]]),
    P("二、议而有决，把实事办好", style="Heading 1"),
    P("市场改造完成后，周边居民买菜更方便了，摊主的收入也有了提高。"),
    P("（作者系龙溪镇政协委员工作站站长）"),
]


def test_hand_built_document(tmp_path):
    src, r = do_import(tmp_path, HAND)
    md = r.markdown
    values = yaml.safe_load(md.split("---\n")[1])
    assert values == {"title": "龙溪镇：小菜园里的大民生",
                      "subtitle": "——龙溪镇政协委员工作站助力“家门口”菜市场改造",
                      "authors": ["蒙晓川", "黎芳"],
                      "note": "作者系龙溪镇政协委员工作站站长"}
    assert "\n## 一、问需于民，把议题选准\n" in md
    assert "\n### （一）摸清底数\n" in md
    assert "\n## 二、议而有决，把实事办好\n" in md
    assert "\n**创建党建品牌。**深入开展“委员进市场”活动" in md
    assert "收集群众意见86条[^1]。" in md
    assert md.rstrip().endswith("[^1]: 见《龙溪镇政协委员工作站2024年工作台账》。")
    assert "\n![图1 委员在龙溪农贸市场听取摊主意见](images/wenzhang-1.jpg){width=full}\n" in md
    assert ("| 项目 | 改造前 | 改造后 |\n|---|---|---|\n| 固定摊位（个） | 68 | 92 |\n"
            "| 排水沟（m） | 120 | 480 |\n\n: 表1 市场改造前后对比\n") in md
    # the picture: the document's own bytes, not re-encoded
    with zipfile.ZipFile(src) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert (tmp_path / "images" / "wenzhang-1.jpg").read_bytes() == z.read(media[0])
    assert r.article.read_text(encoding="utf-8") == md
    assert_every_character_kept(src, md, r.consumed)
    assert sorted(r.consumed) == sorted(["□ ", " ", "　", "（", "）"])


def test_hand_built_document_guesses_printed(tmp_path, capsys):
    src = build_docx(tmp_path / "hand.docx", HAND)
    assert main(["import", str(src)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"typeset: {src} -> {tmp_path / 'hand.md'}"
    lines = [line.strip() for line in out[1:-1]]
    assert lines[:4] == [
        "title: “龙溪镇：小菜园里的大民生” (Word style Title)",
        "subtitle: “——龙溪镇政协委员工作站助力“家门口”菜市场改造” (starts with —— right "
        "after the title)",
        "authors: 蒙晓川, 黎芳 (a line starting with □)",
        "note: “作者系龙溪镇政协委员工作站站长” (the closing paragraph in parentheses, "
        "starting with 作者系)"]
    assert "##: “一、问需于民，把议题选准” (a head numbered 一、)" in lines
    assert "###: “（一）摸清底数” (a head numbered （一）)" in lines
    assert "##: “二、议而有决，把实事办好” (Word style Heading 1)" in lines
    assert ("figure 1: “图1 委员在龙溪农贸市场听取摊主意见” (caption: the Caption-style "
            "paragraph after it)") in lines
    assert ("table 1: 3 rows × 3 columns, “表1 市场改造前后对比” (caption: the paragraph "
            "starting with 表 before it)") in lines
    assert "footnotes: 1 (Word footnotes and endnotes, as [^n])" in lines
    assert out[-1] == (f"typeset: wrote {tmp_path / 'hand.md'}: 5 paragraphs, 3 subheads, "
                       "1 figures (images/hand-1.jpg), 1 tables, 1 footnotes")


def test_text_only_article_loads_with_every_block(tmp_path):
    """Without figures, tables and notes the article loads today: compare block by block."""
    blocks = [P("柳塘村的夏天", style="Title"), P("作者：韦晓岚、覃明远"),
              P("**一是抓好规划。**柳塘村把村庄规划挂在村委会墙上，村民随时可以提意见。"),
              P("二是抓好落实。村里成立了5个工作小组，分片包干。"),
              P("Latin words, 2024 年, 1000m² and e-mail li.ming@example.org stay as written."),
              P("一行\n接一行，line\nbreak joined."),
              P("来源：《青溪日报》")]
    src, r = do_import(tmp_path, blocks)
    art = load_article(r.article)
    assert art.front.title == ("柳塘村的夏天",)
    assert art.front.authors == ("韦晓岚", "覃明远")
    assert art.front.note == "来源：《青溪日报》"
    texts = [b.text for b in art.blocks]
    assert texts == ["一是抓好规划。柳塘村把村庄规划挂在村委会墙上，村民随时可以提意见。",
                     "二是抓好落实。村里成立了5个工作小组，分片包干。",
                     "Latin words, 2024 年, 1000m² and e-mail li.ming@example.org stay as "
                     "written.",
                     "一行接一行，line break joined."]
    assert [(r.text, r.bold) for r in art.blocks[0].inlines][0] == ("一是抓好规划。", True)
    assert_every_character_kept(src, r.markdown, r.consumed)


# --- never drop text ---------------------------------------------------------------------------

@pytest.mark.parametrize("pages", [1, 5, 12])
def test_every_character_of_a_long_document_is_kept(tmp_path, pages):
    src, r = do_import(tmp_path, article_blocks(pages, seed=pages))
    assert_every_character_kept(src, r.markdown, r.consumed)
    assert r.counts["figures"] == len([b for b in article_blocks(pages, seed=pages)
                                       if isinstance(b, Picture)])


TRICKY = [
    "*星号*和_下划线_不是强调，**两个星号**也不是",
    "# 井号开头不是标题",
    "## 两个井号",
    "1. 数字加点不是列表",
    "2) 括号也不是",
    "- 减号开头",
    "+ 加号开头",
    "> 大于号开头不是引用",
    "[链接文字](http://example.org) 不是链接",
    "![图片](a.png) 不是图片",
    "<b>标签</b> 和 <https://example.org> 和 <li.ming@example.org>",
    "&amp; 和 &#20013; 不是实体",
    "`反引号` 不是代码",
    "反斜杠 \\ 在中间，结尾也有\\",
    "~~波浪线~~ 和 3~5 年",
    "竖线 a|b 在中间",
    "| 竖线开头 |",
    ": 冒号开头",
    "---",
    "***",
    "___",
    "====",
    "```",
    "~~~",
    "[^1] 不是脚注",
    "[^2]: 也不是脚注定义",
    "{width=full} 不是属性",
    "    四个空格开头",
    "2024.3.5 的日期",
    "e_mail_x@example.org 与 snake_case_name",
    "\\*已经转义的\\*",
    "1\\. 已有反斜杠",
]


def test_markdown_characters_print_as_written(tmp_path):
    blocks = [P("标题", style="Title")] + [P(t, raw=True) for t in TRICKY]
    src, r = do_import(tmp_path, blocks)
    art = load_article(r.article)
    assert [b.text for b in art.blocks] == [normalize(t).strip() for t in TRICKY]
    assert all(not run.bold and not run.italic for b in art.blocks for run in b.inlines)
    assert_every_character_kept(src, r.markdown, r.consumed)


BOLD_CASES = [
    # (runs as (text, bold), what the reader must give back as (text, bold) runs)
    ([("创建党建品牌。", True), ("深入实施……", False)],
     [("创建党建品牌。", True), ("深入实施……", False)]),
    ([("前面", False), ("“回头看”", True), ("后面", False)],
     [("前面", False), ("“回头看”", True), ("后面", False)]),
    ([("坚持每月一议。", True), ("2024年共召开", False)],
     [("坚持每月一议", True), ("。2024年共召开", False)]),
    ([("abc", False), ("“引号”", True), ("def", False)],
     [("abc“", False), ("引号", True), ("”def", False)]),
    ([("加粗 ", True), ("带空格", False)], [("加粗", True), (" 带空格", False)]),
    ([("正文", False), (" ", True), ("空格加粗", False)], [("正文 空格加粗", False)]),
    ([("全段加粗，没有别的。", True)], [("全段加粗，没有别的。", True)]),
    ([("*星号*", True), ("之后", False)], [("*星号*", True), ("之后", False)]),
]


@pytest.mark.parametrize("runs,expect", BOLD_CASES)
def test_bold_runs_read_back(tmp_path, runs, expect):
    src, r = do_import(tmp_path, [P("标题", style="Title"), P(runs)])
    art = load_article(r.article)
    assert [(i.text, i.bold) for i in art.blocks[0].inlines] == expect
    assert_every_character_kept(src, r.markdown, r.consumed)


def test_bold_across_chinese_punctuation_is_written_plainly(tmp_path):
    _, r = do_import(tmp_path, [P("标题", style="Title"),
                                P([("创建党建品牌。", True), ("深入实施", False)])])
    assert "\n**创建党建品牌。**深入实施\n" in r.markdown


# --- recognising -------------------------------------------------------------------------------

def front(tmp_path, blocks) -> dict:
    _, r = do_import(tmp_path, blocks)
    return yaml.safe_load(r.markdown.split("---\n")[1]), r


BODY = P("正文第一段，写得足够长，不会被当成标题或者作者。这里还有第二句话。")


@pytest.mark.parametrize("blocks,expect,why", [
    ([P("会议召开", style="Title"), BODY], {"title": "会议召开"}, "style Title"),
    ([P("会议召开", size=22), P(BODY.text, size=12)], {"title": "会议召开"},
     "set larger than the body text: 22 pt, not 12"),
    ([P("会议召开", bold=True), BODY], {"title": "会议召开"}, "the first paragraph, all bold"),
    ([P("第一行\n第二行", style="Title"), BODY], {"title": ["第一行", "第二行"]}, "style Title"),
    ([P("上行", style="Title"), P("下行", style="Title"), BODY], {"title": ["上行", "下行"]},
     "style Title"),
    ([P("会议召开", style="Heading 1"), BODY], {"title": "会议召开"},
     "the first paragraph, Word style Heading 1"),
    ([P("会议召开"), BODY], {"title": "会议召开"}, "nothing is styled as a title: check it"),
])
def test_title(tmp_path, blocks, expect, why):
    values, r = front(tmp_path, blocks)
    assert values == expect
    assert why in r.guesses[0].why and r.guesses[0].what == "title"


def test_no_title_is_an_error(tmp_path, capsys):
    src = build_docx(tmp_path / "a.docx", [BODY, BODY])
    assert main(["import", str(src)]) == 1
    err = capsys.readouterr().err
    assert "a.docx: cannot tell the title" in err and "Title style" in err
    assert not (tmp_path / "a.md").exists()


@pytest.mark.parametrize("line,expect,consumed", [
    ("□ 张三", {"authors": ["张三"]}, ["□ "]),
    ("□张三 李四", {"authors": ["张三", "李四"]}, ["□", " "]),
    ("■ 欧阳晓明", {"authors": ["欧阳晓明"]}, ["■ "]),
    ("作者：张三、李四", {"authors": ["张三", "李四"]}, ["作者：", "、"]),
    ("作者: 王五", {"authors": ["王五"]}, ["作者: "]),
    ("文/赵六", {"authors": ["赵六"]}, ["文/"]),
    ("文／阿依古丽·买买提", {"authors": ["阿依古丽·买买提"]}, ["文／"]),
    ("□ 吴　宁 艾粤敏", {"authors": ["吴宁", "艾粤敏"]}, ["□ ", "　", " "]),
    ("记者 张文敬 通讯员 寇琦明 王学涛", {"byline": "记者 张文敬 通讯员 寇琦明 王学涛"}, []),
    ("本刊记者 黎明", {"byline": "本刊记者 黎明"}, []),
    ("□ 本刊记者 黎明", {"byline": "本刊记者 黎明"}, ["□ "]),
    ("文/青溪县政协办公室", {"byline": "青溪县政协办公室"}, ["文/"]),
    ("韦晓岚 覃明远", {"authors": ["韦晓岚", "覃明远"]}, [" "]),     # centred, see below
    ("青溪县政协研究室 石门镇委员工作站", {"byline": "青溪县政协研究室 石门镇委员工作站"}, []),
])
def test_byline(tmp_path, line, expect, consumed):
    values, r = front(tmp_path, [P("标题", style="Title"), P(line, align="center"), BODY])
    values.pop("title")
    assert values == expect
    assert r.consumed == consumed


def test_subtitle_and_several_byline_lines(tmp_path):
    values, _ = front(tmp_path, [P("标题", style="Title"), P("——以青溪县为例"),
                                 P("□ 张三"), P("□ 李四"), BODY])
    assert values == {"title": "标题", "subtitle": "——以青溪县为例", "authors": ["张三", "李四"]}


@pytest.mark.parametrize("last,note,consumed", [
    ("（作者系青溪县政协主席）", "作者系青溪县政协主席", ["（", "）"]),
    ("(作者系青溪县政协委员（民建）)", "作者系青溪县政协委员（民建）", ["(", ")"]),
    ("来源：《青溪日报》", "来源：《青溪日报》", []),
    ("（来源：青溪县政协网站）", "来源：青溪县政协网站", ["（", "）"]),
    ("（作者单位：青溪县政协研究室）", "作者单位：青溪县政协研究室", ["（", "）"]),
])
def test_closing_note(tmp_path, last, note, consumed):
    values, r = front(tmp_path, [P("标题", style="Title"), BODY, P(last)])
    assert values["note"] == note
    assert r.consumed == consumed
    assert last not in r.markdown.split("---\n", 2)[2]


def test_two_closing_paragraphs_make_one_note(tmp_path):
    values, _ = front(tmp_path, [P("标题", style="Title"), BODY, P("（作者系青溪县政协主席）"),
                                 P("来源：《青溪日报》")])
    assert values["note"] == "作者系青溪县政协主席 来源：《青溪日报》"


def test_a_note_like_paragraph_inside_the_body_stays(tmp_path):
    _, r = do_import(tmp_path, [P("标题", style="Title"), P("（作者系青溪县政协主席）"), BODY])
    assert "note" not in yaml.safe_load(r.markdown.split("---\n")[1])
    assert "（作者系青溪县政协主席）" in r.markdown


@pytest.mark.parametrize("blocks,heads", [
    ([P("一、总体情况"), P("（一）基本做法"), P("（二）主要成效")],
     ["## 一、总体情况", "### （一）基本做法", "### （二）主要成效"]),
    ([P("概述", style="Heading 1"), P("细节", style="Heading 2"), P("更细", style="Heading 3")],
     ["## 概述", "### 细节", "### 更细"]),
    ([P("概述", style="Heading 2"), P("细节", style="Heading 3")], ["## 概述", "### 细节"]),
    ([P("一、加强领导。各级政协要把这项工作摆上重要议程，定期研究。")], []),
    ([P("十二、" + "很长的标题" * 15)], []),
])
def test_subheads(tmp_path, blocks, heads):
    _, r = do_import(tmp_path, [P("标题", style="Title"), BODY] + blocks + [BODY])
    body = r.markdown.split("---\n", 2)[2]
    assert [line for line in body.split("\n") if line.startswith("#")] == heads
    art = load_article(r.article)
    assert [b.level for b in art.blocks if b.kind == "heading"] == \
        [len(h.split()[0]) for h in heads]


def test_custom_heading_style_names(tmp_path):
    """Styles named 标题 1 / 标题 2 (a document made in a Chinese Word) are headings."""
    import docx

    src = build_docx(tmp_path / "a.docx", [P("标题", style="Title"), BODY, P("甲", style="Normal"),
                                           P("乙", style="Normal"), BODY])
    d = docx.Document(str(src))
    for name, para in (("标题 1", d.paragraphs[2]), ("标题 2", d.paragraphs[3])):
        from docx.enum.style import WD_STYLE_TYPE
        para.style = d.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    d.save(str(src))
    r = import_docx(src, tmp_path / "a.md")
    assert "\n## 甲\n" in r.markdown and "\n### 乙\n" in r.markdown


def test_captions(tmp_path):
    blocks = [P("标题", style="Title"), BODY,
              Picture("png"), P("图2 龙溪河上的新桥"),                      # after, by 图N
              P("表一 各村情况"), Table([["村", "户数"], ["柳塘", "120"]]),    # before, by 表N
              Picture("jpeg", seed=5), BODY,                                # no caption
              Table([["甲", "乙"]]), P("两村对比", style="Caption"),         # after, Caption
              P("图书馆的故事不是图注。")]
    _, r = do_import(tmp_path, blocks)
    body = r.markdown.split("---\n", 2)[2]
    assert "![图2 龙溪河上的新桥](images/wenzhang-1.png){width=full}" in body
    assert "| 柳塘 | 120 |\n\n: 表一 各村情况" in body
    assert "\n![](images/wenzhang-2.jpg){width=full}\n" in body
    assert "| 甲 | 乙 |\n|---|---|\n\n: 两村对比" in body
    assert "\n图书馆的故事不是图注。\n" in body
    assert (tmp_path / "images" / "wenzhang-1.png").read_bytes()[:4] == b"\x89PNG"


def test_table_cells_escape_pipes_and_keep_bold(tmp_path):
    import docx

    src = build_docx(tmp_path / "a.docx", [P("标题", style="Title"), BODY,
                                           Table([["a|b", "列"], ["x", "y"]])])
    d = docx.Document(str(src))
    cell = d.tables[0].cell(1, 1)
    cell.paragraphs[0].runs[0].bold = True
    cell.add_paragraph("第二段")
    d.save(str(src))
    r = import_docx(src, tmp_path / "a.md")
    assert "| a\\|b | 列 |\n|---|---|\n| x | **y** 第二段 |" in r.markdown
    assert_every_character_kept(src, r.markdown, r.consumed)


def test_footnotes_numbered_in_reading_order(tmp_path):
    _, r = do_import(tmp_path, [P("标题", style="Title"),
                                P("第一处[^第一条注释。]，第二处[^第二条注释。]。"),
                                P("表格之前[^第三条。]")])
    body = r.markdown.split("---\n", 2)[2]
    assert "第一处[^1]，第二处[^2]。" in body and "表格之前[^3]" in body
    assert body.rstrip().endswith("[^1]: 第一条注释。\n\n[^2]: 第二条注释。\n\n[^3]: 第三条。")


def test_a_footnote_on_the_title_goes_to_the_note(tmp_path):
    values, r = front(tmp_path, [P("标题[^本文为青溪县政协重点课题成果。]", style="Title"), BODY])
    assert values == {"title": "标题", "note": "本文为青溪县政协重点课题成果。"}
    assert "[^" not in r.markdown


def test_page_breaks_and_empty_paragraphs_are_not_text(tmp_path):
    src, r = do_import(tmp_path, [P("标题", style="Title"), P(""), PageBreak(), BODY, P("   ")])
    assert r.counts["paragraphs"] == 1
    assert_every_character_kept(src, r.markdown, r.consumed)


def test_tracked_changes_read_as_accepted(tmp_path):
    import docx
    from docx.oxml import parse_xml

    src = build_docx(tmp_path / "a.docx", [P("标题", style="Title"), P("保留")])
    d = docx.Document(str(src))
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    p = d.paragraphs[1]._p
    p.append(parse_xml(f'<w:ins {ns} w:id="1" w:author="a"><w:r><w:t>新增</w:t></w:r></w:ins>'))
    p.append(parse_xml(f'<w:del {ns} w:id="2" w:author="a"><w:r><w:delText>删去</w:delText>'
                       '</w:r></w:del>'))
    d.save(str(src))
    r = import_docx(src, tmp_path / "a.md")
    assert "\n保留新增\n" in r.markdown and "删去" not in r.markdown
    assert any(g.what == "tracked changes" for g in r.guesses)


def test_refused_character_names_the_paragraph(tmp_path, capsys):
    src = build_docx(tmp_path / "a.docx", [P("标题", style="Title"), P("正文\u202e反向")])
    assert main(["import", str(src)]) == 1
    err = capsys.readouterr().err
    assert "a.docx: paragraph 2" in err and "U+202E" in err and "in Word" in err
    assert not (tmp_path / "a.md").exists()


# --- markdown escaping as a property -----------------------------------------------------------

def test_inline_markdown_reads_back_property():
    from hypothesis import given, settings, strategies as st

    from typeset.importer.write import Text, inline_md
    from typeset.model.markdown import parse_blocks

    alphabet = st.sampled_from(list("*_`[]()<>!#&;|~\\-+:.=1aZ 中文。，“”（）")
                               + ["&amp;", "1. ", "- ", "**", "![", "[^1]", "<b>", "\\*"])
    runs = st.lists(st.tuples(st.lists(alphabet, min_size=1, max_size=6).map("".join),
                              st.booleans(), st.booleans()), min_size=1, max_size=5)

    @settings(max_examples=int(os.environ.get("TYPESET_FUZZ_EXAMPLES", 200)), deadline=None)
    @given(runs, st.booleans())
    def check(pieces, table):
        from typeset.model.chars import normalize_runs

        items = [Text(t, *tag) for t, tag in normalize_runs([(text, (bold, italic))
                                                             for text, bold, italic in pieces])]
        want = normalize("".join(i.text for i in items)).strip(" \u3000")
        if not printed(want).strip():
            return
        md = inline_md(items, table=table)
        assert not table or re.search(r"(?<!\\)\|", md.replace("\\\\", "")) is None, md
        blocks = parse_blocks(md, file="x")
        assert len(blocks) == 1 and blocks[0].kind == "paragraph", md
        assert blocks[0].text == want, md

    check()


# --- bad input ---------------------------------------------------------------------------------

def _ole2(extra: bytes = b"") -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + extra + b"\0" * 1024


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    good = build_docx(tmp_path / "good.docx", [P("标题", style="Title"), BODY])
    files = {}

    def put(name: str, data: bytes, words: list[str]):
        path = tmp_path / name
        path.write_bytes(data)
        files[name] = (path, words)

    put("old.doc", _ole2(), ["Word 97–2003 document (.doc)", "save it as .docx"])
    put("old.wps", _ole2(), ["old WPS document (.wps)", "save it as .docx"])
    put("renamed.docx", _ole2(), ["Word 97–2003 (.doc) or old WPS", "save it as .docx"])
    put("locked.docx", _ole2("EncryptionInfo".encode("utf-16-le")),
        ["protected with a password", "remove the password"])
    put("paper.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", ["this is a PDF", "Word file"])
    put("notes.txt", "纯文本稿件\n第二行\n".encode(), ["plain-text file", "save it as .docx"])
    put("text.docx", "纯文本稿件\n".encode(), ["plain-text file", "save it as .docx"])
    put("cut.docx", good.read_bytes()[:2000], ["damaged", "save it again as .docx"])
    put("empty.docx", b"", ["the file is empty"])
    put("rich.rtf", b"{\\rtf1\\ansi hello}", ["RTF", "save it as .docx"])
    put("garbage.docx", bytes(range(256)) * 4, ["not a Word document", "save it as .docx"])
    with zipfile.ZipFile(good) as zin:            # ISO 29500 Strict: other namespaces
        members = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    members["word/document.xml"] = members["word/document.xml"].replace(
        b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        b"http://purl.oclc.org/ooxml/wordprocessingml/main")
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for member, data in members.items():
            z.writestr(member, data)
    put("strict.docx", buf.getvalue(), ["Strict Open XML", "Word Document (*.docx)"])
    for name, members, words in (
            ("archive.docx", {"a.txt": b"x"}, ["a zip archive, not a Word document"]),
            ("sheet.docx", {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"},
             ["an Excel workbook"]),
            ("writer.odt", {"mimetype": b"application/vnd.oasis.opendocument.text"},
             ["OpenDocument", "save it as .docx"]),
            ("broken.docx", {"[Content_Types].xml": b"<not xml", "word/document.xml": b"<"},
             ["damaged", "save it"])):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for member, data in members.items():
                z.writestr(member, data)
        put(name, buf.getvalue(), words)
    return files


def test_bad_input_each_gets_a_message_and_nothing_is_written(tmp_path, capsys):
    for name, (path, words) in _bad_files(tmp_path).items():
        before = sorted(p.name for p in tmp_path.iterdir())
        code = main(["import", str(path)])
        err = capsys.readouterr().err
        assert code == 1, (name, err)
        assert err.startswith(f"typeset: error: {path}: "), (name, err)
        assert "hint:" in err, (name, err)
        for w in words:
            assert w in err, (name, w, err)
        assert "Traceback" not in err
        assert sorted(p.name for p in tmp_path.iterdir()) == before, name


def test_missing_file(tmp_path, capsys):
    assert main(["import", str(tmp_path / "nowhere.docx")]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'nowhere.docx'}: no such file" in err and "hint:" in err


def test_existing_article_is_never_replaced_without_force(tmp_path, capsys):
    src = build_docx(tmp_path / "a.docx", HAND)
    (tmp_path / "a.md").write_text("the desk's corrected article\n", encoding="utf-8")
    assert main(["import", str(src)]) == 1
    err = capsys.readouterr().err
    assert "a.md: the article already exists" in err and "--force" in err
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "the desk's corrected article\n"
    assert not (tmp_path / "images").exists()
    assert main(["import", str(src), "--force"]) == 0
    assert (tmp_path / "a.md").read_text(encoding="utf-8").startswith("---\ntitle: 龙溪镇")


def test_existing_picture_is_never_replaced_without_force(tmp_path, capsys):
    src = build_docx(tmp_path / "a.docx", HAND)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a-1.jpg").write_bytes(b"an earlier picture")
    assert main(["import", str(src)]) == 1
    assert "images/a-1.jpg: the picture already exists" in capsys.readouterr().err
    assert not (tmp_path / "a.md").exists()
    assert (tmp_path / "images" / "a-1.jpg").read_bytes() == b"an earlier picture"


def test_images_folder_that_cannot_be_made(tmp_path, capsys):
    src = build_docx(tmp_path / "a.docx", HAND)
    (tmp_path / "images").write_text("a file where the folder should be")
    assert main(["import", str(src)]) == 1
    err = capsys.readouterr().err
    assert "images/a-1.jpg: a part of this path is a file, not a folder" in err
    assert "hint:" in err
    assert not (tmp_path / "a.md").exists()


def test_images_folder_not_writable(tmp_path, capsys, monkeypatch):
    import os

    src = build_docx(tmp_path / "a.docx", HAND)
    (tmp_path / "images").mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p).name == "images"
                        else real(p, mode, **kw))
    assert main(["import", str(src)]) == 1
    err = capsys.readouterr().err
    assert "images/a-1.jpg: permission denied" in err and "hint:" in err
    assert not (tmp_path / "a.md").exists() and list((tmp_path / "images").iterdir()) == []


def test_failure_while_writing_leaves_nothing_half_written(tmp_path, capsys, monkeypatch):
    import typeset.importer as imp

    src = build_docx(tmp_path / "a.docx", HAND + [Picture("png", seed=9)])
    real = imp.write_output
    calls = []

    def failing(path, data, **kw):
        calls.append(Path(path).name)
        if len(calls) == 2:
            raise imp.TypesetError("no space left on the disk (simulated)", file=path)
        return real(path, data, **kw)

    monkeypatch.setattr(imp, "write_output", failing)
    assert main(["import", str(src)]) == 1
    assert "no space left" in capsys.readouterr().err
    assert not (tmp_path / "a.md").exists()
    assert list((tmp_path / "images").iterdir()) == []


def test_output_must_be_markdown_and_not_the_document(tmp_path, capsys):
    src = build_docx(tmp_path / "a.docx", HAND)
    assert main(["import", str(src), "-o", str(src), "--force"]) == 1
    assert "the article must be a .md file" in capsys.readouterr().err
    assert zipfile.is_zipfile(src)


# --- many files --------------------------------------------------------------------------------

def test_many_files_into_a_folder(tmp_path, capsys):
    a = build_docx(tmp_path / "a.docx", HAND)
    b = build_docx(tmp_path / "b.docx", [P("第二篇", style="Title"), BODY])
    bad = tmp_path / "c.doc"
    bad.write_bytes(_ole2())
    out = tmp_path / "out"
    out.mkdir()
    code = main(["import", str(a), str(bad), str(b), "--to", str(out)])
    captured = capsys.readouterr()
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == ["a.md", "b.md", "images"]
    assert captured.out.splitlines()[-1] == (f"typeset: imported 2 of 3 documents into {out}; "
                                             f"1 failed: {bad}")
    assert "c.doc: this is a Word 97–2003 document (.doc)" in captured.err
    assert "\r" not in captured.err and "importing" not in captured.err   # piped: quiet
    load_article(out / "b.md")


def test_progress_on_a_terminal(tmp_path, capsys, monkeypatch):
    import sys

    a = build_docx(tmp_path / "a.docx", HAND)
    b = build_docx(tmp_path / "b.docx", [P("第二篇", style="Title"), BODY])
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["import", str(a), str(b), "--to", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "\rtypeset: importing 1/2: " in err and "\rtypeset: importing 2/2: " in err


def test_two_documents_with_one_name(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    a = build_docx(tmp_path / "a.docx", HAND)
    a2 = build_docx(tmp_path / "x" / "a.docx", HAND)
    out = tmp_path / "out"
    out.mkdir()
    assert main(["import", str(a), str(a2), "--to", str(out)]) == 1
    assert "is also written to" in capsys.readouterr().err
    assert (out / "a.md").read_text(encoding="utf-8").startswith("---\ntitle: 龙溪镇")


def test_usage_errors(tmp_path, capsys):
    a = build_docx(tmp_path / "a.docx", HAND)
    assert main(["import", str(a), str(a), "-o", str(tmp_path / "x.md")]) == 2
    assert "-o names the article of one document" in capsys.readouterr().err
    assert main(["import", str(a), "--to", str(tmp_path / "missing")]) == 1
    assert "missing: the folder does not exist" in capsys.readouterr().err


def test_only_import_loads_python_docx():
    import subprocess
    import sys

    code = ("import sys, typeset.cli, typeset.build, typeset.model.article\n"
            "assert 'docx' not in sys.modules, 'python-docx imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_make_image_is_a_real_jpeg():
    assert make_image("jpeg")[:3] == b"\xff\xd8\xff"


def test_a_short_line_not_centred_is_body_text(tmp_path):
    values, r = front(tmp_path, [P("标题", style="Title"), P("韦晓岚 覃明远"), BODY])
    assert values == {"title": "标题"}
    assert "\n韦晓岚 覃明远\n" in r.markdown


def test_automatic_numbering_is_written_as_text(tmp_path):
    """Word draws "一、" for an automatically numbered paragraph; it is not in the text."""
    cn = ("chineseCounting", "%1、")
    blocks = [P("标题", style="Title"), BODY, P("总体情况", num=cn), BODY,
              P("主要做法", num=cn), P("加强领导", num=("decimal", "%1.")),
              P("完善机制", num=("decimal", "%1.")), P("第一项", num=("decimalEnclosedCircle", "%1")),
              P("要点", num=("bullet", "\uf0b7"))]
    _, r = do_import(tmp_path, blocks)
    body = r.markdown.split("---\n", 2)[2]
    assert "\n## 一、总体情况\n" in body and "\n## 二、主要做法\n" in body
    assert "\n1\\. 加强领导\n" in body and "\n2\\. 完善机制\n" in body
    assert "\n① 第一项\n" in body and "\n• 要点\n" in body
    assert any(g.what == "numbering" and g.text == "6 paragraph(s)" for g in r.guesses)
    art = load_article(r.article)
    assert [b.text for b in art.blocks if b.kind == "heading"] == ["一、总体情况", "二、主要做法"]


@pytest.mark.parametrize("n,text", [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"),
                                    (21, "二十一"), (100, "一百"), (105, "一百零五"),
                                    (110, "一百一十"), (1001, "一千零一")])
def test_chinese_counting(n, text):
    from typeset.importer.numbering import chinese

    assert chinese(n) == text


def test_text_inside_links_fields_controls_and_text_boxes_is_read(tmp_path):
    import docx
    from docx.oxml import parse_xml

    src = build_docx(tmp_path / "a.docx", [P("标题", style="Title"), P("开头")])
    d = docx.Document(str(src))
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
          'xmlns:v="urn:schemas-microsoft-com:vml"')
    p = d.paragraphs[1]._p
    for xml in (
            '<w:hyperlink r:id="rIdX"><w:r><w:t>链接文字</w:t></w:r></w:hyperlink>',
            '<w:fldSimple w:instr=" DATE "><w:r><w:t>二〇二四年</w:t></w:r></w:fldSimple>',
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE '
            '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            '<w:r><w:t>第3页</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>',
            '<w:sdt><w:sdtContent><w:r><w:t>控件里</w:t></w:r></w:sdtContent></w:sdt>',
            '<w:smartTag w:uri="u" w:element="e"><w:r><w:t>智能标记</w:t></w:r></w:smartTag>',
            '<w:r><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>文本框里的字'
            '</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>',
            '<w:r><w:t xml:space="preserve">结尾</w:t><w:tab/><w:t>制表</w:t>'
            '<w:noBreakHyphen/><w:t>连字</w:t></w:r>'):
        for el in parse_xml(f"<w:root {ns}>{xml}</w:root>"):
            p.append(el)
    d.save(str(src))
    r = import_docx(src, tmp_path / "a.md")
    body = r.markdown.split("---\n", 2)[2]
    assert "\n开头链接文字二〇二四年第3页控件里智能标记结尾 制表\u2011连字\n" in body
    assert "PAGE" not in body
    assert "\n文本框里的字\n" in body
    assert any(g.what == "text boxes" for g in r.guesses)


def test_a_picture_inside_a_paragraph_follows_it(tmp_path):
    import io

    import docx
    from docx.shared import Cm

    src = build_docx(tmp_path / "a.docx", [P("标题", style="Title"), P("图片前的文字")])
    d = docx.Document(str(src))
    run = d.paragraphs[1].add_run("，图片后的文字")
    d.paragraphs[1].runs[0].add_picture(io.BytesIO(make_image("png")), width=Cm(3))
    del run
    d.save(str(src))
    r = import_docx(src, tmp_path / "a.md")
    body = r.markdown.split("---\n", 2)[2]
    assert "\n图片前的文字，图片后的文字\n\n![](images/a-1.png){width=full}\n" in body
    assert any("stood inside the text of paragraph 2" in g.why for g in r.guesses)


def _loadable_today(md: str) -> str:
    """The article without its figure and table lines, which the article reader refuses
    until the figures/tables/notes issue lands (it reads note references and definitions as
    text today)."""
    keep = []
    lines = md.split("\n")
    for n, line in enumerate(lines):
        if line.startswith("![") or line.startswith("| ") or re.fullmatch(r"\|(?:[-:]+\|)+",
                                                                         line):
            continue
        if line.startswith(": ") and n >= 2 and lines[n - 2].startswith("| "):
            continue
        keep.append(line)
    return "\n".join(keep)


@pytest.mark.parametrize("name", ["hand", "tricky", "long", "numbered"])
def test_every_imported_article_loads(tmp_path, name):
    blocks = {"hand": HAND,
              "tricky": [P("标题", style="Title")] + [P(t, raw=True) for t in TRICKY],
              "long": article_blocks(8, seed=4),
              "numbered": [P("标题", style="Title"), P("总体", num=("chineseCounting", "%1、")),
                           BODY]}[name]
    _, r = do_import(tmp_path, blocks)
    try:
        art = load_article(r.article)
    except Exception as err:                  # figures and tables: the notes issue
        assert re.search(r"image .* is not supported|tables are not supported", str(err)), err
        path = tmp_path / "today.md"
        path.write_text(_loadable_today(r.markdown), encoding="utf-8")
        art = load_article(path)
    assert art.front.title and art.blocks


def test_interrupted_between_documents_says_what_was_written(tmp_path, capsys, monkeypatch):
    import typeset.importer as imp

    a = build_docx(tmp_path / "a.docx", HAND)
    b = build_docx(tmp_path / "b.docx", HAND)
    real = imp.import_docx
    calls = []

    def interrupt_second(source, article, **kw):
        calls.append(source)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(source, article, **kw)

    monkeypatch.setattr(imp, "import_docx", interrupt_second)
    assert main(["import", str(a), str(b), "--to", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    assert f"interrupted; 1 article(s) written in full (the last: {tmp_path / 'a.md'}); " \
           f"nothing of {b} was written" in err
    assert (tmp_path / "a.md").exists() and not (tmp_path / "b.md").exists()


def test_phonetic_guides_are_kept_after_their_text(tmp_path):
    import docx
    from docx.oxml import parse_xml

    src = build_docx(tmp_path / "a.docx", [P("标题", style="Title"), P("地名")])
    d = docx.Document(str(src))
    d.paragraphs[1]._p.append(parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:ruby>'
        '<w:rubyPr/><w:rt><w:r><w:t>bó</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>亳</w:t></w:r>'
        '</w:rubyBase></w:ruby></w:r>'))
    d.save(str(src))
    r = import_docx(src, tmp_path / "a.md")
    assert "\n地名亳（bó）\n" in r.markdown
    assert any(g.what == "phonetic guides" for g in r.guesses)


@pytest.mark.parametrize("mark", ["【导语】", "导语：", "【摘要】", "摘要: "])
def test_lead(tmp_path, mark):
    lead = "据青溪县统计，全县60岁以上老人已超过5万人，养老服务需求日益增长。"
    src, r = do_import(tmp_path, [P("标题", style="Title"), P("□ 张三"), P(mark + lead), BODY])
    values = yaml.safe_load(r.markdown.split("---\n")[1])
    assert values["lead"] == lead
    assert r.consumed == ["□ ", mark]
    assert load_article(r.article).front.lead == lead
    assert_every_character_kept(src, r.markdown, r.consumed)


# --- the sample issue, through Word and back ---------------------------------------------------

def _text_blocks(article) -> list:
    """The article's paragraphs and subheads, without note references: figures, tables and
    notes travel through Word by their own tests (pictures, tables, footnotes above)."""
    import dataclasses

    def runs(inlines):
        out = []
        for i in inlines:
            if i.note is not None:
                continue
            if out and (out[-1].bold, out[-1].italic) == (i.bold, i.italic):
                out[-1] = dataclasses.replace(out[-1], text=out[-1].text + i.text)
            else:
                out.append(i)
        return tuple(out)
    return [dataclasses.replace(b, inlines=runs(b.inlines))
            for b in article.blocks if b.kind in ("paragraph", "heading")]


def _as_word(article) -> list:
    """A sample article as an author would send it: title in the Title style, a —— subtitle
    (else the Subtitle style), "□ names" or a centred byline, 【导语】, bold run-in heads,
    Heading 1/2 subheads, the closing （作者系……）."""
    fm = article.front
    blocks = [P("\n".join(fm.title), style="Title", raw=True)]
    if fm.subtitle:
        blocks.append(P(fm.subtitle, raw=True,
                        style=None if fm.subtitle.startswith("——") else "Subtitle"))
    if fm.authors:
        blocks.append(P("□ " + " ".join(fm.authors), raw=True))
    if fm.byline:
        blocks.append(P(fm.byline, raw=True, align="center"))
    if fm.lead:
        blocks.append(P("【导语】" + fm.lead, raw=True))
    for b in _text_blocks(article):
        if b.kind == "heading":
            blocks.append(P(b.text, raw=True, style=f"Heading {b.level - 1}"))
        else:
            blocks.append(P([(i.text, i.bold) for i in b.inlines]))
    if fm.note:
        blocks.append(P("（" + fm.note + "）", raw=True))
    return blocks


SAMPLE_ARTICLES = sorted((Path(__file__).resolve().parents[1] / "issues" / "sample"
                          / "articles").glob("*.md"))


@pytest.mark.parametrize("path", SAMPLE_ARTICLES, ids=lambda p: p.stem)
def test_sample_articles_come_back_from_word_as_they_were(tmp_path, path):
    original = load_article(path)
    src, r = do_import(tmp_path, _as_word(original), name=path.stem)
    back = load_article(r.article)
    assert back.front == original.front
    assert [(b.kind, b.level, b.inlines) for b in back.blocks] == \
        [(b.kind, b.level, b.inlines) for b in _text_blocks(original)]
    assert_every_character_kept(src, r.markdown, r.consumed)
