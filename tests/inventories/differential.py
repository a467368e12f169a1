#!/usr/bin/env python3
"""Generative differential test: sshfleet against ansible-core 2.19.

Generates inventories from a small grammar (INI, YAML, JSON, inventory
scripts; groups, children, depth and ansible_group_priority; group_vars/
and host_vars/ files; Jinja over the filters, tests, lookups, magic
variables and string methods sshfleet supports; unquoted YAML timestamps;
host names that are addresses or have dots in odd places; connection types
and paramiko's own names; --limit patterns, with no term, a bare `&`/`!`
and `@file`s with blank lines) with a
fixed seed, resolves each with ansible-core in this one Python process (the
inventory, the limit, and the ssh connection plugin's options templated as
the task executor templates them) and with the sshfleet binary
(`inventory --list`, `inventory -l LIMIT --json`), and compares every
field. The address compared is where the installed `ssh -G` says ssh
connects for Ansible's host (a numeric address in its standard form). A
mismatch prints the case's files.

    python3 tests/inventories/differential.py --sshfleet target/debug/sshfleet \\
        [--seed 25] [--cases 2000] [--keep DIR] [--only N]

Exit 0: every case agreed. Exit 1: some differed (each printed). Exit 77:
ansible-core 2.19 is not importable here, or there is no ssh (the caller
skips).
"""

import argparse
import concurrent.futures
import functools
import ipaddress
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import ansible_core  # beside this script

ANSIBLE_VERSION = ansible_core.start(
    {**ansible_core.INVENTORY_ENV, "ANSIBLE_HOST_PATTERN_MISMATCH": "ignore"},
    needs_ssh=True,
)
from ansible import constants as C  # noqa: E402
from ansible.plugins.loader import connection_loader  # noqa: E402
from ansible.inventory.manager import InventoryManager  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.playbook.play_context import PlayContext  # noqa: E402
from ansible.template import Templar  # noqa: E402
from ansible.vars.hostvars import HostVars  # noqa: E402
from ansible.vars.manager import VariableManager  # noqa: E402

HOME = os.path.expanduser("~")

# ---------------------------------------------------------------- grammar

GROUPS = ["web", "db", "esa", "edge", "bastions", "lab", "dc1", "dc2_core"]
SITES = ["lon", "par", "nyc", "Ams", "ber-2"]
USERS = ["admin", "ops", "deploy", "svc_esa", "root"]
ENV_SET = "SSHFLEET_DIFF_USER"
ENV_VALUE = "envuser"
ENV_UNSET = "SSHFLEET_DIFF_UNSET"


class Plain(str):
    """Text written unquoted in YAML, so that YAML 1.1 resolves it (a
    timestamp becomes a Python date or datetime); INI, JSON and scripts
    keep it as text."""


# Unquoted YAML scalars PyYAML types as numbers (or, `._5`, `-.5`, `1e-5`,
# as text); the tags only where their plain reading has the tag's type.
NUMBERS = ["0.00001", "2.5e-5", "._5", ".5", "-.5", "1.", "1e-5", "1.0e+16", "0.0001",
           "!!float '22'", "!!float '-22'", "!!int '-0'", "!!int '1:30'", "!!float '+1_0'"]

# Unquoted, each is a date or datetime to PyYAML (`2024-1-2` and the
# bare hour are not: text).
STAMPS = ["2024-01-02", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
          "2002-12-14T02:59:43Z", "2001-12-14 21:59:43+1:75", "2001-1-2T1:02:03",
          "2001-12-14 21:59:43.123456789 -0:30", "2024-1-2", "2024-01-02 1:02"]

# Host names as addresses or with dots in odd places
# (`inventory_hostname_short` is Ansible's ipv4/ipv6 patterns, else the
# name up to the first dot).
ODD_NAMES = ["::ffff:10.0.{i}.1", "fe80::{i}%eth0", "a{i}.b", ".x{i}", "x{i}.", "1::{i}:3.4.5.6",
             "::ffff:256.1.1.{i}", "1:2:3:4:5:6:1.2.3.{i}", "0010.0.0.{i}", "1.2.3.4.{i}"]


class Gen:
    """One case: groups, hosts, where each variable is set, and in which format."""

    def __init__(self, rng):
        self.rng = rng
        r = rng
        self.groups = r.sample(GROUPS, r.randint(2, 5))
        # children: a DAG (a group's parent is an earlier group)
        self.parents = {}
        for i, g in enumerate(self.groups[1:], 1):
            if r.random() < 0.45:
                self.parents[g] = r.choice(self.groups[:i])
        n = r.randint(1, 6)
        forms = [lambda i: f"h{i}", lambda i: f"esa{i:02}.example.com",
                 lambda i: f"10.0.0.{i}", lambda i: f"node-{i}.lab.example.net",
                 lambda i: f"2001:db8::{i}"]
        self.hosts = []
        odd = set()
        for i in range(1, n + 1):
            if r.random() < 0.15:
                name = r.choice(ODD_NAMES).format(i=i)
                odd.add(name)
            else:
                name = r.choice(forms)(i)
            if name not in self.hosts:
                self.hosts.append(name)
        self.membership = {h: r.sample(self.groups, r.randint(0, 2)) for h in self.hosts}
        # How each host is written: its name, or with a port (`h1:2201`,
        # `[2001:db8::1]:2201`; IPv6 only in brackets), in files that allow it.
        self.keys = {}
        for h in self.hosts:
            port = r.choice([None, None, None, 2201 + len(self.keys)])
            if port is None or h in odd:
                self.keys[h] = h
            elif ":" in h:
                self.keys[h] = f"[{h}]:{port}"
            else:
                self.keys[h] = f"{h}:{port}"
        # every group must have something, or it is only defined by vars
        self.group_vars = {g: {} for g in ["all"] + self.groups}
        self.host_vars = {h: {} for h in self.hosts}
        self.gv_files = {}   # group -> vars in group_vars/G.yml
        self.hv_files = {}   # host -> vars in host_vars/H.yml
        self.fmt = r.choice(["ini", "ini", "yaml", "yaml", "json", "script"])
        self.env = {ENV_SET: ENV_VALUE}
        self.assign()

    def place(self, var, value):
        r = self.rng
        where = r.random()
        if where < 0.3:
            self.group_vars[r.choice(["all"] + self.groups)][var] = value
        elif where < 0.55:
            self.host_vars[r.choice(self.hosts)][var] = value
        elif where < 0.8:
            self.gv_files.setdefault(r.choice(["all"] + self.groups), {})[var] = value
        else:
            self.hv_files.setdefault(r.choice(self.hosts), {})[var] = value

    def assign(self):
        r = self.rng
        self.place("site", r.choice(SITES))
        self.place("domain", r.choice(["example.com", "corp.local"]))
        self.place("base_port", r.choice([2200, 2000, "2300"]))
        self.place("addr", r.choice(["10.9.0.1", "{{ inventory_hostname_short }}.mgmt",
                                     "{{ site }}-gw.{{ domain }}"]))
        if r.random() < 0.3:
            self.place("stamp", Plain(r.choice(STAMPS)))
        if self.fmt != "ini" and r.random() < 0.4:
            # Unquoted YAML numbers, printed as Python's str() (an INI
            # float with an exponent is refused by sshfleet: not generated).
            self.place("num", Plain(r.choice(NUMBERS)))
        if r.random() < 0.3:
            # Integers at the 64-bit bounds (INI: Python's literal_eval),
            # and `set()` (INI: an empty set, a list to Ansible) (issue 25).
            self.place("pyint", r.choice([-2**63, 2**63 - 1, -2**63 + 1]))
        if r.random() < 0.3:
            self.place("pyset", "set()")
        # Connection types: each plugin reads its own names (paramiko's
        # `ansible_paramiko_*`; network_cli through the plugin its
        # ssh_type names).
        if r.random() < 0.3:
            self.place("ansible_connection", r.choice(CONNECTIONS))
            for var in r.sample(PARAMIKO_VARS, r.randint(0, 3)):
                self.place(var, VALUE_GEN[var](r, self))
            if r.random() < 0.6:
                self.place("ansible_network_cli_ssh_type", r.choice(["paramiko", "paramiko", "libssh", "auto"]))
            if r.random() < 0.7:
                self.place("ansible_network_os", r.choice(["cisco.ios.ios", "{{ site }}"]))
        # Values that become text as Python's str(): booleans, floats,
        # mappings in their order (issue 25).
        # `bool` reads only these words (any case); `'y'`, `' yes'`, 1.0 are
        # refused by sshfleet, coerced with a warning by Ansible.
        self.place("flag", r.choice([True, False, "yes", "On", "NO", "1", "off"]))
        # (An INI float with an exponent is refused by sshfleet: not generated.)
        self.place("ratio", r.choice([1.5, 0.1, 3] + ([] if self.fmt == "ini" else [1e20, 2.5e-07])))
        self.place("order", r.choice([{"b": 1, "a": 2.5}, {"z": True, "k": None}]))
        if r.random() < 0.2:
            # Not finite: only YAML has a form for it (group_vars/host_vars).
            f = r.choice([float("inf"), float("-inf"), float("nan")])
            if r.random() < 0.5:
                self.gv_files.setdefault(r.choice(["all"] + self.groups), {})["big"] = f
            else:
                self.hv_files.setdefault(r.choice(self.hosts), {})["big"] = f
        for var in r.sample(CONNECTION_VARS, r.randint(1, 6)):
            for _ in range(r.randint(1, 2)):
                self.place(var, VALUE_GEN[var](r, self))
        if r.random() < 0.3:
            g = r.choice(self.groups)
            self.group_vars[g]["ansible_group_priority"] = r.choice([1, 2, 3, 4, 5, 5.7, -1.5, "3", " 2 ", "1_0", True])

    def limit(self):
        r = self.rng
        g = lambda: r.choice(self.groups)  # noqa: E731
        h = lambda: r.choice(self.hosts)  # noqa: E731
        return r.choice([
            None, "all", g(), f"{g()}:!{g()}", f"{g()}:&{g()}", f"{g()},{h()}",
            "*.example.com", "~^(h|esa)", f"{g()}[0]", f"{g()}[-1]", f"{g()}[0:1]",
            f"all:!{h()}", f"{h()},{g()}", "ungrouped", "h*",
            # no term, a bare operator, doubled operators
            "", ",", " ", "all,", ":", ",,", "&", "!", "!,", f"{g()}:&", f"{g()},!",
            f"!!{g()}", f"&!{g()}", f"!&{g()}", f" {g()} ", f",{h()}",
            # a limit file (its lines, blank ones among them)
            "@LIMITFILE", f"@LIMITFILE,{g()}",
        ])

    def limit_file(self):
        r = self.rng
        lines = [r.choice(["", " ", self.hosts[0], f"!{r.choice(self.groups)}",
                           r.choice(self.groups), f"{self.hosts[-1]} "]) for _ in range(r.randint(0, 4))]
        return "\n".join(lines) + r.choice(["", "\n", "\r\n"])


def lit(r, choices):
    return r.choice(choices)


def gen_host(r, c):
    return r.choice([
        "10.1.2.3", "{{ inventory_hostname }}", "{{ inventory_hostname_short }}.{{ domain }}",
        "{{ addr }}", "{{ inventory_hostname | regex_replace('^([a-z]+)', '\\\\1-mgmt') }}",
        "{{ hostvars[groups['all'][0]].addr | default('fallback.example.com') }}",
        "{{ hostvars[groups['all'][0]]['addr'] }}",
        "{{ (addr ~ '.x') | lower }}", "{{ site | lower }}.{{ domain }}",
        "{{ inventory_hostname.split('.')[0] }}.{{ domain }}",
        "{{ 'bastion' if 'bastions' in group_names else inventory_hostname }}",
        "{{ inventory_hostname | replace('.example.com', '') }}",
        "{{ groups['all'] | first }}", "{{ inventory_hostname_short | upper }}",
        Plain(r.choice(STAMPS)), "h{{ stamp | default('') }}",
    ])


def gen_port(r, c):
    return r.choice([22, 2222, "2201", "{{ base_port }}", Plain(r.choice(STAMPS)), "{{ base_port | int + 1 }}",
                     "{{ 2200 + groups['all'] | length }}", "{{ base_port | int }}",
                     "{{ (base_port | int) + (group_names | length) }}",
                     "{{ 2200 + (flag | bool) | int }}", "{{ (ratio * 1000) | int if ratio < 1e6 else 2200 }}",
                     "{{ big | default(2022) }}", "{{ order.b | default(2023) }}",
                     "{{ 2200 + 45 % -7 }}", "{{ 4400 // 2 }}", "{{ (4401 / 2) | int }}",
                     # ensure_type integer: Decimal, when integral (issue 25).
                     "2200.0", "{{ '22e2' }}", "_2201", "2_202", " 2203 ", 2204.0, "2204.5", "0x16", True, "2205\u3000"])


def gen_user(r, c):
    return r.choice([
        r.choice(USERS), "{{ site }}", "{{ site | upper }}", "{{ site ~ '-ops' }}",
        "{{ site | replace('a', 'o') }}", "{{ site.upper() }}", "{{ site.lower() }}",
        "{{ site | regex_replace('^(\\\\w)(\\\\w)', '\\\\2\\\\1') }}",
        "{{ 'admin' if site == 'lon' else 'root' }}", "{{ group_names | join('-') }}",
        "{{ group_names | first | default('none') }}",
        "{{ lookup('env', '" + ENV_SET + "') }}",
        "{{ lookup('env', '" + ENV_UNSET + "', default='dflt') }}",
        "{{ undefined_thing | default('d') }}", "{{ site | length }}",
        "{{ site.replace('-', '_') }}", "{{ site | trim }}",
        "{{ site.split('-') | first }}", "{{ site.startswith('l') }}",
        "{{ site | capitalize }}", "{{ '%s-%s' | format(site, 'x') }}",
        "{{ inventory_hostname.split('.') | last }}", "{{ site ~ '\\t' ~ 'x' }}",
        "u-{{ site }}-{{ inventory_hostname_short }}",
        "{% if site is defined %}{{ site }}{% else %}none{% endif %}",
        "{{ site if site is string else 'no' }}", "{{ site | d('x') }}",
        "{{ groups['all'] | length }}", "{{ (site ~ 'X').lower() }}",
        "{{ ['a', site] | join(':') }}", "{{ site | string }}", "{{ 'x' * 3 }}",
        "{{ stamp | default('nostamp') }}", "u-{{ stamp | default('none') }}",
        "{{ stamp | default('x') | string }}", "{{ [stamp | default(1)] }}",
        Plain(r.choice(STAMPS)),
        # Text as Python's str() (issue 25).
        "{{ site ~ flag }}", "{{ 'u' ~ ratio }}", "{{ ratio | string }}", "x{{ flag }}",
        "{{ [site, flag, ratio] | join('-') }}", "{{ site ~ none }}", "{{ 'r' ~ order }}",
        "o{{ order }}", "{{ site ~ 1e20 }}", "{{ 'v' ~ (7 / 2) }}", "{{ 1.5e-7 ~ site }}",
        "{{ num | default('nonum') }}", "n{{ num | default('') }}",
        "{{ [flag, none, 1.0] ~ '' }}", "u{{ big | default('nobig') }}", "{{ site ~ (0.1 + 0.2) }}",
        # Raw string literals (no escapes in 2.19).
        "{{ 'a\\x41' ~ site }}", "{{ site ~ '\\n' }}",
        # Undefined is chainable.
        "{{ nope.x | default(site) }}", "{{ hostvars['nohost'].ansible_user | default('hv') }}",
        "{{ order.c | default('oc') }}", "{{ order['zz'].y | default('oz') }}",
        "{{ (nope.a.b is defined) ~ '' }}", "{{ (site ~ '.x').split('.')[0] }}",
        # `%` formatting and Python's arithmetic.
        "{{ '%s-%s' % (site, flag) }}", "{{ '%s' % ratio }}", "{{ 'p%d' % (ratio * 3) }}",
        "{{ site ~ (-7 % 3) ~ (7.5 // -2) ~ (ratio / 4) }}", "{{ 'q%s' % [site, none] }}",
        # Python's casing (titlecase, full mappings, final sigma), the
        # 64-bit bounds, `%`'s tuple of arguments (issue 25).
        "{{ 'ǆemo' | capitalize }}", "{{ ('ﬁx-' ~ site) | capitalize }}",
        "{{ ('straße-' ~ site) | upper }}", "{{ ('ΟΔΟΣ.' ~ site ~ 'Σ') | lower }}",
        "{{ ('İ' ~ site).lower() }}", "{{ ('ß' ~ site).upper() }}", "{{ ('ΣΑΣ' ~ site) | capitalize }}",
        "{{ 'u' ~ (pyint | default(0)) }}", "{{ 'n' if pyint | default('x') is number else 't' }}",
        "{{ 'u' ~ (pyint | default(0) - 0) }}", "{{ 'e' ~ (pyset | default('d') | length) }}",
        "{{ 'empty' if not (pyset | default('')) else 'full' }}", "{{ 'u' ~ (-9223372036854775807 - 1) }}",
        "{{ '%s-%s' % ([site], 1) }}", "{{ 'p' ~ pyset | default('none') }}",
        "{{ site if ratio < 1 else 'big' }}", "{{ 'lt' if site < 'm' else 'ge' }}",
        # PyYAML's int and float forms with underscores (issue 25, finding 1).
        Plain(r.choice(["0_", "-0_", "+0__", "0__7", "0_17", "1_:30", "1_.5", "0x_1f", "+0b1_0", "07_"])),
        "{{ site ~ (2 ** -1) ~ (ratio ** 2) }}", "{{ (site > 1) ~ '' }}",
    ])


def gen_key(r, c):
    return r.choice(["~/.ssh/id_{{ site }}", "/etc/keys/fleet.pem", "~/.ssh/ops_key", Plain(r.choice(STAMPS)),
                     "/keys/{{ inventory_hostname_short }}.pem"])


def gen_args(r, c):
    return r.choice([
        "-o StrictHostKeyChecking=no", "-o ProxyCommand='ssh -W %h:%p bastion.example.com'",
        "-o ProxyCommand=\"ssh -W %h:%p -q jump@{{ addr }}\"", "-J jump@bastion.example.com:2200",
        "-o ProxyJump=ops@{{ site }}-jump", "-o Port=2299", "-o User=argsuser",
        "-i /keys/args.pem", "-p 2288 -l pl", "-o ConnectTimeout=5",
    ])


def gen_password(r, c):
    return r.choice(["s3cret", "{{ site }}-pw", Plain(r.choice(STAMPS)), "{{ stamp | default('p') }}", "{{ lookup('env', '" + ENV_SET + "') }}"])


CONNECTIONS = ["ssh", "smart", "ansible.builtin.ssh", "ansible.legacy.ssh", "paramiko", "paramiko_ssh",
               "ansible.builtin.paramiko", "ansible.builtin.paramiko_ssh", "ansible.legacy.paramiko_ssh",
               "ansible.legacy.paramiko", "ansible.builtin.smart", "network_cli", "ansible.netcommon.network_cli",
               "local", "winrm", "{{ 'paramiko' }}"]
PARAMIKO_VARS = ["ansible_paramiko_host", "ansible_paramiko_port", "ansible_paramiko_user",
                 "ansible_paramiko_pass", "ansible_paramiko_private_key_file",
                 "ansible_paramiko_proxy_command"]
CONNECTION_VARS = ["ansible_host", "ansible_ssh_host", "ansible_port", "ansible_ssh_port",
                   "ansible_user", "ansible_ssh_user", "ansible_private_key_file",
                   "ansible_ssh_private_key_file", "ansible_ssh_common_args",
                   "ansible_ssh_extra_args", "ansible_password"]
VALUE_GEN = {"ansible_host": gen_host, "ansible_ssh_host": gen_host, "ansible_port": gen_port,
             "ansible_ssh_port": gen_port, "ansible_user": gen_user, "ansible_ssh_user": gen_user,
             "ansible_private_key_file": gen_key, "ansible_ssh_private_key_file": gen_key,
             "ansible_ssh_common_args": gen_args, "ansible_ssh_extra_args": gen_args,
             "ansible_password": gen_password, "ansible_paramiko_host": gen_host,
             "ansible_paramiko_port": gen_port, "ansible_paramiko_user": gen_user,
             "ansible_paramiko_pass": gen_password, "ansible_paramiko_private_key_file": gen_key,
             "ansible_paramiko_proxy_command": lambda r, c: r.choice(["nc %h %p", "ssh -W %h:%p -l %r jump"])}

# ---------------------------------------------------------------- writers


def yaml_scalar(r, v):
    if isinstance(v, bool) or v is None:
        return {True: "true", False: "false", None: "null"}[v]
    if isinstance(v, (int, Plain)):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return ".nan"
        if v in (float("inf"), float("-inf")):
            return ".inf" if v > 0 else "-.inf"
        # YAML 1.1 reads a float only with a dot: 1.0e+20, not 1e+20.
        text = repr(v)
        mantissa, _, exp = text.partition("e")
        if "." not in mantissa:
            mantissa += ".0"
        return mantissa + ("e" + (exp if exp[:1] in "+-" else "+" + exp) if exp else "")
    s = str(v)
    style = r.random()
    if style < 0.5 or "'" in s:
        return json.dumps(s)
    return "'" + s.replace("'", "''") + "'"


def ini_value(r, v):
    if isinstance(v, (int, float)):
        text = repr(v)

    else:
        s = str(v)
        simple = s and not any(ch in s for ch in " \t#;'\"=")
        style = r.random()
        if simple and style < 0.4:
            text = s
        elif "'" not in s and style < 0.75:
            text = "'" + s + "'"
        elif '"' not in s:
            text = '"' + s + '"'
        else:
            text = "'" + s + "'"
    return text


def write_ini(c, d):
    r = c.rng
    lines = []
    for h in c.hosts:
        if not c.membership[h]:
            lines.append(host_line(r, h, c.host_vars[h], c.keys[h]))
    for g in c.groups:
        lines.append(f"[{g}]")
        for h in c.hosts:
            if g in c.membership[h]:
                # host vars go on the host's first line only
                first = c.membership[h][0] == g
                lines.append(host_line(r, h, c.host_vars[h] if first else {}, c.keys[h]))
        kids = [k for k, p in c.parents.items() if p == g]
        if kids:
            lines.append(f"[{g}:children]")
            lines.extend(kids)
    for g, vs in c.group_vars.items():
        if vs:
            lines.append(f"[{g}:vars]")
            for k, v in vs.items():
                comment = r.choice(["", "", "  # note", " ; x"]) if (isinstance(v, int) and not isinstance(v, bool)) or "'" in ini_value(r, v)[:1] or '"' in ini_value(r, v)[:1] else ""
                sep = r.choice(["=", " = ", "= "])
                lines.append(f"{k}{sep}{ini_value(r, v)}{comment}")
    path = os.path.join(d, "hosts" if r.random() < 0.5 else "hosts.ini")
    text = "\n".join(lines) + "\n"
    if r.random() < 0.2:
        # Python's splitlines() boundaries and strip() blanks (issue 25).
        text = "".join(
            line + r.choice(["", "", "\x1f", "\u3000", "\xa0", " \x1c"]) + r.choice(INI_BREAKS)
            for line in lines
        )
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return os.path.basename(path)


INI_BREAKS = ["\n", "\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def host_line(r, h, vs, key=None):
    parts = [key or h]
    for k, v in vs.items():
        parts.append(f"{k}={ini_value(r, v)}")
    line = " ".join(parts)
    if vs and r.random() < 0.3:
        line += "   # " + r.choice(["note", "owner=ops"])
    return line


def tree(c):
    """Groups as nested YAML-ready dicts."""
    def group(g):
        out = {}
        hosts = {c.keys[h]: dict(c.host_vars[h]) if c.membership[h][0] == g else {}
                 for h in c.hosts if g in c.membership[h]}
        if hosts:
            out["hosts"] = hosts
        if c.group_vars[g]:
            out["vars"] = dict(c.group_vars[g])
        kids = {k: group(k) for k, p in c.parents.items() if p == g}
        if kids:
            out["children"] = kids
        return out
    top = {g: group(g) for g in c.groups if g not in c.parents}
    allg = {"children": top}
    ungrouped = {c.keys[h]: dict(c.host_vars[h]) for h in c.hosts if not c.membership[h]}
    if ungrouped:
        allg["hosts"] = ungrouped
    if c.group_vars["all"]:
        allg["vars"] = dict(c.group_vars["all"])
    return {"all": allg}


def dump_yaml(r, data, indent=0):
    pad = "  " * indent
    lines = []
    for k, v in data.items():
        if any(ch in str(k) for ch in "[]:"):
            k = json.dumps(k)
        if isinstance(v, dict):
            if v:
                lines.append(f"{pad}{k}:")
                lines.extend(dump_yaml(r, v, indent + 1))
            else:
                lines.append(f"{pad}{k}:" + r.choice(["", " {}"]))
        else:
            lines.append(f"{pad}{k}: {yaml_scalar(r, v)}")
    return lines


def write_yaml(c, d):
    path = os.path.join(d, c.rng.choice(["hosts.yml", "inventory.yaml"]))
    # A BOM and YAML 1.1's line breaks (NEL, CR) as editors write them.
    bom = "\ufeff" if c.rng.random() < 0.15 else ""
    brk = c.rng.choice(["\n"] * 8 + ["\r\n", "\x85"])
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(bom + brk.join(dump_yaml(c.rng, tree(c))) + brk)
    return os.path.basename(path)


def write_json(c, d):
    path = os.path.join(d, "hosts.json")
    with open(path, "w", encoding="utf-8") as f:
        # With a BOM Python's json refuses it and Ansible reads it as YAML.
        if c.rng.random() < 0.15:
            f.write("\ufeff")
        json.dump(tree(c), f, indent=1)
    return "hosts.json"


def write_script(c, d):
    out = {"_meta": {"hostvars": {h: vs for h, vs in c.host_vars.items() if vs}}}
    members = {g: [h for h in c.hosts if g in c.membership[h]] for g in c.groups}
    for g in ["all"] + c.groups:
        entry = {}
        if g != "all" and members[g]:
            entry["hosts"] = members[g]
        if c.group_vars[g]:
            entry["vars"] = c.group_vars[g]
        kids = [k for k, p in c.parents.items() if p == g]
        if g == "all":
            kids = [k for k in c.groups if k not in c.parents]
            ung = [h for h in c.hosts if not c.membership[h]]
            if ung:
                entry["hosts"] = ung
        if kids:
            entry["children"] = kids
        out[g] = entry
    path = os.path.join(d, "inventory.py")
    with open(path, "w") as f:
        f.write("#!/usr/bin/env python3\nimport json, sys\n")
        f.write(f"DATA = {json.dumps(out)!r}\n")
        f.write("if '--list' in sys.argv:\n    print(DATA)\nelse:\n    print('{}')\n")
    os.chmod(path, 0o755)
    return "inventory.py"


def write_case(c, d):
    os.makedirs(d)
    source = {"ini": write_ini, "yaml": write_yaml, "json": write_json,
              "script": write_script}[c.fmt](c, d)
    for sub, files in (("group_vars", c.gv_files), ("host_vars", c.hv_files)):
        for name, vs in files.items():
            os.makedirs(os.path.join(d, sub), exist_ok=True)
            ext = c.rng.choice([".yml", ".yaml", ""])
            # A BOM (Windows editors) that Ansible's YAML reader drops.
            bom = "\ufeff" if c.rng.random() < 0.15 else ""
            with open(os.path.join(d, sub, name + ext), "w", encoding="utf-8") as f:
                f.write(bom + "---\n" + "\n".join(dump_yaml(c.rng, vs)) + "\n")
    return source

# ---------------------------------------------------------------- ansible


WITH_ARG = set("bcDEeFIiJLlmOoPpQRSWw")


def effective(host, port, user, key, words, ssh=False):
    """What ssh does with Ansible's command line: Port, User and
    IdentityFile from the options first, then the ssh arguments (first
    value wins, IdentityFiles accumulate)."""
    opts = {}
    keys = [key] if key else []
    stray = [w for w in words if not w.startswith("-")]
    i = 0
    while i < len(words):
        a = words[i]
        if a.startswith("-") and len(a) > 1 and a[1] in WITH_ARG:
            flag = a[1]
            val = a[2:] if len(a) > 2 else (words[i + 1] if i + 1 < len(words) else "")
            i += 1 if len(a) > 2 else 2
            if flag == "o":
                k, _, v = val.replace("=", " ", 1).partition(" ")
                k = k.lower()
                v = v.strip()
                if k == "identityfile":
                    keys.append(v)
                elif k not in opts:
                    opts[k] = v
            elif flag == "p":
                opts.setdefault("port", val)
            elif flag == "l":
                opts.setdefault("user", val)
            elif flag == "i":
                # ssh.c 9.2: `-i` is tilde-expanded and stat(2)ed; a file
                # that is not there is dropped with a warning.
                if os.path.exists(os.path.expanduser(val)):
                    keys.append(val)
            elif flag == "J":
                # ssh -G: "Only a single -J option is permitted" after any
                # jump, "Cannot specify -J with ProxyCommand" after one.
                if "proxyjump" in opts or "proxycommand" in opts:
                    return {"error": "only a single -J option is permitted"}
                opts.setdefault("proxyjump", val)
            continue
        if a in stray:
            # ssh would take it for the destination: the connection fails.
            return {"error": f"ssh argument `{a}` is not an option"}
        i += 1
    if any(c.isspace() or c in "'\"" for c in host) or not host:
        return {"error": f"address `{host}` is not a host name"}
    if port is None and "port" in opts:
        port = int(opts["port"])
    if port is not None and not 1 <= port <= 65535:
        return {"error": f"ssh refuses port {port}"}
    if ssh and user:
        # Ansible's `-o User="USER"`: ssh's option parser unquotes it.
        user, refused = ssh_user(("-o", f'User="{user}"'))
        if refused:
            return {"error": refused}
    elif ssh and user is None and opts.get("user"):
        # `-l USER` is verbatim (the generated `-o User=` values are plain).
        _, refused = ssh_user(("-l", opts["user"]))
        if refused:
            return {"error": refused}
    if ssh and key:
        # Ansible's `-o IdentityFile="KEY"` (after expanduser): ssh's
        # option parser unquotes it, then ssh expands its `~`.
        read, refused = ssh_key(("-o", f'IdentityFile="{os.path.expanduser(key)}"'))
        if refused:
            return {"error": refused}
        keys[0] = read
    if user is None:
        user = opts.get("user")
    order = [k for k in opts if k in ("proxycommand", "proxyjump")]
    route = order[0] if order else None
    # OpenSSH (9.6 and later) refuses a host or user name with shell
    # metacharacters; sshfleet refuses it where it would be expanded into
    # the ProxyCommand.
    command = (opts.get("proxycommand") or "") if route == "proxycommand" else ""
    bad_host = host.startswith("-") or any(
        c in "'`\"$\\;&<>|(){}" or c.isspace() or ord(c) < 32 for c in host)
    bad_user = user is not None and any(c in "'`\";&<>|(){}" for c in user)
    # ssh 9.2 knows only `%%`, `%h`, `%k`, `%n`, `%p`, `%r` in a
    # ProxyCommand (a host `fe80::1%eth0` written into it is `%e`).
    if re.search(r"%([^%hknpr]|$)", command.replace("%%", "")):
        return {"error": "ssh: an unknown % token in ProxyCommand"}
    if (bad_host and any(t in command for t in ("%h", "%n", "%k"))) or (
            bad_user and "%r" in command):
        return {"error": "ssh refuses a name with shell metacharacters"}
    address, refused = ssh_hostname(host)
    if refused:
        return {"error": refused}
    return {
        "address": address, "port": port if port is not None else 22, "user": user,
        "key_files": [os.path.expanduser(k) for k in keys],
        "proxy_command": opts.get("proxycommand") if route == "proxycommand" else None,
        "jump": opts.get("proxyjump") if route == "proxyjump" else None,
    }


@functools.lru_cache(maxsize=None)
def ssh_user(args):
    """The user the installed `ssh -G` reads from these command-line
    words, or why it refuses them (OpenSSH's `valid_ruser`: "remote
    username contains invalid characters")."""
    r = subprocess.run(["ssh", "-F", "none", "-G", *args, "x"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    for line in r.stdout.splitlines():
        if line.startswith("user "):
            return line[len("user "):], None
    return None, f"ssh -G refuses user {args}: {r.stderr.strip()}"


@functools.lru_cache(maxsize=None)
def ssh_key(args):
    """The first identity file `ssh -G` reads from these words."""
    r = subprocess.run(["ssh", "-F", "none", "-G", *args, "x"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    for line in r.stdout.splitlines():
        if line.startswith("identityfile "):
            return line[len("identityfile "):], None
    return None, f"ssh -G refuses {args}: {r.stderr.strip()}"


@functools.lru_cache(maxsize=None)
def ssh_hostname(host):
    """Where ssh connects for `host` on its command line, as the installed
    `ssh -G` says: OpenSSH 9.2 writes a numeric address in its standard
    form after its first pass (`0010.0.0.1` is `8.0.0.1`, `::0001` is
    `::1`), and that form is the address sshfleet reports, uses for `%h`
    and looks up in known_hosts. Ansible's raw `ansible_host` is not where
    ssh connects. None for an IPv6 address with a zone id (`fe80::1%eth0`),
    which ssh resolves against this machine's interfaces and sshfleet
    refuses. (address, None), or (None, why) where there is no address."""
    zone = host.partition("%")
    if zone[1]:
        try:
            ipaddress.IPv6Address(zone[0])
            return None, f"address `{host}` is an IPv6 address with a zone id"
        except ValueError:
            pass
    r = subprocess.run(["ssh", "-F", "none", "-G", "-o", "HostName=" + host.replace("%", "%%"), "x"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    for line in r.stdout.splitlines():
        if line.startswith("hostname "):
            return line[len("hostname "):], None
    return None, f"ssh -G refuses address `{host}`: {r.stderr.strip()}"


def order_is_fixed(group):
    """Whether Ansible's `_walk_relationship` lists this group's
    descendants in one order: it iterates a Python set at each level, so
    when two groups of a level bring new children, the order depends on
    the process's hash seed (PYTHONHASHSEED), and `ansible` itself gives
    different orders from run to run."""
    seen = {group}
    unprocessed = {group} | set(group.child_groups)
    seen |= unprocessed
    while unprocessed:
        bringers = [g for g in unprocessed if any(k not in seen for k in g.child_groups)]
        if len(bringers) > 1:
            return False
        new = {k for g in unprocessed for k in g.child_groups} - seen
        seen |= new
        unprocessed = new
    return True


def plugin_for(v, t):
    """The connection plugin that reaches the host, as the task executor
    picks it (`smart` is ssh); network_cli connects through the plugin its
    ssh_type names (paramiko here: ansible.netcommon is not installed, and
    `auto` depends on whether ansible-pylibssh is)."""
    name = str(t.template(v.get("ansible_connection", "ssh")))
    # The names ansible-core itself resolves (its plugin loader with the
    # collection loader, as `ansible -c NAME` runs it): `smart` is the
    # executor's alias of ssh; ansible.netcommon is not installed here.
    loaded = None if name == "smart" else connection_loader.get(name, PlayContext(), None, class_only=True)
    plugin = "ssh" if name == "smart" else (loaded and loaded._load_name.rpartition(".")[2])
    if plugin == "ssh":
        return "ssh"
    if plugin == "paramiko_ssh":
        return "paramiko"
    if name in ("network_cli", "ansible.netcommon.network_cli"):
        ssh_type = t.template(v["ansible_network_cli_ssh_type"]) if "ansible_network_cli_ssh_type" in v else "auto"
        # network_cli templates its own options (network_os among them).
        if not t.template(v.get("ansible_network_os")):
            raise ValueError("network_cli: Unable to automatically determine host network os")
        if ssh_type != "paramiko":
            raise ValueError(f"network_cli: ssh_type {ssh_type} is not computed")
        return "paramiko"
    raise ValueError(f"connection {name} is not ssh")


def connect(v, t):
    """What the host's connection plugin would do."""
    plugin = plugin_for(v, t)
    conn = connection_loader.get(plugin, PlayContext(), None)
    opts = conn._resolve_option_variables(v, t)
    conn.set_options(var_options=opts)
    port = conn.get_option("port")
    if plugin == "ssh":
        words = shlex.split(conn.get_option("ssh_common_args") or "")
        words += shlex.split(conn.get_option("ssh_extra_args") or "")
        host = conn.get_option("host")
    else:
        words = []
        host = conn.get_option("remote_addr")
    c = effective(str(host), port, conn.get_option("remote_user"),
                  conn.get_option("private_key_file"), words, ssh=plugin == "ssh")
    if "error" not in c:
        c["password"] = conn.get_option("password") is not None
        raw = conn.get_option("proxy_command") if plugin == "paramiko" else None
        if raw:
            # paramiko's: %h %p %r replaced in that order, then
            # shlex.split and run without a shell (sshfleet writes the same
            # words quoted for sh; it refuses %r with no user, where
            # Ansible puts the text None).
            user = conn.get_option("remote_user")
            line = raw.replace("%h", str(host)).replace("%p", str(port))
            if "%r" in line and user is None:
                return {"error": "%r with no user"}
            line = line.replace("%r", str(user))
            c["proxy_command"] = " ".join(shlex.quote(w) for w in shlex.split(line))
            c["proxy_final"] = True
    return c


def ansible_resolve(d, sources, limit):
    loader = DataLoader()
    loader.set_basedir(d)
    inv = InventoryManager(loader=loader, sources=[os.path.join(d, s) for s in sources])
    vm = VariableManager(loader=loader, inventory=inv)
    vm._hostvars = HostVars(inventory=inv, variable_manager=vm, loader=loader)
    # As `ansible all --limit LIMIT`: the limit applies before anything
    # else is asked of the inventory (its pattern caches would reorder it).
    if limit is not None:
        inv.subset(limit)
        try:
            selected = [h.name for h in inv.get_hosts("all")]
        except Exception:  # Ansible stops: sshfleet must too
            selected = None
        inv.subset(None)
        inv.clear_pattern_cache()
        inv._hosts_patterns_cache = {}
    hosts = inv.get_hosts("all")
    if limit is None:
        selected = [h.name for h in hosts]
    listing = {"hosts": [h.name for h in hosts], "groups": {}, "hostvars": {},
               "order_fixed": all(order_is_fixed(g) for g in inv.groups.values())}
    for name, g in inv.groups.items():
        listing["groups"][name] = {"hosts": sorted(h.name for h in g.hosts),
                                   "children": sorted(k.name for k in g.child_groups)}
    for h in hosts:
        v = vm.get_vars(host=h, include_hostvars=False, stage="all")
        for internal in C.INTERNAL_STATIC_VARS:
            v.pop(internal, None)
        # As `ansible-inventory --list`: a date or datetime is its isoformat().
        listing["hostvars"][h.name] = json.loads(json.dumps(
            v, default=lambda o: o.isoformat() if hasattr(o, "isoformat") else str(o)))
    conns = {}
    rendered = set()
    for h in hosts:
        v = vm.get_vars(host=h, include_hostvars=True)
        t = Templar(loader=loader, variables=v)
        for k in [k for k in v if secret_name(k)]:
            try:
                rendered.update(leaves(t.template(v[k])))
            except Exception:  # sshfleet's secret is then its text as written
                pass
        try:
            conns[h.name] = connect(v, t)
        except Exception as e:  # Ansible fails this host's task
            conns[h.name] = {"error": f"{type(e).__name__}: {e}".splitlines()[0]}
    return {"listing": listing, "selected": selected, "connections": conns, "secrets": sorted(rendered)}

# ---------------------------------------------------------------- sshfleet


def run_sshfleet(binary, d, sources, limit, env):
    base = [binary, "inventory", "-F", "none"]
    for s in sources:
        base += ["-i", os.path.join(d, s)]
    lst = subprocess.run(base + ["--list"], capture_output=True, text=True, env=env, cwd=d)
    cmd = base + ["--json"] + (["-l", limit] if limit is not None else [])
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=d)
    return lst, res


def ours_listing(text):
    data = json.loads(text)
    hostvars = data.get("_meta", {}).get("hostvars", {})
    groups = {}
    hosts = set(hostvars)
    for name, g in data.items():
        if name == "_meta":
            continue
        groups[name] = {"hosts": sorted(g.get("hosts", [])), "children": sorted(g.get("children", []))}
        hosts.update(g.get("hosts", []))
    return groups, hostvars, hosts


def secret_name(k):
    """`support::secrets::is_secret_name`."""
    k = k.lower()
    return any(w in k for w in ("pass", "secret", "token", "credential")) or k.endswith("key")


def masked(vs):
    """Values sshfleet masks in --list: names that say they are secret."""
    return {k: ("<secret>" if secret_name(k) else v) for k, v in vs.items()}


# The shortest secret sshfleet masks wherever it shows text
# (`support::secrets::MIN_SHOWN`).
MIN_SHOWN = 4


def leaves(value):
    """The texts of a value's leaves, as sshfleet collects a secret's."""
    if isinstance(value, dict):
        return [t for v in value.values() for t in leaves(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in leaves(v)]
    if value is None or isinstance(value, bool):
        return []
    if hasattr(value, "isoformat"):
        return [value.isoformat(), str(value)]
    return [str(value)]


def case_secrets(c, rendered):
    """Every secret text of a case (docs/SECURITY.md I4): the values it
    wrote under secret names (as written: a YAML timestamp's text) and
    what Ansible renders them to (an env lookup's value)."""
    out = set(rendered)
    for vs in [*c.group_vars.values(), *c.host_vars.values(), *c.gv_files.values(), *c.hv_files.values()]:
        for k, v in vs.items():
            if secret_name(k):
                out.update(leaves(v))
    return {s for s in out if len(s) >= MIN_SHOWN}


def same(ours, theirs, secrets):
    """Whether sshfleet's value is Ansible's, where each `***` in ours
    stands for exactly the text of one of the case's secrets (I4 masks a
    secret's value wherever it shows; nothing else may be masked)."""
    if ours == theirs:
        return True
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(same(ours[k], theirs[k], secrets) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(same(a, b, secrets) for a, b in zip(ours, theirs))
    if not (isinstance(ours, str) and "***" in ours and secrets):
        return False
    if not isinstance(theirs, str):
        theirs = json.dumps(theirs) if theirs is None or isinstance(theirs, bool) else str(theirs)
    alt = "|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True))
    pattern = "(?:" + alt + ")"
    return re.fullmatch(pattern.join(re.escape(p) for p in ours.split("***")), theirs) is not None


def compare(case, d, sources, limit, want, lst, res):
    diffs = []
    wl = want["listing"]
    secrets = case_secrets(case, want["secrets"])
    if lst.returncode != 0:
        # ansible-inventory --list prints a float that is not finite as
        # Infinity/NaN, not JSON: sshfleet refuses to list it (and only it).
        if not (has_non_finite(wl["hostvars"]) and "not JSON" in lst.stderr):
            return [f"sshfleet refused the inventory: {lst.stderr.strip()}"]
        lst = None
    if lst is not None:
        diffs += compare_listing(wl, lst, secrets)
    return diffs + compare_json(want, wl, limit, res, secrets)


def has_non_finite(value):
    if isinstance(value, float):
        return value != value or value in (float("inf"), float("-inf"))
    if isinstance(value, dict):
        return any(has_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(has_non_finite(v) for v in value)
    return False


def compare_listing(wl, lst, secrets):
    diffs = []
    groups, hostvars, hosts = ours_listing(lst.stdout)
    if hosts != set(wl["hosts"]):
        diffs.append(f"hosts: ours {sorted(hosts)}, Ansible {sorted(wl['hosts'])}")
    for name, g in wl["groups"].items():
        if name == "all":
            continue
        if name not in groups and (g["hosts"] or g["children"]):
            diffs.append(f"group {name} missing")
        elif name in groups and groups[name] != g:
            diffs.append(f"group {name}: ours {groups[name]}, Ansible {g}")
    for h in wl["hosts"]:
        a, b = masked(hostvars.get(h, {})), masked(wl["hostvars"].get(h, {}))
        if not same(a, b, secrets):
            diffs.append(f"host {h} vars:\n    ours    {a}\n    Ansible {b}")
    return diffs


DOCUMENTED_REFUSALS = [
    "beyond 64 bits",
    "ansible-core 2.19 reads only yes/on/true/1",
]


def compare_json(want, wl, limit, res, secrets):
    diffs = []
    if res.returncode not in (0, 5):
        return diffs + [f"--json failed: {res.stderr.strip()}"]
    try:
        ours = json.loads(res.stdout)
    except ValueError:
        if want["selected"]:
            return diffs + [f"--json gave no JSON: {res.stderr.strip()}"]
        return diffs
    if want["selected"] is None:
        return diffs + [f"limit {limit!r}: Ansible stops with an error, sshfleet selected hosts"]
    got_sel = [e["host"] for e in ours]
    if not wl["order_fixed"]:
        # Ansible's own order varies with its hash seed: only the hosts count.
        got_sel, want["selected"] = sorted(got_sel), sorted(want["selected"])
    if got_sel != want["selected"]:
        diffs.append(f"limit {limit!r}: ours {got_sel}, Ansible {want['selected']}")
    for e in ours:
        w = want["connections"].get(e["host"])
        if w is None:
            continue
        if "error" in e and "varies from run to run" in e["error"] and not wl["order_fixed"]:
            # Ansible's groups[...] order follows its hash seed there:
            # sshfleet refuses to pick one of its orders.
            continue
        if "error" in w or "error" in e:
            # Documented refusals (README): sshfleet refuses the host where
            # Ansible carries on with an approximation (a number beyond 64
            # bits; a text `bool` coerces with a deprecation warning).
            documented = "error" not in w and any(
                why in e.get("error", "") for why in DOCUMENTED_REFUSALS)
            if ("error" in w) != ("error" in e) and not documented:
                diffs.append(f"{e['host']}: ours {e.get('error', 'resolved')}, Ansible {w.get('error', 'resolved')}")
            continue
        user = w["user"] if w["user"] is not None else e["user"]
        proxy = w["proxy_command"]
        if proxy is not None and not w.get("proxy_final"):
            proxy = proxy.replace("%h", w["address"].lower()).replace("%p", str(w["port"])).replace("%r", user)
            proxy = " ".join(shlex.split(proxy)) if proxy[:1] in "'\"" else proxy
        jump = None
        if w["jump"]:
            jump = w["jump"].rsplit("@", 1)[-1].split(":")[0]
            jump = ssh_hostname(jump)[0] or jump
        # ssh lowercases the host names it is given; a key named twice is
        # tried once.
        dedup = lambda keys: list(dict.fromkeys(keys))  # noqa: E731
        got = {"address": e["address"].lower(), "port": e["port"], "user": e["user"],
               "key_files": dedup(e["key_files"]), "password": e["password"],
               "proxy_command": e["proxy_command"].lower() if e["proxy_command"] else None,
               "jump": e["jumps"][0]["address"].lower() if e["jumps"] else None}
        exp = {"address": w["address"].lower(), "port": w["port"], "user": user,
               "key_files": dedup(w["key_files"]), "password": w["password"],
               "proxy_command": proxy.lower() if proxy else None, "jump": jump.lower() if jump else None}
        if not same(got, exp, secrets):
            diffs.append(f"{e['host']}:\n    ours    {got}\n    Ansible {exp}")
    return diffs


def show(d):
    out = []
    for root, _, files in os.walk(d):
        for f in sorted(files):
            p = os.path.join(root, f)
            out.append(f"--- {os.path.relpath(p, d)}")
            out.append(open(p).read().rstrip("\n"))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sshfleet", required=True)
    ap.add_argument("--seed", type=int, default=25)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--only", type=int)
    ap.add_argument("--keep")
    ap.add_argument("--max-report", type=int, default=8)
    args = ap.parse_args()
    started = time.time()
    root = args.keep or tempfile.mkdtemp(prefix="sshfleet-diff-")
    os.makedirs(root, exist_ok=True)
    env = dict(os.environ)
    cases = []
    indexes = [args.only] if args.only is not None else range(args.cases)
    for i in indexes:
        rng = random.Random(args.seed * 1_000_003 + i)
        c = Gen(rng)
        d = os.path.join(root, f"case{i:05}")
        source = write_case(c, d)
        limit = c.limit()
        if limit is not None and "@LIMITFILE" in limit:
            path = os.path.join(d, "limit.txt")
            with open(path, "w", newline="") as f:
                f.write(c.limit_file())
            limit = limit.replace("@LIMITFILE", "@" + path)
        cases.append((i, c, d, [source], limit))
    os.environ.update(cases[0][1].env if cases else {})
    env.update(cases[0][1].env if cases else {})
    env.pop(ENV_UNSET, None)
    os.environ.pop(ENV_UNSET, None)
    args.sshfleet = os.path.abspath(args.sshfleet)
    wants = {}
    failures = []
    ansible_refused = 0

    def check(item):
        i, c, d, sources, limit = item
        want = wants[i]
        lst, res = run_sshfleet(args.sshfleet, d, sources, limit, env)
        if "refused" in want:
            if lst.returncode == 0:
                return i, [f"Ansible refused ({want['refused']}) but sshfleet read it"], True
            return i, [], True
        return i, compare(c, d, sources, limit, want, lst, res), False

    # Ansible's warnings (a host named like a group, ...) are not results.
    saved_stderr = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    ansible_time = 0.0
    # sshfleet runs (other processes) while this one asks Ansible.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = []
        for item in cases:
            i, c, d, sources, limit = item
            t0 = time.time()
            try:
                wants[i] = ansible_resolve(d, sources, limit)
            except Exception as e:
                wants[i] = {"refused": f"{type(e).__name__}: {e}".splitlines()[0]}
            ansible_time += time.time() - t0
            futures.append(pool.submit(check, item))
        os.dup2(saved_stderr, 2)
        for f in futures:
            i, diffs, refused = f.result()
            ansible_refused += refused
            if diffs:
                failures.append((i, diffs))
    elapsed = time.time() - started
    for i, diffs in failures[: args.max_report]:
        _, c, d, sources, limit = next(x for x in cases if x[0] == i)
        print(f"=== case {i} (seed {args.seed}, --only {i}), limit {limit!r}, format {c.fmt}")
        print("\n".join("  " + x for x in diffs))
        print(show(d))
    print(f"{len(cases)} generated cases (seed {args.seed}), {ansible_refused} refused by Ansible, "
          f"{len(failures)} differ, {elapsed:.1f}s ({ansible_time:.1f}s in Ansible), "
          f"ansible-core {ANSIBLE_VERSION}")
    # The cases are shown above when they differ; a run leaves nothing
    # behind in the temporary directory unless --keep names where to keep them.
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
