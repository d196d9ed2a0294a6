"""`typeset archive --rebuild STORED.pdf`: build a stored file again from its stored sources
and say whether the bytes are identical.

The stored file's catalogue entry (current file or revision) names its sources bag and its
provenance. The bag is checked first (typeset.bag.verify_bag: complete, every file with its
SHA-256, holding every input the provenance lists), copied into a temporary folder, and
built from there exactly as it was built: the same variant, the layout stored in the bag and
the fonts stored in the bag (never the installed ones: an archivist rebuilding years later
has the bag, not the machine). The temporary folder is removed afterwards.

"identical" when the new bytes have the catalogued SHA-256; else "differs", with what
differs between the software that stored the file (its provenance) and the software running
now: typeset's version and code, Python, each library.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from typeset.records import dataclass, field
from pathlib import Path

from typeset.errors import TypesetError


@dataclass
class RebuildReport:
    stored: Path
    identical: bool
    sha256: str                      # catalogued
    rebuilt_sha256: str
    differences: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.identical:
            return [f"{self.stored}: identical (rebuilt from its stored sources: the same "
                    f"{self.sha256[:16]}…)"]
        out = [f"{self.stored}: differs (stored sha256 {self.sha256[:16]}…, rebuilt "
               f"{self.rebuilt_sha256[:16]}…)"]
        out += [f"  {d}" for d in self.differences] or [
            "  the software and every input are those recorded; the difference is in typeset "
            "or a library it uses that the record does not capture"]
        return out


def _find(stored: Path):
    """(archive folder, catalogue entry, the stored file's record) for a file in an archive."""
    from typeset.archive.catalogue import read_catalogue
    from typeset.archive.folder import CATALOGUE
    stored = Path(stored)
    if not stored.is_file():
        raise TypesetError("no such stored file", file=stored,
                           hint="give a PDF inside an archive folder (typeset archive --to)")
    real = stored.resolve()
    for root in list(real.parents)[:4]:
        if (root / CATALOGUE).is_file():
            rel = real.relative_to(root).as_posix()
            for e in read_catalogue(root):
                for r in e.stored():
                    if r.file == rel:
                        return root, e, r
            raise TypesetError(f"{rel} is not in the archive's catalogue", file=stored,
                               hint=f"the catalogue is {root / CATALOGUE}")
    raise TypesetError("this file is not inside an archive folder (no catalogue.json above it)",
                       file=stored, hint="give a PDF stored by typeset archive")


def rebuild(stored: Path) -> RebuildReport:
    from typeset.archive.folder import confined
    from typeset.bag import verify_bag

    root, entry, rec = _find(stored)
    if rec.sources is None or rec.provenance is None:
        raise TypesetError("this file was stored without its sources, so it cannot be rebuilt "
                           "from the archive", file=stored,
                           hint="store issues with `typeset archive … --sources` (or `typeset "
                                "batch --archive DIR --sources`)")
    prov = rec.provenance
    bag = confined(root, rec.sources)
    problems = verify_bag(bag, expected={i["name"]: i["sha256"] for i in prov["inputs"]})
    if problems:
        raise TypesetError(f"the stored sources are damaged: {problems[0]}"
                           + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                           file=bag, hint="run `typeset archive --verify` on the archive")
    with tempfile.TemporaryDirectory(prefix="typeset-rebuild-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(bag / "data", data, copy_function=_link_or_copy)
        pdf = _build(data, prov)
    sha = hashlib.sha256(pdf).hexdigest()
    report = RebuildReport(Path(stored), sha == rec.sha256, rec.sha256, sha)
    if not report.identical:
        report.differences = differences(prov)
    return report


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _build(data: Path, prov: dict) -> bytes:
    from typeset.build import compose, render
    from typeset.provenance import font_ref, split_font_ref
    from typeset.text.fonts import FontLibrary

    inputs = prov["inputs"]
    (manifest,) = [data / i["name"] for i in inputs if i["role"] == "manifest"]
    (layout,) = [data / i["name"] for i in inputs if i["role"] == "layout"]
    fonts: dict[str, str] = {}
    for i in inputs:
        if i["role"] == "font":
            _, index = split_font_ref(i.get("ref", ""))
            path = str(data / i["name"]) + ("" if index is None else f"#{index}")
            fonts[font_ref(i.get("ref", ""), str(layout))] = path

    stored = set(fonts.values())

    class BagFonts(FontLibrary):
        """The fonts stored in the bag, found by the names the layout writes; no other."""

        def resolve(self, name_or_path):
            key = str(name_or_path)
            if key in stored:                    # a face already found (the page writer)
                return super().resolve(key)
            if key not in fonts:
                raise TypesetError(f"the layout names a font the stored sources do not hold: "
                                   f"{key}", file=str(layout))
            return super().resolve(fonts[key])

    comp = compose(manifest, layout_override=str(layout), library=BagFonts(search_dirs=()),
                   use_cache=True)
    return render(comp, prov["variant"], prov["pdfx"] or "x4")


def differences(prov: dict) -> list[str]:
    """What differs between the software recorded in `prov` and the software running now."""
    from typeset.provenance import software
    now = software()
    out = []
    if prov["typeset"]["version"] != now["typeset"]["version"]:
        out.append(f"typeset version: stored by {prov['typeset']['version']}, now "
                   f"{now['typeset']['version']}")
    if prov["typeset"]["code"] != now["typeset"]["code"]:
        out.append(f"typeset code: stored by code {prov['typeset']['code'][:12]}…, now "
                   f"{now['typeset']['code'][:12]}…")
    if prov["python"] != now["python"]:
        out.append(f"Python: stored with {prov['python']}, now {now['python']}")
    libs = dict(now["libraries"])
    if "pypdf" in prov["libraries"]:          # recorded for issues that place PDF pages
        from importlib import metadata
        libs["pypdf"] = metadata.version("pypdf")
    for name in sorted(set(prov["libraries"]) | set(libs)):
        a, b = prov["libraries"].get(name), libs.get(name)
        if a != b:
            out.append(f"{name}: stored with {a}, now {b}")
    return out
