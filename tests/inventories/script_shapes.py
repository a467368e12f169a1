#!/usr/bin/env python3
"""Generated differential test (issue 25): inventory script outputs of every
shape, and host and group names of every shape the vars plugin tells apart,
read by ansible-core 2.19 (in this process, as `ansible-inventory --list`
reads them) and by `sshfleet inventory --list`.

Scripts: each place ansible-core's script plugin checks (the whole output,
a group, its `hosts`, a host, `vars`, `children`, a child, a short-form
group, `_meta`, `_meta.profile`, `_meta.hostvars`, a host's variables, and
`--host` output when there is no `_meta`) is given each JSON value of a
list of kinds; Ansible must refuse exactly what sshfleet refuses (exit 5),
and where both read it, hosts, groups and every host's variables must be
the same, a text Ansible does not trust as a template written as
`{"__ansible_unsafe": ...}` by both.

Names: hosts and groups named `/ABS/x`, `../x`, `sub/x`, `./x`, ... beside
host_vars/ and group_vars/ files each name could reach: the variables read
must be Ansible's (a name starting with `/` reads nothing).

    python3 tests/inventories/script_shapes.py --sshfleet target/debug/sshfleet

Exit 0: all agreed; 1: some differed (printed); 77: no ansible-core 2.19.
"""

import argparse
import concurrent.futures
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

import ansible_core  # beside this script

ANSIBLE_VERSION = ansible_core.start(ansible_core.INVENTORY_ENV)
from ansible import constants as C  # noqa: E402
from ansible._internal._datatag._tags import TrustedAsTemplate  # noqa: E402
from ansible.inventory.manager import InventoryManager  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.vars.manager import VariableManager  # noqa: E402

# The base output: a group with hosts, vars and children, a child group,
# a short-form group (a host of its name with untrusted variables), _meta.
BASE = {
    "g": {"hosts": ["h1"], "vars": {"gv": "{{ 1 + 1 }}"}, "children": ["c"]},
    "c": {"hosts": ["h2"]},
    "short": {"sv": "{{ 2 }}", "sl": ["{{ 3 }}"]},
    "_meta": {"hostvars": {"h1": {"hv": "{{ 4 }}", "hd": {"a": "{{ 5 }}"}}}},
}

# Every place the script plugin checks, as a path into BASE.
PLACES = [
    (), ("g",), ("g", "hosts"), ("g", "hosts", 0), ("g", "vars"), ("g", "vars", "gv"),
    ("g", "children"), ("g", "children", 0), ("c",), ("short",), ("short", "sv"),
    ("_meta",), ("_meta", "hostvars"), ("_meta", "hostvars", "h1"),
    ("_meta", "hostvars", "h1", "hv"), ("_meta", "profile"),
]

# A JSON value of each kind a script may print.
VALUES = [
    None, True, False, 0, 1, 1.5, "", "h", "ab", "{{ 6 }}", "inventory_legacy", "inventory_x",
    [], ["x"], [1], [""], [None], [["x"]], {}, {"k": "v"}, {"hosts": ["x"]}, {"vars": {"v": "{{ 7 }}"}},
    {"__ansible_unsafe": "u"}, {"__ansible_unsafe": 1}, {"__ansible_vault": 1},
]

# What `--host` prints when there is no `_meta`.
HOST_OUTPUTS = [
    "", "  \n", "null", "[]", "1", '"s"', "{}", '{"x": "{{ 8 }}"}',
    '{"x": {"__ansible_unsafe": "{{ 9 }}"}}', '{"x": [1, {"y": "{{ 10 }}"}]}', "{bad",
]


def put(doc, path, value):
    if not path:
        return value
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def script_cases():
    cases = []
    for path in PLACES:
        for value in VALUES:
            cases.append((f"{'.'.join(map(str, path)) or '<output>'} = {json.dumps(value)}",
                          json.dumps(put(BASE, path, value)), "{}"))
    for key in ("_meta", "g", "short"):
        doc = copy.deepcopy(BASE)
        del doc[key]
        cases.append((f"no {key}", json.dumps(doc), "{}"))
    doc = copy.deepcopy(BASE)
    del doc["_meta"]["hostvars"]
    cases.append(("no _meta.hostvars", json.dumps(doc), "{}"))
    doc = copy.deepcopy(BASE)
    doc[""] = {"hosts": ["h3"]}
    cases.append(("a group named ''", json.dumps(doc), "{}"))
    doc = {k: v for k, v in BASE.items() if k != "_meta"}
    for out in HOST_OUTPUTS:
        cases.append((f"--host prints {out!r}", json.dumps(doc), out))
    return cases


def write_script(d, list_json, host_out):
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "inv.sh")
    with open(path, "w") as f:
        f.write("#!/bin/sh\nif [ \"$1\" = --list ]; then cat <<'XEOF'\n" + list_json
                + "\nXEOF\nelse cat <<'XEOF'\n" + host_out + "\nXEOF\nfi\n")
    os.chmod(path, 0o755)
    return path


def listed(value):
    """A value as `ansible-inventory --list` writes it: a text not trusted
    as a template is `{"__ansible_unsafe": TEXT}`."""
    if isinstance(value, str):
        return value if TrustedAsTemplate.is_tagged_on(value) else {"__ansible_unsafe": str(value)}
    if isinstance(value, dict):
        return {str(k): listed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [listed(v) for v in value]
    return json.loads(json.dumps(value))


def ansible_listing(source):
    """`ansible-inventory --list` of `source`, or None where Ansible refuses it."""
    loader = DataLoader()
    try:
        inv = InventoryManager(loader=loader, sources=[source])
    except Exception:
        return None
    vm = VariableManager(loader=loader, inventory=inv)
    hosts = inv.get_hosts("all")
    groups = {name: {"hosts": sorted(h.name for h in g.hosts), "children": sorted(k.name for k in g.child_groups)}
              for name, g in inv.groups.items() if name != "all"}
    hostvars = {}
    for h in hosts:
        v = vm.get_vars(host=h, include_hostvars=False, stage="all")
        for internal in C.INTERNAL_STATIC_VARS:
            v.pop(internal, None)
        hostvars[h.name] = listed(v)
    return {"hosts": sorted(h.name for h in hosts), "groups": groups, "hostvars": hostvars}


def sshfleet_listing(binary, d, source):
    out = subprocess.run([binary, "inventory", "-F", "none", "-i", source, "--list"],
                         capture_output=True, text=True, cwd=d)
    if out.returncode == 5:
        return None, out.stderr.strip()
    if out.returncode != 0:
        return "failed", out.stderr.strip()
    data = json.loads(out.stdout)
    hostvars = data.get("_meta", {}).get("hostvars", {})
    groups, hosts = {}, set(hostvars)
    for name, g in data.items():
        if name in ("_meta", "all"):
            continue
        groups[name] = {"hosts": sorted(g.get("hosts", [])), "children": sorted(g.get("children", []))}
        hosts.update(g.get("hosts", []))
    return {"hosts": sorted(hosts), "groups": groups, "hostvars": hostvars}, ""


def differ(want, got, why):
    if want is None and got is None:
        return None
    if want is None:
        return f"Ansible refuses it, sshfleet reads it: {got}"
    if got is None and not want["hosts"] and "has no hosts" in why:
        return None  # sshfleet refuses an inventory without hosts (README)
    if got is None:
        return f"Ansible reads it, sshfleet refuses it: {why}\n    Ansible: {want}"
    if got == "failed":
        return f"sshfleet failed: {why}"
    if want["hosts"] != got["hosts"]:
        return f"hosts: ours {got['hosts']}, Ansible {want['hosts']}"
    for name, g in want["groups"].items():
        if (g["hosts"] or g["children"]) and got["groups"].get(name) != g:
            return f"group {name!r}: ours {got['groups'].get(name)}, Ansible {g}"
    for h in want["hosts"]:
        if want["hostvars"].get(h, {}) != got["hostvars"].get(h, {}):
            return f"host {h} vars: ours {got['hostvars'].get(h, {})}, Ansible {want['hostvars'].get(h, {})}"
    return None


def name_cases(root):
    """Hosts and groups of every name shape, with the vars files each could reach."""
    abs_dir = os.path.join(root, "elsewhere")
    os.environ["SHAPES_SUB"] = "sub"  # for Ansible and sshfleet alike
    names = [abs_dir + "/x", "../x", "sub/x", "./x", "a/../x", "x/", "x", "x/.", "sub//x",
             "${SHAPES_SUB}/x", "$SHAPES_SUB/x", "$SHAPES_UNSET/x", "../inv/host_vars/x", "nope/../../x"]
    cases = []
    for i, name in enumerate(names):
        d = os.path.join(root, f"names{i}")
        inv = os.path.join(d, "inv")
        for sub in ("host_vars", "group_vars", "host_vars/sub", "group_vars/sub", "host_vars/x", "group_vars/x"):
            os.makedirs(os.path.join(inv, sub), exist_ok=True)
        os.makedirs(abs_dir, exist_ok=True)
        for path, text in [
            (os.path.join(abs_dir, "x.yml"), "from_abs: 1\n"),
            (os.path.join(inv, "x.yml"), "from_beside: 1\n"),
            (os.path.join(inv, "host_vars/sub/x.yml"), "from_host_sub: 1\n"),
            (os.path.join(inv, "group_vars/sub/x.yml"), "from_group_sub: 1\n"),
            (os.path.join(inv, "host_vars/x/a.yml"), "from_host_dir: 1\n"),
            (os.path.join(inv, "group_vars/x/a.yml"), "from_group_dir: 1\n"),
            (os.path.join(inv, "host_vars/x.yml"), "from_host_x: 1\n"),
        ]:
            with open(path, "w") as f:
                f.write(text)
        with open(os.path.join(inv, "hosts.yml"), "w") as f:
            f.write(json.dumps({"all": {"children": {"hg": {"hosts": {name: None}},
                                                     name: {"hosts": {"member": None}}}}}))
        cases.append((f"host and group named {name!r}", d, os.path.join(inv, "hosts.yml")))
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sshfleet", required=True)
    ap.add_argument("--keep")
    args = ap.parse_args()
    binary = os.path.abspath(args.sshfleet)
    root = args.keep or tempfile.mkdtemp(prefix="sshfleet-shapes-")
    failures, refused, total = [], 0, 0
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    jobs = []
    for i, (what, list_json, host_out) in enumerate(script_cases()):
        d = os.path.join(root, f"script{i:04}")
        jobs.append((what, d, write_script(d, list_json, host_out)))
    jobs += name_cases(root)
    # sshfleet runs (other processes) while this one asks Ansible.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        ours = [pool.submit(sshfleet_listing, binary, d, source) for _, d, source in jobs]
        for (what, d, source), future in zip(jobs, ours):
            total += 1
            os.dup2(devnull, 2)
            try:
                want = ansible_listing(source)
            finally:
                os.dup2(saved, 2)
            got, why = future.result()
            refused += want is None
            diff = differ(want, got, why)
            if diff:
                failures.append(f"=== {what} ({source})\n  {diff}")
    for f in failures[:20]:
        print(f)
    print(f"{total} script outputs and names, {refused} refused by Ansible, {len(failures)} differ, "
          f"ansible-core {ANSIBLE_VERSION}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
