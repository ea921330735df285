"""opskit.types (hand-written TypedDicts) against the TypeScript
declarations generated from the Rust core (bindings-node/types.d.ts): every
Python result type has the same name there and exactly its keys, so the
two cannot drift apart or from the core."""

import pathlib
import re
import typing

import opskit.types as types

DTS = pathlib.Path(__file__).resolve().parents[2] / "bindings-node" / "types.d.ts"


def snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def top_level_objects(body):
    """The `{ … }` objects at the top of a type body (one, or several joined by `&`)."""
    depth, start, out = 0, None, []
    for i, ch in enumerate(body):
        if ch in "{[(<":
            if ch == "{" and depth == 0:
                start = i + 1
            depth += 1
        elif ch in "}])>":
            depth -= 1
            if ch == "}" and depth == 0:
                out.append(body[start:i])
    return out


def keys_of(obj):
    """The field names of one object type's text."""
    obj = re.sub(r"/\*.*?\*/", "", obj, flags=re.S)
    keys, depth, field = set(), 0, ""
    for ch in obj + ",":
        if ch in "{[(<":
            depth += 1
        elif ch in "}])>":
            depth -= 1
        if ch == "," and depth == 0:
            m = re.match(r'\s*"?(\w+)"?\??\s*:', field)
            if m:
                keys.add(m.group(1))
            field = ""
        else:
            field += ch
    return keys


def declarations():
    text = DTS.read_text()
    out = {}
    for m in re.finditer(r"^export type (\w+) = (.*?);\n\n", text, re.S | re.M):
        objects = top_level_objects(m.group(2))
        if objects:
            out[m.group(1)] = {snake(k) for o in objects for k in keys_of(o)}
    return out


def test_every_python_result_type_is_declared_with_its_keys():
    declared = declarations()
    assert len(declared) > 60
    checked, problems = 0, []
    for name in types.__all__:
        cls = getattr(types, name)
        if not typing.is_typeddict(cls):
            continue
        checked += 1
        if name not in declared:
            problems.append(f"{name}: no TypeScript type of that name")
            continue
        py = set(typing.get_type_hints(cls))
        ts = declared[name]
        if py != ts:
            problems.append(f"{name}: only in Python {sorted(py - ts)}, only in TypeScript {sorted(ts - py)}")
    assert not problems, "\n".join(problems)
    assert checked >= 50
