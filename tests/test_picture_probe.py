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
