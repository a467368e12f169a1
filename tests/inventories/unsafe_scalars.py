#!/usr/bin/env python3
"""Write (or --check) src/inventory/unsafe_scalars.txt: `!unsafe` scalars as
Ansible's loader reads them.

ansible-core 2.19's `construct_yaml_unsafe` resolves the tagged scalar's
YAML 1.1 type as if it were plain, quoted or not (`!unsafe '022'` is the
int 18, `!unsafe "off"` False, `!unsafe ""` None), and only a text stays a
text that is never templated. This script takes the scalars of
yaml11_scalars.py (same seed) and a few more (words, dates, blanks, `=`),
writes each plain, single- and double-quoted after `!unsafe`, and records
what ansible-core's AnsibleLoader (PyYAML's SafeLoader where ansible-core
is missing: the file then differs) makes of `v: !unsafe TEXT`:

    python3 tests/inventories/unsafe_scalars.py          # rewrite the file
    python3 tests/inventories/unsafe_scalars.py --check  # exit 1 if it differs

Lines, tab-separated: the YAML after `v: !unsafe ` then `i N`, `f HEX`,
`b 0|1`, `n`, `s` (the text, unsafe), `d` (a date or time) or `E` (the
loader fails). Exit 77 without PyYAML.
"""

import datetime
import os
import random
import struct
import sys

import generated_table  # noqa: E402 - beside this script
import yaml11_scalars  # noqa: E402 - beside this script (exits 77 without PyYAML)

yaml = yaml11_scalars.yaml
Loader = yaml11_scalars.Loader

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "inventory", "unsafe_scalars.txt")

MORE = ["", "~", "=", "<<", "022", "0x10", "2024-01-02", "2024-01-02 10:00:00", "2001-12-14t21:59:43.10-05:00",
        "2024-13-01", " 22", "22 ", "1 2", "a b", "yes ", " off", "{{ x }}", "a: b", "#x", "1e3", "1.0e+3",
        "0o17", "0b", "-", ".inf", "-.Inf", ".NaN", "1:00", "190:20:30", "1_000"]


def reading(yaml_text, text):
    try:
        value = yaml.load("v: !unsafe %s\n" % yaml_text, Loader=Loader)
    except yaml.YAMLError as e:
        if isinstance(e, yaml.constructor.ConstructorError):
            return "E"
        return None  # not one scalar
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
        return "s" if str(v) == text else None
    if isinstance(v, (datetime.date, datetime.datetime)):
        return "d"
    return None


def forms(text):
    yield "'%s'" % text.replace("'", "''")
    yield '"%s"' % text
    if text and text.strip() == text and not text.startswith(("#", "-", "{", "'", '"')):
        yield text


def generate():
    rnd = random.Random(25)
    texts = list(MORE)
    seen = set(texts)
    while len(texts) < 1500:
        text = yaml11_scalars.draw(rnd)
        if text not in seen and not text.endswith(":") and not text.startswith(("-:", ":")):
            seen.add(text)
            texts.append(text)
    lines = ["# %s: written by tests/inventories/unsafe_scalars.py" % Loader.__module__]
    for text in texts:
        for form in forms(text):
            r = reading(form, text)
            if r is not None:
                lines.append("%s\t%s" % (form, r))
    return "\n".join(lines) + "\n"


def main():
    generated_table.write_or_check(OUT, generate())


if __name__ == "__main__":
    main()
