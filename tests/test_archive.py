"""The archive: write-once storage, revisions, verification, interrupted runs."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from typeset.archive import catalogue as AC, folder as AF, lock as AL, pending as AP, store as AS
from typeset.archive.store import archive_issue
from typeset.archive.verify import Problem, verify_archive
from typeset.errors import TypesetError
from typeset.issueinfo import Metadata, document_info

META = Metadata(title="广西政协工作 2024年第2期", journal="广西政协工作", year=2024, number=2,
                date=dt.date(2024, 3, 15))
REL = "广西政协工作/2024/广西政协工作-2024-2.pdf"


def _pdfa(text: str = "first", meta: Metadata = META) -> bytes:
    """A small PDF/A-2u as the page writer makes it: one page of text."""
    from typeset.layout.page import Page, TextRun
    from typeset.render.variants import PDF_A2U
    from typeset.render.writer import render_pdf
    from typeset.text.fonts import FontLibrary

    page = Page(300, 300, items=[TextRun(20, 150, "LXGWWenKai-Regular.ttf", 12, text)])
    return render_pdf([page], FontLibrary(), document_info(meta), variant=PDF_A2U, issue=meta)


def sources_of(folder: Path, text: str) -> tuple[dict, list[tuple[str, str, str]]]:
    """A provenance record and the sources (name, path, sha256) of a small made-up issue: a
    manifest and an article written into `folder`."""
    from typeset.provenance import PROVENANCE_FORMAT, software
    folder.mkdir(parents=True, exist_ok=True)
    files = {"issue/issue.yaml": f"number: 2\n# {text}\n", "issue/articles/a.md": text}
    sources, inputs = [], []
    for name, body in files.items():
        p = folder / name.replace("/", "_")
        p.write_text(body, encoding="utf-8")
        sha = hashlib.sha256(p.read_bytes()).hexdigest()
        sources.append((name, str(p), sha))
        inputs.append({"role": "manifest" if name.endswith(".yaml") else "article",
                       "name": name, "sha256": sha, "size": p.stat().st_size})
    s = software()
    prov = {"format": PROVENANCE_FORMAT, "build_key": hashlib.sha256(text.encode()).hexdigest(),
            "typeset": s["typeset"], "python": s["python"], "libraries": s["libraries"],
            "variant": "archive", "pdfx": None, "conformance": "PDF/A-2u",
            "date": "2024-03-15T00:00:00+00:00", "layout": None, "inputs": inputs}
    return prov, sources


def meta_no(n: int) -> Metadata:
    return Metadata(**{**META.__dict__, "number": n, "title": f"广西政协工作 2024年第{n}期"})


@pytest.fixture(scope="module")
def first() -> bytes:
    return _pdfa("first")


@pytest.fixture(scope="module")
def second() -> bytes:
    return _pdfa("second")


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root (lock file aside) with its SHA-256."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != AF.LOCK}


def test_store_writes_file_and_catalogue(tmp_path, first):
    entry = archive_issue(first, META, tmp_path)
    assert entry.file == REL and (tmp_path / REL).read_bytes() == first
    assert entry.sha256 == hashlib.sha256(first).hexdigest() and entry.size == len(first)
    cat = json.loads((tmp_path / "catalogue.json").read_text(encoding="utf-8"))
    (item,) = cat["issues"]
    assert item["journal"] == "广西政协工作" and item["year"] == 2024 and item["number"] == 2
    assert item["title"] == META.title and item["date"] == "2024-03-15"
    assert item["sha256"] == entry.sha256 and item["revisions"] == []
    assert not os.access(tmp_path / REL, os.W_OK) or os.geteuid() == 0   # stored read-only
    assert (tmp_path / REL).stat().st_mode & 0o222 == 0
    assert verify_archive(tmp_path) == []
    assert not (tmp_path / AF.PENDING).exists()


def test_second_store_is_refused_and_changes_nothing(tmp_path, first, second):
    archive_issue(first, META, tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(TypesetError, match="already archived") as e:
        archive_issue(second, META, tmp_path)
    assert "--revise" in str(e.value)
    with pytest.raises(TypesetError, match="same content"):
        archive_issue(first, META, tmp_path)
    assert snapshot(tmp_path) == before


def test_revise_keeps_numbered_revisions(tmp_path, first, second):
    archive_issue(first, META, tmp_path)
    entry = archive_issue(second, META, tmp_path, revise=True)
    r1 = REL[:-4] + "-r1.pdf"
    assert (tmp_path / REL).read_bytes() == second
    assert (tmp_path / r1).read_bytes() == first
    assert [(r.revision, r.file, r.sha256) for r in entry.revisions] == [
        (1, r1, hashlib.sha256(first).hexdigest())]
    third = _pdfa("third")
    entry = archive_issue(third, META, tmp_path, revise=True)
    assert [r.file for r in entry.revisions] == [r1, REL[:-4] + "-r2.pdf"]
    assert (tmp_path / (REL[:-4] + "-r2.pdf")).read_bytes() == second
    assert AC.read_catalogue(tmp_path) == [entry]
    assert verify_archive(tmp_path) == []
    with pytest.raises(TypesetError, match="nothing to revise"):
        archive_issue(third, META, tmp_path, revise=True)


def test_verify_reports_changed_missing_and_unlisted(tmp_path, first, second):
    archive_issue(first, META, tmp_path)
    archive_issue(second, META, tmp_path, revise=True)
    current, r1 = tmp_path / REL, tmp_path / (REL[:-4] + "-r1.pdf")
    os.chmod(current, 0o644)
    current.write_bytes(current.read_bytes() + b"\n% tampered\n")
    r1.unlink()
    (tmp_path / "广西政协工作" / "stray.pdf").write_bytes(b"%PDF-1.4\n")
    problems = verify_archive(tmp_path)
    kinds = {(p.kind, p.path) for p in problems}
    assert kinds == {("changed", REL), ("missing", REL[:-4] + "-r1.pdf"),
                     ("unlisted", "广西政协工作/stray.pdf")}
    assert all(isinstance(p, Problem) and str(p).startswith(p.kind) for p in problems)


def test_verify_without_catalogue(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    kinds = sorted(p.kind for p in verify_archive(tmp_path))
    assert kinds == ["catalogue", "unlisted"]


@pytest.mark.parametrize("step", ["tmp", "note", "replace"])
def test_interrupted_first_store_leaves_archive_unchanged(tmp_path, first, step):
    archive_issue(_pdfa("other", meta_no(1)), meta_no(1), tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError, match="simulated"):
        archive_issue(first, META, tmp_path, _fail_after=step)
    assert snapshot(tmp_path) == before
    assert verify_archive(tmp_path) == []
    archive_issue(first, META, tmp_path)          # and the next run works
    assert verify_archive(tmp_path) == []


@pytest.mark.parametrize("step", ["tmp", "note", "link", "replace"])
def test_interrupted_revise_leaves_archive_unchanged(tmp_path, first, second, step):
    archive_issue(first, META, tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError):
        archive_issue(second, META, tmp_path, revise=True, _fail_after=step)
    assert snapshot(tmp_path) == before
    assert verify_archive(tmp_path) == []


def test_interrupted_catalogue_write_keeps_old_catalogue(tmp_path, first, second, monkeypatch):
    """A failure while the catalogue itself is being replaced: the old one stays."""
    archive_issue(first, META, tmp_path)
    before = snapshot(tmp_path)
    real = AS.write_output

    def failing(path, data, **kw):
        if Path(path).name == AF.CATALOGUE:
            raise OSError(28, "No space left on device")
        return real(path, data, **kw)

    monkeypatch.setattr(AS, "write_output", failing)
    with pytest.raises(TypesetError, match="no space left") as e:
        archive_issue(second, META, tmp_path, revise=True)
    assert "nothing was stored; the archive is as it was" in str(e.value)
    assert snapshot(tmp_path) == before


def test_killed_run_is_undone_by_the_next_run(tmp_path, first, second):
    """A process killed between steps (no chance to clean up) leaves the pending note; the
    next run rolls the archive back to how it was before doing its own work."""
    archive_issue(first, META, tmp_path)
    before = snapshot(tmp_path)
    src = tmp_path.parent / "second.pdf"
    src.write_bytes(second)
    script = (
        "import os, sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from typeset.archive import store as A\n"
        "from typeset.issueinfo import Metadata\n"
        f"meta = Metadata(title={META.title!r}, journal={META.journal!r}, year=2024, number=2, "
        "date=dt.date(2024, 3, 15))\n"
        "real = os.replace\n"
        "def dying(a, b):\n"
        "    real(a, b)\n"
        "    if str(b).endswith('-2024-2.pdf'):\n"
        "        os._exit(9)\n"
        "A.os.replace = dying\n"
        "A.archive_issue(Path(sys.argv[1]).read_bytes(), meta, Path(sys.argv[2]), revise=True)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    res = subprocess.run([sys.executable, "-c", script, str(src), str(tmp_path)], env=env)
    assert res.returncode == 9
    assert (tmp_path / AF.PENDING).exists()
    assert (tmp_path / REL).read_bytes() == second            # half done
    assert {p.kind for p in verify_archive(tmp_path)} >= {"pending", "changed"}
    entry = archive_issue(second, META, tmp_path, revise=True)    # recovers, then revises
    assert not (tmp_path / AF.PENDING).exists()
    assert [r.sha256 for r in entry.revisions] == [before[REL]]
    assert verify_archive(tmp_path) == []


def test_refuses_non_pdfa_and_bad_journal_names(tmp_path, first):
    with pytest.raises(TypesetError, match="not a complete PDF"):
        archive_issue(b"hello", META, tmp_path)
    with pytest.raises(TypesetError, match="PDF/A"):
        archive_issue(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", META, tmp_path)
    for bad in ("../etc", "a/b", ".hidden"):
        with pytest.raises(TypesetError, match="archive folder name"):
            archive_issue(first, Metadata(**{**META.__dict__, "journal": bad}), tmp_path)
    assert not any(tmp_path.rglob("*.pdf"))


def test_hand_placed_file_is_not_overwritten(tmp_path, first):
    (tmp_path / REL).parent.mkdir(parents=True)
    (tmp_path / REL).write_bytes(b"someone else's")
    with pytest.raises(TypesetError, match="not in the catalogue"):
        archive_issue(first, META, tmp_path)
    assert (tmp_path / REL).read_bytes() == b"someone else's"


# ---------------------------------------------------------------------------------------------
# Confinement: crafted notes and catalogues cannot reach outside the archive

def _victims(tmp_path: Path) -> tuple[Path, dict]:
    """An archive folder with one stored issue, and files outside it that must survive."""
    to = tmp_path / "arch"
    outside = tmp_path / "outside"
    (outside / "2024").mkdir(parents=True)
    for name in ("victim.pdf", "2024/outside-2024-2.pdf", "catalogue.json"):
        (outside / name).write_bytes(b"precious " + name.encode())
    return to, {p: p.read_bytes() for p in outside.rglob("*") if p.is_file()}


def _outside_intact(files: dict) -> bool:
    return all(p.is_file() and p.read_bytes() == data for p, data in files.items())


def _note(**kw) -> bytes:
    plan = {"target": REL, "tmp": "广西政协工作/2024/.typeset-1.tmp",
            "sha256": "0" * 64, "previous_sha256": None, "revision_file": None}
    plan.update(kw)
    return json.dumps(plan, ensure_ascii=False).encode()


CRAFTED_NOTES = {
    "target up and out": dict(target="../2024/..-2024-2.pdf"),
    "absolute target": dict(target="/tmp/outside/2024/outside-2024-2.pdf"),
    "tmp is the catalogue": dict(tmp="catalogue.json"),
    "tmp climbs out": dict(tmp="广西政协工作/2024/../../../outside/victim.pdf"),
    "revision file outside": dict(revision_file="../outside/victim.pdf",
                                  previous_sha256="1" * 64),
    "revision file is a catalogued file": dict(revision_file=REL, previous_sha256="1" * 64),
    "not a note": None,
}


@pytest.mark.parametrize("case", sorted(CRAFTED_NOTES))
def test_a_crafted_pending_note_changes_nothing(tmp_path, first, case):
    to, outside = _victims(tmp_path)
    archive_issue(first, META, to)
    before = snapshot(to)
    fields = CRAFTED_NOTES[case]
    note = b'["rm", "-rf", "/"]' if fields is None else _note(**fields)
    (to / AF.PENDING).write_bytes(note)
    with pytest.raises(TypesetError, match="pending note typeset did not write") as e:
        archive_issue(_pdfa("x", meta_no(3)), meta_no(3), to)
    assert "nothing was changed" in str(e.value)
    assert snapshot(to) == {**before, AF.PENDING: hashlib.sha256(note).hexdigest()}
    assert _outside_intact(outside)


def test_a_symlinked_folder_never_leads_recovery_outside(tmp_path, first):
    """The note's target matches a file outside, reached through a link planted in the
    archive: recovery refuses instead of deleting it."""
    to, outside = _victims(tmp_path)
    archive_issue(_pdfa("a", meta_no(1)), meta_no(1), to)
    (to / "outside").symlink_to(tmp_path / "outside", target_is_directory=True)
    victim = tmp_path / "outside" / "2024" / "outside-2024-2.pdf"
    note = _note(target="outside/2024/outside-2024-2.pdf", tmp="outside/2024/.typeset-1.tmp",
                 sha256=hashlib.sha256(victim.read_bytes()).hexdigest())
    (to / AF.PENDING).write_bytes(note)
    with pytest.raises(TypesetError, match="symbolic link"):
        archive_issue(first, META, to)
    assert _outside_intact(outside)
    kinds = {(p.kind, p.path) for p in verify_archive(to)}
    assert ("unlisted", "outside") in kinds and ("pending", AF.PENDING) in kinds


def test_a_symlinked_journal_folder_is_never_written_through(tmp_path, first):
    to, outside = _victims(tmp_path)
    to.mkdir()
    (to / "广西政协工作").symlink_to(tmp_path / "outside", target_is_directory=True)
    with pytest.raises(TypesetError, match="symbolic link"):
        archive_issue(first, META, to)
    assert _outside_intact(outside) and sorted(os.listdir(tmp_path / "outside" / "2024")) == [
        "outside-2024-2.pdf"]


def test_a_lock_file_that_is_a_link_is_refused(tmp_path, first):
    to, outside = _victims(tmp_path)
    to.mkdir()
    (to / AF.LOCK).symlink_to(tmp_path / "outside" / "victim.pdf")
    with pytest.raises(TypesetError, match="lock file is not a regular file"):
        archive_issue(first, META, to)
    assert _outside_intact(outside)


@pytest.mark.parametrize("bad", ["../outside/victim.pdf", "/etc/hostname",
                                 "广西政协工作/../../outside/victim.pdf", "C:/x.pdf", ""])
def test_a_catalogue_pointing_outside_is_reported_and_never_followed(tmp_path, first, second,
                                                                     bad):
    to, outside = _victims(tmp_path)
    archive_issue(first, META, to)
    cat = json.loads((to / AF.CATALOGUE).read_text(encoding="utf-8"))
    cat["issues"][0]["file"] = bad
    (to / AF.CATALOGUE).write_text(json.dumps(cat, ensure_ascii=False), encoding="utf-8")
    if bad:
        problems = verify_archive(to)
        assert ("outside", bad) in {(p.kind, p.path) for p in problems}
        assert any("points outside the archive" in p.detail for p in problems)
    with pytest.raises(TypesetError):
        archive_issue(second, META, to, revise=True)
    assert _outside_intact(outside)


# ---------------------------------------------------------------------------------------------
# Verify: size and metadata as well as the checksum

def test_verify_reports_a_wrong_size(tmp_path, first):
    archive_issue(first, META, tmp_path)
    cat = json.loads((tmp_path / AF.CATALOGUE).read_text(encoding="utf-8"))
    cat["issues"][0]["size"] += 1
    (tmp_path / AF.CATALOGUE).write_text(json.dumps(cat, ensure_ascii=False), encoding="utf-8")
    (p,) = verify_archive(tmp_path)
    assert p.kind == "changed" and f"{len(first)} bytes" in p.detail


def test_verify_reports_files_catalogued_under_the_wrong_issue(tmp_path):
    for n in (1, 2):
        archive_issue(_pdfa(f"no {n}", meta_no(n)), meta_no(n), tmp_path)
    cat = json.loads((tmp_path / AF.CATALOGUE).read_text(encoding="utf-8"))
    a, b = cat["issues"]
    for k in ("file", "sha256", "size"):
        a[k], b[k] = b[k], a[k]
    (tmp_path / AF.CATALOGUE).write_text(json.dumps(cat, ensure_ascii=False), encoding="utf-8")
    problems = verify_archive(tmp_path)
    assert sorted(p.kind for p in problems) == ["metadata", "metadata"]
    assert any("XMP says 广西政协工作 2024年第2期; the catalogue says 广西政协工作 2024年第1期"
               in p.detail for p in problems)


def test_a_pdf_whose_metadata_names_another_issue_is_not_stored(tmp_path, first):
    with pytest.raises(TypesetError, match="metadata says 广西政协工作 2024年第2期.*第5期"):
        archive_issue(first, meta_no(5), tmp_path)
    assert not any(tmp_path.rglob("*.pdf"))


# ---------------------------------------------------------------------------------------------
# Recovery that itself fails

def _killed(to: Path, pdf: bytes, meta: Metadata, revise: bool, at: str, *,
            no_links: bool = False, **store) -> int:
    """Run archive_issue in a forked child told (through the test hook) to kill itself at
    step `at` ("STEP" for SIGKILL, "STEP:INT" for SIGINT). Returns the child's wait status.
    `no_links`: the child's file system has no hard links (the archive copies instead)."""
    pid = os.fork()
    if pid == 0:                                    # pragma: no cover (child)
        code = 50
        try:
            os.environ[AP.KILL_ENV] = at
            if no_links:
                def link(*a, **k):
                    raise OSError(1, "Operation not permitted")
                os.link = link
            try:
                AS.archive_issue(pdf, meta, to, revise=revise, **store)
                code = 0
            except AS.ArchiveInterrupted as e:
                code = 30 if e.stored else 31
            except BaseException:
                code = 40
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status


needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="interruption tests use fork")


@needs_fork
def test_recovery_that_fails_keeps_the_note_and_the_next_run_finishes_it(
        tmp_path, first, second, monkeypatch):
    archive_issue(first, META, tmp_path)
    before = snapshot(tmp_path)
    status = _killed(tmp_path, second, META, True, "replace")
    assert os.WIFSIGNALED(status)
    assert (tmp_path / REL).read_bytes() == second                  # half done

    real = os.replace

    def refusing(a, b, *rest, **kw):
        if str(b).endswith(REL.rsplit("/", 1)[1]):
            raise PermissionError(13, "Permission denied", str(b))
        return real(a, b, *rest, **kw)

    monkeypatch.setattr(os, "replace", refusing)
    with pytest.raises(TypesetError, match="could not be undone: Permission denied") as e:
        archive_issue(_pdfa("x", meta_no(3)), meta_no(3), tmp_path)
    assert "pending note is kept" in str(e.value)
    assert (tmp_path / AF.PENDING).exists()
    monkeypatch.setattr(os, "replace", real)
    archive_issue(_pdfa("x", meta_no(3)), meta_no(3), tmp_path)
    assert verify_archive(tmp_path) == []
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if "2024-3" not in k and k != AF.CATALOGUE} == \
           {k: v for k, v in before.items() if k != AF.CATALOGUE}


# ---------------------------------------------------------------------------------------------
# The lock waits, says so once, and gives up with a message

def test_the_lock_waits_and_gives_up_with_a_message(tmp_path, first):
    from filelock import FileLock

    tmp_path.mkdir(exist_ok=True)
    held = FileLock(str(tmp_path / AF.LOCK))
    held.acquire()
    said: list[str] = []
    try:
        with pytest.raises(TypesetError, match=r"gave up waiting for the archive after 0.3 s") as e:
            archive_issue(first, META, tmp_path, lock_timeout=0.3, on_wait=said.append)
        assert "--lock-timeout" in str(e.value)
        assert len(said) == 1 and "waiting for another typeset run" in said[0]
    finally:
        held.release()
    assert not any(tmp_path.rglob("*.pdf"))


def test_the_lock_waits_for_the_other_run(tmp_path, first):
    import threading

    from filelock import FileLock

    held = FileLock(str(tmp_path / AF.LOCK), thread_local=False)   # released by the timer thread
    held.acquire()
    timer = threading.Timer(0.4, held.release)
    timer.start()
    said: list[str] = []
    entry = archive_issue(first, META, tmp_path, lock_timeout=30, on_wait=said.append)
    timer.join()
    assert entry.file == REL and len(said) == 1
    assert verify_archive(tmp_path) == []


def test_lock_timeout_from_the_environment(monkeypatch):
    monkeypatch.setenv(AL.LOCK_TIMEOUT_ENV, "2.5")
    assert AL.lock_timeout_from_env() == 2.5
    monkeypatch.setenv(AL.LOCK_TIMEOUT_ENV, "soon")
    with pytest.raises(TypesetError, match="not a number of seconds"):
        AL.lock_timeout_from_env()
    monkeypatch.delenv(AL.LOCK_TIMEOUT_ENV)
    assert AL.lock_timeout_from_env() == AL.DEFAULT_LOCK_TIMEOUT


def test_six_parallel_runs_into_one_archive_all_store(tmp_path):
    """Six processes store six issues into one folder at once: they queue on the lock."""
    to = tmp_path / "arch"
    srcs = []
    for n in range(1, 7):
        src = tmp_path / f"{n}.pdf"
        src.write_bytes(_pdfa(f"issue {n}", meta_no(n)))
        srcs.append(src)
    script = (
        "import sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from typeset.archive import store as A\n"
        "from typeset.issueinfo import Metadata\n"
        "n = int(sys.argv[1])\n"
        f"meta = Metadata(title=f'广西政协工作 2024年第{{n}}期', journal={META.journal!r}, "
        "year=2024, number=n, date=dt.date(2024, 3, 15))\n"
        "A.archive_issue(Path(sys.argv[2]).read_bytes(), meta, Path(sys.argv[3]),\n"
        "                lock_timeout=120, on_wait=lambda m: print('WAITED', flush=True))\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(n), str(src), str(to)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n, src in enumerate(srcs, 1)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0] * 6, [r[1][-500:] for r in results]
    assert sorted(e.number for e in AC.read_catalogue(to)) == [1, 2, 3, 4, 5, 6]
    assert verify_archive(to) == []


def test_a_journal_name_too_long_for_a_file_name_is_refused(tmp_path, first):
    long = Metadata(**{**META.__dict__, "journal": "政" * 80})
    with pytest.raises(TypesetError, match="too long for an archive file name") as e:
        archive_issue(first, long, tmp_path)
    assert "at most 76 Chinese characters" in str(e.value)
    assert not any(tmp_path.iterdir())
    AF.issue_path(Metadata(**{**META.__dict__, "journal": "政" * 76}))      # the limit fits
