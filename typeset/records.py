"""The records between stages: `dataclass`, as the standard library's, with its methods made
when first used.

Every module of typeset declares its records with `from typeset.records import dataclass`
(and takes `field`, `fields`, `replace`, ... from here too). The classes are the standard
library's dataclasses, with the same methods made from the same code: this module only
changes WHEN Python makes them. `dataclasses` writes the source text of each generated method
(`__init__`, `__repr__`, `__eq__`, `__hash__` and a frozen class's `__setattr__` and
`__delattr__`) and compiles it with `exec` as the class is declared: 594 methods for the 113
records of a warm build, ~50 ms of CPU, ~13 % of a warm build of the sample issue, of which
the build calls ~100 (every record's `__init__`, but `__eq__` of one class, `__hash__` of
two, `__repr__` of one; the others are there for tests, messages and the warm process).

So while one of our classes is declared, the function that compiles a method
(`dataclasses._create_fn`) is replaced by `_Deferred`, which keeps the same arguments and
compiles them with the same function the first time the method is looked up or called; the
compiled function then replaces the stand-in in the class (a class attribute found by its
identity along the instance's MRO), so each later call is the plain generated method, as
fast as before. Nothing is remembered between processes.

What is the same and what is not (tests/test_records.py compares every method of every
record, once made, with an eager process's: code, constants, defaults, annotations, names,
qualified names, what the closures hold, docstrings):
the behaviour, the signatures (`inspect.signature` looks the method up, which makes it) and
every method once made. Different until a method is used: `vars(cls)["__eq__"]` is a
`_Deferred` (a descriptor) rather than a function, and a `__repr__`'s `__wrapped__` (the
standard library wraps it against recursion as it is declared) is the stand-in, replaced in
the wrapper by the made function at its first call. A dataclass another thread declares
while one of ours is being declared gets stand-ins too: the same methods, made when used. A class declared without a docstring gets the one dataclasses makes from its
signature when it is first read (`_Doc`), not as it is declared; the signature would make
its `__init__` at once.

Where `dataclasses` has no `_create_fn` (Python 3.13 makes the methods of a class in one
`exec` through another private class), `dataclass` is the standard library's, unchanged: the
speed-up is gone, nothing else changes. `TYPESET_EAGER_RECORDS=1` in the environment does the
same (the test compares the two).
"""
from __future__ import annotations

import dataclasses
import os
import threading
from dataclasses import (FrozenInstanceError, InitVar, KW_ONLY, MISSING, asdict, astuple,  # noqa: F401
                         field, fields, is_dataclass, replace)

__all__ = ["dataclass", "field", "fields", "replace", "asdict", "astuple", "is_dataclass",
           "FrozenInstanceError", "InitVar", "KW_ONLY", "MISSING"]

_compile = getattr(dataclasses, "_create_fn", None)     # (name, args, body, *, globals, ...)
DEFERRED = _compile is not None and os.environ.get("TYPESET_EAGER_RECORDS") != "1"
_swap = threading.RLock()       # one declaration at a time swaps dataclasses' compiler


class _Deferred:
    # A generated method not compiled yet: the arguments `dataclasses._create_fn` was called
    # with. As a class attribute it is a descriptor: looked up (an instance's `obj.__eq__`,
    # Python's `==`, `hash()`, `Cls(...)`, `Cls.__init__`), it compiles the method, puts it in
    # the class in its own place and returns it bound as a function would be. Called (the
    # `__repr__` the standard library wrapped), it compiles and calls. It answers
    # `__module__`, `__name__`, `__qualname__` and `__doc__` as the compiled function will
    # (what `functools.wraps` copies onto the `__repr__` wrapper); no docstring, so that an
    # instance's `__doc__` is None as a generated function's is.

    __slots__ = ("_args", "_kwargs", "_fn", "_module", "__name__", "__qualname__")
    __module__ = property(lambda self: self._module)

    def __init__(self, args: tuple, kwargs: dict) -> None:
        self._args, self._kwargs, self._fn = args, kwargs, None
        self.__name__ = self.__qualname__ = args[0]
        g = kwargs.get("globals")
        self._module = g.get("__name__") if g else None

    def made(self, owner: type | None = None):
        """The compiled method (made once; the arguments let go). With `owner`, the class
        (of `owner`'s MRO) holding this stand-in gets the function in its place, with the
        qualified name `dataclasses._set_qualname` gives each method it sets; a `__repr__`
        wrapped by the standard library gets it in place of the stand-in inside its wrapper
        (its closure and `__wrapped__`), so the wrapper is then the standard library's."""
        fn = self._fn
        if fn is None:
            fn = self._fn = _compile(*self._args, **self._kwargs)
            self._args = self._kwargs = None
        if owner is not None:
            name = fn.__name__
            for klass in owner.__mro__:
                held = klass.__dict__.get(name)
                if held is self:
                    fn.__qualname__ = f"{klass.__qualname__}.{name}"
                    setattr(klass, name, fn)
                    break
                if held is not None and getattr(held, "__wrapped__", None) is self:
                    for cell in held.__closure__ or ():
                        if cell.cell_contents is self:
                            cell.cell_contents = fn
                    held.__wrapped__ = fn
                    break
        return fn

    def __get__(self, instance, owner=None):
        fn = self.made(owner if owner is not None else type(instance))
        return fn if instance is None else fn.__get__(instance, owner)

    def __call__(self, *args, **kwargs):
        return self.made(type(args[0]) if args else None)(*args, **kwargs)


def _deferred(*args, **kwargs) -> _Deferred:
    return _Deferred(args, kwargs)


class _Doc:
    # The docstring dataclasses gives a class declared without one, its name and signature
    # ("Span(text: 'str', style: 'str')"), made when first read: the signature makes the
    # class's `__init__` and costs ~0.2 ms, for 34 records of a warm build whose docstrings
    # nothing reads. While the class is declared it answers a placeholder (so dataclasses
    # leaves it in place); read afterwards (`Cls.__doc__`, an instance's, `help`), it makes
    # the text exactly as dataclasses does and puts it in the class in its own place.

    __slots__ = ("declared",)

    def __init__(self) -> None:
        self.declared = False

    def __get__(self, instance, owner=None):
        owner = owner if owner is not None else type(instance)
        if not self.declared:
            return "(declaring)"
        import inspect
        try:
            text_sig = str(inspect.signature(owner)).replace(" -> None", "")
        except (TypeError, ValueError):
            text_sig = ""
        doc = owner.__name__ + text_sig
        if vars(owner).get("__doc__") is self:
            owner.__doc__ = doc
        return doc


def dataclass(cls=None, /, **options):
    """`dataclasses.dataclass(cls, **options)`, its generated methods compiled when first
    used (module doc). Used as `@dataclass` or `@dataclass(frozen=True, ...)`."""
    if cls is None:
        return lambda c: dataclass(c, **options)
    if not DEFERRED:
        return dataclasses.dataclass(cls, **options)
    doc = None
    if vars(cls).get("__doc__") is None:            # no docstring: `_Doc`
        doc = _Doc()
        cls.__doc__ = doc
    with _swap:
        dataclasses._create_fn = _deferred
        try:
            out = dataclasses.dataclass(cls, **options)
        finally:
            dataclasses._create_fn = _compile
    if doc is not None:
        doc.declared = True
    return out
