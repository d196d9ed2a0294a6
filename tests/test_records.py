"""typeset/records.py: records declared with the standard library's methods, compiled when first
used. Every method of every record is the standard library's once made (compared with a
process that declares them eagerly), and a method is not compiled before it is used."""
from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from typeset import records
from typeset.records import FrozenInstanceError, dataclass, field, replace

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not records.DEFERRED,
                                reason="this Python's dataclasses has no _create_fn")

# A process's description of every generated method of every record of typeset: code,
# constants, names, defaults, annotations, qualified names and what the closure holds (the
# defaults, the field types, the class), each method made first (looked up on its class).
_DESCRIBE = r'''
import dataclasses, importlib, json, pkgutil, re, sys, types
import typeset
for m in pkgutil.walk_packages(typeset.__path__, "typeset."):
    if m.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(m.name)
    except ImportError:           # an optional library (Dask, python-docx, ...) not installed
        pass
ADDR = re.compile(r" at 0x[0-9a-f]+")
NAMES = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__",
         "__lt__", "__le__", "__gt__", "__ge__")

def code(c):
    return [c.co_name, c.co_qualname, c.co_code.hex(), c.co_names, c.co_varnames,
            c.co_freevars, c.co_cellvars, c.co_argcount, c.co_kwonlyargcount, c.co_flags,
            [code(k) if isinstance(k, types.CodeType) else repr(k) for k in c.co_consts]]

def fn(f, cls=None):
    out = {"name": f.__name__, "qualname": f.__qualname__, "module": f.__module__,
           "doc": f.__doc__, "defaults": ADDR.sub("", repr(f.__defaults__)),
           "kwdefaults": ADDR.sub("", repr(f.__kwdefaults__)),
           "annotations": ADDR.sub("", repr(f.__annotations__)), "code": code(f.__code__),
           "closure": [ADDR.sub("", repr(c.cell_contents)) for c in f.__closure__ or ()]}
    inner = getattr(f, "__wrapped__", None)
    if inner is not None:           # __repr__: the recursion guard around the generated one
        if hasattr(inner, "made"):
            inner.made(cls)       # (as the first call does: the wrapper then holds the method)
            return fn(f)
        out["wrapped"] = fn(inner)
    return out

seen = {}
for mod in list(sys.modules.values()):
    if not getattr(mod, "__name__", "").startswith("typeset"):
        continue
    for obj in list(vars(mod).values()):
        if isinstance(obj, type) and dataclasses.is_dataclass(obj) \
                and obj.__module__ == mod.__name__:
            for name in NAMES:
                if name in vars(obj):
                    getattr(obj, name)              # made, if it was not
                    f = vars(obj)[name]
                    if isinstance(f, types.FunctionType):
                        seen[f"{obj.__module__}.{obj.__qualname__}.{name}"] = fn(f, obj)
            seen[f"{obj.__module__}.{obj.__qualname__}.__doc__"] = obj.__doc__
print(json.dumps(seen, sort_keys=True))
'''


def _describe(eager: bool) -> dict:
    env = dict(os.environ, TYPESET_EAGER_RECORDS="1" if eager else "0")
    out = subprocess.run([sys.executable, "-c", _DESCRIBE], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def test_every_method_of_every_record_is_the_standard_librarys():
    eager, deferred = _describe(True), _describe(False)
    assert len([k for k in eager if k.endswith(".__init__")]) > 100
    assert eager.keys() == deferred.keys()
    for key in eager:
        assert deferred[key] == eager[key], key


@dataclass(frozen=True)
class _Point:
    """A frozen record for the tests below."""
    x: int
    tags: tuple = field(default_factory=tuple)


@dataclass(slots=True)
class _Slot:
    """A record with slots (dataclasses makes a new class for it)."""
    a: int = 1


class _Sub(_Point):
    """Not a record itself: inherits _Point's methods."""


def _deferred(cls: type, name: str) -> bool:
    return isinstance(vars(cls).get(name), records._Deferred)


def test_a_method_is_compiled_when_first_used():
    assert _deferred(_Point, "__eq__") and _deferred(_Point, "__hash__")
    assert _deferred(_Point, "__setattr__") and _deferred(_Point, "__delattr__")
    assert _Point(1) == _Point(1) and _Point(1) != _Point(2)
    assert type(vars(_Point)["__eq__"]).__name__ == "function"
    assert vars(_Point)["__eq__"].__qualname__ == "_Point.__eq__"
    assert hash(_Point(3)) == hash((3, ()))               # the generated hash: of the fields
    assert not _deferred(_Point, "__hash__")
    assert repr(_Point(2, ("a",))) == "_Point(x=2, tags=('a',))"
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
        _Point(1).x = 2
    with pytest.raises(FrozenInstanceError):
        del _Point(1).x
    assert replace(_Point(1, ("b",)), x=5) == _Point(5, ("b",))


def test_a_subclass_makes_its_parents_method_in_the_parent():
    assert _deferred(_Point, "__lt__") is False            # (no order: nothing made)
    s = _Sub(4)
    assert isinstance(s, _Sub) and s.x == 4 and s.tags == ()
    assert "__init__" not in vars(_Sub) and not _deferred(_Point, "__init__")


def test_a_record_with_slots():
    assert _deferred(_Slot, "__repr__") is False            # (repr: the guard's wrapper)
    assert _deferred(_Slot, "__eq__")
    s = _Slot()
    assert not hasattr(s, "__dict__") and s == _Slot(1) and s != _Slot(2)
    assert repr(s) == "_Slot(a=1)"
    assert pickle.loads(pickle.dumps(s)) == s


def test_the_signature_is_the_generated_one():
    import inspect

    @dataclass
    class Late:
        """Declared here, nothing made yet."""
        a: int
        b: str = "x"
    assert _deferred(Late, "__init__")
    assert str(inspect.signature(Late)) == "(a: 'int', b: 'str' = 'x') -> None"
    assert not _deferred(Late, "__init__")
    assert dataclasses.fields(Late)[1].default == "x"


def test_a_warm_build_compiles_few_of_its_records_methods():
    """Importing the pipeline compiles none of the 400-odd methods a build never calls."""
    probe = ("import typeset.build, typeset.records as r, sys, dataclasses\n"
             "n = sum(isinstance(v, r._Deferred) for m in list(sys.modules.values())"
             " if getattr(m, '__name__', '').startswith('typeset')"
             " for c in vars(m).values() if isinstance(c, type) and dataclasses.is_dataclass(c)"
             " for v in vars(c).values())\n"
             "print(n)")
    n = int(subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True,
                           capture_output=True, text=True,
                           env=dict(os.environ, TYPESET_EAGER_RECORDS="0")).stdout)
    assert n > 350


def test_a_record_without_a_docstring_gets_the_standard_one_when_read():
    @dataclass(frozen=True)
    class Bare:
        a: int
        b: tuple = ()

    @dataclasses.dataclass(frozen=True)
    class Plain:
        a: int
        b: tuple = ()
    assert isinstance(vars(Bare)["__doc__"], records._Doc)
    assert _deferred(Bare, "__init__")                         # (no signature made yet)
    assert Bare.__doc__ == Plain.__doc__.replace("Plain", "Bare") == "Bare(a: 'int', b: 'tuple' = ())"
    assert vars(Bare)["__doc__"] == Bare.__doc__ and Bare(1).__doc__ == Bare.__doc__

    @dataclass(slots=True)
    class Slotted:
        c: str = "x"
    assert Slotted().__doc__ == "Slotted(c: 'str' = 'x')"
