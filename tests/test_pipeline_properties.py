"""Property: whatever the article text, the laid-out pages hold exactly that text, in order,
and no line breaks a rule of cjk-rules.md §1 (hypothesis over generated articles)."""
from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, event, given, settings, strategies as st

from typeset.build import compose
from typeset.layout.page import TextRun
from typeset.report import check_composition

HAN = "政协委员会议建设发展工作人民群众社会经济文化协商监督调研提案乡村振兴"
PUNCT = ["，", "。", "、", "；", "：", "？", "！", "——", "……", "“", "”", "《", "》", "（", "）"]
WORDS = ["APP", "5G", "GDP", "Wi-Fi", "Python", "12.5%", "53.8亿", "1000m²", "￥100",
         "2024 年", "a@b.cn"]

piece = st.one_of(st.text(alphabet=HAN, min_size=1, max_size=12), st.sampled_from(PUNCT),
                  st.sampled_from(WORDS))
paragraph = st.lists(piece, min_size=1, max_size=60).map("".join).filter(
    lambda t: not re.search(r"^\s|\s$|\s\s", t))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(st.lists(paragraph, min_size=1, max_size=8))
def test_every_character_lands_once_and_no_line_breaks_a_rule(tmp_path_factory, paragraphs):
    root = tmp_path_factory.mktemp("prop")
    (root / "a.md").write_text("---\ntitle: 测试\n---\n\n" + "\n\n".join(
        p.replace("*", "").replace("\\", "") for p in paragraphs) + "\n", encoding="utf-8")
    (root / "issue.yaml").write_text(
        "layout: guangxi\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
        "    articles: [a.md]\n", encoding="utf-8")
    comp = compose(root / "issue.yaml", use_cache=False)
    laid = "".join(it.text for p in comp.body for it in p.items
                   if isinstance(it, TextRun) and it.role == "body")
    source = "".join(b.text for a in comp.issue.sections[0].articles for b in a.blocks)
    squash = lambda s: re.sub(r"\s+", "", s)   # noqa: E731 — spaces at line breaks go
    assert squash(laid) == squash(source)
    report = check_composition(comp)
    assert report.prohibited == [] and report.overflows == []
    assert report.orphans_lines == [] and report.stranded_headings == []
    assert report.outside == [] and report.overlaps == []


# --- make-up (issue 9): generated articles, with titles, subtitles and subheads that wrap ------

WORDS_HAN = ["政协", "委员", "协商", "会议", "建设", "发展", "工作", "人民", "群众", "社会",
             "经济", "文化", "监督", "调研", "提案", "乡村", "振兴", "推动", "加强", "服务",
             "高质量", "全过程", "民主", "县域", "特色", "产业", "关于", "的", "和", "在"]
heading_piece = st.one_of(st.sampled_from(WORDS_HAN), st.sampled_from(WORDS_HAN),
                          st.sampled_from(["，", "、", "“", "”", "——", "《", "》", " "]))
heading = st.lists(heading_piece, min_size=4, max_size=30).map("".join).map(
    lambda t: re.sub(r"\s+", " ", t).strip(" —")).filter(lambda t: len(t) >= 2)


@settings(max_examples=int(os.environ.get("TYPESET_FUZZ_EXAMPLES", "8")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(title=heading, subtitle=heading, subheads=st.lists(heading, min_size=1, max_size=3),
       paragraphs=st.lists(paragraph, min_size=1, max_size=5),
       layout=st.sampled_from(["guangxi", "chongqing"]))
def test_generated_articles_have_even_edges_and_whole_words(tmp_path_factory, title, subtitle,
                                                           subheads, paragraphs, layout):
    """Whatever the article, no justified line ends short or notched and no heading or
    contents entry is broken inside a word (the measures of `typeset check`)."""
    import yaml

    root = tmp_path_factory.mktemp("makeup")
    body = []
    for i, p in enumerate(paragraphs):
        if i < len(subheads):
            body.append("## " + subheads[i])
        body.append(p.replace("*", "").replace("\\", "").replace("#", ""))
    front = yaml.safe_dump({"title": title, "subtitle": subtitle, "authors": ["吴宁"],
                            "note": "作者系" + title}, allow_unicode=True)
    (root / "a.md").write_text(f"---\n{front}---\n\n" + "\n\n".join(body) + "\n",
                               encoding="utf-8")
    (root / "issue.yaml").write_text(
        f"layout: {layout}\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
        "    articles: [a.md]\n", encoding="utf-8")
    report = check_composition(compose(root / "issue.yaml", use_cache=False))
    assert report.short_lines == [], report.short_lines
    assert report.notched_ends == [], report.notched_ends
    assert report.split_words == [], report.split_words


# --- page make-up (issue 9 part 1): generated articles of several pages ------------------------

long_paragraph = st.lists(piece, min_size=30, max_size=90).map("".join).filter(
    lambda t: not re.search(r"^\s|\s$|\s\s", t))


@settings(max_examples=int(os.environ.get("TYPESET_FUZZ_EXAMPLES", "8")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(articles=st.lists(st.tuples(st.lists(long_paragraph, min_size=5, max_size=14),
                                   st.lists(heading, max_size=3), st.booleans()),
                         min_size=1, max_size=2),
       layout=st.sampled_from(["guangxi", "chongqing"]))
def test_generated_articles_end_full_pages_or_say_why(tmp_path_factory, articles, layout):
    """Whatever the articles, a page the text runs on from never ends short unless `check`
    reports it with its cause and why the make-up pass could not fill it, and no page holds
    only an article's end note."""
    from typeset.layout.flow import Band
    from typeset.layout.makeup import room

    root = tmp_path_factory.mktemp("pages")
    names = []
    for k, (paras, subheads, note) in enumerate(articles):
        body = []
        for i, p in enumerate(paras):
            if i and i - 1 < len(subheads):
                body.append("## " + subheads[i - 1])
            body.append(p.replace("*", "").replace("\\", "").replace("#", ""))
        front = "title: 测试文章\nauthors: [吴宁]\n" + ("note: 作者系政协委员\n" if note else "")
        (root / f"a{k}.md").write_text(f"---\n{front}---\n\n" + "\n\n".join(body) + "\n",
                                       encoding="utf-8")
        names.append(f"a{k}.md")
    (root / "issue.yaml").write_text(
        f"layout: {layout}\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
        f"    articles: [{', '.join(names)}]\n", encoding="utf-8")
    comp = compose(root / "issue.yaml", use_cache=False)
    report = check_composition(comp)
    event(f"{len(comp.frames)} pages, {len(report.short_pages)} short, "
          f"{len(report.made_up)} paragraphs made up")
    assert report.note_only_pages == [], report.note_only_pages
    reported = {f.page: f.detail for f in report.short_pages}
    for f in report.short_pages:
        assert "(make-up: " in f.detail, f
    lines = comp.layout.textblock.lines
    frames = comp.frames
    for i, frame in enumerate(frames[:-1]):
        nxt = frames[i + 1]
        if frame.blank or not frame.used or nxt.blank or not nxt.used:
            continue
        first = nxt.placements[0].item
        if isinstance(first, Band) and first.role in ("head", "colophon"):
            continue                     # an article's last page
        if room(frame, lines) > 0:
            assert comp.body[i].label in reported, f"page {comp.body[i].label} ends short"
