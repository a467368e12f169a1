#!/usr/bin/env python3
"""Write (or --check) src/inventory/yaml11_scalars.txt: plain YAML scalars
as Ansible's loader reads them.

sshfleet resolves a plain scalar as PyYAML's YAML 1.1 resolver and
constructors do (`022` is 18, `0_` is 0, `1_:30` is 90, `0b_` makes the
file unreadable). This script draws a few thousand scalars with a fixed
seed from the characters those resolvers look at (digits, `_`, `.`, `:`,
signs, `e`, `x`, `b`, the letters of `inf`, `nan` and the booleans) and
records, for each, what ansible-core's AnsibleLoader (PyYAML's SafeLoader
where ansible-core is missing) makes of `v: TEXT`:

    python3 tests/inventories/yaml11_scalars.py          # rewrite the file
    python3 tests/inventories/yaml11_scalars.py --check  # exit 1 if it differs

Lines, tab-separated: TEXT then `i N` (int), `f HEX` (the float's 64 bits),
`b 0|1`, `n`, `s` (text) or `E` (the loader fails). Exit 77 without PyYAML.
"""

import datetime
import os
import random
import struct
import sys

import generated_table  # noqa: E402 - beside this script

try:
    import yaml
except ImportError:
    print("PyYAML is not installed")
    sys.exit(77)
try:
    from ansible._internal._yaml._loader import AnsibleLoader as Loader
except ImportError:
    Loader = yaml.SafeLoader

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "inventory", "yaml11_scalars.txt")

PIECES = ["0", "1", "7", "8", "9", "5", "6", "_", "_", ".", ":", "e", "E", "+", "-",
          "x", "b", "o", "a", "f", "F", "inf", "Inf", "INF", "nan", "NaN", "0x", "0b"]
WORDS = ["yes", "Yes", "YES", "yEs", "no", "NO", "on", "On", "oN", "off", "OFF", "true",
         "True", "tRue", "false", "FALSE", "y", "n", "null", "Null", "NULL", "nULL", "~"]


def draw(rnd):
    kind = rnd.random()
    sign = rnd.choice(["", "", "", "-", "+"])
    if kind < 0.05:
        return rnd.choice(WORDS)
    if kind < 0.25:
        # The int forms: 0b, 0x, octal, decimal, sexagesimal.
        head = rnd.choice(["0b", "0x", "0", "0", "1", "9", "1_", "0_"])
        alpha = {"0b": "01_2", "0x": "09afAF_g", "0": "07_8"}.get(head, "09_")
        body = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 4)))
        if rnd.random() < 0.3:
            body += ":" + "".join(rnd.choice("0569_") for _ in range(rnd.randint(1, 3)))
        return sign + head + body
    if kind < 0.45:
        # The float forms: digits . digits e sign digits; .digits; 1:2.5.
        int_part = "".join(rnd.choice("0159_") for _ in range(rnd.randint(0, 3)))
        frac = "".join(rnd.choice("05_") for _ in range(rnd.randint(0, 3)))
        exp = ""
        if rnd.random() < 0.4:
            exp = rnd.choice("eE") + rnd.choice(["", "+", "-"]) + rnd.choice(["", "1", "10", "_1", "400"])
        if rnd.random() < 0.2:
            int_part += ":" + rnd.choice(["0", "5", "59", "60", "07", "_5"])
        return sign + int_part + "." + frac + exp
    return sign + "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 5)))


def reading(text):
    try:
        value = yaml.load("v: %s\n" % text, Loader=Loader)
    except yaml.YAMLError:
        return None  # not one plain scalar
    except Exception:  # the constructor failed: Ansible cannot read the file
        return "E"
    if not isinstance(value, dict) or list(value) != ["v"]:
        return None
    v = value["v"]
    if isinstance(v, bool):
        return "b %d" % v
    if isinstance(v, int):
        return "i %d" % v if -(2**63) <= v < 2**63 else None
    if isinstance(v, float):
        return "f %s" % struct.pack(">d", v).hex()
    if v is None:
        return "n"
    if isinstance(v, str):
        return "s" if v == text else None
    if isinstance(v, (datetime.date, datetime.datetime)):
        return None
    return None


def generate():
    rnd = random.Random(25)
    seen = {}
    while len(seen) < 4000:
        text = draw(rnd)
        if text in seen or text.endswith(":") or text.startswith(("-:", ":")) or text == "-":
            continue
        r = reading(text)
        if r is not None:
            seen[text] = r
    lines = ["# %s: written by tests/inventories/yaml11_scalars.py" % Loader.__module__]
    lines += ["%s\t%s" % (t, r) for t, r in seen.items()]
    return "\n".join(lines) + "\n"


def main():
    generated_table.write_or_check(OUT, generate())


if __name__ == "__main__":
    main()
