"""Fast construction of pydantic models from trusted internal data (the checks' hot path).

`Model.model_construct` walks every field (aliases, defaults) on each call: ~15-20 µs, and a rules pass
builds ~60 models per answer. `fast_constructor(Model)` precomputes the defaults once and returns a
function that builds the same instance (same `__dict__` in field order, same `model_fields_set`) in ~1 µs.
Only for data the code itself produced: nothing is validated, exactly as with `model_construct`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

M = TypeVar("M", bound=BaseModel)

_setattr = object.__setattr__
_new = object.__new__
# the slot descriptors of BaseModel, called directly: a third cheaper than `object.__setattr__` by name
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def _plain_fields(cls: type[M]) -> dict:
    """The fields of `cls`, refused unless it is a plain model (no post-init, private attributes, extra fields
    or aliases): what fast construction may skip."""
    if cls.__pydantic_post_init__ or cls.__private_attributes__ or cls.model_config.get("extra") == "allow":
        raise TypeError(f"{cls.__name__}: fast construction supports plain models only")
    fields = cls.__pydantic_fields__
    for name, f in fields.items():
        if f.alias is not None and f.alias != name or f.validation_alias is not None:
            raise TypeError(f"{cls.__name__}.{name}: aliased fields are not supported")
    return fields


def fast_constructor(cls: type[M]) -> Callable[..., M]:
    """A `cls.model_construct` equivalent for models without aliases, private attributes or post-init."""
    fields = _plain_fields(cls)
    defaults: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, f in fields.items():
        if f.default_factory is not None:
            factories.append((name, f.default_factory))  # type: ignore[arg-type]
            defaults[name] = None
        elif f.default is PydanticUndefined:
            defaults[name] = None  # required: the caller always passes it (trusted data)
        else:
            defaults[name] = f.default

    if factories:

        def make(**kw: Any) -> M:
            d = {**defaults, **kw}
            for name, fac in factories:
                if name not in kw:
                    d[name] = fac()
            m = _new(cls)
            _set_dict(m, d)
            _set_fields_set(m, set(kw))
            _set_extra(m, None)
            _set_private(m, None)
            return m

    else:

        def make(**kw: Any) -> M:
            m = _new(cls)
            _set_dict(m, {**defaults, **kw})
            _set_fields_set(m, set(kw))
            _set_extra(m, None)
            _set_private(m, None)
            return m

    make.__name__ = f"construct_{cls.__name__}"
    make.__doc__ = f"Fast `{cls.__name__}.model_construct` for trusted data."
    return make


def keyword_constructor(cls: type[M], names: tuple[str, ...]) -> Callable[..., M]:
    """`cls.model_construct(**kw)` for calls that always pass exactly the fields `names`, as keyword-only
    parameters: the call binds them directly (no `**kw` dict, no merge with the defaults), about half the cost of
    `fast_constructor` for a dozen fields. The other fields take their defaults (factories called per instance)."""
    fields = _plain_fields(cls)
    if unknown := [n for n in names if n not in fields]:
        raise TypeError(f"{cls.__name__}: no fields {unknown}")
    ns: dict[str, Any] = {"_new": _new, "_cls": cls, "_set_dict": _set_dict, "_set_fields_set": _set_fields_set,
                          "_set_extra": _set_extra, "_set_private": _set_private, "_names": frozenset(names)}
    items = []
    for name, f in fields.items():
        if name in names:
            items.append(f"{name!r}: {name}")
        elif f.default_factory is not None:
            ns[f"_f_{name}"] = f.default_factory
            items.append(f"{name!r}: _f_{name}()")
        elif f.default is PydanticUndefined:
            raise TypeError(f"{cls.__name__}.{name}: a required field must be among the names")
        else:
            ns[f"_d_{name}"] = f.default
            items.append(f"{name!r}: _d_{name}")
    src = (f"def make(*, {', '.join(names)}):\n    m = _new(_cls)\n    _set_dict(m, {{{', '.join(items)}}})\n"
           "    _set_fields_set(m, set(_names))\n    _set_extra(m, None)\n    _set_private(m, None)\n    return m\n")
    exec(src, ns)  # noqa: S102 - field names from our own models
    make = ns["make"]
    make.__name__ = f"construct_{cls.__name__}"
    make.__doc__ = f"Fast `{cls.__name__}.model_construct` for trusted data, with the fields {', '.join(names)}."
    return make


def raw_record(cls: type[M]) -> tuple[type, Callable[[Any], M]]:
    """A plain `__slots__` class with the fields of `cls` (keyword arguments, same defaults), and a converter
    from a record to the model. For intermediate results in the hot path: a record costs a fraction of a model
    and reads the same (attribute access); public functions convert at the boundary."""
    fields = cls.__pydantic_fields__
    names = tuple(fields)
    params = []
    for name, f in fields.items():
        if f.default_factory is not None:
            raise TypeError(f"{cls.__name__}.{name}: default factories are not supported")
        params.append(name if f.default is PydanticUndefined else f"{name}=_d_{name}")
    ns: dict[str, Any] = {f"_d_{n}": f.default for n, f in fields.items() if f.default is not PydanticUndefined}
    body = "\n".join(f"    self.{n} = {n}" for n in names)
    exec(f"def __init__(self, *, {', '.join(params)}):\n{body}\n", ns)  # noqa: S102 - field names from our own models
    record = type(f"{cls.__name__}Record", (), {"__slots__": names, "__init__": ns["__init__"],
                                                "__doc__": f"Lightweight record with the fields of {cls.__name__}."})
    record.__module__ = cls.__module__

    def to_model(rec: Any) -> M:
        m = _new(cls)
        _set_dict(m, {n: getattr(rec, n) for n in names})
        _set_fields_set(m, set(names))
        _set_extra(m, None)
        _set_private(m, None)
        return m

    to_model.__name__ = f"{cls.__name__}_from_record"
    return record, to_model
