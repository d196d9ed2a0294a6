"""Tell the parts of an article apart: title, subtitle, byline, closing note, subheads,
figures with their captions, tables with theirs — and say, for each guess, why.

The rules (the desk's conventions for manuscripts; format.md, "Importing from Word"):
- title: the paragraph(s) in the Title style (标题); else the first paragraph when it is set
  larger than the body text, all bold, or in a heading style. A manual line break inside it
  (Shift+Enter) starts a new title line. Nothing like a title is an error.
- subtitle: the paragraph right after the title when it starts with —— (or is in the
  Subtitle style); kept exactly as written, dashes included.
- byline, the lines after title and subtitle: "□ 张三" (□ or ■), "作者：…", "文/…" give
  `authors` when everything after the mark is personal names (2–4 Han characters, or names
  joined with ·), else `byline` (the text after the mark); a line of 记者/通讯员 roles is
  `byline` as written; a short line of names alone under the title gives `authors`. The mark
  is left to the layout (which prints "□ " where the journal wants it); "吴　宁" (a two-
  character name padded to three) is one name. A short centred (or right-set) line of
  names alone under the title gives `authors` too.
- lead: a paragraph right after the byline starting with 【导语】, 导语：, 【摘要】 or 摘要：
  (the mark is left to the layout, which prints its own, e.g. "【导语】{text}").
- note: the last paragraph(s) "（作者系……）" (作者分别系, 作者为, 作者单位, 本文作者…),
  "（来源：……）" or "来源：……", without the parentheses (the layout prints them).
- subheads: heading styles (Heading 1/2/3, 标题 1/2/3, or an outline level): the highest
  level used in the body is ##, the next ###; numbered heads "一、…" are ##, "（一）…" ###
  when short (at most 60 characters) and without a sentence end (。！？；) before their end.
- captions: a paragraph in the Caption style (题注) or starting with 图1/图一 (pictures) or
  表1/表一 (tables), right after a picture (else right before it); for a table right before
  it (the Chinese convention puts 表题 above the table), else right after.
"""
from __future__ import annotations

import re
from typeset.records import dataclass, field

from typeset.errors import TypesetError
from typeset.importer.read import Document, Para, Picture, Run, Table
from typeset.model.chars import printed

TITLE_STYLES = {"title", "标题"}
SUBTITLE_STYLES = {"subtitle", "副标题"}
CAPTION_STYLES = {"caption", "题注"}
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)

_NUM = "一二三四五六七八九十百零〇"
NUMBERED_2 = re.compile(rf"^[{_NUM}]+、")
NUMBERED_3 = re.compile(rf"^[（(][{_NUM}]+[）)]")
_SENTENCE_END = re.compile(r"[。！？；!?;]")
MAX_HEAD = 60

_BYLINE_MARK = re.compile(r"^(?P<mark>[□■]\s*|(?:作者|撰稿|撰文|执笔)\s*[:：]\s*|文\s*[/／]\s*)"
                          r"(?P<rest>\S.*)$", re.S)
_ROLES = re.compile(r"^(?:本刊|本报)?(?:特约)?(?:记者|通讯员)")
_ROLE_WORDS = re.compile(r"记者|通讯员|本刊|本报|特约|编辑|评论员|摄影|供稿|整理|办公室|委员会"
                         r"|政协|研究室|课题组|调研组|工作站|部|局|厅|处|院|校|会|社|中心|小组")
_NAME_SPLIT = re.compile(r"([\s\u3000、，,；;]+)")
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]"
_NAME = re.compile(rf"^(?:{_HAN}{{2,4}}|{_HAN}+(?:[·•・]{_HAN}+)+)$")
_ONE_HAN = re.compile(rf"^{_HAN}$")

_LEAD = re.compile(r"^(?:【导语】|【导读】|【摘要】|\[导语\]|(?:导语|导读|摘要)\s*[:：])\s*(?=\S)")
_NOTE_START = r"作者(?:分别)?(?:系|为|单位|简介)|本文作者|来源|本文来源|稿件来源|原载|本文原载|转载自"
_NOTE_PAREN = re.compile(rf"^[（(]\s*(?P<inner>(?:{_NOTE_START}).*?)\s*[）)]$", re.S)
_NOTE_PLAIN = re.compile(r"^(?:来源|本文来源|稿件来源|原载|本文原载|转载自)\s*[:：]")
_CAPTION_FIG = re.compile(rf"^图\s*(?:[0-9０-９]+|[{_NUM}]+)(?:[-－.．][0-9０-９]+)?(?:\s|[:：、.．]|$)")
_CAPTION_TAB = re.compile(rf"^表\s*(?:[0-9０-９]+|[{_NUM}]+)(?:[-－.．][0-9０-９]+)?(?:\s|[:：、.．]|$)")


@dataclass
class Heading:
    level: int
    para: Para


@dataclass
class Figure:
    picture: Picture
    caption: Para | None


@dataclass
class TableBlock:
    table: Table
    caption: Para | None


@dataclass
class Guess:
    what: str          # "title", "subtitle", "authors", "byline", "note", "##", "figure", …
    text: str
    why: str

    def line(self) -> str:
        return f"{self.what}: {self.text} ({self.why})" if self.text else \
            f"{self.what}: ({self.why})"


@dataclass
class Plan:
    """The article as it will be written: front matter and body blocks."""
    title: list[str]
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    byline: str | None = None
    lead: str | None = None
    note: str | None = None
    body: list = field(default_factory=list)          # Para | Heading | Figure | TableBlock
    notes: list[list[Para]] = field(default_factory=list)
    front_notes: list[int] = field(default_factory=list)   # notes referenced from front matter
    guesses: list[Guess] = field(default_factory=list)
    consumed: list[str] = field(default_factory=list)  # marks the layout prints instead


def visible(para: Para) -> str:
    return printed(para.text).strip(" \t\n\u3000")


def quoted(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[:limit] + '…'}”"


def _is_empty(block) -> bool:
    return isinstance(block, Para) and not visible(block) and \
        not any(r.note is not None for r in block.runs)


def _all_bold(para: Para) -> bool:
    runs = [r for r in para.runs if r.text.strip()]
    return bool(runs) and all(r.bold for r in runs)


def heading_level(para: Para) -> int | None:
    """The Word heading level (1 = Heading 1) of a paragraph, from its style or outline level."""
    m = _HEADING_STYLE.match(para.style.strip())
    if m:
        return int(m.group(1))
    return para.outline + 1 if para.outline is not None else None


def caption_kind(para: Para) -> str | None:
    """'图', '表' or 'any' (Caption style) when the paragraph reads as a caption."""
    text = visible(para)
    if _CAPTION_FIG.match(text):
        return "图"
    if _CAPTION_TAB.match(text):
        return "表"
    if para.style.strip().lower() in CAPTION_STYLES:
        return "any"
    return None


def numbered_level(text: str) -> int | None:
    if len(text) > MAX_HEAD:
        return None
    for level, pattern in ((2, NUMBERED_2), (3, NUMBERED_3)):
        m = pattern.match(text)
        if m and not _SENTENCE_END.search(text[m.end():-1]):
            return level
    return None


def split_names(rest: str) -> tuple[list[str], list[str]] | None:
    """Personal names in `rest` and the separators dropped between them, or None when
    something in it is not a name. Two single Han characters in a row are one two-character
    name padded for alignment ("吴　宁")."""
    parts = _NAME_SPLIT.split(rest.strip())
    tokens, seps = parts[0::2], parts[1::2]
    names: list[str] = []
    dropped: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if _ONE_HAN.match(tok) and i + 1 < len(tokens) and _ONE_HAN.match(tokens[i + 1]):
            names.append(tok + tokens[i + 1])
            dropped.append(seps[i])
            if i + 1 < len(seps):
                dropped.append(seps[i + 1])
            i += 2
            continue
        if not _NAME.match(tok) or _ROLE_WORDS.search(tok):
            return None
        names.append(tok)
        if i < len(seps):
            dropped.append(seps[i])
        i += 1
    return (names, dropped) if names else None


def _front_text(para: Para, plan: Plan) -> str:
    """A front-matter paragraph's text; its footnotes go to the note (a front-matter value
    cannot hold a footnote reference)."""
    for run in para.runs:
        if run.note is not None:
            plan.front_notes.append(run.note)
    return para.text


def classify(doc: Document) -> Plan:
    blocks = [b for b in doc.blocks if not _is_empty(b)]
    paras = [b for b in blocks if isinstance(b, Para)]
    if not paras:
        raise TypesetError("the document has no text", file=doc.path,
                           hint="check that this is the article's file; pictures and tables "
                                "alone are not an article")
    plan = Plan(title=[])
    guesses = plan.guesses
    used: set[int] = set()            # id() of blocks taken for the front matter or captions

    # title
    i = 0
    styled = [n for n, b in enumerate(blocks)
              if isinstance(b, Para) and b.style.strip().lower() in TITLE_STYLES]
    if styled:
        first = styled[0]
        title_paras = [blocks[first]]
        n = first + 1
        while n < len(blocks) and isinstance(blocks[n], Para) and \
                blocks[n].style.strip().lower() in TITLE_STYLES:
            title_paras.append(blocks[n])
            n += 1
        why = f"Word style {title_paras[0].style}"
        start = first
        i = n
    else:
        start = next(n for n, b in enumerate(blocks) if isinstance(b, Para))
        first_para = blocks[start]
        size, body = first_para.size, doc.body_size
        if heading_level(first_para):
            why = f"the first paragraph, Word style {first_para.style}"
        elif size and body and size > body:
            why = f"the first paragraph, set larger than the body text: {size:g} pt, not {body:g}"
        elif _all_bold(first_para):
            why = "the first paragraph, all bold"
        elif len(visible(first_para)) <= MAX_HEAD and not _SENTENCE_END.search(
                visible(first_para)[:-1]):
            why = "the first paragraph; nothing is styled as a title: check it"
        else:
            raise TypesetError(
                "cannot tell the title: nothing is styled as a title and the document starts "
                f"with a long paragraph ({quoted(visible(first_para))})", file=doc.path,
                hint="put the title on a line of its own at the top, in the Title style (标题) "
                     "or bold, and import again")
        title_paras = [first_para]
        i = start + 1
    lines: list[str] = []
    for para in title_paras:
        used.add(id(para))
        lines.extend(x for x in _front_text(para, plan).split("\n") if printed(x).strip())
    plan.title = lines
    guesses.append(Guess("title", " / ".join(quoted(t) for t in lines), why))
    if start > 0:
        before = [b for b in blocks[:start] if isinstance(b, Para)]
        if before:
            guesses.append(Guess("note", "", f"{len(before)} paragraph(s) before the title "
                                 "kept as body text at the start: check them"))

    # subtitle
    if i < len(blocks) and isinstance(blocks[i], Para):
        para = blocks[i]
        text = visible(para)
        if text.startswith(("——", "--", "—")) or para.style.strip().lower() in SUBTITLE_STYLES:
            plan.subtitle = _front_text(para, plan).strip()
            used.add(id(para))
            why = "starts with —— right after the title" if text.startswith("—") else \
                "starts with -- right after the title" if text.startswith("--") else \
                f"Word style {para.style}"
            guesses.append(Guess("subtitle", quoted(text), why))
            i += 1

    # byline lines
    bylines: list[str] = []
    while i < len(blocks) and isinstance(blocks[i], Para) and len(bylines) < 3:
        para = blocks[i]
        text = visible(para)
        if any(r.note is not None for r in para.runs) or len(text) > 60:
            break
        m = _BYLINE_MARK.match(text)
        if m:
            mark = m.group("mark").strip()
            names = split_names(m.group("rest"))
            why = f"a line starting with {mark}"
            if names is not None:
                plan.authors.extend(names[0])
                plan.consumed.append(m.group("mark"))
                plan.consumed.extend(names[1])
                guesses.append(Guess("authors", ", ".join(names[0]), why))
            else:
                bylines.append(m.group("rest").strip())
                plan.consumed.append(m.group("mark"))
                guesses.append(Guess("byline", quoted(m.group("rest")),
                                     why + "; not only personal names"))
        elif _ROLES.match(text):
            bylines.append(text)
            guesses.append(Guess("byline", quoted(text), "a line naming 记者/通讯员"))
        elif not plan.authors and not bylines and para.align in ("center", "right") and \
                len(text) <= 20 and (names := split_names(text)) is not None:
            plan.authors.extend(names[0])
            plan.consumed.extend(names[1])
            guesses.append(Guess("authors", ", ".join(names[0]), "a short centred line of "
                                 "personal names under the title" if para.align == "center"
                                 else "a short line of personal names set right"))
        elif not plan.authors and not bylines and para.align in ("center", "right") and \
                len(text) <= 40 and not _SENTENCE_END.search(text):
            bylines.append(text)
            guesses.append(Guess("byline", quoted(text), "a short centred line under the "
                                 "title" if para.align == "center" else
                                 "a short line set right under the title"))
        else:
            break
        used.add(id(para))
        i += 1
    if bylines:
        plan.byline = " ".join(bylines)

    # lead (导语): a paragraph marked as one, right after the byline
    if i < len(blocks) and isinstance(blocks[i], Para):
        para = blocks[i]
        m = _LEAD.match(visible(para))
        if m and not any(r.note is not None for r in para.runs):
            text = para.text.strip(" \t\n\u3000")
            plan.lead = text[len(m.group(0)):].strip(" \u3000")
            plan.consumed.append(m.group(0))
            used.add(id(para))
            guesses.append(Guess("lead", quoted(plan.lead), f"a paragraph starting with "
                                 f"{m.group(0).strip()} under the title; the layout prints "
                                 "its own mark"))
            i += 1

    # closing note: the last paragraphs
    tail: list[Para] = []
    n = len(blocks) - 1
    while n >= i and isinstance(blocks[n], Para) and len(tail) < 2:
        para = blocks[n]
        text = visible(para)
        if _NOTE_PAREN.match(text) or _NOTE_PLAIN.match(text):
            tail.insert(0, para)
            n -= 1
        else:
            break
    if tail:
        parts = []
        for para in tail:
            text = _front_text(para, plan).strip(" \t\n\u3000")
            m = _NOTE_PAREN.match(printed(text))
            if m:
                plan.consumed.extend([text[0], text[-1]])
                text = text[1:-1].strip(" \t\n\u3000")
                why = "the closing paragraph in parentheses, starting with " + \
                      re.match(rf"^(?:{_NOTE_START})", printed(text)).group(0)
            else:
                why = "the closing paragraph starting with " + printed(text).split("：")[0]
            parts.append(text)
            used.add(id(para))
            guesses.append(Guess("note", quoted(printed(text)), why))
        plan.note = " ".join(parts)
    if plan.front_notes:
        extra = " ".join(" ".join(p.text for p in doc.notes[k]) for k in plan.front_notes)
        plan.note = (plan.note + " " + extra) if plan.note else extra
        guesses.append(Guess("note", quoted(extra), f"{len(plan.front_notes)} footnote(s) on "
                             "the title or byline: a front-matter value cannot hold a "
                             "footnote, so its text goes to the note"))

    # body
    body = [b for b in blocks if id(b) not in used]
    levels = sorted({lv for b in body if isinstance(b, Para) and (lv := heading_level(b))})
    rank = {lv: (2 if k == 0 else 3) for k, lv in enumerate(levels)}
    captions: set[int] = set()

    def caption_at(k: int, kinds: tuple[str, ...]) -> Para | None:
        if 0 <= k < len(body) and isinstance(body[k], Para) and id(body[k]) not in captions:
            para = body[k]
            if caption_kind(para) in kinds and heading_level(para) is None and \
                    len(visible(para)) <= 120:
                return para
        return None

    def take(candidates: tuple[tuple[int, str], ...], kinds: tuple[str, ...]
             ) -> tuple[Para | None, str]:
        for k, where in candidates:
            para = caption_at(k, kinds)
            if para is not None:
                captions.add(id(para))
                kind = caption_kind(para)
                assert kind is not None
                how = f"the {para.style}-style paragraph" if \
                    para.style.strip().lower() in CAPTION_STYLES else \
                    f"the paragraph starting with {kind}"
                return para, (f"caption: {how} after it" if where == "after" else
                              f"caption: {how} before it")
        return None, ""

    # captions first (a picture's caption may come before it), then everything in order
    found: dict[int, tuple[Para | None, str]] = {}
    for k, block in enumerate(body):
        if isinstance(block, Picture):
            found[k] = take(((k + 1, "after"), (k - 1, "before")), ("图", "any"))
        elif isinstance(block, Table):
            found[k] = take(((k - 1, "before"), (k + 1, "after")), ("表", "any"))
    plan_body: list = []
    figures = tables = 0
    for k, block in enumerate(body):
        if isinstance(block, Picture):
            figures += 1
            cap, why = found[k]
            plan_body.append(Figure(block, cap))
            detail = [why] if why else []
            if block.data is None:
                detail.append("linked to an outside file, not stored in the document: "
                              "put the picture next to the article by hand")
            elif block.ext not in (".jpg", ".png", ".tif"):
                detail.append(f"a {block.ext.lstrip('.').upper() or 'unknown'} picture: "
                              "typeset prints JPEG, PNG and TIFF; convert it")
            if block.inline_with_text:
                detail.append(f"it stood inside the text of paragraph {block.para}: set "
                              "after that paragraph")
            guesses.append(Guess(f"figure {figures}", quoted(visible(cap)) if cap else
                                 "no caption", "; ".join(detail) or
                                 "no caption paragraph next to it"))
        elif isinstance(block, Table):
            tables += 1
            cap, why = found[k]
            plan_body.append(TableBlock(block, cap))
            size = f"{len(block.rows)} rows × {len(block.rows[0]) if block.rows else 0} columns"
            detail = [why] if why else []
            if block.merged:
                detail.append("merged cells written as empty cells")
            if block.nested:
                detail.append("a table inside a cell: its text set in the cell")
            guesses.append(Guess(f"table {tables}", size + (f", {quoted(visible(cap))}"
                                                           if cap else ", no caption"),
                                 "; ".join(detail) or "no caption paragraph next to it"))
        elif id(block) in captions:
            continue
        else:
            text = visible(block)
            level = heading_level(block)
            if level is not None:
                plan_body.append(Heading(rank[level], block))
                why = f"Word style {block.style}" if _HEADING_STYLE.match(block.style.strip()) \
                    else f"outline level {level}"
                if rank[level] == 3 and level != levels[1]:
                    why += f"; articles have two levels of subheads, so level {level} is ###"
                guesses.append(Guess("#" * rank[level], quoted(text), why))
                continue
            nl = numbered_level(text)
            if nl is not None:
                plan_body.append(Heading(nl, block))
                mark = (NUMBERED_2 if nl == 2 else NUMBERED_3).match(text).group(0).strip()
                guesses.append(Guess("#" * nl, quoted(text), f"a head numbered {mark}"))
                continue
            plan_body.append(block)
    plan.body = plan_body
    plan.notes = doc.notes
    _warnings(doc, plan)
    return plan


def _warnings(doc: Document, plan: Plan) -> None:
    g = plan.guesses
    bold = sum(1 for b in plan.body if isinstance(b, Para)
               for r in b.runs if r.bold and r.text.strip())
    if bold:
        g.append(Guess("bold", f"{bold} run(s) of bold type", "set as **…**"))
    body_notes = len(plan.notes) - len(plan.front_notes)
    if body_notes:
        g.append(Guess("footnotes", str(body_notes), "Word footnotes and endnotes, as [^n]"))
    if doc.deleted or doc.inserted:
        g.append(Guess("tracked changes", f"{doc.inserted} insertion(s), {doc.deleted} "
                       "deletion(s)", "read as if accepted: check with the author"))
    if doc.text_boxes:
        g.append(Guess("text boxes", str(doc.text_boxes), "their text follows the paragraph "
                       "that anchors them"))
    if doc.numbered:
        g.append(Guess("numbering", f"{doc.numbered} paragraph(s)", "numbered by Word "
                       "automatically; the numbers are written as text"))
    if doc.ruby:
        g.append(Guess("phonetic guides", str(doc.ruby), "typeset sets no ruby: each guide "
                       "is written after its text in （）; check them"))
    if doc.equations:
        g.append(Guess("equations", str(doc.equations), "kept as plain text"))
    hidden = [b for b in doc.blocks if isinstance(b, Para) and b.hidden]
    if hidden:
        g.append(Guess("hidden text", f"paragraph {hidden[0].number}" +
                       (f" and {len(hidden) - 1} more" if len(hidden) > 1 else ""),
                       "Word does not print hidden text; it is kept: delete it if unwanted"))
    sup = [r.text for b in doc.blocks if isinstance(b, Para) for r in b.runs
           if r.superscript and r.text.strip()]
    if sup:
        g.append(Guess("superscript", ", ".join(quoted(s, 10) for s in sup[:3]) +
                       ("…" if len(sup) > 3 else ""), "set as normal text (e.g. m2 for m²): "
                       "check them"))


__all__ = ["Plan", "Heading", "Figure", "TableBlock", "Guess", "classify", "Run",
           "heading_level", "caption_kind", "numbered_level", "split_names"]
