"""The output stage, below build.py and stream.py, which both write through it: a composed
issue -> its finished file(s), each written once and atomically (`write`, `write_streamed`,
`finished_files`, `render`), the files a build may never write over (`inputs_of`), and the
pieces the whole-issue build and the build a stretch at a time share (`BuildReport`,
`collector_paused`, `placed_pdfs`). Data flows one way (issue 13 part 6): build.py calls
stream.py for a large issue, and both call this module; it imports neither.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

from typeset.issueinfo import issue_metadata
from typeset.layout.issue import Composition
from typeset.model.manifest import Issue
from typeset.records import dataclass
from typeset.text.fonts import FontLibrary


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused (if it was on) for a call of `compose`, and
    on again after. Composing makes some 130k tracked objects on a ten-times issue (glyph
    lists, lines, runs, frames, pages) that all live on until the pages are written, and each
    collection on the way walked them again: ~20 % of the compose stage's CPU (the sample
    ~15 of ~130 ms, a ten-times issue ~110 of ~550). Composing makes no cyclic garbage to
    speak of (peak memory of a ten-times build the same, measured); what there is is
    collected after.

    After the call everything alive is moved to the collector's oldest generation (`freeze`
    then `unfreeze`: two list splices, no walk): left young, the composition was walked
    twice more right after (a collection of the youngest generation at the first allocation,
    then one of the middle), ~35 ms of a ten-times build's render stage. Objects put there
    are collected by the next full collection like any others (nothing is kept frozen: a
    warm process or a batch worker leaks nothing)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was:
            gc.enable()


def placed_pdfs(issue: Issue) -> dict:
    """What pypdf reads of the PDFs the manifest places as whole pages (covers, inserts):
    path -> model.pdfpage.PdfInfo; empty (pypdf not imported) when there are none."""
    if not issue.pages.pdfs():
        return {}
    from typeset.render.pdfimport import probe_all
    return probe_all(issue)


@dataclass
class BuildReport:
    output: Path | None
    contents_pages: int
    body_pages: int
    padding: int
    variant: str
    sha256: str = ""
    typography: object = None      # typeset.report.Report
    pictures: object = None        # typeset.report.PictureReport
    front_blanks: int = 0          # blank versos after the contents (folio 1 is a recto)
    covers: int = 0                # 封一 … 封四 (in the text file when self-covers)
    inserts: int = 0               # inserted pages (with blank backs)
    cover_output: Path | None = None   # OUT-cover.pdf, when the covers are separate stock
    file_pages: int = 0            # pages of the (text) file written

    @property
    def pages(self) -> int:
        return self.file_pages or (self.contents_pages + self.front_blanks + self.body_pages)


def metadata(comp: Composition):
    return issue_metadata(comp.issue, comp.layout)


def file_pages(comp: Composition, variant: str = "print", part: str | None = None) -> list:
    """The pages of one finished file: `part` None is the file the variant writes (archive:
    every page in reading order; print: the text, with the covers when they are self-covers);
    "cover" the printer's cover file (封一, 封二, 封三, 封四, or the two spreads of a
    perfect-bound cover); "all" every page in reading order (proofs)."""
    if part == "cover":
        from typeset.layout.cover import spreads
        if comp.layout.cover is not None and comp.layout.cover.binding == "perfect":
            return spreads(comp.covers, comp.layout)
        return list(comp.covers)
    if part == "all" or variant == "archive":
        return comp.pages
    return comp.print_text_pages


def render(comp: Composition, variant: str = "print", pdfx: str = "x4",
           part: str | None = None, *, streams=None, use_cache: bool = True,
           check_placement: bool = True, sink=None,
           let_go: bool = False, before_drawing=None, glyphs=None,
           draw=None, kept: list | None = None, whole: bool = False) -> bytes | None:
    """The finished PDF of a composed issue, written once: print (PDF/X-4 or X-1a, with bleed
    and crop marks) or archive (PDF/A-2u); `part` as `file_pages` says. A page with anything
    drawn outside the trim box or over another item is an error naming the page and the item
    (`pagecheck`): no PDF. `streams`: the page streams to reuse and keep
    (render/pagestreams.py; a warm process passes its own); by default those cached on disk
    for this issue, variant and part (none with `use_cache=False`). `check_placement=False`:
    the caller makes the page check itself before anything is written (`build`). `sink`: an
    empty file open for reading and writing: the PDF is written there as it is made, never
    held whole (render.writer.render_pdf), and None is returned. `let_go`: each page's items
    are let go as soon as its stream is drawn (render.writer.render_pdf; a one-shot build
    whose report is made: `_build`); `before_drawing`: called before the first page is
    drawn (render.writer.render_pdf; `write_checked_aside`). `glyphs`, `draw`: the pages
    are stand-ins for pages set again as they are drawn (render.writer.render_pdf;
    typeset/stream.py). `whole`: the file is a one-shot build's (`write_streamed`,
    `finished_files`; no `streams` given, the cache used, whole pages): when its writer would
    be given what a previous build's was, that build's file is taken from the finished-file
    cache (render/finished.py) instead of drawn, and a drawn file is kept there. Not for a
    proof, a watch, a batch or `archive --rebuild` (which must draw to say the bytes are
    reproduced). `kept`, if given, receives the cache entry (its `sha256` set when the file
    was taken: `write_streamed` keeps a drawn file there)."""
    from typeset.issueinfo import document_info
    from typeset.render.variants import variant_for
    from typeset.pagecheck import check_composition_pages, placement_error
    from typeset.render.writer import CropMarks, PicturePolicy, page_streams, render_pdf

    if check_placement:
        failure = placement_error(comp.pages, None, found=check_composition_pages(comp))
        if failure is not None:           # nothing off the page, nothing drawn over anything
            raise failure
    meta = metadata(comp)
    pg = comp.layout.page
    marks = CropMarks(pg.crop_mark_length, pg.crop_mark_gap, pg.crop_mark_width)
    min_ppi = comp.layout.figure.min_ppi if comp.layout.figure is not None else 300.0
    pictures = PicturePolicy(comp.layout.images, min_ppi)
    v = variant_for(variant, pdfx)
    on_disk = streams is None and use_cache
    slot = f"{comp.issue.path.resolve()}\0{v.key}\0{part or ''}"
    pages, info = file_pages(comp, variant, part), document_info(meta)
    entry = None
    if whole and on_disk and glyphs is None and draw is None:
        from typeset.render import finished
        key = finished.file_key(pages, comp.book.library, info, variant=v, issue=meta,
                                bleed=pg.bleed, crop_marks=marks, pictures=pictures) \
            if finished.use_finished_cache else None
        if key is not None:
            entry = finished.FinishedFile.for_slot(slot, key)
            if kept is not None:
                kept.append(entry)
            pdf = entry.take()
            if pdf is not None:             # the very file a previous build drew
                if before_drawing is not None:
                    before_drawing()        # (the forked report's page check: it may fail)
                from typeset.progress import step
                step("writing page", len(pages), len(pages))    # (a terminal's progress line)
                if sink is None:
                    return bytes(pdf)
                sink.write(pdf)
                return None
    if on_disk:
        streams = page_streams(slot)
        streams.once = True
    data = render_pdf(pages, comp.book.library, info,
                      variant=v, issue=meta, bleed=pg.bleed, crop_marks=marks,
                      pictures=pictures, streams=streams, sink=sink, let_go=let_go,
                      before_drawing=before_drawing, glyphs=glyphs, draw=draw)
    if on_disk:
        streams.save()
    if entry is not None and data is not None:
        import hashlib
        entry.put(data, hashlib.sha256(data).hexdigest())
    return data


def inputs_of(comp_or_loaded, library: FontLibrary | None = None) -> list[tuple[str, str]]:
    """The files a build of this issue reads (typeset.provenance.input_files): an output
    path may never be one of them."""
    from typeset.provenance import input_files

    if isinstance(comp_or_loaded, Composition):
        return input_files(comp_or_loaded.issue, comp_or_loaded.layout,
                           comp_or_loaded.book.library)
    issue, layout = comp_or_loaded
    return input_files(issue, layout, library)


def check_pdf_name(out: Path) -> None:
    """A PDF is written only to a name ending in .pdf: `-o issue.yaml` typed by mistake is
    refused (and never replaces the file), whatever the file is."""
    if Path(out).suffix.lower() != ".pdf":
        from typeset.errors import TypesetError
        shown = str(out).replace("\0", "\\0")
        raise TypesetError("the output file name must end in .pdf (typeset writes a PDF "
                           "here)", file=shown,
                           hint=f"e.g. -o {Path(out).with_suffix('.pdf').name}"
                           if Path(out).name not in ("", ".", "..") else "give a file name "
                           "ending in .pdf")


def two_files(out: Path) -> tuple[Path, Path]:
    """OUT-text.pdf and OUT-cover.pdf beside OUT.pdf: the print files of an issue whose covers
    are printed on separate stock."""
    stem = out.name[:-4] if out.name.lower().endswith(".pdf") else out.name
    return out.with_name(f"{stem}-text.pdf"), out.with_name(f"{stem}-cover.pdf")


def outputs(comp: Composition, out: Path, variant: str = "print") -> list[Path]:
    """The files a build writes for `-o out`: out itself, or, for the print variant of an
    issue with covers on separate stock, OUT-text.pdf and OUT-cover.pdf beside it."""
    if variant == "print" and comp.separate_cover:
        return list(two_files(out))
    return [out]


def finished_files(comp: Composition, out: Path, variant: str = "print", pdfx: str = "x4", *,
                   streams: dict | None = None,
                   check_placement: bool = True) -> list[tuple[Path, bytes]]:
    """Every file a build writes for `-o out` (`outputs`), rendered, nothing written yet.
    `streams`: part (None, "cover") -> the PageStreams a warm process keeps for that file;
    `check_placement` as `render` says."""
    files = outputs(comp, out, variant)
    parts = [None] if len(files) == 1 else [None, "cover"]
    return [(f, render(comp, variant, pdfx, part=part, streams=(streams or {}).get(part),
                       check_placement=check_placement, whole=True))
            for f, part in zip(files, parts)]


def write_files(files: list[tuple[Path, bytes]], inputs: list, *,
                create_parent: bool = False) -> None:
    """Write finished files atomically, each only after every one of them was checked (never
    one of the issue's inputs, typeset.fsutil): a refused name writes none of them."""
    from typeset.fsutil import check_output, write_output

    for f, _ in files:
        check_output(f, create_parent=create_parent, inputs=inputs)
    for f, data in files:
        write_output(f, data, create_parent=create_parent, inputs=inputs)


def write(comp: Composition, out: Path, variant: str = "print", pdfx: str = "x4", *,
          create_parent: bool = False, let_go: bool = False) -> str:
    """Write the finished PDF atomically (a failure leaves `out` as it was); returns its
    SHA-256. Only a regular file is replaced, never one of the issue's inputs
    (typeset.fsutil.write_output). One file is written as it is made (`write_streamed`).
    With covers on separate stock the print variant writes two files (`outputs`), both
    rendered before either is written; the SHA-256 returned is the text file's. `let_go`:
    the one file's pages let go of their items as they are drawn (`render`)."""
    import hashlib

    if len(outputs(comp, out, variant)) == 1:
        return write_streamed(comp, out, variant, pdfx, create_parent=create_parent,
                              let_go=let_go)
    files = finished_files(comp, out, variant, pdfx)
    write_files(files, inputs_of(comp), create_parent=create_parent)
    return hashlib.sha256(files[0][1]).hexdigest()


def write_streamed(comp: Composition, out: Path, variant: str = "print", pdfx: str = "x4", *,
                   create_parent: bool = False, check_placement: bool = True,
                   made_failed=None, before_replace=None, let_go: bool = False,
                   before_drawing=None, glyphs=None, draw=None) -> str:
    """Write the one file of `-o out` (`outputs`) while it is rendered: each object goes to
    the temporary file beside `out` as it is finished (`render(sink=)`), and the file is
    renamed over `out` only when complete (fsutil.write_output: a failure leaves `out` as it
    was). Returns its SHA-256, read back from the temporary file. `made_failed`: called when
    making the PDF raised, before that error goes on (`write_checked_aside`: the page
    check's error wins); `before_replace`: called once the file is complete, before the
    rename (the page check); `let_go`, `before_drawing`, `glyphs` and `draw` as `render`
    says."""
    import hashlib

    from typeset.fsutil import write_output

    digest: list[str] = []
    kept: list = []                 # the finished-file cache's entry (render/finished.py)

    def fill(f) -> None:
        try:
            render(comp, variant, pdfx, sink=f, check_placement=check_placement,
                   let_go=let_go, before_drawing=before_drawing, glyphs=glyphs, draw=draw,
                   kept=kept, whole=True)
        except Exception:
            if made_failed is not None:
                made_failed()
            raise
        if kept and kept[0].sha256:     # taken whole from the cache: hashed as it was read
            digest.append(kept[0].sha256)
            return
        f.flush()
        f.seek(0)
        if kept:                        # drawn: kept for the next build of the same input
            data = f.read()
            digest.append(hashlib.sha256(data).hexdigest())
            kept[0].put(data, digest[0])
            return
        h = hashlib.sha256()
        while chunk := f.read(1 << 20):
            h.update(chunk)
        digest.append(h.hexdigest())

    write_output(out, fill, create_parent=create_parent, inputs=inputs_of(comp),
                 before_replace=before_replace)
    return digest[0]
