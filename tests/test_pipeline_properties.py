"""Property: whatever the article text, the laid-out pages hold exactly that text, in order,
and no line breaks a rule of cjk-rules.md §1 (hypothesis over generated articles)."""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st

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


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
