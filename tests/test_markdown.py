"""Article bodies: markdown-it-py extended for Chinese (typeset/model/markdown.py)."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st
from markdown_it import MarkdownIt

from typeset.errors import TypesetError
from typeset.model.markdown import MAX_NESTING, Block, Inline, is_cjk, join_lines, parse_blocks


def blocks(text: str) -> tuple[Block, ...]:
    return parse_blocks(text, file="t.md")


def runs(text: str) -> list[tuple[str, bool, bool]]:
    (block,) = blocks(text)
    return [(r.text, r.bold, r.italic) for r in block.inlines]


def error(text: str) -> TypesetError:
    with pytest.raises(TypesetError) as info:
        blocks(text)
    assert info.value.file == "t.md"
    assert info.value.hint
    return info.value


# --- emphasis next to CJK text ------------------------------------------------------------

def test_strict_commonmark_refuses_bold_after_cjk_punctuation():
    # The premise of the extension: plain CommonMark leaves the asterisks as text.
    html = MarkdownIt("commonmark").render("**创建党建品牌，先锋靠前服务。**深入实施")
    assert "<strong>" not in html and "**" in html


def test_bold_closes_after_cjk_punctuation_before_han():
    assert runs("**创建党建品牌，先锋靠前服务。**深入实施行动") == [
        ("创建党建品牌，先锋靠前服务。", True, False), ("深入实施行动", False, False)]


def test_bold_opens_after_han_before_quote_and_closes_before_han():
    assert runs("深入**“千万工程”**的核心") == [
        ("深入", False, False), ("“千万工程”", True, False), ("的核心", False, False)]


def test_bold_after_percent_and_closing_bracket():
    assert runs("超过**50%**的人，**（一）**做好") == [
        ("超过", False, False), ("50%", True, False), ("的人，", False, False),
        ("（一）", True, False), ("做好", False, False)]


def test_two_run_in_heads_in_one_paragraph():
    assert runs("**一是加强统筹。**建议成立专班。**二是夯实基础。**加快建设。") == [
        ("一是加强统筹。", True, False), ("建议成立专班。", False, False),
        ("二是夯实基础。", True, False), ("加快建设。", False, False)]


def test_bold_between_quotes_pair():
    assert runs("开展**“回头看”**“回头看”活动") == [
        ("开展", False, False), ("“回头看”", True, False), ("“回头看”活动", False, False)]


def test_italic_and_nested_emphasis():
    assert runs("坚持*问题导向*，***重点***") == [
        ("坚持", False, False), ("问题导向", False, True), ("，", False, False),
        ("重点", True, True)]


def test_latin_emphasis_rules_unchanged():
    # no CJK on either side: CommonMark's rules apply unchanged
    assert runs("foo**.**bar") == [("foo**.**bar", False, False)]
    assert runs("a**b**c") == [("a", False, False), ("b", True, False), ("c", False, False)]


def test_underscore_inside_cjk_words_stays_text():
    assert runs("文件名_草稿_第二版与gx_zx@163.com") == [
        ("文件名_草稿_第二版与gx_zx@163.com", False, False)]


def test_unclosed_bold_is_kept_as_text():
    assert runs("**没有闭合的强调。正文") == [("**没有闭合的强调。正文", False, False)]


def test_is_cjk():
    assert all(is_cjk(c) for c in "中文。，、《》（）：ｱ가")
    assert not any(is_cjk(c) for c in "a1.“”—…😀 ")


# --- characters kept exactly --------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "会议指出，2024 年是关键之年。",
    "面积达1000m²以上，增长3.5%。",
    "联系邮箱 gxzxgz@163.com，电话0771-8802110。",
    "持续开展“回头看”“回头看”活动。",
    "引号\"直引号\"与'单引号'不变 -- 破折号... (c) (tm) +-",
    "AI technology 与 5G 基站",
    "全角空格　保留，《人民政协报》报道。",
    "R&D 投入与 AT&T; 不是实体",
])
def test_text_kept_exactly(text):
    assert runs(text) == [(text, False, False)]


def test_escapes_and_entities_resolve_as_commonmark_says():
    assert runs(r"星号\*不是强调\*，反斜杠\\，&amp;与&#20013;") == [
        ("星号*不是强调*，反斜杠\\，&与中", False, False)]


def test_code_span_keeps_its_content():
    assert runs("命令`typeset build`可用") == [("命令typeset build可用", False, False)]


def test_autolinks_keep_the_address_as_written():
    assert runs("致信<ban.gong-shi@example.org>或<https://example.org/%E4%B8%AD>。") == [
        ("致信ban.gong-shi@example.org或https://example.org/%E4%B8%AD。", False, False)]


# --- line breaks ----------------------------------------------------------------------------

def test_soft_break_between_cjk_joins_with_nothing():
    assert runs("第一行的末尾，\n第二行开头。") == [("第一行的末尾，第二行开头。", False, False)]


def test_soft_break_next_to_latin_joins_with_a_space():
    assert runs("建设5G\n基站，推动AI\ntechnology发展") == [
        ("建设5G 基站，推动AI technology发展", False, False)]


def test_soft_break_at_quote_and_bold_boundary():
    assert runs("他说：\n“好。”**重点。**\n继续") == [
        ("他说：“好。”", False, False), ("重点。", True, False), ("继续", False, False)]


def test_hard_break_is_joined_like_a_soft_break():
    assert runs("第一行  \n第二行\\\nthird") == [("第一行第二行 third", False, False)]


def test_join_lines_rule():
    assert join_lines("中", "文") == ""
    assert join_lines("”", "“") == ""
    assert join_lines("a", "文") == " "
    assert join_lines("文", "1") == " "


# --- block structure ----------------------------------------------------------------------

def test_headings_levels_and_lines():
    bs = blocks("导语。\n\n## 一、主要做法\n\n正文。\n\n### （一）建立制度\n\n正文。\n")
    assert [(b.kind, b.level, b.text, b.line) for b in bs] == [
        ("paragraph", 0, "导语。", 1), ("heading", 2, "一、主要做法", 3),
        ("paragraph", 0, "正文。", 5), ("heading", 3, "（一）建立制度", 7),
        ("paragraph", 0, "正文。", 9)]


def test_heading_with_bold_and_closing_hashes():
    (b,) = blocks("## 新时代**“政协机关”**应该怎么建 ##")
    assert b.inlines == (Inline("新时代"), Inline("“政协机关”", bold=True), Inline("应该怎么建"))


def test_list_items_keep_their_markers():
    bs = blocks("1. 完善议事规则\n2. 规范**协商**流程\n\n- 甲\n- - 乙\n-\n\n3) 丙\n")
    assert [b.text for b in bs] == ["1. 完善议事规则", "2. 规范协商流程", "- 甲", "- - 乙",
                                     "-", "3) 丙"]
    assert [b.line for b in bs] == [1, 2, 4, 5, 6, 8]
    assert bs[1].inlines == (Inline("2. 规范"), Inline("协商", bold=True), Inline("流程"))


def test_list_item_starting_bold_gets_a_plain_marker_run():
    (b,) = blocks("1. **加强统筹。**建议")
    assert b.inlines == (Inline("1. "), Inline("加强统筹。", bold=True), Inline("建议"))


def test_blockquote_paragraphs_are_paragraphs():
    bs = blocks("> 委员们表示，\n> 要落实。\n>\n> 第二段。\n")
    assert [(b.kind, b.text, b.line) for b in bs] == [
        ("paragraph", "委员们表示，要落实。", 1), ("paragraph", "第二段。", 4)]


def test_indented_text_is_a_paragraph_not_code():
    bs = blocks("    四个空格缩进的段落。\n\n\t制表符缩进。\n")
    assert [(b.kind, b.text) for b in bs] == [("paragraph", "四个空格缩进的段落。"),
                                               ("paragraph", "制表符缩进。")]


def test_reference_definition_line_stays_text():
    assert [b.text for b in blocks("[1]: 参见某文件\n")] == ["[1]: 参见某文件"]


def test_bracketed_citation_stays_text():
    assert runs("据统计[1]，增长[2-3]。") == [("据统计[1]，增长[2-3]。", False, False)]


def test_hash_without_space_is_text():
    assert [(b.kind, b.text) for b in blocks("#话题#讨论")] == [("paragraph", "#话题#讨论")]


# --- constructs that cannot be printed: errors with line and column ------------------------

@pytest.mark.parametrize("source, line, column, words", [
    ("正文\n\n见[网站](https://example.org)。\n", 3, 2, "link"),
    ("正文\n\n见图![图片](a.png)\n", 3, 3, "inside a paragraph"),
    ("正文\n\n![图片](a.png) 文字\n", 3, 1, "inside a paragraph"),
    ("正文\n\n![](a.png)\n", 3, 1, "no caption"),
    ("正文\n\n![　](a.png)\n", 3, 1, "no caption"),
    ("正文\n\n![图片](a.png){size=big}\n", 3, 14, "unknown figure attribute 'size'"),
    ("正文\n\n![图片](a.png){width=60}\n", 3, 20, "neither a width name nor a length"),
    ("正文\n\n![图片](a.png){width=-3mm}\n", 3, 20, "neither a width name"),
    ("正文\n\n![图片](a.png){ width=full\n", 3, 1, "cannot read the attributes"),
    ("正文\n\n![图[^1]片](a.png)\n\n[^1]: 注。\n", 3, 4, "caption"),
    ("正文[^1]。\n", 1, 3, "never defined"),
    ("正文。\n\n[^1]: 注。\n", 3, 1, "never referenced"),
    ("正文[^1]。\n\n[^1]: 注。\n\n[^1]: 又注。\n", 5, 1, "defined twice"),
    ("正文[^1]，又[^1]。\n\n[^1]: 注。\n", 1, 3, "referenced twice"),
    ("正文[^1]。\n\n[^1]: 注。\n\n    ## 标题\n", 5, 5, "only paragraphs"),
    ("| 甲 | 乙 |\n|---|---|\n| 1[^1] | 2 |\n\n[^1]: 注。\n", 3, 4, "table cell"),
    ("正文\n\n<div>\n块\n</div>\n", 3, 1, "HTML"),
    ("正文\n\n<!-- 注释 -->\n", 3, 1, "HTML"),
    ("正文\n第二行<br>换行\n", 2, 4, "HTML"),
    ("正文\n\n```\ncode\n```\n", 3, 1, "code block"),
    ("正文\n\n***\n", 3, 1, "separator"),
    ("正文\n\n  ---\n", 3, 3, "separator"),
    ("# 一级标题\n", 1, 1, "level 1"),
    ("正文\n\n#### 四级标题\n", 3, 1, "level 4"),
    ("正文\n\n标题\n===\n", 4, 1, "heading"),
    ("正文\n\n标题\n---\n", 4, 1, "heading"),
    ("正文\n\n##\n", 3, 1, "empty heading"),
])
def test_unprintable_constructs_raise(source, line, column, words):
    err = error(source)
    assert (err.line, err.column) == (line, column)
    assert words in err.message


def test_paragraph_edge_whitespace_is_not_text():
    # manual indentation with ideographic spaces: the layout indents paragraphs itself
    assert [b.text for b in blocks("　　第一段。\n\n  第二段。　\n")] == ["第一段。", "第二段。"]


def test_escaped_constructs_print_as_text():
    assert [b.text for b in blocks("\\# 井号\n\n\\*\\*\\*\n\n\\<div>\n\n\\[网站](x)\n")] == [
        "# 井号", "***", "<div>", "[网站](x)"]


# --- properties ----------------------------------------------------------------------------

_PLAIN = st.sampled_from(
    list("政协委员会议协商民主建设年月日中国人民")
    + list("。，、；：？！“”‘’（）《》——…·")
    + list("abcXYZ019") + ["²", "%", "@", ".", "-", "/", "　", " "]
)


def _no_block_syntax(text: str) -> bool:
    # a paragraph's leading/trailing whitespace (U+3000 included) is not part of its text
    return (text == text.strip() and bool(text)
            and not re.match(r"^(\d{1,9}[.)]|[-+])( |$)", text)
            and not re.fullmatch(r"[-\s]+", text))


@settings(max_examples=200, deadline=None)
@given(st.lists(_PLAIN, min_size=1, max_size=40).map("".join).filter(_no_block_syntax))
def test_plain_paragraph_text_is_kept_exactly(text):
    (block,) = blocks(text)
    kept = re.sub(" {2,}", " ", text)        # a run of spaces is one space (chars.py)
    assert block.kind == "paragraph"
    assert block.text == kept
    assert block.inlines == (Inline(kept),)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PLAIN, min_size=1, max_size=20).map("".join).filter(_no_block_syntax),
       st.lists(_PLAIN, min_size=1, max_size=20).map("".join).filter(_no_block_syntax))
def test_soft_break_join_property(first, second):
    (block,) = blocks(first + "\n" + second)
    assert block.text == re.sub(" {2,}", " ", first + join_lines(first, second) + second)


_HAN = st.sampled_from(list("政协委员会议协商民主建设"))
_CJK_PUNCT = st.sampled_from(list("。，！？；：”）》"))


@settings(max_examples=100, deadline=None)
@given(st.lists(_HAN, min_size=1, max_size=8).map("".join), _CJK_PUNCT,
       st.lists(_HAN, min_size=1, max_size=8).map("".join))
def test_run_in_head_is_bold_for_any_closing_punctuation(head, punct, rest):
    assert runs(f"**{head}{punct}**{rest}") == [(head + punct, True, False), (rest, False, False)]


# --- nesting: read or refused, never dropped (issue 8) ---------------------------------------

def _nested_list(depth: int) -> str:
    return "".join("  " * i + f"- 第{i + 1}层\n" for i in range(depth))


def test_nesting_under_the_limit_loses_nothing():
    """Lists and quotes as deep as markdown-it reads them: every item and everything after
    them is kept (a list level counts two nesting levels: the list and its item)."""
    depth = MAX_NESTING // 2 - 1
    text = "前文。\n\n" + _nested_list(depth) + "\n后文一。\n\n> " * 1 + "引文。\n\n后文二。\n"
    got = [b.text for b in blocks(text)]
    assert got[0] == "前文。"
    assert got[1:1 + depth] == [f"- 第{i + 1}层" for i in range(depth)]
    assert got[1 + depth:] == ["后文一。", "引文。", "后文二。"]
    quotes = "前文。\n\n" + ">" * (MAX_NESTING - 1) + " 深引文。\n\n后文。\n"
    assert [b.text for b in blocks(quotes)] == ["前文。", "深引文。", "后文。"]


@pytest.mark.parametrize("text, line", [
    # the item at depth MAX_NESTING // 2 (line 2 + that) is the first markdown-it would drop
    ("前文。\n\n" + _nested_list(MAX_NESTING // 2) + "\n后文。\n", 2 + MAX_NESTING // 2),
    ("前文。\n\n" + _nested_list(MAX_NESTING // 2 + 3) + "\n后文。\n", 2 + MAX_NESTING // 2),
    ("前文。\n\n" + ">" * (MAX_NESTING + 5) + " 引文。\n\n后文。\n", 3),
])
def test_nesting_past_the_limit_is_an_error_at_its_line(text, line):
    with pytest.raises(TypesetError) as info:
        parse_blocks(text, file="a.md")
    err = info.value
    assert err.line == line and "nested too deep" in err.message and err.hint


# --- figures, tables, notes (format.md "Beyond text") ---------------------------------------

def body(text: str):
    from typeset.model.markdown import parse_body
    return parse_body(text, file="a.md")


def test_figure_block_with_attributes():
    (fig,) = blocks('![**孙大伟**在龙州慰问](images/龙州 站.jpg){width=half credit="本刊记者 摄"}\n'
                    .replace("images/龙州 站.jpg", "<images/龙州 站.jpg>"))
    assert fig.kind == "figure" and fig.line == 1
    assert [(r.text, r.bold) for r in fig.inlines] == [("孙大伟", True), ("在龙州慰问", False)]
    assert fig.figure.src == "images/龙州 站.jpg"          # as written, not %-encoded
    assert (fig.figure.width, fig.figure.credit) == ("half", "本刊记者 摄")


def test_figure_width_defaults_to_full_and_takes_lengths():
    a, b = blocks("![甲](a.png)\n\n![乙](b.png){width=60mm}\n")
    assert (a.figure.width, a.figure.credit, b.figure.width) == ("full", None, "60mm")


def test_table_block_with_alignments_and_caption():
    src = ("| 年份 | 提案数 | 说明 |\n|:---|---:|:-:|\n| 2022 | 812 | **好** |\n"
           "| 2023 | 846 | a\\|b |\n\n: 表1 近两年**提案**\n\n后文。\n")
    t, p = blocks(src)
    assert t.kind == "table" and (t.line, t.last_line) == (1, 6)
    assert t.table.aligns == ("left", "right", "center")
    assert [[r.text for r in c] for c in t.table.header] == [["年份"], ["提案数"], ["说明"]]
    assert t.table.rows[0][2] == (Inline("好", bold=True),)
    assert t.table.rows[1][2][0].text == "a|b"
    assert t.table.row_lines == (3, 4) and t.table.caption_line == 6
    assert [(r.text, r.bold) for r in t.inlines] == [("表1 近两年", False), ("提案", True)]
    assert p.text == "后文。"


def test_table_caption_directly_under_the_last_row():
    (t,) = blocks("| a | b |\n|---|---|\n| 1 | 2 |\n: 表2 说明\n")
    assert t.text == "表2 说明" and len(t.table.rows) == 1 and t.table.caption_line == 4


def test_colon_paragraph_not_after_a_table_is_text():
    assert [b.text for b in blocks("正文。\n\n: 不是表题\n")] == ["正文。", ": 不是表题"]


def test_notes_references_and_definitions():
    b = body("正文[^a]有注[^2]。\n\n## 小标题[^3]\n\n[^a]: 第一条注释。\n    续行。\n\n[^2]: **第二**条。\n"
             "\n[^3]: 三。\n")
    p, h = b.blocks
    assert p.notes == ("a", "2") and p.text == "正文有注。" and h.notes == ("3",)
    assert [n.label for n in b.notes] == ["a", "2", "3"]
    assert b.notes[0].text == "第一条注释。续行。" and b.notes[0].line == 5
    assert b.notes[1].paragraphs[0][0] == Inline("第二", bold=True)


def test_escaped_note_reference_is_text():
    assert [b.text for b in blocks("正文\\[^1]。\n")] == ["正文[^1]。"]
