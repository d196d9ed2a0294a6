"""typeset.specimen and the `typeset specimen` command."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import pdfinspect as pi
from typeset.specimen import SIZES, build_specimen
from typeset.text.fonts import FONTS_DIR, FontLibrary

MANIFEST = yaml.safe_load((FONTS_DIR / "manifest.yaml").read_text(encoding="utf-8"))
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def specimen(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("specimen")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TYPESET_CACHE", str(tmp / "cache"))
        out = tmp / "specimen.pdf"
        n = build_specimen(out)
    return n, out


def test_one_page_per_shipped_face(specimen):
    n, out = specimen
    assert n == len(MANIFEST["fonts"]) == len(pi.reader(out).pages)
    families = {f.base_font.split("+", 1)[1].replace("-Identity-H", "") for f in pi.fonts(out)}
    assert families == {f["postscript_name"] for f in MANIFEST["fonts"]}
    assert all(f.program and f.tounicode for f in pi.fonts(out))


def test_each_page_shows_its_face_at_every_size(specimen):
    _, out = specimen
    lib = FontLibrary()
    for i, entry in enumerate(MANIFEST["fonts"]):
        runs = pi.drawn_text(out, i)
        assert {r.font for r in runs} == {runs[0].font}        # one face per page
        sizes = {r.size for r in runs}
        assert {s for _, s in SIZES} <= sizes
        text = "".join(r.text for r in runs)
        face = lib.face(entry["file"])
        assert f"{face.family} {face.style}" in text
        for ch in "雲𠮷":
            assert (ch in text) == face.has(ch)
        assert any(c.isascii() and c.isalpha() for c in text) and any(c.isdigit() for c in text)
        assert "，" in text and "。" in text


def test_specimen_text_extracts_and_renders(specimen):
    _, out = specimen
    texts = pi.page_texts_pdfium(out)
    assert all("雲" in t for t in texts)
    images = pi.render(out, scale=0.3)
    assert all(pi.ink(im) > 1000 for im in images)


def test_cli_writes_the_specimen(tmp_path):
    out = tmp_path / "s.pdf"
    r = subprocess.run([sys.executable, "-m", "typeset", "specimen", "-o", str(out)],
                       cwd=REPO, capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "TYPESET_CACHE": str(tmp_path / "cache"),
                            "HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert f"{len(MANIFEST['fonts'])} pages" in r.stdout
    assert out.read_bytes().startswith(b"%PDF-")
