"""Every `ansible_*` variable ansible-core 2.19 reads as a setting: its
base configuration (`ansible-config list`) and the `vars:` of every
builtin plugin's options (`ansible-doc`). Such a name is one an inventory
may set; any other `ansible_*` name may be a fact gathered at play time.
Exits 77 when ansible-core is not installed beside this python."""
import json
import os
import subprocess
import sys

bindir = os.path.dirname(sys.executable)
config = os.path.join(bindir, "ansible-config")
doc = os.path.join(bindir, "ansible-doc")
if not (os.path.exists(config) and os.path.exists(doc)):
    print("ansible-core is not installed beside", sys.executable)
    sys.exit(77)


def run(*args):
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


names = set()
for setting in run(config, "list", "--format", "json").values():
    names.update(v["name"] for v in setting.get("vars") or [])
for kind in ["become", "cache", "callback", "connection", "inventory", "lookup", "shell",
             "strategy", "vars"]:
    plugins = [p for p in run(doc, "-t", kind, "-l", "-j") if p.startswith("ansible.builtin.")]
    if not plugins:
        continue
    for plugin in run(doc, "-t", kind, "-j", *plugins).values():
        for option in ((plugin.get("doc") or {}).get("options") or {}).values():
            names.update(v["name"] for v in option.get("vars") or [])
for name in sorted(n for n in names if n.startswith("ansible_")):
    print(name)
