#!/usr/bin/env python3
"""Every place sshfleet reads JSON as Ansible reads it, given `NaN`,
`Infinity` and `-Infinity` (round 8, d25/4): Python's json reads them as
floats that are not finite, which sshfleet carries nowhere, so it must
refuse each (exit 5) naming the file, the line and the variable, never read
it another way (as YAML, where `NaN` is a text).

    python3 tests/inventories/json_non_finite.py --sshfleet BIN

For each entry point of ENTRY_POINTS and each word, ansible-core 2.19 (in
this process: InventoryManager, VariableManager) must hold the variable as
a float that is not finite, and sshfleet must refuse with `FILE:LINE` and
the variable's name. Exit 1 on any difference, 77 without ansible-core.
"""
import json
import math
import os
import stat
import subprocess
import sys
import tempfile

import ansible_core  # beside this script

ansible_core.start(ansible_core.INVENTORY_ENV)
from ansible.inventory.manager import InventoryManager  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.vars.manager import VariableManager  # noqa: E402

WORDS = ["NaN", "Infinity", "-Infinity"]
YAML_INV = "all:\n  hosts:\n    h1:\n  children:\n    g:\n      hosts:\n        h1:\n"


def vars_json(word, as_list=False):
    value = "[1, %s]" % word if as_list else word
    return '{"ansible_port": 2222,\n "x": %s}\n' % value


def inv_json(word, as_list=False):
    value = "[1, %s]" % word if as_list else word
    return '{"all": {"hosts": {"h1": {"ansible_port": 2222,\n "x": %s}}}}\n' % value


SCRIPT = "#!/bin/sh\n[ \"$1\" = --list ] && cat <<'E'\n%s\nE\n[ \"$1\" = --host ] && cat <<'E'\n%s\nE\nexit 0\n"

# (name, the source given with -i, files {path: text}, the file and line
# the error must name). `W` is the word.
ENTRY_POINTS = [
    ("inventory .json", "inv.json", lambda w: {"inv.json": inv_json(w)}, "inv.json:2"),
    ("inventory .json, a list", "inv.json", lambda w: {"inv.json": inv_json(w, True)}, "inv.json:2"),
    ("inventory .yml holding JSON", "inv.yml", lambda w: {"inv.yml": inv_json(w)}, "inv.yml:2"),
    ("inventory without extension holding JSON", "inv", lambda w: {"inv": inv_json(w)}, "inv:2"),
    ("inventory directory, .json file", "d", lambda w: {"d/inv.json": inv_json(w)}, "inv.json:2"),
    ("host_vars/h1.json", "inv.yml",
     lambda w: {"inv.yml": YAML_INV, "host_vars/h1.json": vars_json(w)}, "h1.json:2"),
    ("host_vars/h1.yml holding JSON", "inv.yml",
     lambda w: {"inv.yml": YAML_INV, "host_vars/h1.yml": vars_json(w)}, "h1.yml:2"),
    ("host_vars/h1 without extension", "inv.yml",
     lambda w: {"inv.yml": YAML_INV, "host_vars/h1": vars_json(w)}, "h1:2"),
    ("group_vars/all.json, a list", "inv.yml",
     lambda w: {"inv.yml": YAML_INV, "group_vars/all.json": vars_json(w, True)}, "all.json:2"),
    ("group_vars/g/x.yaml holding JSON", "inv.yml",
     lambda w: {"inv.yml": YAML_INV, "group_vars/g/x.yaml": vars_json(w)}, "x.yaml:2"),
    ("script --list (_meta)", "inv.sh",
     lambda w: {"inv.sh": SCRIPT % ('{"all": {"hosts": ["h1"]}, "_meta": {"hostvars": {"h1": %s}}}'
                                    % vars_json(w).strip(), "{}")}, "line 2"),
    ("script --host", "inv.sh",
     lambda w: {"inv.sh": SCRIPT % ('{"all": {"hosts": ["h1"]}}', vars_json(w).strip())}, "line 2"),
]


def ansible_x(d, source):
    loader = DataLoader()
    inv = InventoryManager(loader=loader, sources=[os.path.join(d, source)])
    vm = VariableManager(loader=loader, inventory=inv)
    v = vm.get_vars(host=inv.get_host("h1"), include_hostvars=False, stage="all")
    x = v.get("x")
    return x[-1] if isinstance(x, list) else x


def main():
    binary = sys.argv[sys.argv.index("--sshfleet") + 1]
    wrong, checked = [], 0
    for name, source, files, where in ENTRY_POINTS:
        for word in WORDS:
            with tempfile.TemporaryDirectory() as d:
                for path, text in files(word).items():
                    full = os.path.join(d, path)
                    os.makedirs(os.path.dirname(full), exist_ok=True)
                    with open(full, "w") as f:
                        f.write(text)
                    if path.endswith(".sh"):
                        os.chmod(full, stat.S_IRWXU)
                x = ansible_x(d, source)
                if not (isinstance(x, float) and not math.isfinite(x)):
                    wrong.append("%s, %s: ansible-core holds %r, not a float that is not finite" % (name, word, x))
                    continue
                out = subprocess.run([binary, "inventory", "-F", "none", "-i", source, "--json"],
                                     capture_output=True, text=True, cwd=d)
                err = out.stderr
                if out.returncode != 5 or where not in err or "`x`" not in err or word not in err:
                    wrong.append("%s, %s: sshfleet exit %d, %s" % (name, word, out.returncode,
                                                                   (err or out.stdout).strip()[:300]))
                checked += 1
    for w in wrong:
        print(w)
    print("%d entry points x words: %d refused as they must be, %d differ" % (
        len(ENTRY_POINTS) * len(WORDS), checked - len(wrong), len(wrong)))
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
