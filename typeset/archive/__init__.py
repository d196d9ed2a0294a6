"""The archive: finished PDF/A issues stored write-once, with a checksummed catalogue.

Layout of an archive directory DIR:

    DIR/catalogue.json                          every issue: file, SHA-256, size, metadata,
                                                earlier revisions
    DIR/<journal>/<year>/<journal>-<year>-<number>.pdf        the current file (read-only)
    DIR/<journal>/<year>/<journal>-<year>-<number>-r1.pdf     an earlier revision, r2, …
    DIR/.pending.json                           only while a run is under way (see below)
    DIR/.lock                                   serialises concurrent runs (filelock)
    .typeset-*.tmp                              temporary files, only while a run is under way

Storing an issue twice is refused; `revise=True` keeps the stored file as the next numbered
revision and stores the new one under the issue's name.

Concurrency. One run at a time writes to an archive: a run takes the lock (`filelock`, which
works on Linux, macOS and Windows) and, if another run holds it, says once that it is waiting
and waits up to `lock_timeout` seconds (default `DEFAULT_LOCK_TIMEOUT`, or
$TYPESET_LOCK_TIMEOUT), then gives up with a message. So parallel runs into one folder queue
and all succeed.

Crash safety. A run first records what it is about to do in `.pending.json`, then writes the
new bytes to a temporary file, then moves files, then replaces the catalogue (temporary file +
fsync + os.replace: the catalogue is the commit point), then removes `.pending.json`. If the run
stops anywhere before the catalogue is replaced — an exception, Ctrl-C, a killed process — the
steps are undone (at once for an exception or Ctrl-C, by the next run for a killed process),
and every temporary file of the dead run is removed, so the archive is left exactly as it was
and `--verify` passes. After the catalogue is replaced the issue is stored; only the note and
temporary files are left to remove. Recovery is idempotent: if it fails (an OSError), it says
so and keeps the note, and the next run tries again.

Confinement. Every path read from `.pending.json` or `catalogue.json` goes through
`confined()`: a relative '/'-separated path with no empty, '.' or '..' part, no absolute or
drive path, no backslash or NUL, no symbolic link on the way, resolving inside the archive
folder. The note's paths must moreover have the exact shapes a run writes (the issue's file,
its revision file, a `.typeset-*.tmp` in the same folder). So a crafted note or catalogue can
never make typeset read, delete, move or write anything outside the archive, nor delete a
catalogued file inside it.

Where each part lives: folder.py (the names of the archive's files, `confined`), catalogue.py
(`catalogue.json`: the entries, read and written), stored.py (what a stored PDF says about
itself), lock.py (one run at a time), pending.py (the steps of a run, the pending note,
recovery), store.py (`archive_issue`), verify.py (`verify_archive`).
"""
# build.py imports these two from the package (it is not changed in the wave that made the
# package); everything else imports a name from the module that owns it.
from typeset.archive.folder import places_where
from typeset.archive.store import archive_issue

__all__ = ["archive_issue", "places_where"]
