"""Faults, table-driven (tests/data/faults.yaml): output paths, fonts, the archive's catalogue
and options, caches and the command line itself. Every case runs the real command line
(`typeset.cli.main`) in-process and checks the exit status, the words of the message, that no
traceback is printed (unless --debug), that an earlier output is unchanged and no temporary
file is left, and for caches that the PDF is byte for byte the one a clean build gives."""
from __future__ import annotations

import errno
import json
import os
import pickle
import random
import shutil
from pathlib import Path

import pytest
import yaml

from typeset import __version__, fsutil, tempfiles
from typeset.cli import main

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "model" / "issue"
ROOT = Path(__file__).resolve().parents[1]
CASES = yaml.safe_load((DATA / "faults.yaml").read_text(encoding="utf-8"))
EARLIER = b"%PDF-1.4 an earlier good build\n"


def test_the_table_is_large_enough_and_ids_are_unique():
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 25 and len(set(ids)) == len(ids)


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    """A cache warmed by one clean build of the fixture, and that build's PDF."""
    return make_warm_cache(tmp_path_factory)


def make_warm_cache(tmp_path_factory):
    """`warm_cache`'s work (test_i18n's fixture of the same name does it too)."""
    cache = tmp_path_factory.mktemp("warm-cache")
    out = tmp_path_factory.mktemp("reference") / "reference.pdf"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TYPESET_CACHE", str(cache))
        assert main(["build", str(FIXTURE / "issue.yaml"), "-o", str(out)]) == 0
    return cache, out.read_bytes()


class Planted:
    """A pickle that, if anything ever unpickled it, would create a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _damaged_font(path: Path, kind: str) -> None:
    good = (ROOT / "fonts" / "NotoSerifCJKsc-Regular.otf").read_bytes()
    if kind == "truncated":
        data = good[: len(good) // 2]
    elif kind == "garbage":
        data = random.Random(1).randbytes(20_000)
    elif kind == "empty":
        data = b""
    else:                                   # scrambled: tables intact, outlines damaged
        b = bytearray(good)
        for i in range(200_000, len(b), 97):
            b[i] = (b[i] * 7 + 3) & 255
        data = bytes(b)
    path.write_bytes(data)


def _plant(cache: Path, kind: str, how: str, marker: Path) -> None:
    folders = (["faces", "paragraphs", "subsets", "pages", "deflated", "articles",
                "documents", "fontids"]
               if kind == "all"
               else [kind])
    files = [p for f in folders for p in (cache / f).rglob("*") if p.is_file()]
    assert files, f"nothing cached in {folders}"
    for p in files:
        data = p.read_bytes()
        if how == "truncated":
            p.write_bytes(data[: len(data) // 2])
        elif how == "garbage":
            p.write_bytes(random.Random(2).randbytes(len(data)))
        else:
            p.write_bytes(pickle.dumps({"lines": Planted(marker)}))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fault(case, tmp_path, monkeypatch, capsys, warm_cache):
    run_fault(case, tmp_path, monkeypatch, capsys, warm_cache)


def run_fault(case, tmp_path, monkeypatch, capsys, warm_cache, *, chinese: bool = False) -> str:
    """Run one case of the table and check it; returns what it printed. `chinese`: in a
    Chinese locale (tests/test_i18n.py): the words it `says` are then not looked for (they
    are English), everything else is checked the same."""
    cache, reference = warm_cache
    issue = tmp_path / "issue"
    arch = tmp_path / "arch"
    marker = tmp_path / "PLANTED-CODE-RAN"
    earlier: list[Path] = []
    case_cache = tmp_path / "cache"
    shutil.copytree(cache, case_cache)
    monkeypatch.setenv("TYPESET_CACHE", str(case_cache))
    setup = case.get("setup", [])
    if any("long_issue_dir" in s for s in setup):
        issue = tmp_path / ("期" * 84 + "xx")          # 254 bytes in UTF-8
    shutil.copytree(FIXTURE, issue)
    subs = {"issue": str(issue / "issue.yaml"), "tmp": str(tmp_path), "arch": str(arch),
            "long": "长" * 90, "version": __version__,
            "deep": "/".join(["a" * 200] * 30) + "/out.pdf"}      # longer than PATH_MAX

    for action in setup:
        (what, arg), = action.items()
        if what == "earlier":
            (tmp_path / arg).write_bytes(EARLIER)
            earlier.append(tmp_path / arg)
        elif what == "mkdir":
            (tmp_path / arg).mkdir(parents=True)
        elif what == "mkfifo":
            os.mkfifo(tmp_path / arg)
        elif what == "file":
            for name, text in arg.items():
                (tmp_path / name).write_text(text, encoding="utf-8")
        elif what == "symlink":
            for link, target in arg.items():
                (tmp_path / link).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / link).symlink_to(target)
        elif what == "font":
            font = issue / arg["name"]
            _damaged_font(font, arg["kind"])
            layout = (ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
            layout = layout.replace("song: [NotoSerifCJKsc-Regular.otf]", f"song: [{font}]")
            (issue / "house.yaml").write_text(layout, encoding="utf-8")
            manifest = (issue / "issue.yaml").read_text(encoding="utf-8")
            (issue / "issue.yaml").write_text(manifest.replace("layout: guangxi",
                                                               "layout: house.yaml"),
                                              encoding="utf-8")
        elif what == "separate_covers":      # covers on cover stock: two print files
            layout = (ROOT / "layouts" / "guangxi.yaml").read_text(encoding="utf-8")
            layout = layout.replace("  stock: self\n", "  stock: separate\n")
            (issue / "house.yaml").write_text(layout, encoding="utf-8")
            manifest = (issue / "issue.yaml").read_text(encoding="utf-8")
            (issue / "issue.yaml").write_text(
                manifest.replace("layout: guangxi", "layout: house.yaml") + "cover: {}\n",
                encoding="utf-8")
        elif what == "catalogue":
            arch.mkdir(exist_ok=True)
            text = "[" * 100_000 + "]" * 100_000 if arg == "nested" else arg
            (arch / "catalogue.json").write_text(text, encoding="utf-8")
        elif what == "note":
            arch.mkdir(exist_ok=True)
            (arch / ".pending.json").write_text(arg, encoding="utf-8")
        elif what == "store":
            assert main(["archive", subs["issue"], "--to", str(arch)]) == 0
        elif what == "tamper":
            (pdf,) = arch.rglob("*.pdf")
            os.chmod(pdf, 0o644)
            pdf.write_bytes(pdf.read_bytes() + b"% changed\n")
        elif what == "cache":
            _plant(case_cache, arg["kind"], arg["how"], marker)
        elif what == "cache_is_file":
            bogus = tmp_path / "cache-is-a-file"
            bogus.write_text("not a folder")
            monkeypatch.setenv("TYPESET_CACHE", str(bogus))
        elif what == "limit":
            import typeset.archive.catalogue
            monkeypatch.setattr(typeset.archive.catalogue, "CATALOGUE_LIMIT", arg)
        elif what == "chdir":
            monkeypatch.chdir(tmp_path)
        elif what == "long_issue_dir":
            pass
        elif what == "fault":
            _fault(monkeypatch, arg)
        else:
            raise AssertionError(f"unknown setup action {what!r}")
    snapshot = {p: p.read_bytes() for p in earlier}
    snapshot.update({tmp_path / name: (tmp_path / name).read_bytes()
                     for name in case.get("unchanged", [])})
    arch_before = ({p: p.read_bytes() for p in arch.rglob("*") if p.is_file()}
                   if arch.is_dir() else None)
    capsys.readouterr()

    argv = [a.format(**subs) for a in case["args"]]
    if chinese:
        monkeypatch.setenv("LANGUAGE", "zh_CN")
    try:
        code = main(argv)
    except SystemExit as e:                 # argparse: --version, usage errors
        code = e.code
    out = capsys.readouterr()
    text = out.err + out.out

    assert code == case["exit"], text
    for words in case.get("says", []) if not chinese else []:
        assert words.format(**subs) in text, f"{words!r} not in:\n{text}"
    for words in case.get("no", []):
        assert words not in text, text
    if "--debug" not in argv:
        assert "Traceback" not in text, text
    if case["exit"] == 3 and "--debug" not in argv:
        assert len(out.err.strip().splitlines()) == 1, out.err        # one line
    for p, data in snapshot.items():                    # the earlier output is unchanged
        assert p.read_bytes() == data, f"{p} was changed"
    leftovers = [p for p in tmp_path.rglob(f"{tempfiles.TEMP_PREFIX}*")]
    assert leftovers == [], leftovers
    if arch_before is not None and case["exit"] != 0 and "store" not in str(setup):
        after = {p: p.read_bytes() for p in arch.rglob("*") if p.is_file() and p.name != ".lock"}
        assert after == {p: d for p, d in arch_before.items() if p.name != ".lock"}
    for name in case.get("absent", []):
        assert not (tmp_path / name).exists(), f"{name} was created"
    if "same_pdf" in case:
        assert (tmp_path / case["same_pdf"]).read_bytes() == reference
    assert not marker.exists(), "a planted cache file ran code"
    return text


def _fault(monkeypatch, kind: str) -> None:
    if kind == "enospc":
        real = fsutil._write_fd

        def full(fd, data):
            real(fd, data[: len(data) // 3])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        monkeypatch.setattr(fsutil, "_write_fd", full)
    elif kind in ("eacces", "erofs"):
        code = errno.EACCES if kind == "eacces" else errno.EROFS

        def refused(*a, **k):
            raise OSError(code, os.strerror(code))
        monkeypatch.setattr(tempfiles.tempfile, "mkstemp", refused)
    elif kind == "bug":
        import typeset.build

        def buggy(*a, **k):
            raise ZeroDivisionError("planted bug")
        monkeypatch.setattr(typeset.build, "compose", buggy)
    else:
        raise AssertionError(kind)


def test_catalogue_json_is_what_the_archive_wrote(tmp_path):
    """The table's catalogue cases are about catalogues typeset did not write; one it wrote
    reads back (a sanity check that the validator is not simply refusing everything)."""
    assert main(["archive", str(FIXTURE / "issue.yaml"), "--to", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "catalogue.json").read_text(encoding="utf-8"))
    assert doc["format"] == "typeset-archive/2" and len(doc["issues"]) == 1
    assert doc["issues"][0]["provenance"]["variant"] == "archive"
    assert main(["archive", "--verify", str(tmp_path)]) == 0
