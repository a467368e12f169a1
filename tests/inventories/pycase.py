#!/usr/bin/env python3
"""Write (or --check) src/inventory/pycase.txt: Python's case mappings.

sshfleet's `upper`, `lower` and `capitalize` are Python's `str.upper()`,
`str.lower()` and `str.capitalize()` as the controller's Python computes
them (ansible-core 2.19 on Python 3.11: Unicode 14.0), not Rust's (a later
Unicode, no titlecase). The file holds, for every code point whose
mapping is not itself, its full upper, lower and title mappings, and the
two properties of the final-sigma rule of `lower()` (Case_Ignorable, and
Cased for the others), derived from `str.lower()` itself:

    python3 tests/inventories/pycase.py          # rewrite the file
    python3 tests/inventories/pycase.py --check  # exit 1 if it differs

Lines: `M cp upper lower title` (hex, a mapping of several code points
joined by `.`), `I first last` (Case_Ignorable), `C first last` (Cased and
not Case_Ignorable).
"""

import os
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "inventory", "pycase.txt")


def hexes(s):
    return ".".join("%X" % ord(c) for c in s)


def ranges(tag, cps):
    out, start, prev = [], None, None
    for cp in cps:
        if start is not None and cp == prev + 1:
            prev = cp
            continue
        if start is not None:
            out.append("%s %X %X" % (tag, start, prev))
        start = prev = cp
    if start is not None:
        out.append("%s %X %X" % (tag, start, prev))
    return out


def generate():
    lines = ["# Python %s, Unicode %s: written by tests/inventories/pycase.py"
             % (sys.version.split()[0], unicodedata.unidata_version)]
    ignorable, cased = [], []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        # `capitalize()` of one character is its title mapping.
        up, low, title = c.upper(), c.lower(), c.capitalize()
        if (up, low, title) != (c, c, c):
            lines.append("M %X %s %s %s" % (cp, hexes(up), hexes(low), hexes(title)))
        # Final sigma: `AΣc` keeps σ when c is cased (not ignorable);
        # `AΣcB` keeps σ when c is ignorable (skipped to the cased B).
        alone = ("A\u03a3" + c).lower()[1] == "\u03c3"
        before_b = ("A\u03a3" + c + "B").lower()[1] == "\u03c3"
        if before_b and not alone:
            ignorable.append(cp)
        elif alone:
            cased.append(cp)
    return "\n".join(lines + ranges("I", ignorable) + ranges("C", cased)) + "\n"


def main():
    text = generate()
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            old = f.read()
        # The header names the Python that wrote it; the tables must agree.
        same = old.split("\n", 1)[1] == text.split("\n", 1)[1]
        print("pycase.txt matches this Python" if same else "pycase.txt differs from this Python")
        sys.exit(0 if same else 1)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
