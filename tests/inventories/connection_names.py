#!/usr/bin/env python3
"""Write (or --check) src/inventory/connection_names.txt: `ansible_connection`
spellings as ansible-core 2.19's plugin loader resolves them.

The task executor loads a host's connection with
`connection_loader.get_with_context(NAME)`: the loader's alias (`paramiko`
is `paramiko_ssh`), then `find_plugin_with_context`, which finds
`ssh.py`, `ansible.builtin.ssh.ssh` and `ansible.legacy.ssh.py` as the ssh
plugin (round 8, d25: sshfleet refused them). This script spells every
builtin connection plugin's name many ways (prefixes, `.py`, repeated and
cross segments, case) and records, for each, the builtin plugin file the
loader resolves it to, or `-`:

    python3 tests/inventories/connection_names.py          # rewrite the file
    python3 tests/inventories/connection_names.py --check  # exit 1 if it differs

`smart` and `persistent` are turned into a plugin name before the loader
(PlayContext's connection attribute) and network_cli is a collection's:
sshfleet's own table lists those. Exit 77 without ansible-core.
"""
import os
import sys

import ansible_core  # beside this script
import generated_table  # beside this script

VERSION = ansible_core.start()
from ansible.plugins.loader import connection_loader  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "inventory", "connection_names.txt")
PLUGIN_DIR = os.path.dirname(__import__("ansible.plugins.connection", fromlist=["x"]).__file__)


def resolve(name):
    name = connection_loader.aliases.get(name, name)
    try:
        ctx = connection_loader.find_plugin_with_context(name)
    except Exception:
        return "-"
    if not ctx.resolved or not ctx.plugin_resolved_path:
        return "-"
    if os.path.dirname(ctx.plugin_resolved_path) != PLUGIN_DIR:
        return "?"  # found outside ansible-core: not expected here
    return os.path.basename(ctx.plugin_resolved_path)[: -len(".py")]


def spellings():
    modules = sorted(f[:-3] for f in os.listdir(PLUGIN_DIR) if f.endswith(".py"))
    bases = modules + ["paramiko", "smart", "persistent", "network_cli", "x", "Ssh", "SSH"]
    prefixes = ["", "ansible.builtin.", "ansible.legacy.", "ansible.netcommon.", "builtin.",
                "legacy.", "Ansible.builtin.", "ansible.Builtin."]
    names = []
    for base in bases:
        middles = [base, base + ".py", base + ".pyc", base + ".PY", base + ".py.py", base + ".",
                   "." + base, " " + base, base + " ", "x." + base, base + ".x", base + "/"]
        middles += ["%s.%s" % (m, base) for m in modules + ["x"]]
        middles += ["%s.%s.py" % (m, base) for m in modules[:3]]
        middles += ["ssh.ssh." + base, "ssh/" + base]
        for middle in middles:
            for prefix in prefixes:
                names.append(prefix + middle)
    seen = set()
    return [n for n in names if not (n in seen or seen.add(n))]


def generate():
    lines = ["# ansible-core %s: written by tests/inventories/connection_names.py" % VERSION]
    for name in spellings():
        lines.append("%s\t%s" % (name, resolve(name)))
    return "\n".join(lines) + "\n"


def main():
    generated_table.write_or_check(OUT, generate())


if __name__ == "__main__":
    main()
