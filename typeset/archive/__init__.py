"""The archive: finished PDF/A issues stored write-once, with a checksummed catalogue.

Layout of an archive directory DIR:

    DIR/catalogue.json                          every issue: file, SHA-256, size, metadata,
                                                earlier revisions
    DIR/<journal>/<year>/<journal>-<year>-<number>.pdf        the current file (read-only)
    DIR/<journal>/<year>/<journal>-<year>-<number>-r1.pdf     an earlier revision, r2, …
    DIR/.pending.json                           only while a run is under way (pending.py)
    DIR/.lock                                   serialises concurrent runs (filelock)
    .typeset-*.tmp                              temporary files, only while a run is under way

Storing an issue twice is refused; `revise=True` keeps the stored file as the next numbered
revision and stores the new one under the issue's name. One run at a time writes to an archive
(lock.py: "Concurrency"); a run that stops before its catalogue is replaced is undone
(pending.py: "Crash safety"); no path read from the archive's own files leads outside it
(folder.py: "Confinement").

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
