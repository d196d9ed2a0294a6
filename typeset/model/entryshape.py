"""The shape checks of a cached entry's decoded JSON (model/artcache.py, model/doccache.py):
each value's type exactly as the encoder writes it, else `Bad` — the entry is a miss."""
from __future__ import annotations


class Bad(Exception):
    """The entry is not as its encoder writes it."""


def str_(v) -> str:
    if type(v) is not str:
        raise Bad
    return v


def opt_str(v) -> str | None:
    return None if v is None else str_(v)


def int_(v, low: int = 0) -> int:
    if type(v) is not int or v < low:
        raise Bad
    return v


def opt_int(v, low: int = 0) -> int | None:
    return None if v is None else int_(v, low)


def bool_(v) -> bool:
    if type(v) is not bool:
        raise Bad
    return v


def list_(v, n: int | None = None) -> list:
    if type(v) is not list or (n is not None and len(v) != n):
        raise Bad
    return v
