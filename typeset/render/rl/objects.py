"""PDF objects as ReportLab formats them: a page's content stream (`PAGE_FILTERS`,
`encode_page_stream`), deflated streams of font programs and profiles (`_deflated`),
and page dictionaries written with the same bytes as ReportLab's own, faster (`_Page`,
`_PageStream`; tests/test_rl.py compares the two)."""
from __future__ import annotations

import zlib

from reportlab.pdfbase import pdfdoc


#: the filters of a page's content stream, outermost first (PDF order). Flate only:
#: ReportLab's own page compression adds ASCII85 outside it (rl_config.useA85), which makes
#: the stream a quarter larger and costs more than drawing the page (pure Python).
PAGE_FILTERS = ("FlateDecode",)


def encode_page_stream(text: str) -> bytes:
    """A page's content stream as written: its operators through `PAGE_FILTERS`."""
    return zlib.compress(text.encode("utf-8"))


def _page_stream(encoded: bytes):
    from reportlab.pdfbase import pdfdoc
    d = pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFArray([pdfdoc.PDFName(f)
                                                         for f in PAGE_FILTERS])})
    stream = (_PageStream if FAST_PAGES else pdfdoc.PDFStream)(d, content=encoded, filters=None)
    stream.__Comment__ = "page stream"
    return stream


def _deflated(content: bytes):
    """A FlateDecode stream of `content`, compressed through the cache (deflate.py): the same
    bytes ReportLab's own filter writes (zlib's default level; a dictionary that already has
    /Filter is written as given, and its keys are sorted, so /Filter stands where it would)."""
    from reportlab.pdfbase import pdfdoc
    from typeset.render.deflate import deflate
    d = pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])})
    return pdfdoc.PDFStream(d, content=deflate(content), filters=None)


# -- page dictionaries, formatted as ReportLab formats them, faster -----------------------------
#
# ReportLab formats each value through a general dispatcher and converts every dictionary key
# to a PDF name character by character: a page dictionary (boxes, resources, parent,
# contents) costs ~0.1 ms, a tenth of a second for a thousand pages. `_Page` writes the same
# bytes with the dictionary keys' names remembered and the common values (names, numbers,
# references, arrays, dictionaries, resource dictionaries) formatted directly; anything else
# goes through ReportLab's own `format`. tests/test_rl.py compares the two on pages of every
# kind (`FAST_PAGES = False` writes through ReportLab's own).

FAST_PAGES = True
_NAMES: dict[str, bytes] = {}
_NUMBERS: dict[float, bytes] = {}      # (ReportLab's fp_str is pure Python; pages repeat boxes)


def _name(key: str) -> bytes:
    b = _NAMES.get(key)
    if b is None:
        b = _NAMES[key] = pdfdoc.pdfdocEnc(pdfdoc.PDFName(key))
    return b


def _fmt(v, document) -> bytes:
    """pdfdoc.format(v, document) for a value inside a page dictionary."""
    t = type(v)
    if t is str:
        return pdfdoc.pdfdocEnc(v)
    if t is float or t is int:
        b = _NUMBERS.get(v)            # (equal values format alike, ints as floats: tested)
        if b is None:
            if len(_NUMBERS) > 4096:
                _NUMBERS.clear()
            b = _NUMBERS[v] = pdfdoc.pdfdocEnc(pdfdoc.fp_str(v))
        return b
    if t is pdfdoc.PDFObjectReference:
        return v.format(document)
    if t is pdfdoc.PDFArray:
        return _fmt_array(v, document)
    if t is pdfdoc.PDFDictionary:
        return _fmt_dict(v.dict, v.multiline, document)
    if t is pdfdoc.PDFResourceDictionary:
        return _fmt_resources(v, document)
    return pdfdoc.format(v, document)


def _fmt_array(a, document) -> bytes:
    """pdfdoc.PDFArray.format."""
    L = [_fmt(e, document) for e in a.sequence]
    if (a.multiline and pdfdoc.rl_config.pdfMultiLine) or a.multiline == "forced":
        body = b"\n ".join(L)
    else:
        n = len(L)
        if n > 10:
            for i in reversed(range(10, n, 10)):
                L.insert(i, b"\n ")
        body = b" ".join(L)
    return b"[ " + body + b" ]"


def _fmt_dict(d: dict, multiline, document) -> bytes:
    """pdfdoc.PDFDictionary.format."""
    keys = list(d.keys())
    if not isinstance(d, pdfdoc.OrderedDict):
        keys.sort()
    L = [_name(k) + b" " + _fmt(d[k], document) for k in keys]
    if (multiline and pdfdoc.rl_config.pdfMultiLine) or multiline == "forced":
        body = b"\n ".join(L)
    else:
        for i in reversed(range(6, len(L), 6)):
            L.insert(i, b"\n ")
        body = b" ".join(L)
    return b"<<\n" + body + b"\n>>"


def _fmt_resources(r, document) -> bytes:
    """pdfdoc.PDFResourceDictionary.format."""
    D = {}
    for dname in r.dict_attributes:
        v = getattr(r, dname)
        if isinstance(v, dict):
            if v:
                D[dname] = pdfdoc.PDFDictionary(v)
        else:
            D[dname] = v
    v = r.ProcSet
    if isinstance(v, (tuple, list)):
        if v:
            D["ProcSet"] = pdfdoc.PDFArray(v)
    else:
        D["ProcSet"] = v
    return _fmt_dict(D, pdfdoc.PDFDictionary.multiline, document)


class _Page(pdfdoc.PDFPage):
    """A page as ReportLab's PDFPage writes it (PDFCatalog.format), formatted by `_fmt`."""

    def format(self, document):
        rl_config = pdfdoc.rl_config
        if rl_config.pdfComments and not rl_config.invariant:     # comments: ReportLab's
            return super().format(document)
        self.check_format(document)
        D = {}
        for k, v in self.__Defaults__.items():
            v = getattr(self, k, v)
            if v is not None:
                D[k] = v
        for k in self.__NoDefault__:
            v = getattr(self, k, None)
            if v is not None:
                D[k] = v
        for k in self.__Refs__:
            if k in D:
                D[k] = document.Reference(D[k])
        return _fmt_dict(D, pdfdoc.PDFDictionary.multiline, document)


class _PageStream(pdfdoc.PDFStream):
    """A page's content stream, already filtered (its dictionary has /Filter), as
    PDFStream.format writes it, the dictionary formatted by `_fmt_dict`."""

    def format(self, document):
        if "Filter" not in self.dictionary.dict or self.content is None:
            return super().format(document)
        content = document.encrypt.encode(self.content)
        d = dict(self.dictionary.dict)
        d["Length"] = len(content)
        return (_fmt_dict(d, pdfdoc.PDFDictionary.multiline, document) + b"\nstream\n"
                + pdfdoc.format(content, document) + b"endstream\n")
