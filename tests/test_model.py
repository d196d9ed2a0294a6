"""Loading sources: YAML with marks, typed schema, articles and issue manifests."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from typeset.errors import TypesetError
from typeset.model.article import FRONT_MATTER_DOCS, Inline, load_article
from typeset.model.manifest import ISSUE_DOCS, load_issue
from typeset.model.schema import (
    CHINESE_SIZES, Pt, describe_fields, field_doc, from_data, parse_length,
)
from typeset.model.yamlsrc import (
    Mark, YamlList, YamlMap, key_mark_of, load_yaml, mark_of, raw_scalar, read_source,
)

DATA = Path(__file__).parent / "data" / "model"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "chongqing-sample"


# --- yamlsrc --------------------------------------------------------------------------------

def test_load_yaml_keeps_marks_and_raw_text():
    data = load_yaml(Path("m.yaml"), "a: 1\nlist:\n  - x\n  -  0771\nnested:\n  k: no\n")
    assert data == {"a": 1, "list": ["x", 505], "nested": {"k": False}}
    assert isinstance(data, YamlMap) and isinstance(data["list"], YamlList)
    assert key_mark_of(data, "a") == Mark(1, 1)
    assert mark_of(data, "a") == Mark(1, 4)
    assert mark_of(data["list"], 1) == Mark(4, 6)
    assert raw_scalar(data["list"], 1) == "0771"
    assert raw_scalar(data["nested"], "k") == "no"
    assert mark_of(data["nested"]) == Mark(6, 3)


def test_load_yaml_line_offset_and_keys_as_written():
    data = load_yaml(Path("a.md"), "title: x\n1: y\nno: z\n", line_offset=5)
    assert list(data) == ["title", "1", "no"]
    assert key_mark_of(data, "no") == Mark(8, 1)


def test_load_yaml_empty_and_bad_date_like_text():
    assert load_yaml(Path("e.yaml"), "# only a comment\n") is None
    assert load_yaml(Path("e.yaml"), "d: 2024-02-30\n") == {"d": "2024-02-30"}


def test_read_source_normalises(tmp_path):
    f = tmp_path / "a.md"
    f.write_bytes("\ufeff第一行\r\n第二行\r第三行".encode("utf-8"))
    assert read_source(f) == "第一行\n第二行\n第三行"


# --- schema ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, points", [
    (12, 12.0), (10.5, 10.5), ("12pt", 12.0), ("12 pt", 12.0), ("3mm", 3 * 72 / 25.4),
    ("1.5cm", 1.5 * 72 / 2.54), ("0.5in", 36.0), ("-2pt", -2.0), ("小四", 12.0),
    ("五号", 10.5), ("初号", 42.0), ("八号", 5.0),
])
def test_parse_length(value, points):
    assert parse_length(value) == pytest.approx(points)


def test_chinese_sizes_table():
    assert CHINESE_SIZES == {
        "初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18, "三号": 16,
        "小三": 15, "四号": 14, "小四": 12, "五号": 10.5, "小五": 9, "六号": 7.5, "小六": 6.5,
        "七号": 5.5, "八号": 5}


@dataclass(frozen=True)
class Font:
    size: Pt = field(metadata={"doc": "type size"})
    face: str = "serif"


@dataclass(frozen=True)
class Sample:
    title: str
    body: Font
    running_head: bool = field(default=True, metadata={"doc": "print the running head"})
    align: Literal["left", "center", "right"] = "left"
    margins: tuple[Pt, ...] = ()
    pair: tuple[int, str] | None = None
    sizes: dict[str, Pt] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    ratio: float = 1.0
    count: int = 0
    note: str | None = None
    when: datetime.date | None = None
    lines: str | list[str] = ""
    positive: int = field(default=1, metadata={
        "check": lambda v: None if v > 0 else "must be more than 0"})


def load_sample(text: str) -> Sample:
    return from_data(Sample, load_yaml(Path("l.yaml"), text), file="l.yaml", what="layout")


def sample_error(text: str) -> TypesetError:
    with pytest.raises(TypesetError) as info:
        load_sample(text)
    assert info.value.file == "l.yaml"
    assert info.value.hint, "every error says what to do"
    return info.value


def test_from_data_builds_nested_dataclasses():
    s = load_sample(
        "title: 0771\nbody: {size: 小四}\nrunning_head: false\nalign: center\n"
        "margins: [20mm, 1in, 10]\npair: [3, x]\nsizes: {h1: 二号, h2: 16pt}\n"
        "tags: [a, 2024]\nratio: 2\ncount: '010'\nwhen: 2024-03-15\nlines: [甲, 乙 丙]\n")
    assert s == Sample(title="0771", body=Font(12.0), running_head=False, align="center",
                       margins=(20 * 72 / 25.4, 72.0, 10.0), pair=(3, "x"),
                       sizes={"h1": 22.0, "h2": 16.0}, tags=["a", "2024"], ratio=2.0,
                       count=10, when=datetime.date(2024, 3, 15), lines=["甲", "乙 丙"])


def test_from_data_defaults_and_plain_dicts():
    s = from_data(Sample, {"title": "t", "body": {"size": 9}}, file="x", what="layout")
    assert s.body == Font(9.0) and s.tags == [] and s.note is None and s.align == "left"


def test_unknown_key_suggests_nearest():
    err = sample_error("title: t\nbody: {size: 9}\nruning_head: true\n")
    assert err.message == "unknown key 'runing_head' in layout; did you mean 'running_head'?"
    assert (err.line, err.column) == (3, 1)
    assert "print the running head" in err.hint


def test_unknown_nested_key():
    err = sample_error("title: t\nbody:\n  size: 9\n  fase: sans\n")
    assert err.message == "unknown key 'fase' in body of layout; did you mean 'face'?"
    assert (err.line, err.column) == (4, 3)


def test_unknown_key_without_close_match_lists_valid_keys():
    err = sample_error("title: t\nbody: {size: 9}\nxyzzy: 1\n")
    assert err.message == "unknown key 'xyzzy' in layout"
    assert "valid keys here: title, body, running_head" in err.hint


def test_wrong_type_messages_and_positions():
    err = sample_error("title: t\nbody: {size: 9}\ncount: abc\n")
    assert err.message == "count: expected a whole number, got 'abc'"
    assert err.hint == "write a whole number for 'count'"
    assert (err.line, err.column) == (3, 8)
    err = sample_error("title: t\nbody: {size: 9}\nratio: abc\n")
    assert err.message == "ratio: expected a number, got 'abc'"
    err = sample_error("title: t\nbody: {size: 9}\nrunning_head: 1\n")
    assert err.message == "running_head: expected true or false, got '1'"
    err = sample_error("title: [a, b]\nbody: {size: 9}\n")
    assert err.message == "title: expected text, got a list"


def test_length_errors():
    err = sample_error("title: t\nbody:\n  size: 12px\n")
    assert err.message == "body.size: unknown unit 'px' in '12px'"
    assert (err.line, err.column) == (3, 9)
    assert "mm" in err.hint
    err = sample_error("title: t\nbody:\n  size: big\n")
    assert err.message.startswith("body.size: expected a length")
    assert err.hint == "size: type size"


def test_list_item_error_points_at_the_item():
    err = sample_error("title: t\nbody: {size: 9}\nmargins:\n  - 1mm\n  - wide\n")
    assert err.message.startswith("margins[2]: expected a length")
    assert (err.line, err.column) == (5, 5)


def test_invalid_literal_lists_allowed_values():
    err = sample_error("title: t\nbody: {size: 9}\nalign: centre\n")
    assert err.message == ("align: invalid value 'centre'; allowed: 'left', 'center', 'right'; "
                           "did you mean 'center'?")
    assert (err.line, err.column) == (3, 8)


def test_missing_required_key():
    err = sample_error("body: {size: 9}\n")
    assert err.message == "missing required key 'title' in layout"
    assert err.line == 1
    err = sample_error("title: t\nbody:\n  face: sans\n")
    assert err.message == "missing required key 'size' in body of layout"
    assert err.line == 3 and "type size" in err.hint


def test_check_metadata_and_tuple_length():
    err = sample_error("title: t\nbody: {size: 9}\npositive: 0\n")
    assert err.message == "positive: must be more than 0"
    err = sample_error("title: t\nbody: {size: 9}\npair: [1, a, b]\n")
    assert err.message == "pair: expected a list of 2 items, got 3"


def test_optional_length_keeps_the_precise_message():
    @dataclass
    class Opt:
        gap: Pt | None = None
    with pytest.raises(TypesetError) as info:
        from_data(Opt, load_yaml(Path("o.yaml"), "gap: 3px\n"), file="o.yaml")
    assert info.value.message == "gap: unknown unit 'px' in '3px'"


def test_union_reports_the_inner_failure():
    err = sample_error("title: t\nbody: {size: 9}\nlines: [a, {b: c}]\n")
    assert err.message == "lines[2]: expected text, got a mapping"


def test_plain_data_errors_have_no_line():
    with pytest.raises(TypesetError) as info:
        from_data(Sample, {"title": "t", "body": {"size": "x"}}, file="p", what="layout")
    assert info.value.line is None and info.value.file == "p"


def test_field_docs_are_readable():
    assert field_doc(Font, "size") == "type size"
    rows = {name: (kind, default, doc) for name, kind, default, doc in describe_fields(Sample)}
    assert rows["title"] == ("text", None, None)
    assert rows["running_head"] == ("true or false", "True", "print the running head")
    assert rows["note"][1] == "None"
    assert rows["align"][0] == "one of 'left', 'center', 'right'"
    keys = [r[0] for r in describe_fields(ISSUE_DOCS)]
    assert keys == ["layout", "journal", "year", "number", "date", "sections", "colophon",
                    "issn", "issn_variant", "cn", "cover", "pages"]
    assert all(r[3] for r in describe_fields(FRONT_MATTER_DOCS))


# --- the fixture issue ----------------------------------------------------------------------

def test_fixture_issue_loads():
    issue = load_issue(DATA / "issue" / "issue.yaml")
    assert issue.layout == "guangxi"
    assert issue.journal == "山水政协工作"
    assert (issue.year, str(issue.number), issue.number.value) == (2024, "2", 2)
    assert issue.date == datetime.date(2024, 3, 15)
    assert [(s.title, s.line, len(s.articles)) for s in issue.sections] == [
        ("政协动态", 8, 2), ("市县政协", 12, 1)]
    assert [(c.label, c.text, c.line) for c in issue.colophon] == [
        ("发", "市政协主席、副主席，各专门委员会。", 16), ("编辑", "李明 王芳", 18),
        ("电话", "0771-1234567", 20), ("区号", "0771", 22),
        ("投稿邮箱", "shanshui@example.com", 24)]


def test_layout_override():
    assert load_issue(DATA / "issue" / "issue.yaml", layout="other.yaml").layout == "other.yaml"


def test_fixture_article_front_matter():
    a = load_article(DATA / "issue" / "articles" / "02-diaoyan.md")
    assert a.front.title == ("事争一流 奋发有为", "推动协商工作提质增效")
    assert a.front.subtitle == "——以山水县为例"
    assert a.front.authors == ("吴宁", "艾晓敏")
    assert a.front.byline is None
    assert a.front.lead == "近年来，山水县政协聚焦中心工作，探索“有事好商量”协商模式。"
    assert a.front.note == "作者系山水县政协主席。来源：《山水政协报》"
    assert a.lines == {"title": 2, "subtitle": 5, "authors": 6, "lead": 7, "note": 8}


def test_fixture_article_body():
    a = load_article(DATA / "issue" / "articles" / "02-diaoyan.md")
    assert [(b.kind, b.level, b.line) for b in a.blocks] == [
        ("heading", 2, 11), ("paragraph", 0, 13), ("heading", 3, 16), ("paragraph", 0, 18),
        ("paragraph", 0, 20), ("paragraph", 0, 21), ("paragraph", 0, 23), ("heading", 2, 25),
        ("paragraph", 0, 27)]
    assert a.blocks[1].inlines == (
        Inline("创建党建品牌，先锋靠前服务。", bold=True),
        Inline("深入实施“政协委员进社区”行动，全年开展活动120余次。"))
    assert a.blocks[3].text == "联系邮箱 xieshang@example.org，或致信 ban.gong-shi@example.org。"
    assert [b.text for b in a.blocks[4:7]] == [
        "1. 完善议事规则", "2. 规范协商流程", "委员们表示，要把协商成果转化为实际行动。"]


def test_fixture_byline_and_single_author():
    a = load_article(DATA / "issue" / "articles" / "01-huiyi.md")
    assert a.front.byline == "记者 赵一 通讯员 钱二 孙三" and a.front.authors == ()
    assert a.front.subtitle == "张三主持并讲话"
    assert a.blocks[2].text == ("会议指出，2024 年是关键之年，全市新建公园面积达1000m²以上，"
                                "各级政协要持续开展“回头看”“回头看”活动。")
    b = load_article(DATA / "issue" / "articles" / "03-jianyan.md")
    assert b.front.authors == ("周强",)
    assert [r.text for r in b.blocks[1].inlines if r.bold] == ["一是加强统筹。", "二是夯实基础。"]


def test_title_block_scalar_and_quoted_date(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("---\ntitle: |\n  第一行 标题\n  第二行\nsubtitle: \"  空格  \"\n---\n正文\n",
                 encoding="utf-8")
    a = load_article(f)
    # quoted edge spaces are kept; a run of spaces is one space (chars.py)
    assert a.front.title == ("第一行 标题", "第二行") and a.front.subtitle == " 空格 "
    m = tmp_path / "issue.yaml"
    m.write_text("layout: x\nyear: 2024\nnumber: 3\ndate: \"2024-01-15\"\n"
                 "sections:\n  - title: 甲\n    articles: [a.md]\n", encoding="utf-8")
    issue = load_issue(m)
    assert issue.date == datetime.date(2024, 1, 15)
    assert issue.journal is None and issue.colophon == ()


# --- the real corpus ------------------------------------------------------------------------

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="sample corpus not present")


@needs_corpus
def test_corpus_issue_loads():
    issue = load_issue(CORPUS / "issue.yaml")
    assert issue.layout == "chongqing" and issue.journal == "重庆政协 (sample)"
    assert (issue.year, issue.number.value, issue.date) == (2024, 1, datetime.date(2024, 1, 15))
    assert [s.title for s in issue.sections] == ["履职研究", "协商民主", "建言献策"]
    assert [len(s.articles) for s in issue.sections] == [2, 1, 1]
    third = issue.sections[1].articles[0]
    assert len(third.front.title) == 2 and third.front.byline and not third.front.authors
    fourth = issue.sections[2].articles[0]
    assert fourth.front.lead and fourth.front.lead.startswith("据权威机构预测")


@needs_corpus
@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "articles").glob("*.md"))
                         if CORPUS.is_dir() else [])
def test_corpus_article_text_is_complete(name):
    path = CORPUS / "articles" / name
    source = path.read_text(encoding="utf-8").split("\n")
    article = load_article(path)
    body_start = source.index("---", 1) + 1
    body_lines = [(n + 1, line) for n, line in enumerate(source) if n >= body_start and line]
    # one block per non-empty source line, same order, same line numbers
    assert [b.line for b in article.blocks] == [n for n, _ in body_lines]
    bold_runs = headings = 0
    for block, (_, line) in zip(article.blocks, body_lines):
        if line.startswith("## "):
            assert block.kind == "heading" and block.level == 2
            expected = line[3:]
            headings += 1
        else:
            assert block.kind == "paragraph"
            expected = line
        # no character lost or added: the text is the source minus the ** markers
        assert block.text == expected.replace("**", "")
        bold_runs += sum(1 for r in block.inlines if r.bold)
    text = "\n".join(source[body_start:])
    assert bold_runs == text.count("**") // 2
    assert headings == sum(1 for _, line in body_lines if line.startswith("## "))
    # every bold run is a run-in head: starts its paragraph and ends with CJK punctuation
    for block in article.blocks:
        for i, run in enumerate(block.inlines):
            if run.bold:
                assert i == 0 and run.text[-1] in "。！？；：”"


@needs_corpus
def test_corpus_counts():
    issue = load_issue(CORPUS / "issue.yaml")
    articles = [a for s in issue.sections for a in s.articles]
    bold = [sum(1 for b in a.blocks for r in b.inlines if r.bold) for a in articles]
    heads = [sum(1 for b in a.blocks if b.kind == "heading") for a in articles]
    assert bold == [3, 8, 5, 4]
    assert heads == [0, 3, 0, 0]
