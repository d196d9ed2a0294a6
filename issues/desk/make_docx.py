"""Write `wuling-fantang.docx`: the Word document of the README's "A day at the desk".

A short article as an author would send it to 《广西政协工作》: a title in Word's Title style,
a subtitle starting with ——, a byline "□ 蓝海琳", two numbered heads "一、…" / "二、…", a
bold run-in, a small table under its caption "表1 …", and the closing "（作者系……）" note.
The text was written for typeset; the county (梧岭县), its people and its figures are
invented, like the sample issue's.

The .docx beside this script is what it writes (committed, so the walkthrough works on a
fresh clone without running anything); tests/test_walkthrough.py checks that running it again
gives a document with the same text. To write it again:

    .venv/bin/python issues/desk/make_docx.py            # -> issues/desk/wuling-fantang.docx
    .venv/bin/python issues/desk/make_docx.py OUT.docx
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

HERE = Path(__file__).resolve().parent
DOCX = HERE / "wuling-fantang.docx"

TITLE = "一张餐桌上的协商"
SUBTITLE = "——梧岭县政协助推城乡长者饭堂建设的做法"
BYLINE = "□ 蓝海琳"

# The body, in order: ("p", text) a paragraph, ("p", [(text, bold), …]) one given run by run,
# ("caption", text) a table's caption (the paragraph right before it), ("table", rows).
BODY: list[tuple] = [
    ("p", "去年春天，梧岭县政协把“办好长者饭堂”列为年度重点协商议题。一年多来，全县新建和"
          "改建长者饭堂23家，每天为2100多名老人提供午餐。一张小小的餐桌，让委员们看到了协商"
          "议政的另一种打开方式。"),
    ("p", "一、听老人说，把议题定实"),
    ("p", [("饭菜合不合口，老人最有发言权。", True),
           ("议题确定之初，县政协组织农业、医卫、社会福利等界别的委员组成4个调研组，走进8个"
            "乡镇的32个村（社区），和老人们同桌吃饭、拉家常。大家发现，老人们最关心的不是菜多"
            "菜少，而是“离家近不近、价钱贵不贵、饭菜软不软”。", False)]),
    ("p", "调研组把这些朴素的话原原本本写进调研报告，又请县民政局、县财政局一起逐条“对账”，"
          "最后形成了“就近布点、低价普惠、清淡软烂”三条建议，全部被县政府采纳。"),
    ("caption", "表1 梧岭县长者饭堂建设情况"),
    ("table", [["年份", "饭堂（家）", "日均就餐（人次）"],
               ["2022", "9", "640"],
               ["2023", "21", "1750"],
               ["2024", "32", "2130"]]),
    ("p", "二、请群众评，把实事办好"),
    ("p", "饭堂开起来以后，县政协没有“一交了之”。委员们每季度到饭堂“蹲点”一次，和老人们一起"
          "吃一顿饭，听一听意见。有的饭堂菜价涨了，有的饭堂离村子太远，委员们把这些问题带回"
          "协商会，和有关部门面对面商量解决的办法。"),
    ("p", "城北社区的黄阿婆今年八十一岁，她说：“以前一个人在家，煮一顿吃两天。现在走几步就能"
          "吃上热乎饭，还能和老姐妹们聊聊天。”老人们的笑脸，就是对协商成果最好的检验。"),
]
NOTE = "（作者系梧岭县政协社会和法制委员会主任）"


def build(path: Path = DOCX) -> Path:
    doc = Document()
    doc.core_properties.title = TITLE
    doc.core_properties.author = "蓝海琳"
    doc.add_paragraph(TITLE, style="Title")
    doc.add_paragraph(SUBTITLE)
    doc.add_paragraph(BYLINE).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, content in BODY:
        if kind == "table":
            table = doc.add_table(rows=len(content), cols=len(content[0]))
            table.style = "Table Grid"
            for row, cells in zip(table.rows, content):
                for cell, text in zip(row.cells, cells):
                    cell.text = text
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER   # 居中, as desks do
        elif isinstance(content, list):
            para = doc.add_paragraph()
            for text, bold in content:
                para.add_run(text).bold = bold
        else:
            para = doc.add_paragraph(content)
            if kind == "caption":
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(NOTE)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCX))
