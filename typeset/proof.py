"""`typeset proof`: the issue's pages as pictures for the author, a contact sheet of its
spreads, and the list of pages that changed since the previous proof.

What is rendered. The print file (PDF/X-4, the file the printer makes plates from), each page
clipped to its TrimBox: the page as the reader will hold it after trimming, without the bleed
and the crop marks outside it. Not the archive file: that is another file (pictures converted
to sRGB, links), and `changes.txt` tells the printer which plates to remake, so it must be
computed from the printer's file. PDFium (pypdfium2, imported here only) renders; a page whose
pixels are all neutral is stored as 8-bit grey, any other as RGB.

What is written, into one folder (default `proof/<issue directory>/`), as a whole:

* one PNG per page, named `p<PDF page>-<what is printed>.png` — `p001-目录.png`,
  `p002-blank.png`, `p003-folio-1.png` (the PDF page number keeps them in page order);
* `contact.png`: every spread as the pages will face each other — PDF page 1 alone on the
  right (the front of the first leaf), then 2|3, 4|5, …, an even last page alone on the left;
* `changes.txt`: one line per page that differs from the previous proof in the folder
  (`changed`, `new`, `removed`), naming it as printed: its folio (`7`, `— 7 —`), else its page
  label (`目录`, `封一`), else `PDF page N`; pages are compared by their pixels, so a page
  whose pixels are the same is unchanged even if the bytes of the PDF moved;
* `proof.json` (the manifest): every page's name, file and the SHA-256 of its pixels — the
  memory the next proof compares with.

The folder is written through `outfolder.NewFolder`: everything goes to a temporary folder that
replaces the earlier one only when complete, so an interrupted proof leaves the previous one
exactly as it was, and a half-written folder is never taken for a proof. An existing folder is
only replaced when it holds nothing but what a proof wrote (or nothing).

`--pages 3-5,目录` renders and compares only those pages (folios, ranges of folios, page
labels); the other pages' entries in the manifest are carried over from the previous proof, so
the next full proof still compares every page with the last picture of it the desk sent out.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import unicodedata
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typeset.records import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from typeset.errors import TypesetError

PROOF_FORMAT = "typeset-proof/1"
MANIFEST = "proof.json"
CONTACT = "contact.png"
CHANGES = "changes.txt"
DEFAULT_DPI = 110
DPI_RANGE = (20, 600)          # 600 dpi: a 16开 page is 4400 × 6100 pixels, 80 MB in RGB
MANIFEST_LIMIT = 16 * 1024 * 1024
PNG_LEVEL = 3                  # zlib level: 1–3 are 2× faster than the default 6, ~3 % larger
ENCODERS = 2                   # threads encoding and writing PNG files

Progress = Callable[[int, int], None]


def default_folder(manifest: Path) -> Path:
    """proof/<issue directory name>, relative to the working directory."""
    return Path("proof") / manifest.resolve().parent.name


# -- --pages ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PageItem:
    """One item of --pages: a folio range (first..last) or a page label."""
    text: str
    first: int = 0
    last: int = 0
    label: str | None = None


_RANGE = re.compile(r"(\d+)\s*[-~–—]\s*(\d+)")


def parse_pages(text: str) -> tuple[PageItem, ...]:
    """`3-5,7,目录` -> items. ValueError (a usage error) for what is not a folio, a range or
    a label. Full-width digits, commas and hyphens (typed with a Chinese input method) are
    read as their ASCII forms; `3~5` and `3～5` are ranges too."""
    norm = unicodedata.normalize("NFKC", text)
    items = []
    for raw in norm.split(","):
        item = raw.strip()
        if not item:
            raise ValueError(f"'{text}' has an empty item; write folios, ranges or labels "
                             "separated by commas, e.g. 3-5,7,目录")
        if item.isdigit():
            n = int(item)
            if n < 1:
                raise ValueError(f"'{item}': folios start at 1")
            items.append(PageItem(item, n, n))
            continue
        m = _RANGE.fullmatch(item)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a < 1:
                raise ValueError(f"'{item}': folios start at 1")
            if b < a:
                raise ValueError(f"'{item}' runs backwards; write {b}-{a}")
            items.append(PageItem(item, a, b))
            continue
        if re.fullmatch(r"[\d\s\-~–—]+", item):
            raise ValueError(f"'{item}' is not a folio, a range like 3-5 or a page label")
        items.append(PageItem(item, label=item))
    return tuple(items)


def select(pages, items: tuple[PageItem, ...]) -> list[int]:
    """Indices of the pages the items name (folio n: the page labelled n; a label: the pages
    labelled so, else those labelled it followed by a number — 目录 for 目录1, 目录2).
    TypesetError for an item that names no page."""
    chosen: set[int] = set()
    for item in items:
        if item.label is None:
            hit = {i for i, p in enumerate(pages)
                   if p.label.isdigit() and item.first <= int(p.label) <= item.last}
        else:
            hit = {i for i, p in enumerate(pages) if p.label == item.label}
            if not hit:
                hit = {i for i, p in enumerate(pages)
                       if re.fullmatch(re.escape(item.label) + r"\d+", p.label)}
        if not hit:
            raise TypesetError(f"--pages {item.text} names no page of the issue",
                               hint=f"the issue has {_what_pages(pages)}")
        chosen |= hit
    return sorted(chosen)


def _what_pages(pages) -> str:
    folios = [int(p.label) for p in pages if p.label.isdigit()]
    others = list(dict.fromkeys(p.label for p in pages if p.label and not p.label.isdigit()))
    named = ", ".join(others)
    if folios and named:
        return f"folios {min(folios)}–{max(folios)} and {named}"
    if folios:
        return f"folios {min(folios)}–{max(folios)}"
    return named or "no labelled page"


# -- names ------------------------------------------------------------------------------------

def page_names(pages) -> list[str]:
    """What each page is called, as printed: its folio (`7`, `— 7 —`); else its page label if
    it is not a bare number and no other page with something on it has it (`目录`, `封一`);
    else `PDF page N` (a blank verso after the contents — it carries the contents' label —,
    a blank page added for saddle stitching)."""
    counts: dict[str, int] = {}
    for p in pages:
        if p.kind != "blank":
            counts[p.label] = counts.get(p.label, 0) + 1
    out = []
    for i, p in enumerate(pages):
        if p.folio:
            out.append(p.folio)
        elif p.label and not p.label.isdigit() and p.kind != "blank" \
                and counts[p.label] == 1:
            out.append(p.label)
        else:
            out.append(f"PDF page {i + 1}")
    return out


_UNSAFE = re.compile(r'[\\/:*?"<>|\s\x00-\x1f\x7f]+')


def file_names(pages) -> list[str]:
    """`p001-目录.png`, `p002-blank.png`, `p003-folio-1.png`: the PDF page number (zero-padded,
    so that the files sort in page order) and what the page is; safe on every file system."""
    width = max(3, len(str(len(pages))))
    names = page_names(pages)
    out = []
    for i, (p, name) in enumerate(zip(pages, names)):
        if p.folio:
            what = f"folio-{p.label}" if p.label else "folio"
        elif name.startswith("PDF page"):
            what = "blank" if p.kind == "blank" else "page"
        else:
            what = p.label
        what = _UNSAFE.sub("_", what).strip("._") or "page"
        out.append(f"p{i + 1:0{width}d}-{what}.png")
    return out


# -- rendering --------------------------------------------------------------------------------

@dataclass
class Rendered:
    index: int          # PDF page index (0-based)
    image: object       # PIL.Image: "L" when every pixel is neutral, else "RGB"
    pixels: str         # SHA-256 of mode, size and pixels


def render_pages(pdf: bytes, indices: list[int], dpi: int) -> Iterator[Rendered]:
    """Each page in `indices` at `dpi`, clipped to its TrimBox (PDFium)."""
    import pypdfium2 as pdfium
    from PIL import ImageChops

    doc = pdfium.PdfDocument(pdf)
    try:
        for i in indices:
            page = doc[i]
            try:
                ml, mb, mr, mt = page.get_mediabox()
                tl, tb, tr, tt = page.get_trimbox()
                bitmap = page.render(scale=dpi / 72, crop=(tl - ml, tb - mb, mr - tr, mt - tt),
                                     draw_annots=False, may_draw_forms=False)
                image = bitmap.to_pil()
                bitmap.close()
            finally:
                page.close()
            if image.mode != "RGB":
                image = image.convert("RGB")
            r, g, b = image.split()
            if ImageChops.difference(r, g).getbbox() is None \
                    and ImageChops.difference(r, b).getbbox() is None:
                image = r                              # neutral: one channel says it all
            yield Rendered(i, image, pixel_digest(image))
    finally:
        doc.close()


def pixel_digest(image) -> str:
    h = hashlib.sha256(f"{image.mode} {image.size[0]}x{image.size[1]}\n".encode())
    h.update(image.tobytes())
    return h.hexdigest()


def png_bytes(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=PNG_LEVEL)
    return buf.getvalue()


# -- the previous proof -----------------------------------------------------------------------

@dataclass(frozen=True)
class Record:
    """One page as a proof saw it."""
    name: str                 # as printed (page_names)
    label: str
    pixels: str               # pixel_digest
    dpi: int
    file: str | None          # its PNG in the folder (None: carried over, not rendered)

    def as_json(self) -> dict:
        return {"name": self.name, "label": self.label, "pixels": self.pixels,
                "dpi": self.dpi, "file": self.file}


def _bad(folder: Path, why: str) -> TypesetError:
    return TypesetError(f"{MANIFEST} is not one typeset wrote ({why})", file=folder / MANIFEST,
                        hint="typeset replaces only a proof it wrote; move the folder away or "
                             "give another folder with --to")


def read_previous(folder: Path) -> list[Record] | None:
    """The pages of the proof in `folder` (None: no folder, or an empty one). TypesetError if
    the folder holds anything a proof did not write — typeset never replaces it."""
    try:
        entries = sorted(os.listdir(folder))
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise TypesetError("the output folder is a file, not a folder", file=folder,
                           hint="give a folder (it is created if it does not exist)") from None
    except OSError as err:
        from typeset.fsutil import os_error
        raise os_error(err, folder, what="read the folder") from None
    if not entries:
        return None
    if MANIFEST not in entries:
        raise _foreign(folder, entries)
    records = _read_manifest(folder)
    ours = {MANIFEST, CHANGES, CONTACT} | {r.file for r in records if r.file}
    from typeset.fileread import is_regular
    foreign = [e for e in entries if e not in ours or not is_regular(folder / e)]
    if foreign:
        raise _foreign(folder, foreign)
    return records


def replaceable(folder: Path) -> str | None:
    """outfolder.NewFolder's question, asked again just before the earlier proof is replaced."""
    try:
        read_previous(folder)
    except TypesetError as err:
        return err.message
    return None


def _foreign(folder: Path, names: list[str]) -> TypesetError:
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return TypesetError(f"the folder holds files a proof did not write ({shown}); typeset "
                        "replaces only a folder holding a proof", file=folder,
                        hint="give a new or empty folder with --to, or move those files away")


def _read_manifest(folder: Path) -> list[Record]:
    from typeset.cachefiles import read_cache
    data = read_cache(folder / MANIFEST, MANIFEST_LIMIT)
    if data is None:
        raise _bad(folder, "unreadable, not a regular file, or too large")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _bad(folder, f"not JSON: {type(err).__name__}") from None
    if not isinstance(doc, dict) or doc.get("format") != PROOF_FORMAT:
        raise _bad(folder, f"no \"format\": \"{PROOF_FORMAT}\"")
    pages = doc.get("pages")
    if not isinstance(pages, list):
        raise _bad(folder, "no list of pages")
    records = []
    for k, p in enumerate(pages):
        ok = (isinstance(p, dict) and set(p) == {"name", "label", "pixels", "dpi", "file"}
              and all(isinstance(p[f], str) for f in ("name", "label", "pixels"))
              and re.fullmatch(r"[0-9a-f]{64}", p["pixels"])
              and type(p["dpi"]) is int and DPI_RANGE[0] <= p["dpi"] <= DPI_RANGE[1]
              and (p["file"] is None or isinstance(p["file"], str)
                   and re.fullmatch(r"p\d+-[^/\\\x00]+\.png", p["file"])))
        if not ok:
            raise _bad(folder, f"pages[{k}] is not a page entry")
        records.append(Record(p["name"], p["label"], p["pixels"], p["dpi"], p["file"]))
    if len({r.name for r in records}) != len(records):
        raise _bad(folder, "a page is listed twice")
    return records


# -- comparing --------------------------------------------------------------------------------

@dataclass
class Changes:
    first: bool                      # no previous proof: every page is new
    pages: list[tuple[str, str, str]] = field(default_factory=list)
    #                                  (changed|new|unchanged, name, file), in page order
    removed: list[str] = field(default_factory=list)
    other_dpi: set[int] = field(default_factory=set)   # previous pages at another resolution

    def named(self, status: str) -> list[str]:
        return [name for s, name, _ in self.pages if s == status]

    @property
    def count(self) -> int:
        """Pages to send again: changed, new and removed."""
        return sum(s != "unchanged" for s, _, _ in self.pages) + len(self.removed)


def compare(now: list[Record], previous: list[Record] | None, *, partial: bool) -> Changes:
    """`now`: this proof's pages in page order. A page is changed if its pixels differ from
    those of the previous proof's page of the same name (a page rendered at another
    resolution cannot be compared: changed); new if the previous proof had no such page;
    removed (full proofs only) if only the previous proof had it."""
    ch = Changes(first=previous is None)
    before = {r.name: r for r in previous or []}
    for rec in now:
        old = before.get(rec.name)
        if old is None:
            status = "new"
        elif old.dpi != rec.dpi:
            ch.other_dpi.add(old.dpi)
            status = "changed"
        else:
            status = "changed" if old.pixels != rec.pixels else "unchanged"
        ch.pages.append((status, rec.name, rec.file or ""))
    if not partial and previous is not None:
        names = {rec.name for rec in now}
        ch.removed = [r.name for r in previous if r.name not in names]
    return ch


def changes_text(ch: Changes, *, title: str, dpi: int, selection: str | None) -> str:
    """changes.txt: `#` lines say what was compared; then one line per page to send again,
    tab-separated: changed|new|removed, the page as printed, its picture."""
    n = len(ch.pages)
    scope = f"{n} page(s) named by --pages {selection}" if selection else f"all {n} page(s)"
    head = [f"# typeset proof of {title}: {scope} at {dpi} dpi"]
    if ch.first:
        head.append("# no previous proof in this folder: every page is new")
    else:
        head.append(f"# compared with the previous proof in this folder, pixel by pixel: "
                    f"{len(ch.named('changed'))} changed, {len(ch.named('new'))} new, "
                    f"{len(ch.removed)} removed, {len(ch.named('unchanged'))} unchanged")
    if ch.other_dpi:
        head.append(f"# the previous proof has pages at "
                    f"{', '.join(map(str, sorted(ch.other_dpi)))} dpi, which cannot be "
                    f"compared with {dpi} dpi: they are listed as changed")
    if not ch.first and not ch.count:
        head.append("# no page changed")
    lines = [f"{s}\t{name}\t{file}" for s, name, file in ch.pages if s != "unchanged"]
    lines += [f"removed\t{name}" for name in ch.removed]
    return "\n".join(head + lines) + "\n"


# -- the command ------------------------------------------------------------------------------

@dataclass
class ProofReport:
    folder: Path
    pages: int                 # pages of the issue
    rendered: int              # pages rendered (all, or those --pages names)
    spreads: int               # on the contact sheet
    changes: Changes
    dpi: int
    note: str | None = None    # what was tidied up after an interrupted run


def make_proof(manifest: Path, to: Path | None = None, *, pages: str | None = None,
               dpi: int = DEFAULT_DPI, layout_override: str | None = None,
               progress: Progress | None = None) -> ProofReport:
    """Build the issue, render its pages and write the proof folder (see the module doc).
    `pages`: the --pages text (parsed here; ValueError for a usage error)."""
    from typeset.build import compose, inputs_of, load, metadata, render
    from typeset.contact import contact_sheet, thumbnail
    from typeset.outfolder import NewFolder, check_folder_output, recover_folder
    from typeset.text.fonts import FontLibrary

    if not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise ValueError(f"--dpi must be between {DPI_RANGE[0]} and {DPI_RANGE[1]}")
    items = parse_pages(pages) if pages is not None else None
    folder = check_folder_output(to or default_folder(manifest), create_parent=to is None)
    loaded = load(manifest, layout_override)
    library = FontLibrary()
    inputs = inputs_of(loaded, library)         # the folder is replaced: it holds none
    check_folder_output(folder, create_parent=to is None, inputs=inputs)
    note = recover_folder(folder)
    previous = read_previous(folder)                   # before the build: refuse at once

    comp = compose(manifest, layout_override=layout_override, library=library, loaded=loaded)
    # PDF/X-4, as the printer gets it; every page in reading order (covers printed on
    # their own stock included: the proof shows the issue as it is bound)
    pdf = render(comp, "print", part="all")
    all_pages = comp.pages
    indices = select(all_pages, items) if items is not None else list(range(len(all_pages)))
    names, files = page_names(all_pages), file_names(all_pages)

    now: list[Record] = []
    thumbs: dict[int, object] = {}
    with NewFolder(folder, create_parent=to is None, replaceable=replaceable,
                   inputs=inputs) as out, \
            ThreadPoolExecutor(max_workers=ENCODERS) as pool:
        # PDFium renders the next page while zlib encodes the last ones (both release the
        # GIL); at most 2 × ENCODERS rendered pages wait in memory
        pending: deque = deque()
        for k, r in enumerate(render_pages(pdf, indices, dpi)):
            pending.append(pool.submit(_write_png, out, files[r.index], r.image))
            thumbs[r.index] = thumbnail(r.image)         # not the page: memory stays small
            now.append(Record(names[r.index], all_pages[r.index].label, r.pixels, dpi,
                              files[r.index]))
            while len(pending) > 2 * ENCODERS:
                pending.popleft().result()
            if progress:
                progress(k + 1, len(indices))
        while pending:
            pending.popleft().result()
        changes = compare(now, previous, partial=items is not None)
        title = metadata(comp).title
        out.write(CHANGES, changes_text(changes, title=title, dpi=dpi, selection=pages)
                  .encode("utf-8"))
        sheet, spreads = contact_sheet(len(all_pages), thumbs, names, title=title,
                                       font=_label_font(comp))
        out.write(CONTACT, png_bytes(sheet))
        records = list(now)
        if items is not None:            # --pages: the other pages as the last proof saw them
            seen = {rec.name for rec in records}
            records += [Record(r.name, r.label, r.pixels, r.dpi, None)
                        for r in previous or [] if r.name not in seen]
        doc = {"format": PROOF_FORMAT, "issue": title, "dpi": dpi, "selection": pages,
               "pages": [r.as_json() for r in records]}
        out.write(MANIFEST, (json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
                  .encode("utf-8"))
        out.commit()
    return ProofReport(folder, len(all_pages), len(indices), spreads, changes, dpi, note)


def _write_png(out, name: str, image) -> None:
    out.write(name, png_bytes(image))


def _label_font(comp) -> str | None:
    """A font file for the contact sheet's labels: the folio's face (it prints the folios and,
    in the contents, 目录)."""
    for style in (comp.layout.running_heads.folio_style, comp.layout.article.body_style):
        try:
            return comp.book.style(style).chain.faces[0].path
        except (KeyError, IndexError, AttributeError):
            continue
    return None
