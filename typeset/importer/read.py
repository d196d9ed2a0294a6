"""Read a .docx into plain data: paragraphs of styled runs, pictures, tables, notes.

python-docx opens the package (zip, content types, relationships, parts) and gives the parsed
XML of the main document and the styles; the body is walked here element by element
(ECMA-376 Part 1 §17, WordprocessingML), so that every element that holds text is read and
nothing is skipped because a higher-level API does not expose it:

- runs (§17.3.2): w:t text, w:tab and w:ptab (a tab), w:br and w:cr (a line break),
  w:noBreakHyphen (U+2011), w:softHyphen (U+00AD), w:sym (the symbol's character code);
- containers read through: hyperlinks, fields (w:fldSimple; the result of a complex field,
  never its instruction text), content controls (w:sdt), smart tags, custom XML, tracked
  insertions (w:ins, w:moveTo); tracked deletions (w:del, w:moveFrom) are the text Word no
  longer shows and are not read, but counted;
- pictures (DrawingML a:blip, VML v:imagedata): the original bytes of the image part;
- text boxes (w:txbxContent, in DrawingML or VML; of mc:AlternateContent the first mc:Choice,
  as Word reads it): their paragraphs follow the paragraph that anchors them;
- equations (m:oMath): their text (m:t), as plain text;
- phonetic guides (w:ruby, §17.3.3.25): the base text, then the guide in （）: typeset sets
  no ruby, and the guide is text the author wrote;
- automatic numbering (§17.9, numbering.py): the number Word draws is written as text;
- footnotes and endnotes (§17.11): the footnotes and endnotes parts, which python-docx does
  not expose, read in `_read_notes`.

Formatting: bold, italic and size are resolved as Word resolves them (§17.7.2, style
hierarchy): the run's own properties, then its character style and the styles it is based
on, then the paragraph's style and its bases, then the document defaults.
"""
from __future__ import annotations

from typeset.records import dataclass, field
from pathlib import Path

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
V = "urn:schemas-microsoft-com:vml"
M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
RT_FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
RT_ENDNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# --- the data handed to the next stage -------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """Text with one style, or (text "") a reference to note `note` (0-based, Document.notes)."""
    text: str
    bold: bool = False
    italic: bool = False
    note: int | None = None
    superscript: bool = False


@dataclass
class Para:
    runs: list[Run]
    style: str                    # the paragraph style's name as Word shows it ("Heading 1")
    outline: int | None           # outline level 0..8 (0 = Heading 1), from the paragraph or style
    size: float | None            # the largest type size (pt) of its text
    align: str | None             # "center", "right", "both", … (w:jc)
    number: int                   # 1-based position among the document's paragraphs
    hidden: bool = False          # holds hidden text (w:vanish)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Picture:
    data: bytes | None            # the image part's bytes as stored (None: linked, not embedded)
    ext: str                      # ".jpg", ".png", ".tif", ".emf", …
    key: str                      # the part's name (a picture used twice is one file)
    number: int                   # 1-based, in document order
    para: int                     # the paragraph it stands in
    inline_with_text: bool = False


@dataclass
class Cell:
    paras: list[Para]

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.paras)


@dataclass
class Table:
    rows: list[list[Cell]]
    number: int                   # 1-based, in document order
    merged: bool = False          # had merged cells (written as empty cells)
    nested: bool = False          # had a table inside a cell (its text read into the cell)
    align: list[str | None] = field(default_factory=list)   # per column: jc of its cells


@dataclass
class Document:
    path: Path
    blocks: list                  # Para | Picture | Table, in reading order
    notes: list[list[Para]]       # footnotes and endnotes, in order of first reference
    body_size: float | None       # the type size most of the text is set in
    deleted: int = 0              # tracked deletions not read
    inserted: int = 0             # tracked insertions read as text
    text_boxes: int = 0
    equations: int = 0
    numbered: int = 0             # paragraphs numbered by Word (numbers written as text)
    ruby: int = 0                 # phonetic guides, written after their base in （）


# --- styles (§17.7) -------------------------------------------------------------------------

def _on(el) -> bool | None:
    """A toggle property (w:b, w:i, w:vanish): None when absent."""
    if el is None:
        return None
    val = el.get(f"{{{W}}}val")
    return val not in ("0", "false", "off")


@dataclass
class _Style:
    name: str
    based_on: str | None
    bold: bool | None
    italic: bool | None
    size: float | None
    outline: int | None
    num: tuple[str, int] | None = None      # automatic numbering (numId, ilvl) of the style


class Styles:
    """The document's styles by id, with Word's inheritance (basedOn chains)."""

    def __init__(self, styles_el):
        self.by_id: dict[str, _Style] = {}
        self._memo: dict[tuple, object] = {}
        self.default_para: str | None = None
        self.default_size: float | None = None
        if styles_el is None:
            return
        rpr = styles_el.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
        if rpr is not None:
            self.default_size = _size(rpr)
        for st in styles_el.iter(w("style")):
            sid = st.get(w("styleId"))
            if sid is None:
                continue
            name_el = st.find(w("name"))
            name = name_el.get(w("val")) if name_el is not None else sid
            based = st.find(w("basedOn"))
            rpr = st.find(w("rPr"))
            ppr = st.find(w("pPr"))
            outline = None
            if ppr is not None and ppr.find(w("outlineLvl")) is not None:
                outline = _int(ppr.find(w("outlineLvl")).get(w("val")))
            num = _num_pr(ppr.find(w("numPr"))) if ppr is not None else None
            self.by_id[sid] = _Style(
                name=_ui_name(name), based_on=based.get(w("val")) if based is not None else None,
                bold=_on(rpr.find(w("b"))) if rpr is not None else None,
                italic=_on(rpr.find(w("i"))) if rpr is not None else None,
                size=_size(rpr) if rpr is not None else None, outline=outline, num=num)
            if st.get(w("type")) == "paragraph" and st.get(w("default")) in ("1", "true"):
                self.default_para = sid

    def chain(self, sid: str | None):
        seen = set()
        while sid and sid in self.by_id and sid not in seen:
            seen.add(sid)
            yield self.by_id[sid]
            sid = self.by_id[sid].based_on

    def get(self, sid: str | None, attr: str):
        key = (sid, attr)
        if key in self._memo:
            return self._memo[key]
        value = None
        for st in self.chain(sid):
            value = getattr(st, attr)
            if value is not None:
                break
        self._memo[key] = value
        return value

    def name(self, sid: str | None) -> str:
        sid = sid or self.default_para
        st = self.by_id.get(sid or "")
        return st.name if st else (sid or "Normal")


def _num_pr(el) -> tuple[str, int] | None:
    """(numId, ilvl) of a w:numPr, or None."""
    if el is None:
        return None
    nid, lvl = el.find(w("numId")), el.find(w("ilvl"))
    num_id = nid.get(w("val")) if nid is not None else None
    if num_id is None:
        return None
    return num_id, (_int(lvl.get(w("val"))) or 0) if lvl is not None else 0


def _ui_name(name: str) -> str:
    """Word stores built-in style names in lower case ("heading 1", "caption") and shows them
    capitalised; python-docx does the same mapping."""
    if name and name[0].islower() and name.isascii():
        return name[0].upper() + name[1:]
    return name


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _size(rpr) -> float | None:
    sz = rpr.find(w("sz"))
    if sz is None:
        return None
    half = _int(sz.get(w("val")))
    return half / 2 if half else None


# --- the body walk -------------------------------------------------------------------------

_B, _I, _SZ, _RSTYLE, _VANISH, _VERT_ALIGN, _VAL = (w("b"), w("i"), w("sz"), w("rStyle"),
                                                   w("vanish"), w("vertAlign"), w("val"))
_T, _SYM, _NB_HYPHEN, _SOFT_HYPHEN = w("t"), w("sym"), w("noBreakHyphen"), w("softHyphen")
_TABS = (w("tab"), w("ptab"))
_RUBY = w("ruby")
_BREAKS = (w("br"), w("cr"))
_NOTE_REFS = (w("footnoteReference"), w("endnoteReference"))
_ALTERNATE = f"{{{MC}}}AlternateContent"
_PASS_THROUGH = {w(t) for t in ("hyperlink", "ins", "moveTo", "smartTag", "customXml",
                                "fldSimple", "sdtContent", "dir", "bdo")}
_DELETED = {w("del"), w("moveFrom")}
_DRAWN = {w("drawing"), w("pict"), w("object")}


class _Reader:
    def __init__(self, path: Path, document):
        self.path = path
        self.doc = document
        self.part = document.part
        styles_el = None
        try:
            styles_el = document.styles.element
        except (KeyError, ValueError):        # a document without a styles part
            pass
        self.styles = Styles(styles_el)
        from typeset.importer.numbering import read_numbering
        self.numbering = read_numbering(self.part)
        self.numbered = 0
        self.ruby = 0
        self.para_count = 0
        self.pictures: list[Picture] = []
        self.tables = 0
        self.note_order: list[tuple[str, str]] = []        # (kind, id) in reference order
        self.note_index: dict[tuple[str, str], int] = {}
        self.deleted = self.inserted = self.text_boxes = self.equations = 0
        self.sizes: dict[float, int] = {}

    # -- blocks
    def blocks(self, container) -> list:
        out: list = []
        for child in container:
            tag = child.tag
            if tag == w("p"):
                out.extend(self.paragraph(child))
            elif tag == w("tbl"):
                out.extend(self.table(child))
            elif tag in (w("sdt"),):
                content = child.find(w("sdtContent"))
                if content is not None:
                    out.extend(self.blocks(content))
            elif tag in (w("customXml"), w("ins"), w("moveTo")):
                out.extend(self.blocks(child))
            elif tag in _DELETED:
                self.deleted += 1
            elif tag == f"{{{MC}}}AlternateContent":
                out.extend(self.blocks(_alternate(child)))
        return out

    def paragraph(self, p) -> list:
        self.para_count += 1
        number = self.para_count
        ppr = p.find(w("pPr"))
        sid = None
        outline = align = None
        if ppr is not None:
            ps = ppr.find(w("pStyle"))
            sid = ps.get(w("val")) if ps is not None else None
            ol = ppr.find(w("outlineLvl"))
            outline = _int(ol.get(w("val"))) if ol is not None else None
            jc = ppr.find(w("jc"))
            align = jc.get(w("val")) if jc is not None else None
        sid = sid or self.styles.default_para
        if outline is None:
            outline = self.styles.get(sid, "outline")
        if outline is not None and not 0 <= outline <= 8:     # 9 = body text
            outline = None
        para = Para(runs=[], style=self.styles.name(sid), outline=outline, size=None,
                    align=align, number=number)
        num = _num_pr(ppr.find(w("numPr"))) if ppr is not None else None
        if num is None:
            num = self.styles.get(sid, "num")
        if num is not None and num[0] != "0":           # numId 0: numbering switched off
            label = self.numbering.label(*num)
            if label:
                para.runs.append(Run(label))
                self.numbered += 1
        extra: list = []                  # pictures and text boxes found in the paragraph
        self.inline(p, para, sid, extra)
        return [para] + extra

    def inline(self, el, para: Para, sid, extra: list) -> None:
        for child in el:
            tag = child.tag
            if tag == w("r"):
                self.run(child, para, sid, extra)
            elif tag in _PASS_THROUGH:
                if tag in (w("ins"), w("moveTo")):
                    self.inserted += 1
                self.inline(child, para, sid, extra)
            elif tag == w("sdt"):
                content = child.find(w("sdtContent"))
                if content is not None:
                    self.inline(content, para, sid, extra)
            elif tag in _DELETED:
                self.deleted += 1
            elif tag == f"{{{MC}}}AlternateContent":
                self.inline(_alternate(child), para, sid, extra)
            elif tag in (f"{{{M}}}oMath", f"{{{M}}}oMathPara"):
                self.equations += 1
                text = "".join(t.text or "" for t in child.iter(f"{{{M}}}t"))
                if text:
                    para.runs.append(Run(text))

    def run(self, r, para: Para, sid, extra: list) -> None:
        rpr = r.find(w("rPr"))
        rsid = None
        bold = italic = size = hidden = None
        sup = False
        if rpr is not None:
            for el in rpr:
                tag = el.tag
                if tag == _B:
                    bold = _on(el)
                elif tag == _I:
                    italic = _on(el)
                elif tag == _SZ:
                    half = _int(el.get(_VAL))
                    size = half / 2 if half else None
                elif tag == _RSTYLE:
                    rsid = el.get(_VAL)
                elif tag == _VANISH:
                    hidden = _on(el)
                elif tag == _VERT_ALIGN:
                    sup = el.get(_VAL) == "superscript"
        st = self.styles
        if bold is None:
            bold = st.get(rsid, "bold")
        if bold is None:
            bold = st.get(sid, "bold")
        if italic is None:
            italic = st.get(rsid, "italic")
        if italic is None:
            italic = st.get(sid, "italic")
        if size is None:
            size = st.get(rsid, "size") or st.get(sid, "size") or st.default_size
        buf: list[str] = []

        def flush() -> None:
            if buf:
                text = "".join(buf)
                para.runs.append(Run(text, bool(bold), bool(italic), superscript=sup))
                if text.strip():
                    if size:
                        para.size = max(para.size or 0, size)
                        self.sizes[size] = self.sizes.get(size, 0) + len(text)
                    if hidden:
                        para.hidden = True
                buf.clear()

        for child in r:
            tag = child.tag
            if tag == _T:
                buf.append(child.text or "")
            elif tag in _TABS:
                buf.append("\t")
            elif tag in _BREAKS:
                buf.append("\n")
            elif tag == _NB_HYPHEN:
                buf.append("\u2011")
            elif tag == _SOFT_HYPHEN:
                buf.append("\u00ad")
            elif tag == _SYM:
                code = _int_hex(child.get(w("char")))
                if code is not None:
                    buf.append(chr(code))
            elif tag in _NOTE_REFS:
                flush()
                kind = "footnote" if tag == _NOTE_REFS[0] else "endnote"
                para.runs.append(Run("", bool(bold), bool(italic),
                                     note=self.note(kind, child.get(w("id")) or "")))
            elif tag in _DRAWN or tag == _ALTERNATE:
                flush()
                self.drawn(child, para, extra)
            elif tag == _RUBY:            # phonetic guide: the base, then the guide in （）
                base = "".join(t.text or "" for b in child.iter(w("rubyBase"))
                               for t in b.iter(_T))
                guide = "".join(t.text or "" for b in child.iter(w("rt")) for t in b.iter(_T))
                buf.append(base + (f"（{guide}）" if guide else ""))
                self.ruby += 1
        flush()

    def note(self, kind: str, nid: str) -> int:
        key = (kind, nid)
        if key not in self.note_index:
            self.note_index[key] = len(self.note_order)
            self.note_order.append(key)
        return self.note_index[key]

    def drawn(self, el, para: Para, extra: list) -> None:
        """Pictures and text boxes inside a run (DrawingML, VML, embedded objects)."""
        for node in _drawn_nodes_of(el):
            if node.tag == w("txbxContent"):
                self.text_boxes += 1
                extra.extend(self.blocks(node))
                continue
            rid = node.get(f"{{{R}}}embed") or node.get(f"{{{R}}}id")
            if rid is None and node.get(f"{{{R}}}link") is None:
                continue
            extra.append(self.picture(rid, para))

    def picture(self, rid: str | None, para: Para) -> Picture:
        data, ext, key = None, "", f"link-{len(self.pictures)}"
        if rid is not None:
            part = self.part.related_parts.get(rid) if rid in self.part.rels else None
            if part is not None:
                data = part.blob
                key = str(part.partname)
                ext = Path(key).suffix.lower()
                ext = {".jpeg": ".jpg", ".jpe": ".jpg", ".tiff": ".tif"}.get(ext, ext)
        pic = Picture(data=data, ext=ext, key=key, number=len(self.pictures) + 1,
                      para=para.number, inline_with_text=bool(para.text.strip()))
        self.pictures.append(pic)
        return pic

    def table(self, tbl) -> list:
        self.tables += 1
        table = Table(rows=[], number=self.tables)
        after: list = []
        for tr in tbl.iter(w("tr")):
            if _ancestor_table(tr) is not tbl:
                continue
            row: list[Cell] = []
            for tc in tr.findall(w("tc")) + [c for x in tr.findall(w("sdt"))
                                             for c in x.iter(w("tc"))]:
                paras: list[Para] = []
                for block in self.blocks(tc):
                    if isinstance(block, Para):
                        paras.append(block)
                    elif isinstance(block, Table):          # nested: its text into the cell
                        table.nested = True
                        for nrow in block.rows:
                            for ncell in nrow:
                                paras.extend(ncell.paras)
                    else:                                   # a picture: after the table
                        after.append(block)
                tcpr = tc.find(w("tcPr"))
                span = 1
                if tcpr is not None:
                    gs = tcpr.find(w("gridSpan"))
                    span = max(1, _int(gs.get(w("val"))) or 1) if gs is not None else 1
                    vm = tcpr.find(w("vMerge"))
                    if vm is not None and vm.get(w("val")) != "restart":
                        table.merged = True
                if span > 1:
                    table.merged = True
                row.append(Cell(paras))
                row.extend(Cell([]) for _ in range(span - 1))
            table.rows.append(row)
        width = max((len(r) for r in table.rows), default=0)
        for row in table.rows:
            row.extend(Cell([]) for _ in range(width - len(row)))
        table.align = [_column_align(table.rows[1:], c) for c in range(width)]
        return [table] + after


def _column_align(rows: list[list[Cell]], col: int) -> str | None:
    aligns = {p.align for row in rows for p in row[col].paras if p.text.strip()}
    return aligns.pop() if len(aligns) == 1 else None


def _ancestor_table(el):
    parent = el.getparent()
    while parent is not None and parent.tag != w("tbl"):
        parent = parent.getparent()
    return parent


_DRAWN_NODES = (f"{{{A}}}blip", f"{{{V}}}imagedata", w("txbxContent"))


def _drawn_nodes(el):
    """Pictures and text boxes under `el`, in order, never entering a text box (its content is
    read as paragraphs, pictures included) and taking one branch of mc:AlternateContent."""
    for child in el:
        if not isinstance(child.tag, str):          # comments, processing instructions
            continue
        yield from _drawn_nodes_of(child)


def _drawn_nodes_of(el):
    """As _drawn_nodes, for `el` itself and what is under it."""
    if el.tag == f"{{{MC}}}AlternateContent":
        for branch in _alternate(el):
            yield from _drawn_nodes_of(branch)
        return
    if isinstance(el.tag, str) and el.tag in _DRAWN_NODES:
        yield el
        if el.tag == w("txbxContent"):
            return
    yield from _drawn_nodes(el)


def _alternate(el) -> list:
    """mc:AlternateContent: the first mc:Choice, as Word reads it (else the mc:Fallback)."""
    choice = el.find(f"{{{MC}}}Choice")
    if choice is not None:
        return list(choice)
    fallback = el.find(f"{{{MC}}}Fallback")
    return list(fallback) if fallback is not None else []


def _int_hex(text: str | None) -> int | None:
    """w:sym's character code (§17.3.3.30; codes F000–F0FF are symbol-font positions, kept
    as the private-use characters they are: the glyph check names them)."""
    try:
        return int(text, 16) if text else None
    except ValueError:
        return None


# --- notes (§17.11) -------------------------------------------------------------------------

def _read_notes(reader: _Reader) -> list[list[Para]]:
    """The text of every referenced footnote and endnote, in order of first reference. The
    parts are read straight from the package (python-docx has no footnote API)."""
    from docx.oxml import parse_xml

    elements: dict[tuple[str, str], object] = {}
    for kind, reltype in (("footnote", RT_FOOTNOTES), ("endnote", RT_ENDNOTES)):
        try:
            part = reader.part.part_related_by(reltype)
        except KeyError:
            continue
        root = parse_xml(part.blob)
        for note in root.iter(w(kind)):
            elements[(kind, note.get(w("id")) or "")] = note
    notes: list[list[Para]] = []
    i = 0
    while i < len(reader.note_order):        # a note may refer to another (rare): read on
        key = reader.note_order[i]
        el = elements.get(key)
        paras = [b for b in reader.blocks(el) if isinstance(b, Para)] if el is not None else []
        notes.append(paras)
        i += 1
    return notes


def read_docx(path: Path, document) -> Document:
    """The document's content (python-docx `document`, already opened from `path`)."""
    reader = _Reader(path, document)
    body = document.element.body
    blocks = reader.blocks(body)
    notes = _read_notes(reader)
    body_size = max(reader.sizes, key=lambda s: reader.sizes[s]) if reader.sizes else None
    return Document(path=path, blocks=blocks, notes=notes, body_size=body_size,
                    deleted=reader.deleted, inserted=reader.inserted,
                    text_boxes=reader.text_boxes, equations=reader.equations,
                    numbered=reader.numbered, ruby=reader.ruby)


__all__ = ["Run", "Para", "Picture", "Cell", "Table", "Document", "Styles", "read_docx"]
