#!/usr/bin/env python3
"""Write (or --check) src/inventory/operators.txt: every operator a
template may use (each binary operator, `in`/`not in`, the comparisons,
subscript, slice, `a.1`, unary `-`/`+`/`not`, `x if c else y`), with an
operand of each type a variable can hold, as ansible-core 2.19's Templar
renders it (issue 25: `nul[1:]`, `lst[1.0]`, `'abc'[1.0:]`, `5 in 'x5'`
and `tags in 'a,b'` fail there).

    python3 tests/inventories/operators.py          # rewrite the file
    python3 tests/inventories/operators.py --check  # exit 1 if it differs

Lines: `S<TAB>name<TAB>yaml` names a sample variable and its value as an
inventory writes it (`nope` is never set: undefined); then
`operator<TAB>form<TAB>a<TAB>b<TAB>expression<TAB>outcome`, the form
`var` (the operands a and b are the samples; `-` none) or `lit` (written
as literals), the outcome `E` (Ansible
fails) or `V <json>` of the value (a float as `{"f": repr}`, a mapping as
`{"m": [[key, value], ...]}`). The unit test `operators_tests.rs` renders
each expression with sshfleet: an Ansible error must be an sshfleet
error, an Ansible value sshfleet's value (or a refusal the test lists
with its reason). Exit 77 where ansible-core 2.19 is missing.
"""

import json
import os

import ansible_core  # beside this script
import generated_table  # beside this script

ANSIBLE_VERSION = ansible_core.start()
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.template import Templar, trust_as_template  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "inventory", "operators.txt")

# Every type an inventory variable holds: (name, value, as YAML writes
# it). A YAML mapping's keys are text here (`{1: x}` is another table's
# question); `{1: 'x'}` is a literal below.
SAMPLES = [
    ("n", None, "~"),
    ("t", True, "true"),
    ("f", False, "false"),
    ("i0", 0, "0"),
    ("i1", 1, "1"),
    ("im1", -1, "-1"),
    ("f1", 1.0, "1.0"),
    ("f15", 1.5, "1.5"),
    ("big", 2**63 - 1, "9223372036854775807"),
    ("s0", "", "''"),
    ("sx5", "x5", "x5"),
    ("sNone", "None", "'None'"),
    ("s1", "1", "'1'"),
    ("l0", [], "[]"),
    ("l2", [1, "a"], "[1, a]"),
    ("d0", {}, "{}"),
    ("d1", {"a": 1}, "{a: 1}"),
    ("nope", None, None),
]
ALL = [s[0] for s in SAMPLES]
# Fewer, for the operators whose rule is the operands' types alone.
SOME = ["n", "t", "i0", "i1", "im1", "f15", "big", "s0", "sx5", "l0", "l2", "d1", "nope"]
# Slice indices: the types above and a float that is an integer's value.
INDICES = SOME + ["f1"]

# The same values written as literals, and a mapping with a number key.
LITERALS = [
    "none", "true", "false", "0", "1", "-1", "1.0", "1.5", "9223372036854775807",
    "''", "'x5'", "'None'", "'1'", "[]", "[1, 'a']", "{}", "{'a': 1}", "{1: 'x'}", "nope",
]
LIT_RIGHT = ["none", "1", "1.0", "''", "'x5'", "[1, 'a']", "{'a': 1}", "{1: 'x'}"]

# Binary operators: (operator, how a and b are written, left, right).
BINARY = [
    ("in", "%s in %s", ALL, ALL),
    ("[]", "%s[%s]", ALL, ALL),
    ("==", "%s == %s", ALL, ALL),
    ("not in", "%s not in %s", SOME, SOME),
    ("!=", "%s != %s", SOME, SOME),
    ("+", "%s + %s", SOME, SOME),
    ("-", "%s - %s", SOME, SOME),
    ("*", "%s * %s", SOME, SOME),
    ("/", "%s / %s", SOME, SOME),
    ("//", "%s // %s", SOME, SOME),
    ("%", "%s %% %s", SOME, SOME),
    ("**", "%s ** %s", SOME, SOME),
    ("<", "%s < %s", SOME, SOME),
    ("<=", "%s <= %s", SOME, SOME),
    (">", "%s > %s", SOME, SOME),
    (">=", "%s >= %s", SOME, SOME),
    ("~", "%s ~ %s", SOME, SOME),
    ("and", "%s and %s", ALL, ["s0", "i1"]),
    ("or", "%s or %s", ALL, ["s0", "i1"]),
]
LIT_BINARY = ["in", "[]", "==", "+"]

# Slices, attribute-as-index, unary operators, the conditional: (operator,
# how the operand is written (`%(a)s`, the index `%(b)s`), operands, indices).
UNARY = [
    ("[b:]", "%(a)s[%(b)s:]", ALL, INDICES),
    ("[:b]", "%(a)s[:%(b)s]", ALL, INDICES),
    ("[::b]", "%(a)s[::%(b)s]", ALL, INDICES),
    ("[b:b]", "%(a)s[%(b)s:%(b)s]", ALL, ["i0", "f1", "s0"]),
    ("[:]", "%(a)s[:]", ALL, [""]),
    ("[::]", "%(a)s[::]", ALL, [""]),
    ("a.0", "%(a)s.0", ALL, [""]),
    ("a.1", "%(a)s.1", ALL, [""]),
    ("a.name", "%(a)s.a", ALL, [""]),
    ("-a", "-%(a)s", ALL, [""]),
    ("+a", "+%(a)s", ALL, [""]),
    ("not", "not %(a)s", ALL, [""]),
    ("if", "'y' if %(a)s else 'n'", ALL, [""]),
    ("chain", "%(a)s == %(a)s == %(a)s", SOME, [""]),
    ("chain", "%(a)s < %(b)s <= %(b)s", SOME, ["i1", "s0"]),
    ("chain", "%(a)s in %(b)s != %(b)s", SOME, ["sx5", "l2"]),
]


# Python computes these for hours (a 2**63 digit integer): left out.
SLOW = {"big ** big"}


def cases():
    for op, form, lefts, rights in BINARY:
        for a in lefts:
            for b in rights:
                if form % (a, b) not in SLOW:
                    yield op, "var", a, b, form % (a, b)
    for op, form, operands, indices in UNARY:
        for a in operands:
            for b in indices:
                yield op, "var", a, b or "-", form % {"a": a, "b": b}
    for op, form, _, _ in BINARY:
        if op in LIT_BINARY:
            for a in LITERALS:
                for b in LIT_RIGHT:
                    yield op, "lit", a, b, form % (a, b)


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
        pass
    try:
        value = templar.template(trust_as_template("{{ (%s) | default('D') }}" % expr))
        return "U" if value == "D" else "E"
    except Exception:  # noqa: BLE001
        return "E"


def generate():
    variables = {name: value for name, value, yaml in SAMPLES if yaml is not None}
    templar = Templar(loader=DataLoader(), variables=variables)
    lines = ["# ansible-core %s: written by tests/inventories/operators.py" % ANSIBLE_VERSION]
    lines += ["S\t%s\t%s" % (name, yaml) for name, _, yaml in SAMPLES if yaml is not None]
    seen = set()
    for op, form, a, b, expr in cases():
        if expr in seen:
            continue
        seen.add(expr)
        lines.append("\t".join([op, form, a, b, expr, outcome(templar, expr)]))
    return "\n".join(lines) + "\n"


def main():
    generated_table.write_or_check(OUT, generate())


if __name__ == "__main__":
    main()
