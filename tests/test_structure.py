"""The house shows its structure: which module may import what, and what each command loads.

Static rules read every `import` in typeset/ (module level or inside functions); the import
tests run the real commands under `python -X importtime` and read what was loaded."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "typeset"
SAMPLE = "issues/sample/issue.yaml"


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in the file (absolute names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


MODULES = {module_name(p): imports_of(p) for p in PKG.rglob("*.py")}


def importers(prefix: str) -> set[str]:
    """Modules of typeset that import `prefix` or anything under it."""
    return {m for m, imps in MODULES.items()
            if any(i == prefix or i.startswith(prefix + ".") for i in imps)}


def test_text_has_no_import_loop():
    items, linebreak = MODULES["typeset.text.items"], MODULES["typeset.text.linebreak"]
    assert not any(i.startswith("typeset.text.linebreak") for i in items)
    assert not any(i.startswith("typeset.text.items") for i in linebreak)


def test_stages_import_downwards_only():
    """model and text know nothing of layout or render; layout knows nothing of render."""
    for m, imps in MODULES.items():
        if m.startswith(("typeset.model", "typeset.text")):
            assert not any(i.startswith(("typeset.layout", "typeset.render")) for i in imps), m
        if m.startswith("typeset.layout"):
            assert not any(i.startswith("typeset.render") for i in imps), m


def test_the_pipeline_flows_one_way():
    """build.py dispatches a large issue to stream.py; both write through output.py, which
    imports neither (the build <-> stream cycle of wave 8 gone, issue 13 part 6)."""
    def ours(m: str) -> set[str]:
        return {i for i in MODULES[m] if i.startswith("typeset.")}
    assert "typeset.stream" in ours("typeset.build")
    assert not any(i.startswith(("typeset.build", "typeset.stream")) for i in ours("typeset.stream")
                   if i != "typeset.stream")
    assert not any(i.startswith(("typeset.build", "typeset.stream"))
                   for i in ours("typeset.output"))
    assert "typeset.output" in ours("typeset.stream") and "typeset.output" in ours("typeset.build")


def test_archive_does_not_import_render():
    archive = [m for m in MODULES if m.startswith("typeset.archive.")]
    assert len(archive) > 1
    for m in archive:
        assert not any(i.startswith("typeset.render") for i in MODULES[m]), m


def test_each_library_has_its_rooms():
    assert importers("reportlab") == {"typeset.render.rl.fonts", "typeset.render.rl.objects",
                                      "typeset.render.rl.save", "typeset.render.rl.document"}
    # the adapter (render/rl/) is imported by the writer (writer.py and its parts: the glyph
    # check, the page keys) and, for fonts, render/aside.py
    assert {m for m in importers("typeset.render.rl") if not m.startswith("typeset.render.rl.")} \
        == {"typeset.render.writer", "typeset.render.glyphcheck", "typeset.render.pagekeys",
            "typeset.render.aside"}
    preflight = {"typeset.render.preflight.__init__", "typeset.render.preflight.document",
                 "typeset.render.preflight.pages", "typeset.render.preflight.content",
                 "typeset.render.preflight.graph"}
    assert importers("pypdf") == {"typeset.render.pdfscan", "typeset.render.pdfimport",
                                  *preflight}
    # other PDFs' pages (covers, inserts): read by pdfimport, which a build imports only
    # for an issue that places PDF pages (output.placed_pdfs) and the writer only to draw them
    assert importers("typeset.render.pdfimport") == {"typeset.output", "typeset.render.writer"}
    assert importers("typeset.render.pdfscan") == {"typeset.render.pdfimport", *preflight}
    assert importers("fontTools") <= {"typeset.text.fontread", "typeset.render.fontprogram",
                                      "typeset.render.cffsubset"}
    assert importers("typeset.render.preflight") - preflight == {"typeset.cli.issue"}  # no build
    # Pillow: reading a picture's header (model/picture.py) and the picture pipeline's
    # decoding, colour management and total ink (render/pictures/convert.py, colour.py, ink.py)
    assert importers("PIL") == {"typeset.model.picture", "typeset.render.pictures.convert",
                                "typeset.render.pictures.colour", "typeset.render.pictures.ink",
                                "typeset.render.pictures.cache",     # versions (C modules)
                                "typeset.proof", "typeset.contact"}       # PNG pages, sheet
    assert importers("pypdfium2") == {"typeset.proof"}               # typeset proof only
    assert importers("watchdog") == {"typeset.watch.files"}          # typeset watch only
    assert importers("http.server") == {"typeset.watch.server"}


#: modules of typeset longer than ROOM lines: one idea on purpose, or not yet split where a
#: seam shows (README, "Room sizes"); a module leaves the list when it is split
LONG_ROOMS = {
    "i18n/extract.py",                                    # one idea: the templates, by `ast`
    "text/parcache.py", "text/linebreak.py", "layout/makeup.py", "layout/compose.py",
    "importer/read.py", "render/pdfscan.py", "render/cffsubset.py",
    "importer/write.py", "batch.py", "layout/issue.py", "model/schema.py", "model/manifest.py",
}
ROOM = 520          # "~500 lines"


def test_each_room_holds_one_stage():
    """A module past ~500 lines is split where a seam shows (issue 13 part 6); the long ones
    are named, and the list names none that is not long."""
    sizes = {p.relative_to(PKG).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in PKG.rglob("*.py") if "_data" not in p.parts}
    assert {name for name, n in sizes.items() if n > ROOM} == LONG_ROOMS


# -- what each command loads ------------------------------------------------------------------

def loaded(args: list[str], cache: Path, *, whole: bool = False) -> set[str]:
    """The packages (`whole`: the modules) the command imported."""
    env = dict(os.environ, TYPESET_CACHE=str(cache), PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "typeset", *args], cwd=ROOT,
                       env=env, capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    return {m.group(1) if whole else m.group(1).split(".")[0]
            for m in re.finditer(r"^import time:.*\|\s*(\S+)$", r.stderr, re.M)}


HEAVY = {"reportlab", "fontTools", "pypdf", "PIL", "pypdfium2"}


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("warm")
    out = cache / "x.pdf"
    cold = loaded(["build", SAMPLE, "-o", str(out)], cache)
    assert "fontTools" in cold          # a cold build subsets: the test below can fail
    return cache


def test_help_loads_no_library():
    mods = loaded(["--help"], ROOT / "nonexistent-cache")
    assert not mods & (HEAVY | {"yaml", "markdown_it"})


@pytest.mark.parametrize("command", ["check", "dump", "stats"])
def test_check_and_dump_load_no_pdf_or_font_library(command, warm_cache):
    whole = loaded([command, SAMPLE], warm_cache, whole=True)
    mods = {m.split(".")[0] for m in whole}
    # nothing heavy, and no word segmenter when warm; of Pillow only its version (the
    # sample's picture headers come from the cache: model/picture.py); no YAML or Markdown
    # parser (the manifest, the layout and the articles come parsed from the cache:
    # model/doccache.py, model/artcache.py)
    assert "typeset.model.yamlsrc" in whole
    assert not mods & ((HEAVY - {"PIL"}) | {"rjieba", "yaml", "markdown_it"})
    assert {m for m in whole if m.startswith("PIL.")} <= {"PIL._version"}


def test_warm_build_loads_reportlab_only(warm_cache):
    mods = loaded(["build", SAMPLE, "-o", str(warm_cache / "y.pdf")], warm_cache, whole=True)
    # the sample's finished file was kept by the build before (render/finished.py): taken
    # whole, nothing drawn, no ReportLab
    assert "typeset.render.finished" in mods
    assert not {m for m in mods if m.startswith("reportlab")}
    shutil.rmtree(warm_cache / "finished")
    mods = loaded(["build", SAMPLE, "-o", str(warm_cache / "y.pdf")], warm_cache)
    assert "reportlab" in mods                           # drawn: ReportLab
    # the word segmenter's answers for the sample's wrapping headings come from the cache
    assert not mods & {"fontTools", "pypdf", "pypdfium2", "rjieba"}


@pytest.mark.parametrize("command", ["build", "check", "dump"])
def test_a_warm_command_imports_no_module_it_does_not_use(command, warm_cache):
    """Modules a build of the sample never calls stay unimported (issue 13 part 3): near-name
    suggestions (difflib: only for a misspelt key or file), placed PDF pages (model.pdfpage,
    render.pdfimport: only for an issue that places PDF pages)."""
    args = [command, SAMPLE] + (["-o", str(warm_cache / "z.pdf")] if command == "build" else [])
    mods = loaded(args, warm_cache, whole=True)
    assert "typeset.model.yamlsrc" in mods and "typeset.model.article" in mods  # it did load
    # the articles come parsed from the cache (model/artcache.py): no Markdown parser
    assert not {m for m in mods if m.startswith(("markdown_it", "mdit_py_plugins", "mdurl"))}
    # nor ours: the parsed body's records (model/body.py) without the parser (model/markdown.py
    # and its parts)
    assert "typeset.model.body" in mods
    assert not mods & {"typeset.model.markdown", "typeset.model.mdparser",
                       "typeset.model.mdruns", "typeset.model.mdfigures"}
    # the YAML documents too (model/doccache.py): no YAML parser, ours (model/yamlparse.py)
    # or PyYAML
    assert not mods & {"typeset.model.yamlparse", "yaml"}
    assert not mods & {"difflib", "typeset.model.pdfpage", "typeset.render.pdfimport"}
    # pictures: their headers and prepared streams come from the cache; no Pillow plugin
    # (they load when a picture is opened), no colour management (ReportLab itself
    # imports PIL.Image)
    assert not mods & {"PIL.JpegImagePlugin", "PIL.PngImagePlugin", "PIL.ImageCms",
                       "typeset.render.pictures.colour", "typeset.render.pictures.convert"}
    # font subsets come from the cache: the subsetters are not loaded
    assert not mods & {"typeset.render.ttfsubset", "typeset.render.cffsubset"}
    assert "uuid" not in mods           # (the metadata's UUID is written out by render/rl/save.py)
    if command != "build":                       # (ReportLab imports platform)
        assert not mods & {"platform", "reportlab", "typeset.render.writer"}


def test_segmenter_loads_only_for_a_wrapping_heading(tmp_path):
    """A cold build of the sample (whose titles wrap) loads rjieba; an issue whose headings
    all fit on one line never does, cold or warm."""
    assert "rjieba" in loaded(["check", SAMPLE], tmp_path / "cold")
    (tmp_path / "a.md").write_text("---\ntitle: 短标题\n---\n\n## 一、短小标\n\n正文。\n",
                                   encoding="utf-8")
    (tmp_path / "issue.yaml").write_text(
        "layout: guangxi\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
        "    articles: [a.md]\n", encoding="utf-8")
    assert "rjieba" not in loaded(["check", str(tmp_path / "issue.yaml")], tmp_path / "c2")


def test_proof_loads_pdfium_not_pypdf(warm_cache):
    mods = loaded(["proof", SAMPLE, "--to", str(warm_cache / "proof"), "--pages", "1"],
                  warm_cache)
    assert {"pypdfium2", "PIL", "reportlab"} <= mods
    assert not mods & {"pypdf", "fontTools"}


def test_check_pdf_loads_pypdf_not_reportlab(warm_cache):
    mods = loaded(["check", "--pdf", str(warm_cache / "x.pdf")], warm_cache)
    assert "pypdf" in mods and "reportlab" not in mods     # (pypdf itself loads fontTools)


def test_dask_lives_in_batch_only():
    assert importers("dask") | importers("distributed") == {"typeset.batch"}
    assert not any(i.startswith("typeset.render") for i in MODULES["typeset.provenance"])
    assert not any(i.startswith("typeset.render") for i in MODULES["typeset.bag"])


def test_a_batch_without_a_scheduler_loads_no_dask(warm_cache, tmp_path):
    mods = loaded(["batch", SAMPLE, "--out", str(tmp_path), "--jobs", "1"], warm_cache)
    assert "reportlab" in mods                     # it did build
    assert not mods & {"dask", "distributed", "fontTools", "pypdf"}
    assert not loaded(["batch", "--help"], warm_cache) & (HEAVY | {"dask", "distributed"})
