"""What `typeset watch` asks of a build, and the build it uses today.

The watch loop knows a build only through `Rebuilder`: `rebuild()` builds the issue from its
files as they are now, writes the PDF where `typeset build` would, and returns an `Outcome`
(the PDF's bytes and its pages, or the `Problem` that stopped it); `inputs()` names the files
to watch next. Nothing in it raises for bad input.

`WarmBuild` is the rebuilder made of what `typeset.build` offers: one process keeps the font
library (parsed faces, hashes) between builds, and each rebuild loads, composes and renders
the issue with the same calls and the same checks as `typeset build` (the output path, never
over an input; the page check; the pictures' resolution) — the paragraph and subset caches
make it a warm build. `SessionBuild`, what `typeset watch` uses, keeps more between builds
(the layout, the parsed articles, the pages' streams: `typeset.session.Session`, issue 13
part 4); both fill the same `Outcome`:

* `pdf`: the bytes of the file previewed, every page in reading order;
* `pages`: what each of its pages is (`PageInfo`: the name as printed — folio, label or `PDF
  page N`, `proof.page_names` —, kind, label);
* `changed`: the PDF page indices that may draw something else than the previous *successful*
  outcome's page at the same index (None: unknown, every page is rendered again); the preview
  renders only those and compares pixels, so saying too many costs time, never correctness;
* `problem`: a `Problem` (file, line, column, message, hint) when nothing was written.
"""
from __future__ import annotations

import os
import re
import time
from typeset.records import dataclass, field
from pathlib import Path
from typing import Protocol

from typeset.errors import TypesetError


@dataclass(frozen=True)
class Problem:
    """Why a rebuild wrote nothing, as the preview page and the terminal show it."""
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    bug: bool = False            # an internal error (a bug in typeset), not the user's files

    @classmethod
    def from_error(cls, err: TypesetError) -> "Problem":
        return cls(err.message, err.file, err.line, err.column, err.hint)

    @classmethod
    def from_bug(cls, err: BaseException) -> "Problem":
        text = " ".join(str(err).split())
        text = text if len(text) <= 300 else text[:300] + "…"
        return cls(f"internal error (a bug in typeset, not in your files): "
                   f"{type(err).__name__}: {text}", bug=True,
                   hint="run `typeset --debug watch …` for the traceback")

    @classmethod
    def from_text(cls, text: str) -> "Problem":
        """A problem from `file:line:column: message` plus `  hint: …` lines (the way a
        TypesetError prints itself, e.g. `Session.rebuild().errors`)."""
        body, hint = text, None
        m = re.search(r"\n  hint: ", text)
        if m is not None:                 # the hint: everything after `  hint: `
            body, hint = text[:m.start()], text[m.end():].strip()
        first, _, more = body.partition("\n")
        parts = (first + ("\n" + more if more else "")).split(": ", 1)
        if len(parts) == 2:
            loc = parts[0].rsplit(":", 2)
            nums = [p for p in loc[1:] if p.isdigit()]
            if nums and len(nums) == len(loc) - 1:
                return cls(parts[1], loc[0], int(nums[0]),
                           int(nums[1]) if len(nums) > 1 else None, hint)
            if len(loc) == 1 and ("/" in loc[0] or "." in loc[0]) and " " not in loc[0]:
                return cls(parts[1], loc[0], hint=hint)
        return cls(body, hint=hint)

    @property
    def location(self) -> str:
        from typeset.errors import format_location
        return format_location(self.file, self.line, self.column)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return text + (f"\n  hint: {self.hint}" if self.hint else "")

    def as_json(self) -> dict:
        """What the preview page shows: the message and hint in the desk's language
        (typeset.i18n), the location as it is."""
        from typeset.i18n import tr

        return {"location": self.location, "file": self.file, "line": self.line,
                "column": self.column, "message": tr(self.message),
                "hint": tr(self.hint) if self.hint else self.hint, "bug": self.bug}


@dataclass(frozen=True)
class PageInfo:
    """One page of the previewed file."""
    name: str            # as printed: folio, label (目录, 封一) or `PDF page N`
    kind: str            # contents, body, blank, cover, insert, …
    label: str           # the PDF page label


@dataclass
class Outcome:
    """What one rebuild did (see the module doc)."""
    ok: bool
    pdf: bytes | None = None
    pages: list[PageInfo] = field(default_factory=list)
    changed: list[int] | None = None
    written: list[Path] = field(default_factory=list)
    problem: Problem | None = None
    title: str = ""                       # the issue, as its metadata names it
    timings: dict[str, float] = field(default_factory=dict)    # stage -> seconds
    summary: str = ""                     # one line about the issue (pages, typography)


class Rebuilder(Protocol):
    def rebuild(self) -> Outcome:
        """Build the issue from its files as they are now and write the PDF; never raises
        for bad input (the Outcome says what stopped it)."""
        ...

    def inputs(self) -> list[tuple[str, str]]:
        """(role, absolute path) of every file the last rebuild read or tried to read
        (`provenance.input_files` roles: manifest, article, picture, layout, font)."""
        ...

    def close(self) -> None:
        ...


def _identity(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _fonts_changed(library) -> bool:
    """Whether a font file whose face `library` holds changed since it was read (its stamp,
    text/fontid.py, taken before the read; as typeset.session does)."""
    from typeset.text.fontid import stamp
    for face in library._faces.values():
        try:
            if stamp(face.file) != face.stamp:
                return True
        except OSError:
            return True
    return False


class WarmBuild:
    """A `Rebuilder` from `typeset.build`'s calls, in one warm process (module doc).

    `output`: the PDF (default: where `typeset build` writes, out/<issue folder>.pdf, the
    folder made when missing); `layout`: as `build --layout`; `debug`: print the traceback of
    an internal error (it is shown on the page either way). The print variant (PDF/X-4),
    the printer's file, which is also what `typeset proof` renders."""

    def __init__(self, manifest: str | os.PathLike, *, output: str | os.PathLike | None = None,
                 layout: str | None = None, debug: bool = False):
        from typeset.build import check_pdf_name, default_output
        from typeset.fsutil import check_output
        from typeset.text.fonts import FontLibrary

        self.manifest = Path(manifest)
        self.layout_override = layout
        self.debug = debug or os.environ.get("TYPESET_DEBUG", "") not in ("", "0")
        self.create_parent = output is None
        # a bad output path cannot be mended by editing the sources: refused at the start
        self.output = check_output(Path(output) if output is not None
                                   else default_output(self.manifest),
                                   create_parent=self.create_parent)
        check_pdf_name(self.output)
        self.library = FontLibrary()
        self._inputs: list[tuple[str, str]] = [("manifest", os.path.abspath(self.manifest))]
        self._pages: list | None = None          # the last successful build's pages
        self._identities: dict[str, tuple | None] = {}   # their inputs, as they were

    def inputs(self) -> list[tuple[str, str]]:
        return list(self._inputs)

    def close(self) -> None:
        pass

    def rebuild(self) -> Outcome:
        laps: dict[str, float] = {}
        start = [time.perf_counter()]

        def lap(name: str) -> None:
            now = time.perf_counter()
            laps[name] = laps.get(name, 0.0) + now - start[0]
            start[0] = now

        from typeset.model.picture import one_read
        try:
            with one_read():                 # each picture read once, as it is now
                outcome = self._rebuild(lap)
        except TypesetError as err:
            self._note_error_file(err)
            return Outcome(False, problem=Problem.from_error(err), timings=laps)
        except (KeyboardInterrupt, SystemExit):
            raise
        except MemoryError:
            return Outcome(False, problem=Problem("out of memory"), timings=laps)
        except Exception as err:             # a bug: shown, and watching goes on
            if self.debug:
                import traceback
                traceback.print_exc()
            return Outcome(False, problem=Problem.from_bug(err), timings=laps)
        outcome.timings = laps
        return outcome

    def _note_error_file(self, err: TypesetError) -> None:
        """A file named by an error is watched too (a layout that does not load, say)."""
        if err.file and os.path.isfile(err.file):
            path = os.path.abspath(err.file)
            if all(p != path for _, p in self._inputs):
                self._inputs.append(("source", path))
        if err.missing and all(p != err.missing for _, p in self._inputs):
            self._inputs.append(("missing", err.missing))    # watched until it appears

    def _rebuild(self, lap) -> Outcome:
        from typeset.build import compose, inputs_of, load, metadata
        from typeset.fsutil import check_output
        from typeset.proof import page_names
        from typeset.report import picture_report

        check_output(self.output, create_parent=self.create_parent)
        if _fonts_changed(self.library):     # a font file changed since its face was read
            from typeset.text.fonts import FontLibrary
            self.library = FontLibrary()
        known = [("manifest", os.path.abspath(self.manifest))]
        self._inputs = known + [i for i in self._inputs if i not in known]
        loaded = load(self.manifest, self.layout_override)
        inputs = inputs_of(loaded, self.library)
        self._inputs = inputs                # watched from now on, whatever happens next
        check_output(self.output, create_parent=self.create_parent, inputs=inputs)
        identities = {p: _identity(p) for _, p in inputs}
        lap("load")
        comp = compose(self.manifest, layout_override=self.layout_override,
                       library=self.library, loaded=loaded)
        lap("compose")
        pictures = picture_report(comp.pages, comp.layout, str(comp.issue.path.parent))
        failure = pictures.failure()       # under-resolution, when the layout makes it an error
        if failure is not None:
            raise failure
        pdf, pages, written = self._write(comp, inputs, lap)
        changed = self._changed(pages, inputs, identities)
        self._pages, self._identities = pages, identities
        info = [PageInfo(n, p.kind, p.label) for n, p in zip(page_names(pages), pages)]
        lap("compare")
        return Outcome(True, pdf, info, changed, written, title=metadata(comp).title,
                       summary=f"{len(pages)} pages")

    def _write(self, comp, inputs, lap) -> tuple[bytes, list, list[Path]]:
        """Write what `typeset build` writes (the print variant: one file, or the text and
        cover files when the covers are printed on their own stock, `build.outputs`); return
        the PDF the preview shows (every page in reading order, covers included), its pages,
        and the files written."""
        from typeset.build import outputs, render
        from typeset.fsutil import write_output

        files = outputs(comp, self.output, "print")
        if len(files) == 1:
            data = render(comp, "print")
            shown = data
        else:
            data = render(comp, "print")                     # the text file
            cover = render(comp, "print", part="cover")
            shown = render(comp, "print", part="all")
        lap("render")
        if len(files) == 1:
            write_output(self.output, data, create_parent=self.create_parent, inputs=inputs)
        else:
            write_output(files[0], data, create_parent=self.create_parent, inputs=inputs)
            write_output(files[1], cover, create_parent=self.create_parent, inputs=inputs)
        lap("write")
        return shown, comp.pages, files

    def _changed(self, pages: list, inputs, identities) -> list[int] | None:
        """Indices of pages that may draw otherwise than the last good build's: a page whose
        laid-out items differ, or that places a picture whose file changed; every page when a
        layout or font file changed (a font drawn under the same name)."""
        before = self._pages
        if before is None:
            return None
        old = self._identities
        moved = {p for p, ident in identities.items() if old.get(p, ident) != ident}
        if any(p in moved for role, p in inputs if role in ("layout", "font")):
            return None
        out = []
        for i, page in enumerate(pages):
            if i >= len(before) or page != before[i] or moved and any(
                    getattr(it, "source", None) in moved for it in page.items):
                out.append(i)
        return out


class SessionBuild:
    """A `Rebuilder` over `typeset.session.Session` (issue 13 part 4: the layout, the parsed
    articles, the flow and the drawn pages kept between builds): what `typeset watch` uses.

    What it needs of the session beyond `rebuild()` and its `RebuildResult` (ok, output,
    pages_changed, errors, timings): the laid-out issue of the last successful rebuild as
    `session.composition` (a `build.Composition`: its pages name the preview's pages and its
    issue and layout the files to watch). The PDF's bytes are read back from the output."""

    def __init__(self, manifest: str | os.PathLike, *, output: str | os.PathLike | None = None,
                 layout: str | None = None, debug: bool = False):
        from typeset.build import check_pdf_name
        from typeset.fsutil import check_output
        from typeset.session import Session

        self.manifest = Path(manifest)
        self.session = Session(self.manifest, output=output, layout=layout)
        # a bad output path cannot be mended by editing the sources: refused at the start
        self.output = check_output(self.session.output, create_parent=output is None)
        check_pdf_name(self.output)
        self.debug = debug or os.environ.get("TYPESET_DEBUG", "") not in ("", "0")
        self._inputs: list[tuple[str, str]] = [("manifest", os.path.abspath(self.manifest))]

    def inputs(self) -> list[tuple[str, str]]:
        return list(self._inputs)

    def close(self) -> None:
        self.session.close()

    def rebuild(self) -> Outcome:
        from typeset.build import inputs_of, metadata
        from typeset.proof import page_names

        try:
            res = self.session.rebuild()
        except (KeyboardInterrupt, SystemExit):
            raise
        except MemoryError:
            return Outcome(False, problem=Problem("out of memory"))
        except Exception as err:             # noqa: BLE001 — a bug: shown, watching goes on
            if self.debug:
                import traceback
                traceback.print_exc()
            return Outcome(False, problem=Problem.from_bug(err))
        if not res.ok:
            problem = Problem.from_text(res.errors[0]) if res.errors else Problem(
                "the build failed")
            if self.session.loaded is not None:      # the issue loaded: watch all it reads
                self._inputs = inputs_of(self.session.loaded, self.session.library)
            if problem.file and os.path.isfile(problem.file):
                path = os.path.abspath(problem.file)
                if all(p != path for _, p in self._inputs):
                    self._inputs.append(("source", path))
            for missing in res.missing:          # watched until it appears, wherever it is
                if all(p != str(missing) for _, p in self._inputs):
                    self._inputs.append(("missing", str(missing)))
            return Outcome(False, problem=problem, timings=dict(res.timings))
        comp = self.session.composition
        self._inputs = list(self.session.inputs)
        t = time.perf_counter()
        pages = comp.pages
        changed = list(res.pages_changed)
        if len(self.session.outputs) == 1:
            pdf = Path(res.output).read_bytes()          # every page, in reading order
        else:
            # covers on separate stock: the text file lacks them; the preview shows the
            # issue in reading order, drawn for it (its pages all said to have changed)
            from typeset.build import render
            pdf = render(comp, "print", part="all")
            changed = None
        timings = dict(res.timings, read_back=time.perf_counter() - t)
        info = [PageInfo(n, p.kind, p.label) for n, p in zip(page_names(pages), pages)]
        return Outcome(True, pdf, info, changed, list(self.session.outputs),
                       title=metadata(comp).title, timings=timings,
                       summary=f"{len(pages)} pages")
