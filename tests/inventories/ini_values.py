#!/usr/bin/env python3
"""Write (or --check) src/inventory/ini_values.txt: what ansible-core 2.19's
INI plugin makes of a value (`InventoryModule._parse_value`: Python's
`ast.literal_eval`, then `_parse_recursive_coerce_types_and_tag`), as
`ansible-inventory --list` prints it. Bytes (`b'..'`, anywhere in a list,
tuple, set or mapping) come out as text Ansible does not trust, printed
`{"__ansible_unsafe": TEXT}`; sets and tuples as lists.

Each line: the value as a JSON string, a tab, then either Ansible's value as
JSON, or `!error` where the plugin fails (a set holding a list), or
`!unordered` for a set of several items, then a tab
and what in Ansible's value sshfleet may refuse (empty when it may not):
`set` (several different items, in an order Python does not fix),
`complex`, `int64` (beyond 64 bits), `float` (written with an exponent or
printed in one), `key` (a mapping key that is not text), `utf8` (bytes that
are not UTF-8), `N` (a `\\N{...}` escape).

    python3 tests/inventories/ini_values.py          # rewrite the file
    python3 tests/inventories/ini_values.py --check  # exit 1 if it differs

Exit 77 without ansible-core 2.19.
"""

import ast
import json
import os
import random
import sys

import ansible_core  # noqa: E402 - beside this script
import generated_table  # noqa: E402

VERSION = ansible_core.start()
from ansible._internal._datatag._tags import Origin  # noqa: E402
from ansible._internal._json._profiles import _inventory_legacy  # noqa: E402
from ansible.plugins.loader import inventory_loader  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "inventory", "ini_values.txt")

PLUGIN = inventory_loader.get("ini")
PLUGIN._origin = Origin(path="/hosts", line_num=1)

# Literals of every kind literal_eval reads, and texts that are none.
ATOMS = [
    "1", "-2", "0x1f", "1.5", "1.0", "True", "False", "None", "...", "'a'", '"b c"',
    "'{{ x }}'", "u'x'", "r'\\d'", "b'a'", 'B"x"', "rb'\\d'", "Br'{{ x }}'",
    "b'{{ inventory_hostname }}.mgmt'", "b'\\xc3\\xa9'", "b'\\xff'", "b'\\400'",
    "b'\\u00e9'", "b'a' b'b'", "'a' 'b'", "'a' b'b'", "b''", "()", "set()",
    "{1}", "{1, 1.0, True}", "{True, 1}", "{'a', 'a'}", "{b'a', b'a'}", "{'a', b'a'}",
    "{1, 2}", "{(1, 2)}", "{()}", "{b'x'}", "{[1]}", "{(1, [2])}", "{{ 1 }}", "{{ 'a' }}",
    "{...}", "1j", "1e3", "99999999999999999999", "'\\N{DASH}'", "x", "{{ x }}",
    "f'x'", "-...", "b'x' 'y'", "[]", "{}",
]
SHAPES = [
    "{a}", "[{a}]", "[{a}, {b}]", "({a},)", "({a}, {b})", "{{'k': {a}}}",
    "{{'k': [{a}, {b}]}}", "{{{a}: 1}}", "{a}, {b}", "{a} {b}", "{a}{b}",
    "{{{a}}}{{{b}}}.example.com", "{{{a}, {b}}}", "{{{a}}}", "{a}x", "-{a}",
    "[{a}, {{'k': ({b},)}}]",
]
# The findings this table was made for, as written.
FIXED = [
    "b'{{ inventory_hostname }}.mgmt.example.com'", "b'/keys/{{ inventory_hostname }}'",
    "b'-o ProxyJump={{ \"bastion\" }}'", "[b'..']", "{'k': b'..'}",
    "{{ 'esa' }}{{ 1 }}.example.com", "{{ 1 }}x", "{{ 22 }}{{ 0 }}", "{{ 'a' }} {{ 'b' }}",
    "{1}", "{ 1 }", "{1,}", "{1, 1}", "{..., '...'}", "{'...', ...}", "{..., ...}",
    "({{ 1 }}, x)", "({{ 1 }})x", "(({{ 1 }}))", "[({{ 1 }}), x]", "{{ 1 }}, x", "{{ 1 }}.x",
]


def listed(value):
    # Where the listing marks untrusted text: a host's variable. Written
    # in ASCII, `\\udcff` for a byte Ansible keeps as a surrogate.
    stuff = {"_meta": {"hostvars": {"h": {"x": value}}}}
    listing = json.loads(json.dumps(stuff, cls=_inventory_legacy.Encoder, sort_keys=True))
    return json.dumps(listing["_meta"]["hostvars"]["h"]["x"], sort_keys=True)


def refusable(text):
    """What in `text`'s value sshfleet may refuse."""
    kinds = set()
    if "\\N{" in text:
        kinds.add("N")

    def walk(v):
        if isinstance(v, complex):
            kinds.add("complex")
        elif isinstance(v, bool) or v is None or v is ...:
            pass
        elif isinstance(v, int):
            if not -2**63 <= v < 2**63:
                kinds.add("int64")
        elif isinstance(v, float):
            if "e" in repr(v) or "e" in text.lower().replace("true", "").replace("false", ""):
                kinds.add("float")
        elif isinstance(v, bytes):
            try:
                v.decode("utf-8")
            except UnicodeDecodeError:
                kinds.add("utf8")
        elif isinstance(v, (list, tuple)):
            for i in v:
                walk(i)
        elif isinstance(v, (set, frozenset)):
            if len(v) > 1:
                kinds.add("set")
            for i in v:
                walk(i)
        elif isinstance(v, dict):
            for k, i in v.items():
                if not isinstance(k, str):
                    kinds.add("key")
                walk(i)

    try:
        walk(ast.literal_eval(text))
    except Exception:
        pass
    return ",".join(sorted(kinds))


def row(text):
    kinds = refusable(text)
    try:
        value = listed(PLUGIN._parse_value(text))
    except Exception:
        value = "!error"
    if "set" in kinds.split(","):
        # The order of a set of texts changes with PYTHONHASHSEED.
        value = "!unordered"
    return "%s\t%s\t%s" % (json.dumps(text), value, kinds)


def main():
    rng = random.Random(25)
    texts = list(FIXED) + list(ATOMS)
    for shape in SHAPES:
        for _ in range(24):
            texts.append(shape.format(a=rng.choice(ATOMS), b=rng.choice(ATOMS)))
    seen, rows = set(), []
    for text in texts:
        if text not in seen:
            seen.add(text)
            rows.append(row(text))
    head = "# ansible-core %s: tests/inventories/ini_values.py (value, listed, refusable)" % VERSION
    generated_table.write_or_check(OUT, "\n".join([head] + rows) + "\n")


if __name__ == "__main__":
    main()
