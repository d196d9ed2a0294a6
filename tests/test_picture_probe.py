"""Pictures read from their headers (typeset.model.picture): what is accepted, what is refused
and where the message points."""
from __future__ import annotations

import zlib

import pytest
from PIL import Image

from typeset.errors import TypesetError
from typeset.model.picture import probe


def test_probe_reads_size_mode_and_profile(tmp_path):
    path = tmp_path / "a.jpg"
    Image.new("RGB", (400, 300), (200, 100, 50)).save(path, icc_profile=b"")
    info = probe(path)
    assert (info.format, info.width_px, info.height_px, info.mode) == ("JPEG", 400, 300, "RGB")
    assert info.aspect == pytest.approx(0.75)
    assert info.ppi(72.0) == pytest.approx(400.0)       # 400 px over one inch


@pytest.mark.parametrize("make, words", [
    (lambda p: Image.new("CMYK", (40, 30)).save(p.with_suffix(".tif")), "CMYK without"),
    (lambda p: p.with_suffix(".png").write_bytes(b"\x89PNG\r\n\x1a\nbroken"), "not a JPEG, PNG"),
    (lambda p: Image.new("RGB", (4, 3)).save(p.with_suffix(".gif")), "GIF"),
    (lambda p: None, "not found"),
])
def test_probe_refuses_with_the_place_that_named_it(tmp_path, make, words):
    make(tmp_path / "pic")
    candidates = sorted(tmp_path.glob("pic.*")) or [tmp_path / "pic.jpg"]
    with pytest.raises(TypesetError) as e:
        probe(candidates[0], file="articles/01.md", line=7, column=1)
    assert words in e.value.message
    assert (e.value.file, e.value.line) == ("articles/01.md", 7)


def test_probe_refuses_absurdly_large_pictures_without_decoding(tmp_path):
    path = tmp_path / "huge.png"
    # a PNG header claiming 20000 x 20000 pixels (400 MP); the pixel data is never read
    Image.new("L", (1, 1)).save(path)
    data = bytearray(path.read_bytes())
    data[16:24] = (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")     # IHDR's CRC
    path.write_bytes(bytes(data))
    with pytest.raises(TypesetError, match="megapixels"):
        probe(path, file="a.md", line=1)


# -- what Pillow read, kept by content (a warm build imports no Pillow to read headers) ------

def _headers(cache):
    return sorted((cache / "headers").rglob("*.json"))


def test_a_header_read_once_is_kept_by_content(tmp_path, monkeypatch):
    import typeset.model.picture as P

    cache = tmp_path / "cache"
    monkeypatch.setenv("TYPESET_CACHE", str(cache))
    Image.new("RGB", (40, 30), (200, 100, 50)).save(tmp_path / "a.jpg", icc_profile=b"x" * 200)
    first = probe(tmp_path / "a.jpg")
    assert len(_headers(cache)) == 1
    # the same bytes under another name (not the in-process memo): read from the cache,
    # Pillow not asked
    (tmp_path / "b.jpg").write_bytes((tmp_path / "a.jpg").read_bytes())
    monkeypatch.setattr(P, "_pillow_header", lambda *a: pytest.fail("Pillow asked again"))
    again = probe(tmp_path / "b.jpg")
    assert again == P.replace(first, path=str(tmp_path / "b.jpg"))
    assert (again.format, again.width_px, again.height_px, again.mode, again.icc) == \
        ("JPEG", 40, 30, "RGB", True)


def test_a_turned_picture_is_seen_turned_from_the_cache(tmp_path, monkeypatch):
    import typeset.model.picture as P

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    exif = Image.Exif()
    exif[0x0112] = 6                                   # turned a quarter: seen 30 × 40
    Image.new("RGB", (40, 30)).save(tmp_path / "a.jpg", exif=exif.tobytes())
    assert (probe(tmp_path / "a.jpg").width_px, probe(tmp_path / "a.jpg").height_px) == (30, 40)
    (tmp_path / "b.jpg").write_bytes((tmp_path / "a.jpg").read_bytes())
    monkeypatch.setattr(P, "_pillow_header", lambda *a: pytest.fail("Pillow asked again"))
    info = probe(tmp_path / "b.jpg")
    assert (info.width_px, info.height_px, info.orientation) == (30, 40, 6)


@pytest.mark.parametrize("damage", [
    lambda d: d.replace(b'"width": 40', b'"width": "40"'),
    lambda d: d.replace(b'"width": 40', b'"width": 0'),
    lambda d: d.replace(b'"format": "JPEG"', b'"format": "GIF"'),
    lambda d: d.replace(b'"orientation": 1', b'"orientation": 9'),
    lambda d: d.replace(b'"icc": false', b'"icc": 0'),
    lambda d: d[:-5],
    lambda d: d.replace(b'"sha256": "', b'"sha256": "0'),
    lambda d: d.replace(b', "width"', b', "extra": 1, "width"'),
])
def test_a_damaged_or_planted_header_is_read_again(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    Image.new("RGB", (40, 30)).save(tmp_path / "a.jpg")
    first = probe(tmp_path / "a.jpg")
    (entry,) = _headers(tmp_path / "cache")
    entry.write_bytes(damage(entry.read_bytes()))
    (tmp_path / "b.jpg").write_bytes((tmp_path / "a.jpg").read_bytes())
    again = probe(tmp_path / "b.jpg")
    assert (again.width_px, again.height_px, again.format) == (first.width_px, 30, "JPEG")
    assert b'"width": 40' in entry.read_bytes()          # written again, whole


def test_a_planted_header_still_meets_every_check(tmp_path, monkeypatch):
    """An entry saying CMYK without a profile (which Pillow's reading would refuse) is
    refused all the same: the checks run on what the cache says. (Planted without the seal
    of the user's cache key it is not read at all, and the picture's own profile counts.)"""
    import json

    from typeset.model import picture

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    Image.new("CMYK", (40, 30)).save(tmp_path / "a.jpg", icc_profile=b"p" * 200)
    probe(tmp_path / "a.jpg")
    (entry,) = _headers(tmp_path / "cache")
    original = entry.read_bytes()
    entry.write_bytes(original.replace(b'"icc": true', b'"icc": false'))
    (tmp_path / "b.jpg").write_bytes((tmp_path / "a.jpg").read_bytes())
    assert probe(tmp_path / "b.jpg").icc                      # unsealed: not read
    doc = json.loads(original)
    doc["icc"] = False
    doc["seal"] = picture._seal(doc["sha256"], tuple(doc[k] for k in (
        "format", "width", "height", "mode", "icc", "orientation")))
    entry.write_text(json.dumps(doc))
    (tmp_path / "c.jpg").write_bytes((tmp_path / "a.jpg").read_bytes())
    with pytest.raises(TypesetError, match="CMYK without"):
        probe(tmp_path / "c.jpg", file="a.md", line=3)


def test_a_refused_picture_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    Image.new("RGB", (4, 3)).save(tmp_path / "a.gif")
    with pytest.raises(TypesetError, match="GIF"):
        probe(tmp_path / "a.gif")
    assert _headers(tmp_path / "cache") == []


def test_another_pillow_reads_the_header_again(tmp_path, monkeypatch):
    import typeset.model.picture as P

    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    Image.new("RGB", (40, 30)).save(tmp_path / "a.jpg")
    probe(tmp_path / "a.jpg")
    monkeypatch.setattr(P, "_header_code", "another Pillow")
    (tmp_path / "b.jpg").write_bytes((tmp_path / "a.jpg").read_bytes())
    probe(tmp_path / "b.jpg")
    assert len(_headers(tmp_path / "cache")) == 2


@pytest.mark.parametrize("how", ["whole", "a stretch at a time"])
def test_a_picture_saved_during_a_build_is_not_printed_in_its_predecessors_box(
        tmp_path, monkeypatch, capsys, how):
    """The pages are laid out with the size of the bytes a build first read; a picture saved
    over after that (here: before the picture report and the renderer, or while the
    stretches are set) was read again by its new stat and converted into the old box —
    another picture, cropped, exit 0 (adversarial round 9). Now: stopped at the picture,
    nothing written."""
    import shutil

    from tests.conftest import SAMPLE
    from typeset import stream
    from typeset.cli import main
    from typeset.layout import issue as I
    shutil.copytree(SAMPLE.parent, tmp_path / "issue")
    man = tmp_path / "issue" / "issue.yaml"
    images = tmp_path / "issue" / "images"
    monkeypatch.setenv("TYPESET_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(stream, "STREAM_CACHE_BYTES", 0)
    monkeypatch.setattr(stream, "STREAM_STRETCHES", 1 if how != "whole" else 10 ** 9)

    def save_over():
        shutil.copy(images / "cover.jpg", images / "new.jpg")
        (images / "new.jpg").replace(images / "chaye.jpg")
    if how == "whole":
        from typeset import report
        real = report.picture_report
        monkeypatch.setattr(report, "picture_report",
                            lambda *a, **k: save_over() or real(*a, **k))
    else:
        real_set, calls = I.Stretches.set, [0]

        def set_(self, k):
            calls[0] += 1
            if calls[0] == 3:
                save_over()
            return real_set(self, k)
        monkeypatch.setattr(I.Stretches, "set", set_)
    out = tmp_path / "out.pdf"
    code = main(["build", str(man), "-o", str(out)])
    said = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "chaye.jpg changed while typeset was reading it" in said and "Traceback" not in said
