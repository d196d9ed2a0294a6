"""What kind of file an input is, and opening a .docx — every refusal a message with a hint.

The kind is read from the first bytes, never from the name alone: a Word 97–2003 file renamed
.docx is still a .doc. Signatures: OLE2 compound file D0 CF 11 E0 A1 B1 1A E1 ([MS-CFB] §2.2;
.doc, .wps, .xls, and also a password-protected .docx, which Office stores as an encrypted
OOXML package inside a compound file with an "EncryptionInfo" stream, [MS-OFFCRYPTO] §2.3.4);
zip local file header PK\\x03\\x04 (an OOXML or OpenDocument package); %PDF; {\\rtf.
"""
from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from typeset.errors import TypesetError

SAVE_AS_DOCX = "open it in Word or WPS and save it as .docx (Word document), then import that"

#: a .docx larger than this is refused before it is opened (pictures included)
MAX_DOCX_BYTES = 200 * 1024 * 1024
#: the text parts of a package may unpack to at most this (a zip bomb is refused unread)
MAX_XML_BYTES = 100 * 1024 * 1024

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN = "word/document.xml"


def _error(path: Path, message: str, hint: str) -> TypesetError:
    return TypesetError(message, file=path, hint=hint)


def check_input(path: Path) -> None:
    """Refuse anything that is not a readable .docx (a missing file, a folder, another
    format) with a message naming the file and what to do."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise _error(path, "no such file", "check the name and the folder") from None
    except OSError as err:
        raise _error(path, f"cannot read the file: {err.strerror or err}",
                     "check the path and its permissions") from None
    if stat.S_ISDIR(st.st_mode):
        raise _error(path, "this is a folder, not a Word document",
                     "give the .docx files inside it, e.g. folder/*.docx")
    if not stat.S_ISREG(st.st_mode):
        raise _error(path, "not a regular file", "give the path of a .docx file")
    if st.st_size > MAX_DOCX_BYTES:
        raise _error(path, f"the file is {st.st_size // (1024 * 1024)} MB; typeset imports "
                     f"Word documents up to {MAX_DOCX_BYTES // (1024 * 1024)} MB",
                     "make the pictures smaller in Word (Compress Pictures) and save again")
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as err:
        raise _error(path, f"cannot read the file: {err.strerror or err}",
                     "check the file's permissions") from None
    suffix = path.suffix.lower()
    if head.startswith(_OLE2):
        if "EncryptionInfo".encode("utf-16-le") in _ole_directory(path):
            raise _error(path, "the document is protected with a password, so it cannot be "
                         "read", "open it in Word or WPS, remove the password (File > Info > "
                         "Protect Document > Encrypt with Password: empty it), save it as "
                         ".docx and import that")
        kind = {".wps": "an old WPS document (.wps)", ".doc": "a Word 97–2003 document (.doc)",
                ".xls": "an Excel 97–2003 workbook", ".ppt": "a PowerPoint 97–2003 file"}.get(
            suffix, "a Word 97–2003 (.doc) or old WPS (.wps) document")
        raise _error(path, f"this is {kind}; typeset imports only .docx", SAVE_AS_DOCX)
    if head.startswith(b"%PDF"):
        raise _error(path, "this is a PDF; typeset imports Word documents (.docx)",
                     "ask the author for the Word file, or copy the text into an article "
                     "(Markdown) by hand")
    if head.startswith(b"{\\rtf"):
        raise _error(path, "this is an RTF document; typeset imports only .docx", SAVE_AS_DOCX)
    if not head.startswith(b"PK\x03\x04"):
        if not head:
            raise _error(path, "the file is empty", "check that it was copied completely")
        if _looks_like_text(head):
            raise _error(path, "this is a plain-text file, not a Word document",
                         "save it as .docx from Word or WPS, or write the article in Markdown "
                         "directly (see format.md)")
        raise _error(path, "this is not a Word document (.docx)", SAVE_AS_DOCX)
    _check_package(path)


def _ole_directory(path: Path) -> bytes:
    """The bytes of a compound file, enough to find its stream names (they are stored as
    UTF-16LE in directory sectors; a small file is read whole, a large one in its first
    megabytes, where Office writes the encryption streams' directory)."""
    try:
        with open(path, "rb") as f:
            return f.read(8 * 1024 * 1024)
    except OSError:
        return b""


def _looks_like_text(head: bytes) -> bool:
    for enc in ("utf-8", "utf-16", "gb18030"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            continue
        if text and all(ch.isprintable() or ch in "\r\n\t\ufeff" for ch in text[:-1]):
            return True
    return False


def _check_package(path: Path) -> None:
    """A zip must be a Word package: not damaged, not OpenDocument, not Excel or PowerPoint,
    and not a zip bomb."""
    damaged = ("the file is damaged (not a complete .docx)",
               "open it in Word or WPS; if it opens, save it again as .docx and import that, "
               "else ask the author to send it again")
    try:
        with zipfile.ZipFile(path) as z:
            infos = {i.filename: i for i in z.infolist()}
            mimetype = z.read("mimetype")[:100] if "mimetype" in infos else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError):
        raise _error(path, *damaged) from None
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise _error(path, "this is an OpenDocument file (.odt); typeset imports only .docx",
                     SAVE_AS_DOCX)
    if _MAIN not in infos:
        if "xl/workbook.xml" in infos:
            what = "an Excel workbook"
        elif "ppt/presentation.xml" in infos:
            what = "a PowerPoint presentation"
        elif "[Content_Types].xml" in infos:
            what = "an Office file without a Word document in it"
        else:
            what = "a zip archive, not a Word document"
        raise _error(path, f"this is {what}; typeset imports only .docx", SAVE_AS_DOCX)
    xml = sum(i.file_size for name, i in infos.items() if name.endswith((".xml", ".rels")))
    if xml > MAX_XML_BYTES:
        raise _error(path, f"the document's text unpacks to {xml // (1024 * 1024)} MB; typeset "
                     f"reads at most {MAX_XML_BYTES // (1024 * 1024)} MB",
                     "split the document into articles, one file each")


_TRANSITIONAL = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _check_main(path: Path, tag: str) -> None:
    """The main part must be a WordprocessingML document in the transitional namespace (what
    Word and WPS save as .docx); "Strict Open XML" (ISO/IEC 29500 Strict) uses others."""
    if tag == _TRANSITIONAL + "document":
        return
    if "purl.oclc.org/ooxml" in tag:
        raise _error(path, "this document was saved as \"Strict Open XML Document\", which "
                     "typeset does not read", "open it in Word and save it as \"Word "
                     "Document (*.docx)\", then import that")
    raise _error(path, "the file's main part is not a Word document body", SAVE_AS_DOCX)


def open_docx(path: Path):
    """The python-docx Document of `path` (checked with check_input first)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
        _check_main(path, document.element.tag)
        return document
    except PackageNotFoundError:
        raise _error(path, "the file is damaged (not a complete .docx)", SAVE_AS_DOCX) \
            from None
    except ValueError as err:          # python-docx: not a Word main document (e.g. .docm/.dotx)
        text = str(err)
        if "macroEnabled" in text or "template" in text:
            raise _error(path, "this is a Word template or a document with macros; typeset "
                         "imports only .docx", SAVE_AS_DOCX) from None
        raise _error(path, f"the file cannot be read as a Word document ({text[:120]})",
                     SAVE_AS_DOCX) from None
    except (KeyError, zipfile.BadZipFile, OSError, EOFError) as err:
        raise _error(path, f"the file is damaged ({type(err).__name__})", SAVE_AS_DOCX) \
            from None
    except Exception as err:           # lxml.etree.XMLSyntaxError and kin: a broken part
        if type(err).__module__.startswith("lxml"):
            raise _error(path, "the file is damaged (a part of it is not well-formed XML)",
                         SAVE_AS_DOCX) from None
        raise
