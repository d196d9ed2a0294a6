"""Damaged fonts through whole builds and the direct subsetters (an adversarial test of issue
13's font readers; these two were found, and fixed).

Each test copies the sample issue, points a copied layout at a damaged copy of a shipped font
(as tests/test_incremental.py does) and runs `typeset build` with an empty cache. The rule:
bad input -> `file: message` + hint, exit 1, no traceback, no output; never a wrong glyph
silently."""
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def _tables(d):
    n = struct.unpack(">H", d[4:6])[0]
    out = {}
    for i in range(n):
        e = 12 + 16 * i
        out[d[e:e + 4].decode()] = struct.unpack(">II", d[e + 8:e + 16])
    return out


def _build(tmp_path, font, damaged: bytes, family_line: str, replacement: str):
    issue = tmp_path / "issue"
    shutil.copytree(ROOT / "issues" / "sample", issue)
    ext = Path(font).suffix
    (issue / f"bad{ext}").write_bytes(damaged)
    layout = (ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
    assert family_line in layout
    (issue / "house.yaml").write_text(layout.replace(family_line, replacement), encoding="utf-8")
    m = issue / "issue.yaml"
    m.write_text(m.read_text(encoding="utf-8").replace("layout: guangxi", "layout: house.yaml"),
                 encoding="utf-8")
    out = tmp_path / "out.pdf"
    env = dict(os.environ, TYPESET_CACHE=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-m", "typeset", "build", str(m), "-o", str(out)],
                       capture_output=True, text=True, env=env, timeout=600)
    return r, out, issue / f"bad{ext}"



def test_a_cff_font_with_zeroed_hmtx_is_a_located_error_not_an_internal_one(tmp_path):
    d = bytearray((ROOT / "fonts" / "NotoSerifCJKsc-Regular.otf").read_bytes())
    off, ln = _tables(d)["hmtx"]
    d[off:off + ln] = bytes(ln)
    r, out, bad = _build(tmp_path, "x.otf", bytes(d), "song: [NotoSerifCJKsc-Regular.otf]",
                         "song: [./bad.otf]")
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert str(bad) in r.stderr and "advance width of zero" in r.stderr
    assert not out.exists()


def _tt_glyph(d, gid):
    t = _tables(d)
    head = t["head"][0]
    fmt = struct.unpack(">h", d[head + 50:head + 52])[0]
    lo = t["loca"][0]
    if fmt == 0:
        a, b = (struct.unpack(">H", d[lo + 2 * gid + 2 * k:lo + 2 * gid + 2 * k + 2])[0] * 2
                for k in (0, 1))
    else:
        a, b = (struct.unpack(">I", d[lo + 4 * gid + 4 * k:lo + 4 * gid + 4 * k + 4])[0]
                for k in (0, 1))
    return t["glyf"][0] + a, b - a


def test_a_truetype_composite_glyph_pointing_at_itself_is_refused(tmp_path):
    from fontTools.ttLib import TTFont
    path = ROOT / "fonts" / "LXGWWenKai-Regular.ttf"
    f = TTFont(path, lazy=True)
    gid = f.getGlyphID(f.getBestCmap()[ord("的")])     # in every article of the sample
    d = bytearray(path.read_bytes())
    at, n = _tt_glyph(d, gid)
    body = struct.pack(">hhhhh", -1, 0, 0, 1000, 1000) + struct.pack(">HHbb", 0, gid, 0, 0)
    d[at:at + len(body)] = body
    r, out, bad = _build(tmp_path, "x.ttf", bytes(d), "kai: [LXGWWenKai-Regular.ttf",
                         "kai: [./bad.ttf")
    assert r.returncode == 1, "built a PDF with a self-referencing composite glyph"
    assert str(bad) in r.stderr and "Traceback" not in r.stderr
    assert f"glyph {gid} of the font is a composite whose components lead back" in r.stderr
    assert not out.exists()


def test_a_cff_charstring_with_a_reserved_operator_is_refused(tmp_path):
    """A charstring zeroed in place (its first byte, 0, is a reserved operator: TN 5177
    Appendix A) was subset by fontTools after the direct subsetter declined it, and 的 printed
    as whatever a viewer made of it; now the damaged font is named, exit 1, no PDF."""
    from fontTools.ttLib import TTFont

    from typeset.text.cff import CFF, reader_of

    path = ROOT / "fonts" / "NotoSerifCJKsc-Regular.otf"
    f = TTFont(path, lazy=True)
    gid = f.getGlyphID(f.getBestCmap()[ord("的")])     # in every article of the sample
    d = bytearray(path.read_bytes())
    table_at, table_len = _tables(d)["CFF "]
    index = CFF(reader_of(bytes(d[table_at:table_at + table_len]))).charstrings
    start, end = index._offset(gid), index._offset(gid + 1)
    at = table_at + index._base + start
    d[at:at + (end - start)] = bytes(end - start)
    r, out, bad = _build(tmp_path, "x.otf", bytes(d), "song: [NotoSerifCJKsc-Regular.otf]",
                         "song: [./bad.otf]")
    assert r.returncode == 1, r.stderr
    assert str(bad) in r.stderr and "Traceback" not in r.stderr
    assert f"glyph {gid}'s outline holds the reserved operator 0" in r.stderr
    assert not out.exists()
