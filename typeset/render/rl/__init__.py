"""The ReportLab adapter: the only package of typeset that imports ReportLab.

The page writer (`writer.py`) speaks to a `Document` (pages, content, destinations, outline,
links, page labels, catalog entries, document information, file identifier, header
version); fonts are `EmbeddedFont`s, which ReportLab treats as its own. Everything of
typeset that relies on ReportLab's internals is in this package, and `tests/test_rl.py`
pins each behaviour we rely on, so a ReportLab upgrade that changes one fails a test, not a
print job. One module a concern:

* `fonts.py`: our fonts as ReportLab dynamic fonts, the font registry, the placeholder;
* `objects.py`: streams (page content, deflated programs) and page dictionaries formatted
  as ReportLab formats them, faster;
* `save.py`: the file as ReportLab formats it: the Info dictionary, the collector that
  writes each object into the output file, large streams in pieces, the identifier;
* `document.py`: `Document`, the writer's one view of ReportLab (pages, resources,
  pictures, forms, destinations, outline, saving).

What they rely on:

* the *dynamic font* protocol (what ReportLab's own `TTFont` uses): the canvas calls
  `splitString` while drawing and `getSubsetInternalName` to name the font, which
  registers the font in `doc.fontMapping` and `doc.delayedFonts`; at save the document calls
  `addObjects(doc)` for every delayed font, which makes its objects with `doc.Reference` (the
  Type0 font under the name `_font_object(font)`, which the pages' font dictionaries refer
  to; on a canvas of ReportLab's own, not a `Document`, also into the shared font
  dictionary `BasicFonts` under the name `getSubsetInternalName` gave, which its pages use);
* resource names are the page's own (`Document.end_page`): a new `PDFDocument` registers
  one object, the shared font dictionary `BasicFonts` every page's /Resources would refer
  to; `Document` takes it out again (object numbers then start at 1) and gives each page a
  `PDFResourceDictionary` of its own before `PDFPage.check_format` would make one (it makes
  one only when the page has none): /Font and /XObject map the page's names to the
  document's objects, /ColorSpace, /ExtGState, /Shading and /ProcSet are what ReportLab's
  own would hold;
* the font registry `pdfmetrics._fonts` / `_dynFaceNames` (registering a font twice under one
  name replaces it);
* a canvas whose initial font is dynamic writes no `BT /F1 12 Tf … ET` preamble, so no
  unembedded standard font enters the file (`_PlaceholderFont`);
* invariant mode: no clock, no random file identifier;
* while the document formats its objects, `document.__accum__` is the file collecting their
  bytes (a list, `strings`, joined by its `format`): `Document.save` takes the list, so the
  file is joined once and patched without a copy;
* that collector is made by `PDFDocument.format` from the module's name `pdfdoc.PDFFile`,
  looked up when formatting starts (`add` returns each part's offset, `write` takes its
  bytes): `Document.save(sink=)` puts `_FileCollector` under that name for the call, so each
  object goes to the file as it is formatted (`idToOffset` still says where each starts);
* `PDFDocument.format` wraps each object in the module's `pdfdoc.PDFIndirectObject`, also
  looked up by name, and hands what its `format` returns to the collector's `add`, which
  asks only its length before `write`: for the same call `_IndirectObject` takes that
  name and gives a large filtered stream as `_Pieces` (head, content, tail), so the
  content is written as the document holds it, never joined into copies (tests/test_rl.py
  compares the pieces with ReportLab's own formatting);
* XObjects: an object registered under a name of its own (`XObject.Im<n>`) is referred to
  by `PDFObjectReference(name)` from each page's /Resources /XObject; a stream whose
  dictionary already has /Filter is written as given.

Resource names (issue 13 parts 4 and 5). Every name a page's content stream uses is that
page's own, numbered by first use within the page: /F1, /F2 … for fonts, /Im1 … for
pictures, /Fm1 … for placed PDF pages; each page's /Resources maps them to the document's
objects (ISO 32000-1 §7.8.3: names are looked up in the page's resource dictionary, so two
pages may give one name to two objects and two names to one). So a page's content stream is
a function of that page alone: a correction that changes which font or picture the document
uses first renames nothing on other pages. The colour space of the crop marks is named by
its colourant (/All, ReportLab's `addColor`), a link annotation is an object, not a name in a
stream, and no ExtGState or shading is drawn. (Names derived from each resource's identity —
a hash of the face or picture — would give the same independence with one shared font
dictionary, but longer names in every `Tf` and `Do` and a collision rule that depends on the
document's other resources; numbering by first use within the page needs neither: the
cost is a /Font dictionary in each page dictionary instead of a reference to a shared one,
~30 bytes a page.)

These modules import ReportLab; nothing imports them but the writer, when a document is
written (never `typeset check`, `dump` or `--help`), and `render/aside.py` (fonts).
"""
