"""`typeset batch`: a process pool and a Dask LocalCluster build the same bytes as single
commands; reruns skip what is unchanged (the build key) and resume after a failure; the
archive records provenance and keeps sources that verify and rebuild byte for byte; workers
share one cache safely.

Issues are copies of the small fixture issue with different numbers (a few pages each), all
built with one warm cache, so the module costs a few seconds."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from typeset.archive import catalogue as AC
from typeset import batch as B
from typeset import provenance as P
from typeset.cli import main
from typeset.model.picture import PictureInfo

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "data" / "model" / "issue"


def make_issues(folder: Path, numbers=(3, 4, 5)) -> list[str]:
    out = []
    for n in numbers:
        d = folder / f"issue-{n}"
        shutil.copytree(FIXTURE, d)
        m = d / "issue.yaml"
        m.write_text(m.read_text(encoding="utf-8").replace("number: 2", f"number: {n}"),
                     encoding="utf-8")
        out.append(str(m))
    return out


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """One cache for the module, warmed by a build of the fixture."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TYPESET_CACHE", str(cache))
        assert main(["build", str(FIXTURE / "issue.yaml"), "-o",
                     str(tmp_path_factory.mktemp("w") / "w.pdf")]) == 0
    return cache


@pytest.fixture
def env(warm, monkeypatch, tmp_path):
    monkeypatch.setenv("TYPESET_CACHE", str(warm))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def pdfs(arch: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(arch.rglob("*.pdf"))}


# -- the pool, the archive, provenance ------------------------------------------------------------

def test_pool_archive_with_sources_then_rerun_skips(env, capsys):
    issues = make_issues(env)
    arch = env / "arch"
    code, out, err = run(capsys, "batch", *issues, "--archive", arch, "--sources", "--jobs", 2)
    assert code == 0, err
    assert out.count("typeset: built ") == 3 and "3 issue(s): 3 built, 0 unchanged, 0 failed" in out
    assert "\x1b" not in out + err and "[#" not in err        # no progress bar when piped
    assert run(capsys, "archive", "--verify", arch)[0] == 0
    # each is byte-identical to the single command
    single = env / "single"
    for m in issues:
        assert main(["archive", m, "--to", str(single)]) == 0
    assert pdfs(arch) == pdfs(single) and len(pdfs(arch)) == 3
    # rerun: nothing built
    code, out, _ = run(capsys, "batch", *issues, "--archive", arch, "--sources")
    assert code == 0 and out.count("typeset: unchanged ") == 3 and "0 built, 3 unchanged" in out


def test_provenance_fields_are_the_files_hashes(env, capsys):
    (m,) = make_issues(env, (6,))
    arch = env / "arch"
    assert run(capsys, "archive", m, "--to", arch, "--sources")[0] == 0
    (entry,) = AC.read_catalogue(arch)
    prov = entry.provenance
    issue = Path(m).parent
    files = {"issue/issue.yaml": issue / "issue.yaml",
             **{f"issue/articles/{p.name}": p for p in (issue / "articles").iterdir()},
             **{f"issue/images/{p.name}": p for p in (issue / "images").glob("*")},
             "layout/guangxi.yaml": ROOT / "layouts" / "guangxi.yaml",
             **{f"fonts/{n}": ROOT / "fonts" / n for n in (
                 "NotoSerifCJKsc-Regular.otf", "NotoSansCJKsc-Bold.otf",
                 "LXGWWenKai-Regular.ttf")}}
    got = {i["name"]: (i["role"], i["sha256"], i["size"]) for i in prov["inputs"]}
    assert set(got) == set(files)
    for name, path in files.items():
        data = path.read_bytes()
        assert got[name][1:] == (hashlib.sha256(data).hexdigest(), len(data)), name
    assert {r for r, _, _ in got.values()} == {"manifest", "article", "picture", "layout", "font"}
    assert prov["variant"] == "archive" and prov["conformance"] == "PDF/A-2u"
    assert prov["date"] == "2024-03-15T00:00:00+00:00" and prov["pdfx"] is None
    assert prov["typeset"] == {"version": P.__version__, "code": P.code_hash()}
    assert prov["python"] == ".".join(map(str, sys.version_info[:3]))
    from importlib.metadata import version
    assert prov["libraries"]["reportlab"] == version("reportlab")
    assert set(prov["libraries"]) == set(P.LIBRARIES)
    # the bag holds exactly those files, and bagit itself finds it valid
    bag = arch / entry.sources
    for name, path in files.items():
        assert (bag / "data" / name).read_bytes() == path.read_bytes()
    bagit = pytest.importorskip("bagit")
    bagit.Bag(str(bag)).validate()
    assert json.loads((bag / "typeset-provenance.json").read_text("utf-8")) == prov


def test_changed_source_fails_verify_and_rebuild_is_identical(env, capsys):
    (m,) = make_issues(env, (7,))
    arch = env / "arch"
    assert run(capsys, "archive", m, "--to", arch, "--sources")[0] == 0
    (entry,) = AC.read_catalogue(arch)
    code, out, _ = run(capsys, "archive", "--rebuild", arch / entry.file)
    assert code == 0 and "identical" in out
    # a changed source file: verify finds it, rebuild refuses
    article = next((arch / entry.sources / "data" / "issue" / "articles").iterdir())
    os.chmod(article, 0o644)
    article.write_text(article.read_text("utf-8") + "\n改动。\n", encoding="utf-8")
    code, out, err = run(capsys, "archive", "--verify", arch)
    assert code == 1 and f"sources: {entry.sources}: data/issue/articles/{article.name}: " \
                         "SHA-256" in out
    code, out, err = run(capsys, "archive", "--rebuild", arch / entry.file)
    assert code == 1 and "stored sources are damaged" in err


def test_rebuild_says_what_differs(env, capsys, monkeypatch):
    (m,) = make_issues(env, (8,))
    arch = env / "arch"
    assert run(capsys, "archive", m, "--to", arch, "--sources")[0] == 0
    (entry,) = AC.read_catalogue(arch)
    import typeset.rebuild as R
    real = R._build
    monkeypatch.setattr(R, "_build", lambda data, prov: real(data, prov) + b"%changed\n")
    monkeypatch.setattr(P, "code_hash", lambda: "0" * 64)
    code, out, _ = run(capsys, "archive", "--rebuild", arch / entry.file)
    assert code == 1 and "differs" in out and "typeset code: stored by code" in out


def test_rebuild_of_a_file_stored_without_sources(env, capsys):
    (m,) = make_issues(env, (9,))
    arch = env / "arch"
    assert run(capsys, "archive", m, "--to", arch)[0] == 0
    (entry,) = AC.read_catalogue(arch)
    assert entry.provenance is not None and entry.sources is None
    code, _, err = run(capsys, "archive", "--rebuild", arch / entry.file)
    assert code == 1 and "without its sources" in err and "--sources" in err


# -- the build key ------------------------------------------------------------------------------

def test_the_build_key_changes_with_each_input(env, monkeypatch):
    (m,) = make_issues(env, (3,))
    issue = Path(m).parent

    def key(variant="archive", pdfx=None, layout=None):
        return P.build_key(P.issue_sources(Path(m), layout), variant, pdfx)
    base = key()
    assert key() == base
    assert key("print", "x4") != base and key("print", "x1a") != key("print", "x4")
    seen = {base}

    def changed(label):
        k = key()
        assert k not in seen, label
        seen.add(k)
    art = issue / "articles" / "01-huiyi.md"
    art.write_text(art.read_text("utf-8") + "\n多一句。\n", encoding="utf-8")
    changed("article")
    m_path = Path(m)
    m_path.write_text(m_path.read_text("utf-8") + "\n# a comment\n", encoding="utf-8")
    changed("manifest")
    layout = (ROOT / "layouts" / "guangxi.yaml").read_text("utf-8")
    (issue / "house.yaml").write_text(layout, encoding="utf-8")
    m_path.write_text(m_path.read_text("utf-8").replace("layout: guangxi", "layout: house.yaml"),
                      encoding="utf-8")
    changed("layout file (the same layout under another name)")
    (issue / "house.yaml").write_text(layout + "\n# edited\n", encoding="utf-8")
    changed("layout")
    font = issue / "Kai.ttf"
    shutil.copy(ROOT / "fonts" / "LXGWWenKai-Regular.ttf", font)
    (issue / "house.yaml").write_text(layout.replace("kai: [LXGWWenKai-Regular.ttf",
                                                     f"kai: [{font}"), encoding="utf-8")
    changed("font path")
    data = bytearray(font.read_bytes())
    data[-1] ^= 1
    font.write_bytes(bytes(data))
    changed("font bytes")
    monkeypatch.setattr(P, "__version__", "9.9.9")
    changed("typeset version")
    monkeypatch.setattr(P, "code_hash", lambda: "1" * 64)
    changed("code hash")
    monkeypatch.setattr(P, "library_versions", lambda: {"reportlab": "0"})
    changed("library versions")


def test_pictures_are_inputs(env, monkeypatch):
    """Pictures are found wherever the issue's dataclasses hold a PictureInfo; each is an
    input of the key and the provenance."""
    from dataclasses import dataclass

    from typeset.model.picture import PictureInfo

    (m,) = make_issues(env, (3,))
    png = Path(m).parent / "figures" / "map.png"
    png.parent.mkdir()
    png.write_bytes(b"\x89PNG one")
    real = P.pictures_of
    pic = PictureInfo(str(png), "PNG", 1, 1, "RGB", False, "0" * 64, 1)
    monkeypatch.setattr(P, "pictures_of",
                        lambda obj, *more: real(obj, *more) + ([] if more else [pic]))
    src = P.issue_sources(Path(m))
    (pic,) = [p for p in src.of("picture") if p.name.endswith("map.png")]
    assert pic.name == "issue/figures/map.png"
    assert pic.sha256 == hashlib.sha256(png.read_bytes()).hexdigest()
    before = P.build_key(src, "archive", None)
    png.write_bytes(b"\x89PNG two")
    assert P.build_key(P.issue_sources(Path(m)), "archive", None) != before
    monkeypatch.setattr(P, "pictures_of", real)

    @dataclass(frozen=True)
    class Figure:
        picture: PictureInfo

    pic = PictureInfo("/x/a.png", "PNG", 1, 1, "RGB", False, "0" * 64, 1)
    assert P.pictures_of({"blocks": (Figure(pic), [Figure(pic)])}) == [pic, pic]


# -- resuming, failures, the output folder ---------------------------------------------------

def test_a_failure_is_reported_the_rest_stored_and_a_rerun_builds_only_it(env, capsys):
    issues = make_issues(env)
    broken = Path(issues[1]).parent / "articles" / "02-diaoyan.md"
    good = broken.read_text("utf-8")
    broken.write_text("---\ntitle: [unclosed\n---\n正文。\n", encoding="utf-8")
    out_dir = env / "pdfs"
    out_dir.mkdir()
    code, out, err = run(capsys, "batch", *issues, "--out", out_dir, "--jobs", 2)
    assert code == 1
    assert "2 built, 0 unchanged, 1 failed" in out
    assert f"failed {issues[1]}: {broken}:2" in out
    assert "1 issue(s) failed:" in err and f"{issues[1]}: {broken}:2" in err
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "issue-3.build.json", "issue-3.pdf", "issue-5.build.json", "issue-5.pdf"]
    first = {p.name: p.stat().st_mtime_ns for p in out_dir.iterdir()}
    broken.write_text(good, encoding="utf-8")
    code, out, _ = run(capsys, "batch", *issues, "--out", out_dir, "--jobs", 2)
    assert code == 0 and "1 built, 2 unchanged, 0 failed" in out
    assert f"built {issues[1]}" in out
    assert {p.name: p.stat().st_mtime_ns for p in out_dir.iterdir() if p.name in first} == first
    side = json.loads((out_dir / "issue-4.build.json").read_text("utf-8"))
    assert side["sha256"] == hashlib.sha256((out_dir / "issue-4.pdf").read_bytes()).hexdigest()
    # the same bytes as `typeset build`
    assert main(["build", issues[1], "-o", str(env / "one.pdf")]) == 0
    assert (env / "one.pdf").read_bytes() == (out_dir / "issue-4.pdf").read_bytes()
    # an edited output file is rebuilt, not trusted
    (out_dir / "issue-5.pdf").write_bytes(b"%PDF-1.4 edited\n")
    code, out, _ = run(capsys, "batch", *issues, "--out", out_dir)
    assert "1 built, 2 unchanged" in out and f"built {issues[2]}" in out


def test_an_issue_stored_without_provenance_is_unchanged_when_the_bytes_are(env, capsys):
    """An archive written before provenance (a typeset-archive/1 catalogue) is read; an issue
    rebuilt to the same bytes is unchanged, not refused."""
    (m,) = make_issues(env, (3,))
    arch = env / "arch"
    assert main(["archive", m, "--to", str(arch)]) == 0
    cat = json.loads((arch / "catalogue.json").read_text("utf-8"))
    cat["format"] = "typeset-archive/1"
    del cat["issues"][0]["provenance"]
    os.chmod(arch / "catalogue.json", 0o644)
    (arch / "catalogue.json").write_text(json.dumps(cat), encoding="utf-8")
    assert main(["archive", "--verify", str(arch)]) == 0
    code, out, _ = run(capsys, "batch", m, "--archive", arch)
    assert code == 0 and "the same bytes as stored" in out and "0 built, 1 unchanged" in out
    # a /1 catalogue holding provenance is not one typeset wrote
    cat["issues"][0]["provenance"] = {}
    (arch / "catalogue.json").write_text(json.dumps(cat), encoding="utf-8")
    code, out, err = run(capsys, "batch", m, "--archive", arch)
    assert code == 1 and "typeset-archive/1 catalogue" in err


# -- Dask ---------------------------------------------------------------------------------------

def test_a_local_dask_cluster_builds_the_same_bytes(env, capsys, monkeypatch):
    """... and a worker lost while building (its process ends) is replaced and the issue
    built again, by the pool and by Dask alike."""
    distributed = pytest.importorskip("distributed")
    issues = make_issues(env, (3, 4, 5, 6))
    pool, dask = env / "pool", env / "dask"
    monkeypatch.setenv(B.LOSE_WORKER_ENV, str(env / "lost-in-pool"))
    code, out, err = run(capsys, "batch", *issues, "--archive", pool, "--jobs", 2)
    assert code == 0 and "4 built" in out and (env / "lost-in-pool").exists(), err
    monkeypatch.setenv(B.LOSE_WORKER_ENV, str(env / "lost-in-dask"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        code, out, err = run(capsys, "batch", *issues, "--archive", dask, "--sources",
                             "--scheduler", cluster.scheduler_address)
        assert code == 0, err
        assert "on the Dask cluster" in out and "4 built" in out
        assert (env / "lost-in-dask").exists()
        code, out, _ = run(capsys, "batch", *issues, "--archive", dask, "--scheduler",
                           cluster.scheduler_address)
        assert code == 0 and "0 built, 4 unchanged" in out
    assert pdfs(dask) == pdfs(pool) and len(pdfs(pool)) == 4
    assert run(capsys, "archive", "--verify", dask)[0] == 0


def test_a_scheduler_that_does_not_answer_is_a_message_not_a_hang(env, capsys):
    import socket
    import time
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                                          # nothing listens there now
    (m,) = make_issues(env, (3,))
    t = time.monotonic()
    code, _, err = run(capsys, "batch", m, "--out", env, "--scheduler",
                       f"tcp://127.0.0.1:{port}", "--scheduler-timeout", "1")
    assert code == 1 and "no Dask scheduler answered" in err and "within 1 s" in err
    assert time.monotonic() - t < 30 and "Traceback" not in err


# -- a shared cache -------------------------------------------------------------------------------

def test_concurrent_workers_share_one_cold_cache(tmp_path, warm):
    """Two processes build the same issue at once into one empty cache (so they write the
    same entries at the same time), then a third another issue: every PDF is the one a build with a
    private cache gives, no temporary file is left, and the cache they made is then used
    whole (a warm build loads no fontTools)."""
    issues = make_issues(tmp_path, (3, 4))
    shared = tmp_path / "shared"
    env = {**os.environ, "TYPESET_CACHE": str(shared), "PYTHONPATH": str(ROOT)}
    which = [0, 0, 1]
    procs = [subprocess.Popen([sys.executable, "-m", "typeset", "build", issues[k], "-o",
                               str(tmp_path / f"c{i}.pdf")], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) for i, k in enumerate(which[:2])]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    subprocess.run([sys.executable, "-m", "typeset", "build", issues[1], "-o",
                    str(tmp_path / "c2.pdf")], env=env, check=True, capture_output=True)
    own = {**env, "TYPESET_CACHE": str(warm)}
    for k in (0, 1):
        subprocess.run([sys.executable, "-m", "typeset", "build", issues[k], "-o",
                        str(tmp_path / f"r{k}.pdf")], env=own, check=True, capture_output=True)
    for i, k in enumerate(which):
        assert (tmp_path / f"c{i}.pdf").read_bytes() == (tmp_path / f"r{k}.pdf").read_bytes()
    assert not [p for p in shared.rglob("*") if p.name.startswith(".typeset-")]
    assert {p.name for p in shared.iterdir()} == {"faces", "subsets", "paragraphs", "pictures",
                                                  "headers", "deflated", "pages", "articles",
                                                  "documents", "fontids", "finished",
                                                  "key"}
    assert (shared / "key").stat().st_mode & 0o777 == 0o600    # made once, by one of them
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "typeset", "build", issues[1],
                        "-o", str(tmp_path / "w.pdf")], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "fontTools" not in r.stderr


# -- Ctrl-C -------------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "killpg"), reason="signals a process group")
def test_ctrl_c_stops_the_pool_and_says_what_was_stored(tmp_path, warm):
    import signal
    import time
    issues = make_issues(tmp_path, tuple(range(3, 11)))
    arch = tmp_path / "arch"
    env = {**os.environ, "TYPESET_CACHE": str(warm), "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-m", "typeset", "batch", *issues, "--archive",
                          str(arch), "--jobs", "2"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    while p.poll() is None:                            # one issue stored, then Ctrl-C
        try:
            if AC.read_catalogue(arch):
                break
        except Exception:                              # (being replaced: read it again)
            pass
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGINT)                   # as a terminal does: the whole group
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "interrupted:" in err and "Traceback" not in err
    assert "run the same command again" in err
    stored = len(AC.read_catalogue(arch))
    assert 1 <= stored < 8 and f"interrupted: {stored} issue(s) stored" in err, err
    # nothing half-stored: the same command stores the rest, skipping what is stored
    r = subprocess.run([sys.executable, "-m", "typeset", "batch", *issues, "--archive",
                        str(arch), "--jobs", "2"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert f"{8 - stored} built, {stored} unchanged, 0 failed" in r.stdout
    assert main(["archive", "--verify", str(arch)]) == 0


def test_a_scheduler_without_workers_is_a_message(env, capsys):
    distributed = pytest.importorskip("distributed")
    (m,) = make_issues(env, (3,))
    with distributed.LocalCluster(n_workers=0, processes=False,
                                  dashboard_address=None) as cluster:
        code, _, err = run(capsys, "batch", m, "--out", env, "--scheduler",
                           cluster.scheduler_address, "--scheduler-timeout", "1")
    assert code == 1 and "has no workers (waited 1 s)" in err and "dask worker" in err
    assert not (env / "issue-3.pdf").exists()


def test_the_progress_bar_is_drawn_on_a_terminal_only():
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    term, pipe = Terminal(), io.StringIO()
    done = B.Outcome(built=[object()] * 2, failed=[object()])
    for stream in (term, pipe):
        bar = B.Progress(4, stream=stream)
        bar.draw(done)
        bar.clear()
    assert "3/4" in term.getvalue() and "failed 1" in term.getvalue()
    assert term.getvalue().endswith("\r\x1b[K") and pipe.getvalue() == ""


def _every_picture(obj, found, depth=0):
    """The walk without pruning: every field of every dataclass, every item of every
    container (what provenance.pictures_of gave before it read the annotations)."""
    from dataclasses import fields, is_dataclass

    from typeset.model.picture import PictureInfo

    if depth > 40:
        return found
    if isinstance(obj, PictureInfo):
        found.append(obj)
    elif is_dataclass(obj) and not isinstance(obj, type):
        for f in fields(obj):
            _every_picture(getattr(obj, f.name, None), found, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            _every_picture(x, found, depth + 1)
    elif isinstance(obj, dict):
        for x in obj.values():
            _every_picture(x, found, depth + 1)
    return found



def test_the_picture_walk_skips_only_what_cannot_hold_a_picture(tmp_path):
    """pictures_of leaves out fields whose annotations cannot reach a PictureInfo: on issues
    with figures, a cover photo, whole pages and inserts it finds exactly what the full walk
    finds."""
    from tests.conftest import SAMPLE
    from tests.test_whole_issue import make_issue, picture
    from typeset.build import load

    for name in ("ad.jpg", "back.jpg", "inside.jpg"):
        picture(tmp_path / name)
    pages = make_issue(tmp_path, "cover: {}\npages:\n  inside_front: inside.jpg\n"
                                 "  back: back.jpg\n  inserts:\n    - after: 2\n"
                                 "      file: ad.jpg\n")
    for manifest, count in ((SAMPLE, 4), (pages, 3)):
        issue, _ = load(manifest)
        found = P.pictures_of(issue)
        assert len(found) == count and found == _every_picture(issue, [])


@dataclass
class _Base:
    note: str


@dataclass
class _WithPicture(_Base):
    picture: PictureInfo | None = None


@dataclass
class _Holder:
    text: str
    anything: object
    base: _Base
    many: tuple[_Base, ...] = ()
    count: int = 0


def test_the_picture_walk_follows_any_and_subclasses():
    """A field annotated `object` (or anything not understood) is walked; a field annotated
    with a dataclass is walked when a subclass of it may hold a picture; text is not."""
    pic = PictureInfo("/x.png", "PNG", 1, 1, "RGB", False, "0" * 64, 1)
    h = _Holder("t", {"k": [pic]}, _WithPicture("n", pic), (_WithPicture("m", pic),))
    assert P.pictures_of(h) == [pic, pic, pic]
    assert P._FIELDS[_Holder] == ("anything", "base", "many")


def test_the_picture_walk_finds_every_picture_in_order_whatever_holds_it():
    """Property: the walk (which makes no call for a plain value) finds exactly what a walk
    into every value finds, in the same order: pictures in dataclasses, lists, tuples and
    dict values, at any depth up to its limit, beside text, numbers and None."""
    from dataclasses import dataclass

    from hypothesis import given, settings, strategies as st

    from typeset.model.picture import PictureInfo

    @dataclass(frozen=True)
    class Box:
        a: object
        b: object

    pics = [PictureInfo(f"/x/{i}.png", "PNG", 1, 1, "RGB", False, "0" * 64, 1) for i in range(3)]
    leaf = st.one_of(st.sampled_from(pics), st.text(max_size=3), st.integers(), st.none(),
                     st.floats(allow_nan=False), st.booleans())
    tree = st.recursive(leaf, lambda kids: st.one_of(
        st.lists(kids, max_size=4), st.tuples(kids, kids), st.builds(Box, kids, kids),
        st.dictionaries(st.text(max_size=2), kids, max_size=3)), max_leaves=30)

    def every(obj, depth=0):
        if depth > 40:
            return []
        if isinstance(obj, PictureInfo):
            return [obj]
        if isinstance(obj, Box):
            return every(obj.a, depth + 1) + every(obj.b, depth + 1)
        if isinstance(obj, (list, tuple)):
            return [p for x in obj for p in every(x, depth + 1)]
        if isinstance(obj, dict):
            return [p for x in obj.values() for p in every(x, depth + 1)]
        return []

    @settings(max_examples=150, deadline=None)
    @given(tree)
    def check(obj):
        assert P.pictures_of(obj) == every(obj)
    check()
    deep = pics[0]
    for _ in range(45):
        deep = [deep]
    assert P.pictures_of(deep) == every(deep) == []
