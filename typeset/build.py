"""The build pipeline: load -> compose -> paginate the issue -> render -> write.

Each stage lives in its own module; this one only calls them in order and reports what they
did. Nothing is written until every page is laid out and every character has a glyph.
"""
from __future__ import annotations

from pathlib import Path

from typeset.layout.compose import Composer, compose_issue, prebreak
from typeset.layout.issue import Composition, paginate_issue
from typeset.layout.preflight import check_sources
from typeset.layout.styles import StyleBook
from typeset.model.layout import Layout
from typeset.model.load import load
from typeset.model.manifest import Issue
from typeset.text.fonts import FontLibrary
from typeset.text.parcache import ParagraphCache
# the output stage (typeset/output.py, below this module and stream.py): its names are
# build's too, as before the move (proof, watch, the Session and the tests call them here)
from typeset.output import (BuildReport, check_pdf_name, collector_paused, file_pages,
                            finished_files, inputs_of, metadata, outputs, placed_pdfs, render,
                            two_files, write, write_files, write_streamed)

__all__ = ["Composition", "compose", "render", "write", "build", "default_output",
           # the output stage's (typeset/output.py)
           "BuildReport", "check_pdf_name", "collector_paused", "file_pages", "finished_files",
           "inputs_of", "metadata", "outputs", "placed_pdfs", "two_files", "write_files",
           "write_streamed"]


def default_output(manifest: Path) -> Path:
    """out/<issue directory name>.pdf, relative to the working directory."""
    from typeset.errors import TypesetError

    try:
        folder = manifest.resolve().parent
    except (OSError, RuntimeError):             # a symbolic link that leads to itself
        raise TypesetError("cannot read issue manifest: a loop of symbolic links",
                           file=manifest, hint="point the link at the manifest file") from None
    return Path("out") / f"{folder.name}.pdf"


def prefetch_fonts(manifest: Path, layout_override: str | None = None) -> None:
    """Start hashing the fonts the issue's layout names (text.fonts.prefetch_identities),
    found by a glance at the manifest's `layout:` line and the layout file's font names, so
    that it runs beside the parsing of the articles. Only ever a head start: whatever this
    gets wrong, the build itself reads properly."""
    import re

    from typeset.model.layout import resolve_layout_path
    from typeset.text.fonts import prefetch_identities
    try:
        ref = layout_override
        if ref is None:
            m = re.search(r"^layout:[ \t]*[\"']?([^\"'\s#]+)",
                          manifest.read_text(encoding="utf-8"), re.M)
            if m is None:
                return
            ref = m.group(1)
        path = resolve_layout_path(ref, relative_to=None if layout_override else
                                   manifest.parent)
        library = FontLibrary()
        found = []
        for name in dict.fromkeys(re.findall(r"[^\s\[\],:'\"#]+\.(?:otf|ttf|ttc|otc)",
                                             path.read_text(encoding="utf-8"), re.I)):
            ref = name if "/" not in name or Path(name).is_absolute() else \
                str(path.parent / name)
            try:
                found.append(library.resolve(ref).split("#")[0])
            except Exception:                # noqa: BLE001 (a head start, never an error)
                continue
        prefetch_identities(found)
    except (OSError, ValueError):
        return


@collector_paused()                    # (a fresh pause for each call)
def compose(manifest: Path, *, layout_override: str | None = None,
            library: FontLibrary | None = None, use_cache: bool = True,
            loaded: tuple[Issue, Layout] | None = None) -> Composition:
    """Every page of the issue, laid out (nothing written). `loaded`: the issue and layout
    already loaded (`load`), not read again."""
    if loaded is None:
        prefetch_fonts(Path(manifest), layout_override)
    if loaded is None and not use_cache:       # no cache read or written: the picture
        from typeset.model import artcache, doccache, picture    # headers, parsed articles
        picture.use_header_cache = False         # and documents too (and the faces, below)
        artcache.use_article_cache = doccache.use_document_cache = False
        try:
            loaded = load(manifest, layout_override)
        finally:
            picture.use_header_cache = True
            artcache.use_article_cache = doccache.use_document_cache = True
    issue, layout = loaded or load(manifest, layout_override)
    book = StyleBook(layout, library or FontLibrary(use_cache=use_cache))
    check_sources(issue, layout, book)
    cache = ParagraphCache(str(issue.path.resolve()), book.fingerprint) if use_cache else None
    composer = Composer(layout, book, cache)
    prebreak(issue, composer)              # a cold build: on two cores
    comp = paginate_issue(issue, composer, compose_issue(issue, composer),
                          composer.colophon(issue), pdfs=placed_pdfs(issue))
    if cache is not None:
        cache.save()
    return comp


def write_checked_aside(comp: Composition, out: Path, variant: str, pdfx: str, typography, *,
                        create_parent: bool = False) -> str:
    """`write`, when the page check is part of the report a forked child makes
    (`report_aside`): the PDF is made meanwhile without it (`check_placement=False`) and
    written only when the report finds nothing outside the trim box or drawn over another
    item — else the error `render` raises, nothing written, and that error wins over any
    failure of making the PDF, as when the check comes first.

    One file of LET_GO_PAGES pages or more: the report is waited for once everything is
    checked and prepared, before the first page is drawn (the child has made it meanwhile,
    or the parent makes it then from the pages it still holds); then, as when the report is
    made here, the frames go and each page's items go once drawn (`let_go_of_frames`,
    render(let_go=)). A smaller issue draws its pages while the child reports (the wall
    time of the report, ~0.1 s at 376 pages, against ~1 MB held)."""
    import hashlib

    from typeset.pagecheck import placement_error

    def check() -> None:
        rep = typography()
        failure = placement_error(comp.pages, None, found=(
            [(f.page, f.detail) for f in rep.outside],
            [(f.page, f.detail) for f in rep.overlaps]))
        if failure is not None:
            raise failure

    def report_made() -> None:
        check()
        let_go_of_frames(comp)

    if len(outputs(comp, out, variant)) == 1:
        wait = len(comp.pages) >= LET_GO_PAGES
        return write_streamed(comp, out, variant, pdfx, create_parent=create_parent,
                              check_placement=False, made_failed=check, before_replace=check,
                              let_go=wait, before_drawing=report_made if wait else None)
    try:
        made, unmade = finished_files(comp, out, variant, pdfx, check_placement=False), None
    except Exception as err:                              # noqa: BLE001 (raised below)
        made, unmade = None, err
    check()
    if unmade is not None:
        raise unmade
    write_files(made, inputs_of(comp), create_parent=create_parent)
    return hashlib.sha256(made[0][1]).hexdigest()


def build(manifest: Path, output: Path | None = None, *, layout_override: str | None = None,
          variant: str = "print", pdfx: str = "x4") -> BuildReport:
    from typeset.model.picture import one_read
    with one_read():                  # each picture read once by this build (its bytes now)
        return _load_and_build(manifest, output, layout_override, variant, pdfx)


def _load_and_build(manifest, output, layout_override, variant, pdfx) -> BuildReport:
    from typeset.fsutil import check_output
    from typeset.render.variants import variant_for

    standard = variant_for(variant, pdfx).standard       # an unknown variant fails here, early
    out = check_output(output or default_output(manifest), create_parent=output is None)
    check_pdf_name(out)
    loaded = load(manifest, layout_override)
    library = FontLibrary()
    inputs = inputs_of(loaded, library)
    check_output(out, create_parent=output is None, inputs=inputs)
    from typeset.render import aside         # a cold build: pictures begun beside composition
    aside.start_ahead([path for role, path in inputs if role == "picture"], loaded[1],
                      variant_for(variant, pdfx).key)
    try:
        return _build(manifest, out, output, loaded, library, layout_override, variant, pdfx,
                      standard)
    finally:
        aside.drop_ahead()


def _build(manifest, out, output, loaded, library, layout_override, variant, pdfx,
           standard) -> BuildReport:
    from typeset import stream
    from typeset.report import picture_report

    if stream.applies(*loaded, variant):      # a large issue: a stretch at a time
        return stream.build_streamed(manifest, out, output, loaded, library, variant, pdfx,
                                     standard)

    comp = compose(manifest, layout_override=layout_override, library=library, loaded=loaded)
    pictures = picture_report(comp.pages, comp.layout, str(comp.issue.path.parent),
                              print_variant=variant == "print")
    failure = pictures.failure()          # under-resolution, when the layout makes it an error
    if failure is not None:
        raise failure
    typography = report_aside(comp)      # the report on another core, where that pays
    if typography.forked:                # (with the page check: the PDF is made meanwhile)
        digest = write_checked_aside(comp, out, variant, pdfx, typography,
                                     create_parent=output is None)
    else:
        typography()                     # made first: then nothing reads the frames or a
        let_go_of_frames(comp)           # drawn page's items again (memory, `let_go_of_frames`)
        digest = write(comp, out, variant, pdfx, create_parent=output is None, let_go=True)
    files = outputs(comp, out, variant)
    return BuildReport(files[0], len(comp.contents), len(comp.body), comp.padding, standard,
                       digest, typography(), pictures,
                       front_blanks=len(comp.front) - len(comp.contents),
                       covers=len(comp.covers),
                       inserts=sum(len(p) for _, p in comp.inserts),
                       cover_output=files[1] if len(files) > 1 else None,
                       file_pages=len(file_pages(comp, variant)))


def let_go_of_frames(comp: Composition) -> None:
    """Drop the body's and the contents' frames (their set lines and every line's glyphs: on
    a 3,672-page issue of distinct text about half of what the composition holds) once the
    typographic report, their only reader, is made: writing the file reads the pages only.
    A one-shot build does this (`_build`); a warm process keeps them (typeset.session)."""
    comp.frames = []
    comp.contents_frames = []


def booklet(manifest: Path, output: Path | None = None, *,
            layout_override: str | None = None) -> tuple[Path, int, int]:
    """`typeset build --imposed`: the proof booklet (typeset/impose.py) written to `output`
    (default out/<issue directory>-booklet.pdf); returns the path, pages and sheets."""
    from typeset.fsutil import check_output, write_output
    from typeset.impose import impose

    default = default_output(manifest)
    out = check_output(output or default.with_name(default.stem + "-booklet.pdf"),
                       create_parent=output is None)
    comp = compose(manifest, layout_override=layout_override)
    data, sheets = impose(comp)
    write_output(out, data, create_parent=output is None)
    return out, len(comp.pages), sheets


#: an issue of this many pages has its typographic report made by a second process while the
#: PDF is written (bench/build.py: below it, starting the process costs more than it saves)
REPORT_ASIDE_PAGES = 150
#: an issue of this many pages whose report a forked child makes waits for it before
#: drawing, to let go of the frames and the drawn pages' items (`write_checked_aside`):
#: at 3,672 pages that is ~33 MB of the peak; at 376 pages ~1 MB, not worth the report's
#: wall time
LET_GO_PAGES = 1000


def report_aside(comp: Composition):
    """A function returning `check_composition(comp)`: for an issue of REPORT_ASIDE_PAGES
    pages or more, when another core is idle (typeset.parallel.workers), computed by a forked
    child process meanwhile (it only reads the pages; the result comes back through a pipe).
    If the child cannot start or fails, the report is made here, as for a small issue. The
    function's `forked` says whether a child makes it (then it holds the page check too)."""
    from typeset import parallel
    from typeset.report import check_composition

    made: list = []

    def here():
        if not made:                            # (asked again: the same report, made once:
            made.append(check_composition(comp))    # the frames may be gone by then)
        return made[0]
    here.forked = False
    if len(comp.pages) < REPORT_ASIDE_PAGES or parallel.workers() < 2:
        return here
    try:
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_report_child, args=(comp, send), daemon=True)
        child.start()
        send.close()
    except (OSError, ValueError, AssertionError):
        return here

    got: list = []

    def result():
        if got:                                 # (asked again: the same report)
            return got[0]
        try:
            rep = recv.recv()
        except (EOFError, OSError):             # the child died: make it here
            rep = None
        finally:
            recv.close()
            child.join()
        got.append(rep if rep is not None else check_composition(comp))
        return got[0]
    result.forked = True
    return result


def _report_child(comp: Composition, conn) -> None:
    import gc
    gc.disable()        # (a collection would touch, so copy, every page of the parent's heap)
    from typeset.report import check_composition
    try:
        rep = check_composition(comp)
    except BaseException:          # noqa: BLE001 (the parent makes it again and sees why)
        rep = None
    conn.send(rep)
    conn.close()
