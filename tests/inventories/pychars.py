#!/usr/bin/env python3
"""Write (or --check) src/inventory/pychars.txt: the character classes of
Python and of Ansible's YAML reader that sshfleet's readers use.

- `splitlines`: where `str.splitlines()` ends a line (Ansible's INI plugin
  splits the file with it; `\\r\\n` is one boundary);
- `isspace`: what `str.strip()` and the regex `\\s` treat as whitespace;
- `yaml_break`: characters that end a line for PyYAML's loader with
  libyaml (a comment ends there, a second key follows);
- `yaml_unacceptable`: characters the YAML reader refuses anywhere, even
  in a comment ("unacceptable character ... control characters are not
  allowed"), probed over the Basic Multilingual Plane and every 251st
  astral code point.

    python3 tests/inventories/pychars.py          # rewrite the file
    python3 tests/inventories/pychars.py --check  # exit 1 if it differs

Exit 77 without PyYAML.
"""

import os
import sys

import generated_table  # noqa: E402 - beside this script

try:
    import yaml
except ImportError:
    print("PyYAML is not installed")
    sys.exit(77)
# ansible-core's loader is libyaml's parser (CParser) with PyYAML's
# resolver, as CSafeLoader: the reader's and scanner's classes are libyaml's.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "inventory", "pychars.txt")


def ranges(cps):
    out, start, prev = [], None, None
    for cp in cps:
        if start is not None and cp == prev + 1:
            prev = cp
            continue
        if start is not None:
            out.append((start, prev))
        start = prev = cp
    if start is not None:
        out.append((start, prev))
    return " ".join("%X-%X" % r for r in out)


def loads(text):
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as e:
        return e


def generate():
    points = [cp for cp in range(0x10000) if not 0xD800 <= cp <= 0xDFFF]
    points += list(range(0x10000, 0x110000, 251)) + [0x10FFFF]
    splitlines = [cp for cp in points if len(("a" + chr(cp) + "b").splitlines()) == 2]
    isspace = [cp for cp in points if chr(cp).isspace()]
    yaml_break, unacceptable = [], []
    for cp in points:
        c = chr(cp)
        v = loads("a: x #" + c + "b: 1\n")
        if isinstance(v, dict) and v == {"a": "x", "b": 1}:
            yaml_break.append(cp)
        elif isinstance(v, yaml.YAMLError) and "unacceptable character" in str(v):
            unacceptable.append(cp)
    return "\n".join([
        "# Python %s: written by tests/inventories/pychars.py" % sys.version.split()[0],
        "splitlines " + ranges(splitlines),
        "isspace " + ranges(isspace),
        "yaml_break " + ranges(yaml_break),
        "yaml_unacceptable " + ranges(unacceptable),
    ]) + "\n"


def main():
    generated_table.write_or_check(OUT, generate())


if __name__ == "__main__":
    main()
