"""The .po file: gettext's catalogue format, read and written as text (no compile step)."""
from __future__ import annotations

import re

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _po_string(text: str) -> str:
    """The value of a "…" line of a .po file."""
    body = text.strip()
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        raise ValueError(f"not a quoted string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body[1:-1])


def po_quote(text: str) -> str:
    """A string as a .po file writes it (long ones split at spaces, one part a line)."""
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
            .replace("\t", "\\t").replace("\r", "\\r") + '"'
    if len(text) < 70 and "\n" not in text:
        return q(text)
    parts = re.findall(r"[^\n ]* ?\n?|.+", text)
    lines, cur = [], ""
    for p in parts:
        if not p:
            continue
        if cur and len(cur) + len(p) > 72:
            lines.append(cur)
            cur = ""
        cur += p
        if cur.endswith("\n"):
            lines.append(cur)
            cur = ""
    if cur:
        lines.append(cur)
    return '""\n' + "\n".join(q(x) for x in lines)


def read_po(text: str) -> dict[str, str]:
    """msgid → msgstr of a .po file (entries with an empty msgstr left out; the header too)."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    field = None

    def done() -> None:
        if msgid and msgstr:
            if msgid in entries:
                raise ValueError(f"msgid given twice: {msgid!r}")
            entries[msgid] = msgstr
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            if line.startswith("msgid "):
                done()
                msgid, msgstr, field = _po_string(line[6:]), None, "id"
            elif line.startswith("msgstr "):
                msgstr, field = _po_string(line[7:]), "str"
            elif line.startswith('"') and field == "id":
                msgid += _po_string(line)
            elif line.startswith('"') and field == "str":
                msgstr += _po_string(line)
            else:
                raise ValueError(f"unexpected line {raw!r}")
        except (ValueError, TypeError) as err:
            raise ValueError(f"line {n}: {err}") from None
    done()
    return entries

