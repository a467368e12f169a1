#!/usr/bin/env python3
"""Write (or --check) src/inventory/host_ranges.txt: the host names
ansible-core 2.19's `expand_hostname_range` makes of a range pattern (what
every inventory plugin's `_expand_hostpattern` applies), for generated
patterns: signed, blank-padded, underscored, zero-padded and letter bounds,
steps of every sign, empty ranges, several ranges, stray `]` and `|`.

Each line: the pattern as a JSON string, a tab, the names as a JSON list or
`!error` where Ansible refuses the pattern.

    python3 tests/inventories/host_ranges.py          # rewrite the file
    python3 tests/inventories/host_ranges.py --check  # exit 1 if it differs

Exit 77 without ansible-core 2.19.
"""

import json
import os
import random

import ansible_core  # noqa: E402 - beside this script
import generated_table  # noqa: E402

VERSION = ansible_core.start()
from ansible.plugins.inventory import expand_hostname_range  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "inventory", "host_ranges.txt")

BOUNDS = ["", "0", "1", "2", "3", "9", "01", "03", "10", "-1", "-2", "+1", " 1", "2 ", "1_0",
          "1__0", "_1", "a", "c", "z", "A", "ab", "bc", "0a", "x1", "00", "-0", "- 1", "\t2"]
STEPS = [None, "1", "2", "3", "-1", "-2", "0", " 1", "+2", "a", ""]
SHAPES = ["h[{r}]", "h[{r}].example.com", "h[{r}]-[{r2}]", "[{r}]", "h]x[{r}]", "h|[{r}]",
          "h[{r}", "h[{r}]]"]
FIXED = ["x[-1:2]", "y[ 1:2]", "z[1:2 ]", "h[3:1]", "m[1:3:-1]", "m[3:1:-1]", "esa[01:03]",
         "n[a:c]", "n[1:7:3]", "n[:2]", "r[1:2]-[a:b]", "plain", "esa[01:100]", "esa[1:]",
         "esa[1-3]", "esa[1:3:0]", "h[1:2:3:4]"]


def names(pattern):
    if "[" not in pattern:  # detect_range
        return json.dumps([pattern])
    try:
        return json.dumps(expand_hostname_range(pattern))
    except Exception:
        return "!error"


def main():
    rng = random.Random(25)
    patterns = list(FIXED)
    for _ in range(600):
        def one():
            step = rng.choice(STEPS)
            r = "%s:%s" % (rng.choice(BOUNDS), rng.choice(BOUNDS))
            return r if step is None else "%s:%s" % (r, step)
        patterns.append(rng.choice(SHAPES).format(r=one(), r2=one()))
    seen, rows = set(), []
    for p in patterns:
        if p not in seen:
            seen.add(p)
            rows.append("%s\t%s" % (json.dumps(p), names(p)))
    head = "# ansible-core %s: tests/inventories/host_ranges.py (pattern, names)" % VERSION
    generated_table.write_or_check(OUT, "\n".join([head] + rows) + "\n")


if __name__ == "__main__":
    main()
