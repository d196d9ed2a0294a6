"""The layout blocks of the whole issue (model/layout.py): the covers (封一 to 封四, the
ISSN barcode, stock and binding; issue 11) and how the issue is named (`numbers`)."""
from __future__ import annotations

from typing import Literal

from typeset.model.layoutfields import COVER_FIELDS, doc, printed_doc
from typeset.model.layouttext import Block, TextStyle
from typeset.model.schema import Pt
from typeset.records import dataclass


@dataclass(frozen=True, kw_only=True)
class CoverBox:
    """A rectangle on a cover page, measured from the top-left trim corner. A side lying on a
    trim edge runs on into the bleed (a picture placed to the bleed)."""
    x: Pt = doc("left edge, from the left trim edge", default=0.0)
    top: Pt = doc("top edge, from the top trim edge", default=0.0)
    width: Pt = doc("width")
    height: Pt = doc("height")


@dataclass(frozen=True, kw_only=True)
class CoverText:
    """One line of text on a cover, set in a style at a place (a template naming {journal},
    {running_title}, {year}, {number}, {issue}, {date}, {issn}, {cn})."""
    text: str = printed_doc("the text: a template, e.g. \"{journal}\" or \"ISSN {issn}\"",
                            template=COVER_FIELDS)
    style: str = doc("text style, a key of `styles`")
    x: Pt = doc("where the line stands across: its left edge (align: left), its centre "
                "(center) or its right edge (right), from the left trim edge")
    top: Pt = doc("its baseline, from the top trim edge")
    align: Literal["left", "center", "right"] = doc("how the line stands on x", default="left")
    letter_spacing: float = doc("extra space between characters, in em of its size (a "
                                "masthead is often spaced)", default=0.0)


@dataclass(frozen=True, kw_only=True)
class CoverLines:
    """Where the manifest's cover lines (封面导读) go on 封一: one per line, top down."""
    style: str = doc("text style, a key of `styles`")
    x: Pt = doc("left edge (align: left), centre (center) or right edge (right) of the lines")
    top: Pt = doc("the first line's baseline, from the top trim edge")
    pitch: Pt = doc("baseline distance between cover lines")
    align: Literal["left", "center", "right"] = doc("how each line stands on x",
                                                    default="left")
    max_lines: int = doc("most cover lines the design holds (more is an error at the "
                         "manifest)", default=6)
    width: Pt = doc("widest a cover line may be (a longer one is an error at the manifest)")


@dataclass(frozen=True, kw_only=True)
class Artwork:
    """A masthead drawn as artwork (a picture: PNG, JPEG or TIFF), filling its box."""
    file: str = doc("the picture file, relative to the layout file")
    box: CoverBox = doc("where it stands")


@dataclass(frozen=True, kw_only=True)
class Barcode:
    """The ISSN barcode (GB/T 16827, EAN-13 with prefix 977 and a two-digit add-on): drawn
    as vectors in pure K, on a white ground with its quiet zones."""
    page: Literal["back", "front", "none"] = doc("the cover that carries it: 封四 (back), 封一 "
                                                 "(front), or none", default="back")
    x: Pt = doc("left edge of the symbol (its left quiet zone), from the left trim edge")
    bottom: Pt = doc("bottom edge of the symbol (under its digits), from the bottom trim edge")
    magnification: float = doc("size against the nominal 37.29 × 25.93 mm (EAN-13 allows "
                               "0.8 to 2.0)", default=1.0)
    variant: str = doc("the two price/variant digits (EAN-13 digits 11-12; 00: a regular "
                       "issue; the manifest's issn_variant wins)", default="00")
    addon: bool = doc("add the two-digit add-on with the issue number (the first of a "
                      "combined issue)", default=True)
    style: str = doc("text style of the human-readable digits (about 9 pt at 100 %)")
    issn_style: str | None = doc("text style of the line 'ISSN NNNN-NNNC' above the symbol "
                                 "(omitted: none)", default=None)


@dataclass(frozen=True, kw_only=True)
class CoverDesign:
    """The covers (封一 to 封四) as data (issue 11; format.md, "The whole issue"). The
    journal's name, year and number are always text on 封一 (searchable, extractable): its
    texts must name {journal} and {issue} (or {year} and {number}), also when the masthead
    is artwork."""
    stock: Literal["self", "separate"] = doc(
        "self: the covers are pages of the text file (self-cover, counted in the sheets); "
        "separate: cover stock, printed as a file of its own (OUT-cover.pdf beside "
        "OUT-text.pdf)", default="self")
    binding: Literal["saddle", "perfect"] = doc(
        "saddle (骑马订): covers as single pages; perfect (胶订, with separate stock): the cover "
        "file is one spread 封四 | spine | 封一 and its back 封二 | spine | 封三", default="saddle")
    spine: Pt = doc("perfect binding: the spine's width (from the page count and paper)",
                    default=0.0)
    styles: dict[str, TextStyle] = doc("text styles the covers use, added to the layout's "
                                       "`styles` (a name in both is an error)",
                                       default_factory=dict)
    caption_block: Block | None = doc(
        "block of the manifest's cover caption (封面说明), set after the last entry of the "
        "contents (omitted: in the contents' entry style)", default=None)
    photo: CoverBox | None = doc("the box the manifest's cover photo fills on 封一 (a side on a "
                                 "trim edge bleeds); omitted: no photo", default=None)
    artwork: Artwork | None = doc("the masthead as artwork instead of (or besides) text",
                                  default=None)
    front: tuple[CoverText, ...] = doc("the texts of 封一: masthead, year and number, ISSN, "
                                       "CN, publisher …", default=())
    lines: CoverLines | None = doc("where the manifest's cover lines go (omitted: a manifest "
                                   "with cover lines is refused)", default=None)
    back: tuple[CoverText, ...] = doc("the texts of 封四 when the manifest gives no back page",
                                      default=())
    barcode: Barcode | None = doc("the ISSN barcode (printed when the manifest has an issn)",
                                  default=None)
    labels: tuple[str, str, str, str] = doc("page labels of 封一, 封二, 封三, 封四",
                                            default=("封一", "封二", "封三", "封四"))
    insert_label: str = doc("page label of inserted pages not counted in the folios (numbered: "
                            "插页1, 插页2 …)", default="插页")


@dataclass(frozen=True, kw_only=True)
class Numbers:
    """How the issue is named (format.md, "The whole issue"): {issue} in every template, the
    cover's year/number line, the file's title and subject."""
    label: str = printed_doc("the issue as printed ({year}, {number}: 2, or 5-6 for a "
                             "combined issue)", template=("year", "number"),
                             default="{year}年第{number}期")
    supplement: str | None = printed_doc(
        "the word a manifest may write as `number` for a supplement, alone or followed by its "
        "number (增刊, 增刊2); omitted: no supplements", default=None)
    supplement_label: str = printed_doc("a supplement as printed ({number} is the word as the "
                                        "manifest writes it)", template=("year", "number"),
                                        default="{year}年{number}")
