"""Word documents for the import tests and bench, built with python-docx from a compact
description. Every text in them is written for this project (fictional people and places).

A document is a list of blocks:

    P("正文……**加粗的小标题。**正文继续[^脚注的文字]……")   paragraph; **…** bold, [^…] a footnote,
                                                      "\\n" a manual line break (Shift+Enter)
    P("…", style="Title" | "Heading 1" | "Caption" | any style, size=22, bold=True,
      raw=True)                                       raw: no mini-markup, the text as it is
    P([("run text", True), ("plain", False), Note("脚注")])   runs given one by one (True: bold)
    Picture("jpeg" | "png" | bytes, width_cm=8)       a picture in a paragraph of its own
    Table([["年份", "提案数"], ["2022", "812"]])       a table (first row as written)
    PageBreak()

`build_docx(path, blocks)` writes the .docx; footnotes get a footnotes part as Word writes it
(python-docx has no footnote API).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass
class Note:
    text: str


@dataclass
class P:
    text: str | list
    style: str | None = None
    size: float | None = None          # points, set on every run
    bold: bool = False                 # every run bold
    raw: bool = False                  # no mini-markup
    align: str | None = None           # "center", "right"
    num: tuple[str, str] | None = None  # Word's automatic numbering: (numFmt, lvlText), e.g.
                                        # ("chineseCounting", "%1、"); the number is not text

    def runs(self) -> list:
        if isinstance(self.text, list):
            return self.text
        if self.raw:
            return [(self.text, False)]
        out: list = []
        for piece in re.split(r"(\*\*.+?\*\*|\[\^.+?\])", self.text):
            if not piece:
                continue
            if piece.startswith("**") and piece.endswith("**") and len(piece) > 4:
                out.append((piece[2:-2], True))
            elif piece.startswith("[^") and piece.endswith("]"):
                out.append(Note(piece[2:-1]))
            else:
                out.append((piece, False))
        return out


@dataclass
class Picture:
    image: str | bytes = "jpeg"        # "jpeg", "png" or the file's bytes
    width_cm: float = 8.0
    seed: int = 0                      # varies the generated picture's pixels


@dataclass
class Table:
    rows: list[list[str]]
    style: str | None = "Table Grid"


@dataclass
class PageBreak:
    pass


def make_image(kind: str = "jpeg", seed: int = 0, size: tuple[int, int] = (120, 80)) -> bytes:
    """A small picture (a colour gradient) as JPEG or PNG bytes."""
    from PIL import Image

    w, h = size
    img = Image.new("RGB", size)
    img.putdata([((x * 2 + seed * 37) % 256, (y * 3 + seed * 11) % 256, (x + y) % 256)
                 for y in range(h) for x in range(w)])
    buf = io.BytesIO()
    img.save(buf, format="JPEG" if kind == "jpeg" else "PNG")
    return buf.getvalue()


def _add_run(paragraph, text: str, *, bold: bool, size: float | None,
             word_like: bool = False) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn
    from docx.shared import Pt

    chunks = [text]
    if word_like:          # Word splits text into many runs (revision ids, spelling marks)
        chunks, i = [], 0
        while i < len(text):
            n = 3 + (i * 7 + len(text)) % 10
            chunks.append(text[i:i + n])
            i += n
    for k, chunk in enumerate(chunks):
        pieces = chunk.split("\n")
        run = paragraph.add_run(pieces[0])
        for piece in pieces[1:]:
            run.add_break()
            run.add_text(piece)
        if bold:
            run.bold = True
        if size:
            run.font.size = Pt(size)
        if word_like:
            run._r.set(qn("w:rsidR"), f"00{(k * 2654435761) % 0xFFFFFF:06X}")
            run._r.get_or_add_rPr().insert(0, parse_xml(
                f'<w:rFonts xmlns:w="{W_NS}" w:hint="eastAsia" w:ascii="宋体" '
                'w:eastAsia="宋体"/>'))
            if k % 4 == 3:
                paragraph._p.append(parse_xml(
                    f'<w:proofErr xmlns:w="{W_NS}" w:type="spellStart"/>'))


def _add_note_reference(paragraph, note_id: int) -> None:
    from docx.oxml import parse_xml

    paragraph._p.append(parse_xml(
        f'<w:r xmlns:w="{W_NS}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteReference w:id="{note_id}"/></w:r>'))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _footnotes_xml(notes: list[str]) -> bytes:
    body = [f'<w:footnotes xmlns:w="{W_NS}">',
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
            '</w:footnote>',
            '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
            '<w:continuationSeparator/></w:r></w:p></w:footnote>']
    for n, text in enumerate(notes, start=1):
        body.append(f'<w:footnote w:id="{n}"><w:p><w:r><w:rPr><w:vertAlign '
                    f'w:val="superscript"/></w:rPr><w:footnoteRef/></w:r><w:r><w:t '
                    f'xml:space="preserve"> {_esc(text)}</w:t></w:r></w:p></w:footnote>')
    body.append("</w:footnotes>")
    return "".join(body).encode("utf-8")


def _add_numbering(document, numbered: list) -> None:
    """One numbering definition per (format, template), at level 0, as Word writes them."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    if not numbered:
        return
    root = document.part.numbering_part.element
    first_num = root.find(qn("w:num"))
    ids: dict[tuple, int] = {}
    for para, spec in numbered:
        if spec not in ids:
            n = 900 + len(ids)
            ids[spec] = n
            fmt, text = spec
            abstract = parse_xml(
                f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="{n}"><w:lvl w:ilvl="0">'
                f'<w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                '</w:lvl></w:abstractNum>')
            if first_num is not None:
                first_num.addprevious(abstract)
            else:
                root.append(abstract)
            root.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="{n}"><w:abstractNumId '
                                  f'w:val="{n}"/></w:num>'))
        ppr = para._p.get_or_add_pPr()
        ppr.append(parse_xml(f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="0"/><w:numId '
                             f'w:val="{ids[spec]}"/></w:numPr>'))


def build_docx(path: Path | str, blocks: list, *, word_like: bool = False) -> Path:
    """Write the described document to `path` (see the module docstring). `word_like`: split
    the text into many runs carrying revision ids, fonts and spelling marks, as Word saves it
    (the bench's documents; the XML is then several times larger per character)."""
    import docx
    from docx.enum.text import WD_BREAK
    from docx.opc.constants import CONTENT_TYPE as CT, RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.shared import Cm

    document = docx.Document()
    notes: list[str] = []
    numbered: list = []                # (paragraph, (numFmt, lvlText))
    for block in blocks:
        if isinstance(block, str):
            block = P(block)
        if isinstance(block, P):
            para = document.add_paragraph(style=block.style)
            if block.num:
                numbered.append((para, block.num))
            if block.align:
                from docx.enum.text import WD_ALIGN_PARAGRAPH
                para.alignment = getattr(WD_ALIGN_PARAGRAPH, block.align.upper())
            for run in block.runs():
                if isinstance(run, Note):
                    notes.append(run.text)
                    _add_note_reference(para, len(notes))
                else:
                    text, bold = run
                    _add_run(para, text, bold=bold or block.bold, size=block.size,
                             word_like=word_like)
        elif isinstance(block, Picture):
            data = block.image if isinstance(block.image, bytes) else \
                make_image(block.image, block.seed)
            document.add_picture(io.BytesIO(data), width=Cm(block.width_cm))
        elif isinstance(block, Table):
            ncols = max(len(r) for r in block.rows)
            table = document.add_table(rows=len(block.rows), cols=ncols)
            if block.style:
                table.style = block.style
            for r, row in enumerate(block.rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        elif isinstance(block, PageBreak):
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        else:
            raise TypeError(f"unknown block {block!r}")
    _add_numbering(document, numbered)
    if notes:
        part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, _footnotes_xml(notes),
                    document.part.package)
        document.part.relate_to(part, RT.FOOTNOTES)
    path = Path(path)
    document.save(str(path))
    return path


# --- a real-looking article of any length (bench and the larger tests) -----------------------

_SENTENCES = (
    "青溪县政协把“委员走基层”作为今年履职的重要抓手，组织委员分批深入乡镇村屯。",
    "在石门镇柳塘村，委员们走进田间地头，同种植户一起算收入账、成本账和发展账。",
    "大家普遍反映，冷链物流跟不上、品牌不够响，是制约特色水果增收的主要短板。",
    "调研组先后召开座谈会6场，走访企业、合作社和农户43家，收集意见建议120余条。",
    "针对群众关心的饮水安全问题，委员们建议加快推进城乡供水一体化工程建设。",
    "县政协办公室及时将调研成果整理成专报，报送县委、县政府主要领导参阅。",
    "有关部门对专报提出的建议逐条研究，其中8条已经转化为具体的工作措施。",
    "下一步，县政协将围绕乡村振兴中的难点堵点，继续开展跟踪监督性调研。",
    "委员们表示，要把群众的“需求清单”变成履职的“任务清单”，做到件件有回音。",
    "2024年，全县共建成委员工作室15个，覆盖全部乡镇和重点园区。",
    "协商会上，来自教育、卫生、农业等界别的委员围绕课后服务质量踊跃发言。",
    "会后，县教育局负责同志表示，将认真吸纳委员意见，完善课后服务收费和补助办法。",
)
_HEADS = ("一、坚持问题导向，把调研做深做实", "二、搭建协商平台，让群众有序参与",
          "三、注重成果转化，推动建议落地见效", "四、加强自身建设，提高履职能力水平",
          "五、完善工作机制，形成长效常态", "六、强化宣传引导，凝聚发展共识")
_RUN_INS = ("**聚焦群众关切选题。**", "**创新协商形式。**", "**健全跟踪问效机制。**",
            "**用好委员工作室。**")
PAGE_CHARS = 1000        # a manuscript page: 小四 at 1.5 line spacing holds about 1000 characters


def _paragraph(rng, n: int) -> str:
    return "".join(rng.choice(_SENTENCES) for _ in range(n))


def article_blocks(pages: int, seed: int = 1) -> list:
    """An article of about `pages` manuscript pages: title, subtitle, byline, numbered
    heads, bold run-in heads, footnotes, a captioned picture every 3 pages and a captioned
    table every 4, and the closing note."""
    import random

    rng = random.Random(seed)
    blocks: list = [P("青溪县政协：让协商议政更接地气", style="Title"),
                    P("——青溪县政协开展“委员走基层”活动纪实"),
                    P("□ 韦晓岚 覃明远")]
    for page in range(pages):
        if page % 2 == 0:
            blocks.append(P(_HEADS[(page // 2) % len(_HEADS)], style="Heading 1"))
        chars = 0
        k = 0
        while chars < PAGE_CHARS - 150:
            text = _paragraph(rng, rng.randint(3, 5))
            if k == 1:
                text = rng.choice(_RUN_INS) + text
            if k == 2 and page % 2 == 1:
                cut = len(text) // 2
                text = text[:cut] + f"[^见《青溪县政协{2020 + page % 5}年工作报告》第{page + 3}页。]" \
                    + text[cut:]
            blocks.append(P(text))
            chars += len(text)
            k += 1
        if page % 3 == 1:
            blocks.append(Picture("jpeg", seed=page))
            blocks.append(P(f"图{page // 3 + 1} 委员在柳塘村果园了解种植情况", style="Caption"))
        if page % 4 == 2:
            blocks.append(Table([["镇名", "座谈会", "走访户数"], ["石门镇", "2", "15"],
                                 ["清水镇", "3", "18"], ["合　计", "5", "33"]]))
            blocks.append(P(f"表{page // 4 + 1} 各镇调研情况", style="Caption"))
    blocks.append(P("（作者系青溪县政协办公室主任）"))
    return blocks
