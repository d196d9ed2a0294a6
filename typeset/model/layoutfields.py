"""The layout schema's kinds of field and its templates (model/layout.py).

A field of a layout block is `doc` (documented: the text shown in hints and the README),
`printed_doc` (its text is printed: characters' fates and the template check when the
layout loads) or `checked_doc` (its value judged when the layout loads). `check_template` is
the one check of every template; `_doc_of` a dotted key's documentation, for hints.
"""
from __future__ import annotations

import dataclasses
import string
import typing
from typing import Any

from typeset.model.chars import Where
from typeset.records import field


def doc(text: str, **kw):
    """A dataclass field with documentation (shown in hints and the README)."""
    return field(metadata={"doc": text}, **kw)


def printed_doc(text: str, *, template: tuple[str, ...] | None = None,
                required: tuple[str, ...] = (), **kw):
    """A field whose text is printed: it gets its characters' fates (chars.normalize) when
    the layout loads, and the glyph check looks for it in the fonts. A `template` names the
    {fields} it may use; `required` those it must use (the text an author wrote, which a
    template without it would silently not print). Templates are checked by
    `check_template`."""
    return field(metadata={"doc": text, "printed": True, "template": template,
                           "required": required}, **kw)


#: what the templates of each kind may name ({issue}: the issue as `numbers.label` or
#: `numbers.supplement_label` prints it, 2024年第5-6期)
ISSUE_FIELDS = ("journal", "running_title", "year", "number", "date", "issue")
HEAD_FIELDS = ISSUE_FIELDS + ("section", "folio")
#: cover texts may also name the manifest's ISSN and CN (a text naming one the issue does not
#: have is left out)
COVER_FIELDS = ISSUE_FIELDS + ("issn", "cn")


def checked_doc(text: str, check, **kw):
    """A documented field whose value `check` judges when the layout loads (value -> error
    text or None; schema.from_data reports it at the key's line)."""
    return field(metadata={"doc": text, "check": check}, **kw)


def _between(lo: float, hi: float, what: str):
    return lambda v: None if lo <= v <= hi else f"{what} must be between {lo:g} and {hi:g}"


def template_literal(template: str) -> str:
    """The text a template prints besides its {fields}."""
    return "".join(lit for lit, _, _, _ in string.Formatter().parse(template))


def check_template(value: str, allowed: tuple[str, ...], where: Where, key: str,
                   required: tuple[str, ...] = ()) -> None:
    """The one check of every layout template: only plain `{field}` names from `allowed`
    (and `{{` `}}` for a brace) may stand in it — no format spec (`{year:x}` prints hex,
    `{text:>200000000}` pads with 200 million spaces) and no conversion (`{text!r}` adds
    quotes) — and every field of `required` must be there (a block format without {text}
    would print the block without its text)."""
    names = ", ".join("{" + a + "}" for a in allowed)
    hint = (f"{key} may name {names} and nothing else: a field is written {{name}} alone, "
            "without ':' or '!'; {{ and }} print a brace" if allowed
            else f"{key} is printed as written: write {{{{ and }}}} for a brace")
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(value)
                  if name is not None]
    except ValueError as err:
        raise where.error(f"{key}: {err} in {value!r}", hint) from None
    for name, spec, conv in fields:
        if name not in allowed:
            shown = "{}" if name == "" else "{" + name + "}"
            raise where.error(f"{key}: unknown field {shown} in {value!r}", hint)
        if spec or conv:
            written = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") \
                + "}"
            raise where.error(f"{key}: {written} in {value!r}: a template field takes no "
                              f"{'format spec' if spec else 'conversion'}", hint)
    used = {name for name, _, _ in fields}
    for name in required:
        if name not in used:
            raise where.error(f"{key}: {value!r} has no {{{name}}}: the {name} would not be "
                              "printed", f"put {{{name}}} where the {name} goes, e.g. "
                              f"\"{{{name}}}\"")


def _doc_of(key: str) -> str:
    """The documentation of a dotted layout key (for hints)."""
    from typeset.model.layout import Layout
    cls: Any = Layout
    text = ""
    for part in key.split("."):
        if cls is None or not dataclasses.is_dataclass(cls):
            return text
        found = next((f for f in dataclasses.fields(cls) if f.name == part), None)
        if found is None:
            return text
        text = found.metadata.get("doc", "")
        tp = typing.get_type_hints(cls)[part]
        inner = [t for t in typing.get_args(tp) if dataclasses.is_dataclass(t)]
        cls = tp if dataclasses.is_dataclass(tp) else (inner[0] if inner else None)
    return text
