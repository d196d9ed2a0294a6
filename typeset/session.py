"""A warm process: an issue kept in memory between builds, rebuilt on demand.

    from typeset.session import Session

    with Session("issues/sample/issue.yaml", output="out/sample.pdf") as s:
        result = s.rebuild()           # the first build: as `typeset build`
        ...                            # the desk saves a correction
        result = s.rebuild()           # only what changed is done again
        result.ok, result.errors, result.pages_drawn, result.seconds, result.timings

`typeset watch` (issue 12) is meant to sit on this: watch the issue's files, call `rebuild`
after a save, show `errors` or say which pages changed.

What a session keeps, and when each is made again (every key is the content, as for the
caches on disk, so a rebuild writes exactly the bytes a cold `typeset build` of the same
sources writes — tested):

* the fonts: faces parsed once; a font file whose stamp changed since it was read (size,
  modification and change times, inode, a digest of its table directory and end:
  text/fontid.py, taken before its bytes were read) makes the session start afresh (every
  face read again, everything below made again);
* the layout: read again when its file's bytes change (then everything below is dropped);
* the articles: each file is read (its bytes hashed) on every rebuild and parsed again only
  when its bytes, or the bytes of a picture it places, changed (model.manifest.load_issue
  `read_article`; each picture is read and hashed once per rebuild, model.picture.one_read,
  and compared with the digest of the bytes the article was laid out with);
  the manifest itself is read every time (it is small);
* the flow items of each article (layout.compose.compose_issue `memo`): an article that
  was not read again, at the same place in the issue, keeps its items; broken paragraphs stay
  in the paragraph cache in memory (a changed paragraph is broken again, as in any build);
* the finished page streams (render/pagestreams.py): a page that draws what it drew before
  is not drawn again (a character's code is its own, render/cidfont.py: a correction that
  brings in a character draws only the pages that show it). Font subsets come from the
  subset cache (in memory after the first use); a correction that adds a character, or
  takes away its last use, makes the subset of that face again, scanning only the glyphs
  the process has not scanned yet (render/fontprogram.py `scans`, kept once a session is
  made).

What is done on every rebuild: the glyph check of every printed character, pagination of
the whole issue, the contents, placing every page's items, keying every page, the font
objects and the file itself (written atomically, like every output: an error leaves the
earlier file as it was), and — with `report=True` — the typographic report.

Errors: `rebuild` never raises for bad input. A TypesetError (a typo in the YAML, a missing
picture, a character no font has …) is returned in `errors` as `file:line:column: message`
plus its hint, nothing is written, and the session keeps what it had: the next `rebuild`
after the fix starts from there. Anything else is a bug in typeset and is raised.

Caches on disk are read when the session starts (paragraphs, subsets, page streams, …);
the paragraph and page-stream caches are written back by `close` (or `save_caches`), not on
every rebuild (writing them costs more than a rebuild after a one-word correction).
"""
from __future__ import annotations

import hashlib
import os
import time
from typeset.records import dataclass, field
from pathlib import Path

from typeset.errors import TypesetError

__all__ = ["Session", "RebuildResult"]


@dataclass
class RebuildResult:
    """What one `Session.rebuild` did."""
    ok: bool                          # the PDF was written
    output: Path | None               # where (None when nothing was written; the text file
    #                                   when the covers are a file of their own)
    page_count: int = 0               # pages in that file
    pages_drawn: list[int] = field(default_factory=list)     # PDF page indices drawn afresh
    pages_changed: list[int] = field(default_factory=list)   # indices that draw something else
    #                                   than the same page of the previous successful build
    articles_read: list[Path] = field(default_factory=list)  # article files parsed again
    seconds: float = 0.0              # wall time of the whole rebuild
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    errors: list[str] = field(default_factory=list)          # file:line:column: message + hint
    missing: list[Path] = field(default_factory=list)        # files named but not there (the
    #                                                          error's; a watch waits for them)
    sha256: str = ""                  # of the file written
    report: object = None             # typeset.report.Report (with report=True)
    pictures: object = None           # typeset.report.PictureReport

    @property
    def pages_rendered(self) -> list[int]:      # another name, for the benchmark
        return self.pages_drawn


@dataclass
class _Read:
    digest: bytes
    pictures: tuple
    article: object


class Session:
    """An issue kept warm between builds (see the module docstring).

    `manifest`: the issue's YAML; `output`: the PDF to write (default as `typeset build`:
    out/<issue folder>.pdf); `layout`, `variant`, `pdfx`: as the build command's options;
    `report`: make the typographic report on every rebuild (`result.report`); `use_cache`:
    read and write the caches on disk (False: a session of its own in memory only: no cache
    file is read or written and no cache key made while it rebuilds, `cachefiles.caches_off`)."""

    def __init__(self, manifest: str | os.PathLike, *, output: str | os.PathLike | None = None,
                 layout: str | None = None, variant: str = "print", pdfx: str = "x4",
                 report: bool = False, use_cache: bool = True):
        from typeset.build import default_output
        from typeset.render import fontprogram
        from typeset.render.variants import variant_for
        from typeset.text.fonts import FontLibrary

        fontprogram.keep_scans = True     # (a face's next subset scans only new glyphs)

        self.manifest = Path(manifest)
        self.variant, self.pdfx = variant, pdfx
        self.standard = variant_for(variant, pdfx)        # an unknown variant fails here
        self.output = Path(output) if output is not None else default_output(self.manifest)
        self._create_parent = output is None
        self.layout_override = layout
        self.report = report
        self.use_cache = use_cache
        self.library = FontLibrary(use_cache=use_cache)
        self._articles: dict[Path, _Read] = {}
        self._read_now: list[Path] = []
        self._layout_key: tuple | None = None
        self._layout = None
        self._book = None
        self._cache = None            # text.parcache.ParagraphCache
        self._composer = None
        self._flow: dict = {}         # compose_issue's memo
        self._pages: dict = {}        # paginate_issue's memo
        self._streams = None          # render.pagestreams.PageStreams (the text file)
        self._cover_streams = None    # … and the cover file (covers on separate stock)
        self.composition = None       # the issue as last built (layout.issue.Composition)
        self.loaded = None            # (issue, layout) as last loaded, built or not
        self.inputs: list = []        # (role, path) of every file the last build read
        self.outputs: list[Path] = [] # the files last written
        self._last_keys: list = []

    # -- the public interface ---------------------------------------------------------------------
    def rebuild(self) -> RebuildResult:
        """Build the issue again from its files as they are now, doing again only what
        changed; write the PDF. Bad input is returned in `errors` (nothing written)."""
        start = time.perf_counter()
        timings: dict[str, float] = {}
        self._read_now = []

        def lap(name: str, since: list[float] = [start]) -> None:   # noqa: B006
            now = time.perf_counter()
            timings[name] = now - since[0]
            since[0] = now

        from typeset.model.picture import one_read
        try:
            if self.use_cache:
                with one_read():          # each picture read once, as it is now
                    result = self._rebuild(lap)
            else:                     # no cache on disk read or written, no key made
                from typeset.cachefiles import caches_off
                with caches_off(), one_read():
                    result = self._rebuild(lap)
        except TypesetError as err:
            return RebuildResult(False, None, articles_read=list(self._read_now),
                                 seconds=time.perf_counter() - start, timings=timings,
                                 errors=[str(err)],
                                 missing=[Path(err.missing)] if err.missing else [])
        result.timings = timings
        result.articles_read = list(self._read_now)
        result.seconds = time.perf_counter() - start
        return result

    def save_caches(self) -> None:
        """Write the paragraph and page-stream caches to disk (done by `close`)."""
        if self.use_cache:
            if self._cache is not None:
                self._cache.save()
            for streams in (self._streams, self._cover_streams):
                if streams is not None:
                    streams.save()

    def close(self) -> None:
        self.save_caches()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the stages -------------------------------------------------------------------------------
    def _rebuild(self, lap) -> RebuildResult:
        from typeset.build import (check_pdf_name, file_pages, finished_files, inputs_of,
                                   placed_pdfs, write_files)
        from typeset.fsutil import check_output
        from typeset.layout.compose import compose_issue, prebreak
        from typeset.model.load import check_issue_against_layout
        from typeset.layout.issue import paginate_issue
        from typeset.layout.preflight import check_sources
        from typeset.model.manifest import load_issue
        from typeset.report import check_composition, picture_report

        out = check_output(self.output, create_parent=self._create_parent)
        check_pdf_name(out)
        if self._layout is not None and self._fonts_changed():
            from typeset.text.fonts import FontLibrary
            self.library = FontLibrary(use_cache=self.use_cache)
            self._layout_key = self._layout = None          # everything is made again
            self._streams = self._cover_streams = None
        if self._layout is None:
            from typeset.build import prefetch_fonts
            prefetch_fonts(self.manifest, self.layout_override)
        issue = load_issue(self.manifest, layout=self.layout_override,
                           read_article=self._read_article)
        self._prepare_layout(issue)
        self.loaded = (issue, self._layout)
        check_issue_against_layout(issue, self._layout)
        pdfs = placed_pdfs(issue)     # whole pages given as PDFs: pypdf reads their boxes
        lap("load")
        check_sources(issue, self._layout, self._book)
        lap("glyph check")
        if self._cache is not None:
            self._cache.next_build()
        if not self._flow:
            prebreak(issue, self._composer)        # a cold first build: on two cores
        flow = compose_issue(issue, self._composer, self._flow)
        lap("compose")
        comp = paginate_issue(issue, self._composer, flow, self._composer.colophon(issue),
                              pdfs=pdfs, memo=self._pages)
        self.composition = comp
        lap("paginate")
        pictures = picture_report(comp.pages, comp.layout, str(comp.issue.path.parent),
                                  print_variant=self.variant == "print")
        failure = pictures.failure()
        if failure is not None:
            raise failure
        if self._streams is None:
            self._streams = self._page_streams(issue, "")
            self._cover_streams = self._page_streams(issue, "cover")
        files = finished_files(comp, out, self.variant, self.pdfx,
                               streams={None: self._streams, "cover": self._cover_streams})
        data = files[0][1]
        lap("render")
        self.inputs = inputs_of(comp)
        write_files(files, self.inputs, create_parent=self._create_parent)
        self.outputs = [f for f, _ in files]
        lap("write")
        report = check_composition(comp) if self.report else None
        if self.report:
            lap("report")
        keys = list(self._streams.keys)
        changed = [i for i, k in enumerate(keys)
                   if k is None or i >= len(self._last_keys) or self._last_keys[i] != k]
        self._last_keys = keys
        self._streams.keep_used()
        if len(files) > 1:
            self._cover_streams.keep_used()
        return RebuildResult(True, files[0][0],
                             page_count=len(file_pages(comp, self.variant)),
                             pages_drawn=list(self._streams.drawn), pages_changed=changed,
                             sha256=hashlib.sha256(data).hexdigest(), report=report,
                             pictures=pictures)

    def _prepare_layout(self, issue) -> None:
        """The layout, and what hangs on it, made again only when its file changed."""
        from typeset.layout.compose import Composer
        from typeset.layout.styles import StyleBook
        from typeset.model.layout import load_layout, resolve_layout_path
        from typeset.text.parcache import ParagraphCache

        ref = self.layout_override or issue.layout
        relative_to = None if self.layout_override else issue.path.parent
        path = resolve_layout_path(ref, relative_to=relative_to)
        try:
            data = path.read_bytes()
        except OSError:
            data = None                   # load_layout says what is wrong
        key = (ref, str(path), data)
        if key == self._layout_key and self._layout is not None:
            return
        if self.layout_override:
            layout = load_layout(self.layout_override)
        else:
            layout = load_layout(issue.layout, relative_to=issue.path.parent,
                                 referenced_from=str(issue.path), line=issue.layout_line)
        book = StyleBook(layout, self.library)
        if self._cache is not None:
            self._cache.save()
        cache = ParagraphCache(str(issue.path.resolve()), book.fingerprint,
                               on_disk=self.use_cache)
        self._layout, self._book, self._cache = layout, book, cache
        self._composer = Composer(layout, book, cache)
        self._flow = {}
        self._pages = {}
        self._layout_key = key

    def _fonts_changed(self) -> bool:
        """Whether a font file the session has read changed since: its stamp now differs from
        the one taken before its bytes were read (text/fontid.py `stamp`: a change made while
        a rebuild read it is seen at the next one). Then the faces are read again."""
        from typeset.text.fontid import stamp
        for face in self.library._faces.values():
            try:
                now = stamp(face.file)
            except OSError:
                return True
            if now != face.stamp:
                return True
        return False

    def _page_streams(self, issue, part: str):
        from typeset.render.pagestreams import PageStreams
        from typeset.render.writer import page_streams
        if not self.use_cache:
            return PageStreams()
        return page_streams(f"{issue.path.resolve()}\0{self.standard.key}\0{part}")

    def _read_article(self, path: Path):
        """An article as `load_article` reads it, parsed again only when its bytes or a
        picture it places changed."""
        from typeset.model.article import load_article

        real = Path(path).resolve()
        known = self._articles.get(real)
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).digest()
        except OSError:
            digest = None                 # load_article says what is wrong
        if (known is not None and digest is not None and known.digest == digest
                and _pictures_unchanged(known.pictures)):
            return known.article
        article = load_article(path)
        self._read_now.append(Path(path))
        if digest is not None:
            self._articles[real] = _Read(digest, _picture_digests(article), article)
        return article


def _picture_digests(article) -> tuple:
    """Each picture the article places, with the SHA-256 of the bytes it was laid out with
    (the digest `probe` took of the very bytes whose header it read)."""
    seen = {}
    for b in article.blocks:
        if b.figure is not None and b.figure.picture is not None:
            seen.setdefault(b.figure.picture.path, b.figure.picture.sha256)
    return tuple(seen.items())


def _pictures_unchanged(pictures: tuple) -> bool:
    """Whether every picture still holds the bytes it held (read now: this rebuild's
    `one_read` then serves the same read to the layout and the renderer)."""
    from typeset.model.picture import probe
    for path, sha256 in pictures:
        try:
            if probe(path).sha256 != sha256:
                return False
        except TypesetError:
            return False                  # the article is read again: it says what is wrong
    return True
