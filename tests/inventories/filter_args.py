#!/usr/bin/env python3
"""Write (or --check) src/inventory/filter_args.txt: every filter and str
method sshfleet supports, called with a value of each Python type in each
parameter (the value filtered included), as ansible-core 2.19's Templar
renders it (issue 25: `replace('b', 'x', 1.0)`, `'abc'.startswith(['a'])`
and `int(0, 2.0)` are errors or other values there).

    python3 tests/inventories/filter_args.py          # rewrite the file
    python3 tests/inventories/filter_args.py --check  # exit 1 if it differs

Lines: `callee<TAB>parameter<TAB>type<TAB>expression<TAB>outcome`, the
outcome `E` (Ansible fails) or `V <json>` of the value (a float as `{"f":
repr}` and a tuple refused: JSON cannot tell them). The unit test
`filter_args_tests.rs` renders each expression with sshfleet: an Ansible
error must be an sshfleet error, an Ansible value sshfleet's value (or a
refusal the test lists with its reason). Exit 77 where ansible-core 2.19
is missing.
"""

import json
import os

import ansible_core  # beside this script
import generated_table  # beside this script

ANSIBLE_VERSION = ansible_core.start()
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.template import Templar, trust_as_template  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "inventory", "filter_args.txt")

# One value of each Python type a template can write.
TYPED = [
    ("int", "1"),
    ("int", "2"),
    ("int", "-1"),
    ("bool", "true"),
    ("bool", "false"),
    ("float", "1.0"),
    ("float", "2.0"),
    ("float", "2.5"),
    ("str", "'b'"),
    ("str", "'11'"),
    ("str", "''"),
    ("list", "['a']"),
    ("list", "[]"),
    ("dict", "{'a': 1}"),
    ("none", "none"),
]

# Each callee: how it is written with its arguments, and a valid call.
# `|f` is a filter, `.m` a str method; the first parameter is the value.
CALLS = [
    ("basename", ["value"], ["'/a/b'"]),
    ("dirname", ["value"], ["'/a/b'"]),
    ("bool", ["value"], ["'yes'"]),
    ("capitalize", ["value"], ["'ab'"]),
    ("lower", ["value"], ["'Ab'"]),
    ("upper", ["value"], ["'Ab'"]),
    ("string", ["value"], ["'ab'"]),
    ("length", ["value"], ["'ab'"]),
    ("first", ["value"], ["'ab'"]),
    ("last", ["value"], ["'ab'"]),
    ("d", ["value", "default_value", "boolean"], ["''", "'x'", "true"]),
    ("default", ["value", "default_value", "boolean"], ["''", "'x'", "true"]),
    ("format", ["value", "arg"], ["'%s'", "'x'"]),
    ("int", ["value", "default", "base"], ["'11'", "0", "2"]),
    ("int", ["value", "=default", "=base"], ["'11'", "0", "2"]),
    ("join", ["value", "d"], ["['a', 'b']", "','"]),
    ("regex_replace", ["value", "pattern", "replacement"], ["'abc'", "'b'", "'x'"]),
    ("regex_replace", ["value", "pattern", "replacement", "=ignorecase", "=multiline"],
     ["'Bc'", "'^b'", "'x'", "true", "false"]),
    ("replace", ["value", "old", "new", "count"], ["'abcb'", "'b'", "'x'", "1"]),
    ("split", ["value", "sep", "maxsplit"], ["'a,b,c'", "','", "1"]),
    ("trim", ["value", "chars"], ["'abca'", "'a'"]),
    (".lower", ["self"], ["'Ab'"]),
    (".upper", ["self"], ["'Ab'"]),
    (".strip", ["self", "chars"], ["'abca'", "'a'"]),
    (".lstrip", ["self", "chars"], ["'abca'", "'a'"]),
    (".rstrip", ["self", "chars"], ["'abca'", "'a'"]),
    (".startswith", ["self", "prefix"], ["'abc'", "'a'"]),
    (".endswith", ["self", "suffix"], ["'abc'", "'c'"]),
    (".split", ["self", "sep", "maxsplit"], ["'a,b,c'", "','", "1"]),
    (".replace", ["self", "old", "new", "count"], ["'abcb'", "'b'", "'x'", "1"]),
]


def expression(callee, params, args):
    args = [a if not p.startswith("=") else p[1:] + "=" + a for p, a in zip(params, args)]
    if callee.startswith("."):
        return "(%s)%s(%s)" % (args[0], callee, ", ".join(args[1:]))
    if len(args) == 1:
        return "%s | %s" % (args[0], callee)
    return "%s | %s(%s)" % (args[0], callee, ", ".join(args[1:]))


def cases():
    for callee, params, valid in CALLS:
        yield callee, "-", "valid", expression(callee, params, valid)
        for i, param in enumerate(params):
            for kind, text in TYPED:
                args = list(valid)
                args[i] = text
                yield callee, param, kind, expression(callee, params, args)


def plain(v):
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return {"f": repr(v)}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {"m": [[plain(k), plain(x)] for k, x in v.items()]}
    raise TypeError(type(v).__name__)


def outcome(templar, expr):
    try:
        value = templar.template(trust_as_template("{{ %s }}" % expr))
        return "V " + json.dumps(plain(value), ensure_ascii=False, sort_keys=True)
    except Exception:  # noqa: BLE001 - any failure is Ansible's error
        return "E"


def generate():
    templar = Templar(loader=DataLoader(), variables={})
    lines = ["# ansible-core %s: written by tests/inventories/filter_args.py" % ANSIBLE_VERSION]
    seen = set()
    for callee, param, kind, expr in cases():
        if expr in seen:
            continue
        seen.add(expr)
        lines.append("\t".join([callee, param, kind, expr, outcome(templar, expr)]))
    return "\n".join(lines) + "\n"


def main():
    generated_table.write_or_check(OUT, generate())


if __name__ == "__main__":
    main()
