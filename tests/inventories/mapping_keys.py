#!/usr/bin/env python3
"""Generated differential test (issue 25): mapping keys of every type.

Each case is an inventory (YAML, JSON, INI or a script) with group_vars/
and host_vars/ files whose mappings have keys drawn from every way to type
one (YAML 1.1 plain scalars that are ints, bools, nulls, floats, dates;
quoted; `!!str`/`!!int`/`!!float`/`!!bool` tags; `!unsafe`; flow lists;
`<<` merges of anchored mappings; JSON keys; INI Python literals), in
variable values and as variable names. ansible-core 2.19 reads each in
this process (InventoryManager, VariableManager, Templar); sshfleet
(`inventory --list`, `inventory --json`) must either

- read it as Ansible does: no key Ansible holds is other than text, the
  same variables, and `ansible_user` (a template looking keys up by every
  type: `m[1]`, `m['1']`, `m[true]`, `m[none]`, `m[1.0]`, `in`, `length`,
  `dict2items`, `keys()`) rendered the same; or
- refuse it (exit 5) naming the file and line of a key that Ansible holds
  as something other than text (or a file Ansible refuses too).

    python3 tests/inventories/mapping_keys.py --sshfleet target/debug/sshfleet \\
        [--seed 25] [--cases 300] [--keep DIR]

Exit 0: no silent difference; 1: some (printed); 77: no ansible-core 2.19.
"""

import argparse
import concurrent.futures
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

import ansible_core  # beside this script

ANSIBLE_VERSION = ansible_core.start(ansible_core.INVENTORY_ENV)
from ansible import constants as C  # noqa: E402
from ansible.inventory.manager import InventoryManager  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.template import Templar  # noqa: E402
from ansible.vars.manager import VariableManager  # noqa: E402

# Every way a YAML key is typed: plain scalars of each YAML 1.1 type,
# quoted, tagged, unsafe, a date, a flow list (unhashable).
YAML_KEYS = [
    "1", "'1'", '"1"', "01", "0x1", "0b1", "1_0", "1:0", "+1", "-1", "0", "1.0", "1.5", ".5", "1.",
    ".inf", ".nan", "true", "True", "yes", "on", "No", "off", "'true'", "'yes'", "null", "~", "Null",
    "''", "'null'", "!!str 1", "!!str yes", "!!int '1'", "!!float '1'", "!!bool 'yes'", "!!null ''",
    "2001-01-01", "'2001-01-01'", "!unsafe a", "a", "b", "'a'", "\"b\"", "ab", "A1", "[a]",
]
# Keys PyYAML makes text, of every spelling.
TEXT_KEYS = ["'1'", '"1"', "'true'", "'yes'", "''", "'null'", "!!str 1", "!!str yes", "'2001-01-01'",
             "a", "b", "'a'", "\"b\"", "ab", "A1", "'1.0'", "0o1", "1e5", "'<<'", "-.5"]
# JSON keys are text: duplicates and digits are what is left to type.
JSON_KEYS = ["1", "01", "1.0", "true", "null", "", "a", "b"]
# An INI value's Python literal, keys of each literal type.
INI_KEYS = ["1", "'1'", "True", "None", "1.5", "'a'", "(1,2)", "b'a'"]
# What a template asks of a mapping `m`, by key of each type.
PROBES = ["1", "'1'", "true", "none", "1.0", "1.5", "'a'", "'true'", "0"]


def yaml_map(r, indent, keys, merge=False):
    pad = " " * indent
    lines = []
    if merge:
        lines.append(f"{pad}<<: *base")
    for i, k in enumerate(keys):
        lines.append(f"{pad}{k}: v{i}{r.randint(0, 9)}")
    return "\n".join(lines) + "\n"


def template(r):
    p = r.choice(PROBES)
    q = r.choice(PROBES)
    # `{{ m }}` is Python's repr of the mapping: its keys' order and types;
    # the characters ssh refuses in a user name are replaced.
    shown = ("m | string | replace(\"'\", '') | replace(' ', '') | replace('{', '')"
             " | replace('}', '') | replace(':', '=') | replace(',', '+') | replace('<', 'L')")
    return ("u{{ m[" + p + "] | default('D') }}x{{ " + q + " in m }}x{{ m | length }}"
            "x{{ m.b | default('D') }}x{{ " + shown + " }}")


def gen_case(r, d):
    kind = r.choice(["yaml", "yaml", "yaml", "json", "ini", "script"])
    files = {}
    user = template(r)
    if kind == "yaml":
        # Half the cases text keys only, read by both and compared.
        pool = YAML_KEYS if r.random() < 0.5 else TEXT_KEYS
        keys = r.sample(pool, r.randint(1, min(4, len(pool))))
        merge = r.random() < 0.3
        base = ""
        if merge:
            bkeys = r.sample(YAML_KEYS, r.randint(1, 3))
            base = "    base: &base\n" + yaml_map(r, 6, bkeys)
        names = ""
        if r.random() < 0.3:
            names = yaml_map(r, 6, r.sample(YAML_KEYS, 1))
        files["inv.yml"] = ("all:\n  vars:\n" + base + names + "    ansible_user: " + json.dumps(user) + "\n"
                            "  hosts:\n    h1:\n      m:\n" + yaml_map(r, 8, keys, merge))
        source = "inv.yml"
    elif kind == "json":
        keys = [r.choice(JSON_KEYS) for _ in range(r.randint(1, 4))]
        body = ", ".join(f"{json.dumps(k)}: \"v{i}\"" for i, k in enumerate(keys))
        files["inv.json"] = ('{"all": {"vars": {"ansible_user": ' + json.dumps(user) + '}, '
                             '"hosts": {"h1": {"m": {' + body + '}}}}}')
        source = "inv.json"
    elif kind == "ini":
        keys = r.sample(INI_KEYS, r.randint(1, 3))
        body = ",".join(f"{k}:'v{i}'" for i, k in enumerate(keys))
        # Double quotes: shlex keeps the single ones for literal_eval.
        files["inv.ini"] = f"h1 m=\"{{{body}}}\"\n[all:vars]\nansible_user={user}\n"
        source = "inv.ini"
    else:
        keys = [r.choice(JSON_KEYS) for _ in range(r.randint(1, 4))]
        body = ", ".join(f"{json.dumps(k)}: \"v{i}\"" for i, k in enumerate(keys))
        out = ('{"all": {"hosts": ["h1"], "vars": {"ansible_user": ' + json.dumps(user) + '}}, '
               '"_meta": {"hostvars": {"h1": {"m": {' + body + '}}}}}')
        files["inv.sh"] = "#!/bin/sh\ncat <<'XEOF'\n" + out + "\nXEOF\n"
        source = "inv.sh"
    # A vars file beside it, with keys of every type too.
    if r.random() < 0.5:
        where = r.choice(["group_vars/all.yml", "host_vars/h1.yml", "group_vars/all/x.yml"])
        top = r.sample(["n1: 1\n", "n2:\n" + yaml_map(r, 2, r.sample(YAML_KEYS, r.randint(1, 3)))], 1)[0]
        if r.random() < 0.2:
            top += yaml_map(r, 0, r.sample(YAML_KEYS, 1))
        files[where] = top
    for name, text in files.items():
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        if name.endswith(".sh"):
            os.chmod(path, 0o755)
    return os.path.join(d, source), files


def non_text_key(value):
    """A key Ansible holds that is not a Python str, anywhere in value."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                return repr(k)
            found = non_text_key(v)
            if found:
                return found
    if isinstance(value, (list, tuple)):
        for v in value:
            found = non_text_key(v)
            if found:
                return found
    return None


def ansible_side(source):
    loader = DataLoader()
    try:
        inv = InventoryManager(loader=loader, sources=[source])
    except Exception as e:
        return {"refused": str(e)}
    if not inv.get_hosts("all"):
        return {"refused": "no hosts"}
    vm = VariableManager(loader=loader, inventory=inv)
    h = inv.get_host("h1")
    try:
        v = vm.get_vars(host=h, include_hostvars=False, stage="all")
    except Exception as e:
        return {"refused": str(e)}
    for internal in C.INTERNAL_STATIC_VARS:
        v.pop(internal, None)
    odd = non_text_key(dict(v))
    try:
        user = Templar(loader=loader, variables=v).template(v["ansible_user"])
    except Exception as e:
        user = {"error": f"{type(e).__name__}: {e}".splitlines()[0]}
    plain = json.loads(json.dumps(v, default=str)) if odd is None else None
    return {"odd": odd, "vars": plain, "user": user}


def sshfleet_side(binary, d, source):
    base = [binary, "inventory", "-F", "none", "-i", source]
    lst = subprocess.run(base + ["--list"], capture_output=True, text=True, cwd=d)
    res = subprocess.run(base + ["--json"], capture_output=True, text=True, cwd=d)
    return lst, res


def unwrap(value):
    """`{"__ansible_unsafe": x}` as x: only the values are compared here."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def differ(want, lst, res, files):
    if lst.returncode == 5:
        why = lst.stderr
        if "refused" in want:
            return None
        if "duplicate entry with key" in why:
            return None  # JSON's duplicate keys: refused (README)
        if want["odd"] is None:
            return f"sshfleet refuses what Ansible reads with text keys only: {why.strip()}"
        if "mapping key" not in why and "not text" not in why:
            return f"refused, but not for a key: {why.strip()}"
        if not re.search(r":\d+", why) and "line" not in why:
            return f"refused without a line: {why.strip()}"
        if not any(name in why for name in files):
            return f"refused without naming the file: {why.strip()}"
        return None
    if lst.returncode != 0:
        return f"sshfleet failed ({lst.returncode}): {lst.stderr.strip()}"
    if "refused" in want:
        return f"Ansible refuses it ({want['refused'].splitlines()[0]}), sshfleet reads it"
    if want["odd"] is not None:
        return f"Ansible holds the key {want['odd']}, which sshfleet read silently"
    ours = unwrap(json.loads(lst.stdout)["_meta"]["hostvars"].get("h1", {}))
    theirs = unwrap(want["vars"])
    if ours != theirs:
        return f"vars: ours {ours}, Ansible {theirs}"
    user = want["user"]
    if isinstance(user, dict):
        return None if res.returncode != 0 or "error" in res.stdout else (
            f"Ansible fails the template ({user['error']}), sshfleet: {res.stdout.strip()}")
    if res.returncode not in (0, 5):
        return f"--json failed: {res.stderr.strip()}"
    got = json.loads(res.stdout)[0]
    if "not supported" in got.get("error", ""):
        return None  # a clear refusal
    if got.get("user") != user:
        return f"ansible_user: ours {got.get('user', got.get('error'))!r}, Ansible {user!r}"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sshfleet", required=True)
    ap.add_argument("--seed", type=int, default=25)
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--keep")
    args = ap.parse_args()
    binary = os.path.abspath(args.sshfleet)
    root = args.keep or tempfile.mkdtemp(prefix="sshfleet-keys-")
    r = random.Random(args.seed)
    jobs = []
    for i in range(args.cases):
        d = os.path.join(root, f"case{i:04}")
        source, files = gen_case(r, d)
        jobs.append((d, source, files))
    failures, refused_ours, refused_theirs = [], 0, 0
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        ours = [pool.submit(sshfleet_side, binary, d, source) for d, source, _ in jobs]
        for (d, source, files), future in zip(jobs, ours):
            os.dup2(devnull, 2)
            try:
                want = ansible_side(source)
            finally:
                os.dup2(saved, 2)
            lst, res = future.result()
            refused_ours += lst.returncode == 5
            refused_theirs += "refused" in want
            diff = differ(want, lst, res, files)
            if diff:
                shown = "".join(f"  --- {n}\n{t}" for n, t in files.items())
                failures.append(f"=== {d}\n  {diff}\n{shown}")
    for f in failures[:15]:
        print(f)
    print(f"{len(jobs)} generated cases (seed {args.seed}), {refused_theirs} refused by Ansible, "
          f"{refused_ours} by sshfleet, {len(failures)} differ, ansible-core {ANSIBLE_VERSION}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
