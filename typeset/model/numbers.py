"""Issue numbers and ISSNs, read exactly as the manifest writes them.

An issue number is text, never a YAML number: PyYAML reads YAML 1.1, where `1:30` is the
sexagesimal 90, `0x10` is 16, `1_000` is 1000 and `1.0e+30` a float; and a number of a few
thousand digits is beyond Python's `int()` limit (audit findings F15, F8a). The manifest keeps
the scalar as written (`yamlsrc` raw scalars) and `parse_number` accepts only these forms:

* ``2``        a positive whole number of at most three digits (``08`` is 8): 第2期;
* ``5-6``      a combined issue (合刊): two such numbers joined by an ASCII hyphen, the first
               smaller: 第5-6期;
* ``增刊``      the layout's supplement word (`numbers.supplement`), alone or followed by one or
               two digits (``增刊2``); only when the layout names one (`check_supplement`).

Anything else is refused at its manifest line with a hint. An ISSN (ISO 3297) is four digits,
a hyphen, three digits and a check character: the weighted sum of the first seven digits
(weights 8 to 2) plus the check value (X = 10) is a multiple of 11 (`check_issn`).
"""
from __future__ import annotations

import re
from typeset.records import dataclass

__all__ = ["IssueNumber", "parse_number", "check_supplement", "issue_label", "NUMBER_HINT",
           "issn_check_digit", "check_issn", "number_value", "number_key"]

MAX_DIGITS = 3

NUMBER_HINT = ("write the issue number as printed: 2 for 第2期, \"5-6\" for a combined issue "
               "(合刊, quoted or not), or the layout's supplement word (增刊) for a supplement")

_PLAIN = re.compile(r"[0-9]{1,3}")
_COMBINED = re.compile(r"([0-9]{1,3})-([0-9]{1,3})")
_SUPPLEMENT = re.compile(r"(\D+?)([0-9]{1,2})?")


@dataclass(frozen=True)
class IssueNumber:
    """An issue number as printed: `text` is what `{number}` shows (2, 5-6, 增刊, 增刊2)."""
    text: str
    first: int | None = None       # 2; 5 of 5-6; a supplement's own number (增刊2: 2) or None
    last: int | None = None        # 6 of 5-6; else as first
    supplement: str | None = None  # the supplement word (增刊) when this is a supplement

    def __str__(self) -> str:
        return self.text

    @property
    def combined(self) -> bool:
        """A combined issue (合刊), 5-6."""
        return self.supplement is None and self.first != self.last

    @property
    def value(self) -> int | str:
        """What the metadata and the archive's catalogue record: an int for a plain number
        (as before combined issues existed), else the text (\"5-6\", \"增刊\")."""
        return number_value(self.text)


def number_value(text: str) -> int | str:
    """A plain number as an int, any other issue number as its text."""
    return int(text) if _PLAIN.fullmatch(text) else text


def number_key(value: int | str) -> tuple:
    """Sort key for issue numbers of one year: plain and combined numbers by their first
    number, supplements after them."""
    text = str(value)
    m = _COMBINED.fullmatch(text)
    if _PLAIN.fullmatch(text):
        return (0, int(text), int(text), text)
    if m:
        return (0, int(m.group(1)), int(m.group(2)), text)
    return (1, 0, 0, text)


def parse_number(raw: str) -> IssueNumber | str:
    """The issue number of a manifest's `number:` written `raw`, or the reason it is refused
    (a supplement is only a candidate here: whether the layout allows it is
    `check_supplement`'s question)."""
    text = raw.strip()
    if not text:
        return "the issue number is empty"
    if _PLAIN.fullmatch(text):
        n = int(text)
        if n < 1:
            return "the issue number must be 1 or more"
        return IssueNumber(str(n), n, n)
    m = _COMBINED.fullmatch(text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if a < 1:
            return f"issue number '{text}': numbers start at 1"
        if a >= b:
            return (f"issue number '{text}': a combined issue (合刊) names its first number "
                    f"first, and the second must be larger (e.g. {a}-{a + 1})")
        return IssueNumber(f"{a}-{b}", a, b)
    shown = text if len(text) <= 24 else text[:24] + "…"
    if text[0].isdigit() or text[0] in "+-.":
        if re.fullmatch(r"[0-9]+", text):
            return (f"issue number '{shown}' has {len(text)} digits; an issue number has at "
                    f"most {MAX_DIGITS}")
        return (f"issue number '{shown}' is not a number typeset accepts (YAML would read it "
                "as something else: 1:30 as 90, 0x10 as 16, 1_000 as 1000)")
    m = _SUPPLEMENT.fullmatch(text)
    if m is None or len(text) > 16 or any(c.isspace() for c in text):
        return f"issue number '{shown}' is not a number"
    k = int(m.group(2)) if m.group(2) else None
    return IssueNumber(text, k, k, supplement=m.group(1))


def check_supplement(number: IssueNumber, word: str | None) -> str | None:
    """None if `number` is a plain or combined number, or a supplement written with the
    layout's supplement word `word`; else the reason it is refused."""
    if number.supplement is None:
        return None
    if word is None:
        return (f"issue number '{number.text}' is not a number, and the layout names no "
                "supplement word (numbers.supplement)")
    if number.supplement != word:
        return f"issue number '{number.text}' is not a number, nor the layout's '{word}'"
    if number.first is not None and number.first < 1:
        return f"issue number '{number.text}': a supplement's number starts at 1"
    return None


def issue_label(number: IssueNumber, year: int, numbers) -> str:
    """The issue as printed, from the layout's `numbers` block (model/layout.py Numbers):
    2024年第2期, 2024年第5-6期, 2024年增刊."""
    template = numbers.supplement_label if number.supplement is not None else numbers.label
    return template.format(year=year, number=number.text)


def issn_check_digit(first7: str) -> str:
    """The ISSN check character for the first seven digits (ISO 3297: weights 8..2, mod 11;
    a remainder needing 10 is written X)."""
    total = sum(int(d) * w for d, w in zip(first7, range(8, 1, -1)))
    c = (11 - total % 11) % 11
    return "X" if c == 10 else str(c)


def check_issn(text: str) -> str | None:
    """None for a valid ISSN written NNNN-NNNC; else the reason."""
    t = text.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{3}[0-9Xx]", t):
        return f"ISSN '{t[:24]}' is not written NNNN-NNNC (four digits, a hyphen, four more)"
    digits = t.replace("-", "")
    want = issn_check_digit(digits[:7])
    if digits[7].upper() != want:
        return (f"ISSN {t}: the check digit is {digits[7]}, but the first seven digits give "
                f"{want} (a digit is mistyped)")
    return None
