#!/usr/bin/env python3
"""Generated route cases: sshfleet against ansible-core 2.19 + `ssh -G`.

Every combination of route settings on the command line Ansible builds
(`ansible_ssh_common_args` / `ansible_ssh_extra_args`: `-o ProxyJump`,
`-o ProxyCommand`, `-J`, each with a value or `none`, up to two, in both
orders) and in ssh_config (`ProxyJump` and `ProxyCommand`, a value or
`none`, up to two lines), plus jump hosts that are or are not the host
itself (name, HostName, port, user, case). For each host the ssh plugin of
ansible-core builds its real argv (`_build_command`), the installed
`ssh -G` reads it with the case's ssh_config, and `sshfleet inventory
--json -F CONFIG` must agree: the same ProxyCommand (tokens expanded), the
same jump host, or a refusal where ssh refuses ("jumphost loop", "-J").
Then odd users, key files and `-l`/`-i`/`-p` arguments (`value_cases`):
the same user, port and identity files, or a refusal where ssh refuses.

    python3 tests/inventories/routes.py --sshfleet target/debug/sshfleet

Exit 0: all agree. 1: some differ (each printed). 77: no ansible-core 2.19
or no ssh here (the caller skips).
"""

import argparse
import concurrent.futures
import itertools
import json
import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import ansible_core  # beside this script

# No ControlMaster/ControlPath in the argv: only what the inventory says.
ANSIBLE_VERSION = ansible_core.start(
    {"ANSIBLE_SSH_ARGS": "", "ANSIBLE_LOCALHOST_WARNING": "0"}, needs_ssh=True
)
from ansible.inventory.manager import InventoryManager  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.playbook.play_context import PlayContext  # noqa: E402
from ansible.plugins.loader import connection_loader  # noqa: E402
from ansible.template import Templar  # noqa: E402
from ansible.vars.hostvars import HostVars  # noqa: E402
from ansible.vars.manager import VariableManager  # noqa: E402

# Route settings on Ansible's command line (flag, value) and in ssh_config.
ARGS = [("-o", "ProxyJump=jA"), ("-o", "ProxyJump=none"), ("-o", "proxyjump=NONE"),
        ("-o", "ProxyCommand=nc-args %h %p"), ("-o", "ProxyCommand=none"),
        ("-J", "ops@jB:2200"), ("-J", "none")]
CONFIG = ["ProxyJump jC", "ProxyJump none", "ProxyCommand nc-cfg %h %p %r",
          "ProxyCommand none"]


def route_cases():
    """(args words for common, for extra, config lines) per host."""
    seqs = [()] + [(a,) for a in ARGS] + list(itertools.product(ARGS, ARGS))
    configs = [()] + [(c,) for c in CONFIG] + list(itertools.product(CONFIG, CONFIG))
    for config in configs:
        hosts = []
        for seq in seqs:
            words = [w for flag, value in seq for w in (flag, value)]
            hosts.append((words, []))
            if len(seq) == 2 and len(config) < 2:
                # The second in ansible_ssh_extra_args (after the common ones).
                hosts.append((list(seq[0]), list(seq[1])))
        yield list(config), hosts


def loop_cases():
    """Hosts whose jump host is, or nearly is, the host itself."""
    hosts = []
    for i, (addr, port, user, jhost, juser, jport) in enumerate(itertools.product(
            ["name", "ip", "config"], [None, 2200], [None, "ops"],
            ["same", "upper", "alias", "other"], [None, "ops"], [None, 22, 2200])):
        # `lp*` hosts have HostName 10.9.9.9 in the case's ssh_config.
        name = {"name": f"nm{i}", "ip": f"ip{i}", "config": f"lp{i}"}[addr]
        target = {"name": name, "ip": "10.9.0.1", "config": "10.9.9.9"}[addr]
        jump = {"same": target, "upper": target.upper(), "alias": name,
                "other": "10.9.0.77"}[jhost]
        spec = (f"{juser}@" if juser else "") + jump + (f":{jport}" if jport else "")
        v = {"ansible_ssh_common_args": f"-o ProxyJump={spec}"}
        if addr == "ip":
            v["ansible_host"] = target
        if port:
            v["ansible_port"] = port
        if user:
            v["ansible_user"] = user
        hosts.append((name, v))
    return hosts


def write_inventory(path, hosts):
    with open(path, "w") as f:
        json.dump({"all": {"hosts": {name: v for name, v in hosts}}}, f, indent=1)


def ansible_argv(path):
    loader = DataLoader()
    inv = InventoryManager(loader=loader, sources=[path])
    vm = VariableManager(loader=loader, inventory=inv)
    vm._hostvars = HostVars(inventory=inv, variable_manager=vm, loader=loader)
    out = {}
    for h in inv.get_hosts("all"):
        v = vm.get_vars(host=h, include_hostvars=False)
        conn = connection_loader.get("ssh", PlayContext(), None)
        conn.set_options(var_options=conn._resolve_option_variables(v, Templar(loader=loader, variables=v)))
        argv = [a.decode() for a in conn._build_command("ssh", "ssh", conn.get_option("host"))]
        out[h.name] = argv
    return out


def ssh_g(config, argv):
    """ssh -G with Ansible's argv (its `ssh` and the host kept in place)."""
    r = subprocess.run(["ssh", "-F", config, "-G"] + argv[1:], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        return {"error": r.stderr.strip()}
    g = {"identityfiles": []}
    for line in r.stdout.splitlines():
        k, _, v = line.partition(" ")
        g.setdefault(k, v)
        if k == "identityfile" and v not in g["identityfiles"]:
            g["identityfiles"].append(v)
    return g


def value_cases(d):
    """Hosts whose user, key file or `-l`/`-i`/`-p` arguments ssh reads
    in its own way (issue 25): Ansible's `-o User="…"` and
    `-o IdentityFile="…"` through ssh's option parser (quotes, escapes,
    the key's tokens and ${VAR}), the flags' arguments verbatim, and the
    words Ansible strips or drops. `-i` files exist (ssh keeps only those)."""
    for name in ['"q"z', "a b", "a\\b", "plain"]:
        open(os.path.join(d, name), "w").close()
    users = ['adm"i"n', "CORP\\svc", "CORP\\\\svc", "a'b", "a\\", "a b", "x;y", "-x", "u%h",
             "ok", "a\\ b", "\\\"q\\\"", "x y-z", "x -z"]
    keys = ["/keys/%h-${HOME}.key", '/keys/x"y"z', "/keys/a\\b", "~/k/%r-%p", "/keys/%%h", "/k/'q'",
            "/keys/${NO_SUCH_VAR_25}"]
    args = [["-l", "CORP\\svc"], ["-l", 'a"b"c'], ["-l", "a b"], ["-p", '"2200"'], ["-p", "2201"],
            ["-i", os.path.join(d, '"q"z')], ["-i", os.path.join(d, "a b")],
            ["-i", os.path.join(d, "a\\b")], ["-o", "", "-p", "2202"], [" -p", "2203"],
            ["-p", "2204", "-p", "x"], ["-o", "Port=2205", "-p", '"x"'], ["-l", "u1", "-l", "a;b"],
            ["-o", 'User="a b"'], ["-p", "2206", ""], ["-i", os.path.join(d, "plain"), "-o",
                                                       'IdentityFile="' + os.path.join(d, "a b") + '"']]
    hosts = []
    for i, u in enumerate(users):
        hosts.append((f"vu{i}", {"ansible_user": u}))
    for i, k in enumerate(keys):
        hosts.append((f"vk{i}", {"ansible_user": "ops", "ansible_port": 2222,
                                 "ansible_ssh_private_key_file": k}))
    for i, a in enumerate(args):
        line = " ".join(shlex.quote(w) for w in a)
        hosts.append((f"va{i}", {"ansible_ssh_common_args": line}))
        hosts.append((f"vb{i}", {"ansible_ssh_common_args": line, "ansible_user": "ops",
                                 "ansible_port": 2299}))
    return hosts


def value_theirs(g):
    if "error" in g:
        return {"error": g["error"]}
    tokens = {"h": g["hostname"], "p": g["port"], "r": g["user"], "%": "%",
              "d": os.path.expanduser("~"), "u": pwd.getpwuid(os.getuid()).pw_name}

    def expand(path):
        if path.startswith("~/"):
            path = os.path.expanduser("~") + path[1:]
        path = re.sub(r"\$\{(\w+)\}", lambda m: os.environ.get(m.group(1), "\0unset"), path)
        return re.sub(r"%(.)", lambda m: tokens.get(m.group(1), m.group(0)), path)
    keys = [expand(k) for k in g["identityfiles"]]
    if any("\0unset" in k for k in keys):
        return {"error": "an unset ${VAR} in an IdentityFile (ssh fails)"}
    return {"user": g["user"], "port": int(g["port"]), "keys": keys}


def value_ours(entry):
    if entry.get("error"):
        return {"error": entry["error"]}
    return {"user": entry["user"], "port": entry["port"], "keys": entry["key_files"]}


def run_values(binary, d, failures):
    inv = os.path.join(d, "values.json")
    cfg = os.path.join(d, "values.conf")
    open(cfg, "w").close()
    hosts = value_cases(d)
    write_inventory(inv, hosts)
    argvs = ansible_argv(inv)
    r = subprocess.run([binary, "inventory", "--json", "-F", cfg, "-i", inv],
                       capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
    entries = {e["host"]: e for e in json.loads(r.stdout)}
    for host, v in hosts:
        want = value_theirs(ssh_g(cfg, argvs[host]))
        mine = value_ours(entries[host])
        same = ("error" in want) == ("error" in mine) and (
            "error" in want or (mine["user"], mine["port"]) == (want["user"], want["port"])
            and (not v.get("ansible_ssh_private_key_file") and not "-i" in argvs[host]
                 and "IdentityFile" not in str(v) or mine["keys"] == want["keys"]))
        if not same:
            failures.append(f"values {host}: vars {json.dumps(v)}\n  Ansible argv: {argvs[host]}\n"
                            f"  sshfleet {mine}\n  ssh -G   {want}")
    return len(hosts)


def theirs(g, config):
    if "error" in g:
        return {"error": g["error"]}
    command = g.get("proxycommand")
    if command:
        command = command.replace("%h", g["hostname"]).replace("%p", g["port"]).replace("%r", g["user"])
    jump = g.get("proxyjump")
    if jump:
        # The last hop: the one ssh connects through (one hop here).
        last = jump.split(",")[-1]
        user, _, hp = last.rpartition("@")
        host, _, port = hp.strip("[]").partition(":") if not hp.startswith("[") else (
            hp[1:hp.index("]")], "", hp[hp.index("]") + 2:])
        # The address the jump host resolves to, as its own ssh would.
        hop = ssh_g(config, ["ssh", "-p", port or "22"] + (["-l", user] if user else []) + [host])
        jump = {"address": hop.get("hostname", host).lower(), "port": int(port or 22),
                "user": user or None}
    return {"proxy_command": command, "jump": jump}


def ours(entry):
    if "error" in entry and entry.get("address") is None:
        return {"error": entry["error"]}
    jumps = entry.get("jumps") or []
    jump = None
    if jumps:
        j = jumps[-1]
        jump = {"address": j["address"].lower(), "port": j.get("port") or 22, "user": j.get("user")}
    return {"proxy_command": entry.get("proxy_command"), "jump": jump}


def agree(mine, want):
    if "error" in want or "error" in mine:
        return ("error" in want) == ("error" in mine)
    if mine["proxy_command"] != want["proxy_command"]:
        return False
    if (mine["jump"] is None) != (want["jump"] is None):
        return False
    if mine["jump"] is None:
        return True
    a, b = mine["jump"], want["jump"]
    # ssh -G names a jump user only when the jump spec does.
    return a["address"] == b["address"] and a["port"] == b["port"] and (
        b["user"] is None or a["user"] == b["user"])


def run(binary, d, name, config_lines, hosts, failures):
    inv = os.path.join(d, f"{name}.json")
    cfg = os.path.join(d, f"{name}.conf")
    write_inventory(inv, hosts)
    with open(cfg, "w") as f:
        f.write(config_lines)
    argvs = ansible_argv(inv)
    r = subprocess.run([binary, "inventory", "--json", "-F", cfg, "-i", inv],
                       capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
    try:
        entries = {e["host"]: e for e in json.loads(r.stdout)}
    except ValueError:
        failures.append(f"{name}: sshfleet gave no JSON: {r.stderr.strip()}")
        return 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        wants = list(pool.map(lambda h: theirs(ssh_g(cfg, argvs[h[0]]), cfg), hosts))
    for (host, v), want in zip(hosts, wants):
        mine = ours(entries[host])
        if not agree(mine, want):
            failures.append(f"{name} {host}: vars {json.dumps(v)}\n  ssh_config: {config_lines!r}\n"
                            f"  Ansible argv: {argvs[host]}\n  sshfleet {mine}\n  ssh -G   {want}")
    return len(hosts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sshfleet", required=True)
    ap.add_argument("--max-report", type=int, default=10)
    args = ap.parse_args()
    binary = os.path.abspath(args.sshfleet)
    d = tempfile.mkdtemp(prefix="sshfleet-routes-")
    failures = []
    count = 0
    try:
        for n, (config, hosts) in enumerate(route_cases()):
            named = []
            for i, (common, extra) in enumerate(hosts):
                v = {"ansible_user": "ops"}
                if common:
                    v["ansible_ssh_common_args"] = " ".join(f"'{w}'" for w in common)
                if extra:
                    v["ansible_ssh_extra_args"] = " ".join(f"'{w}'" for w in extra)
                named.append((f"h-{i}", v))
            text = "".join(f"Host h-*\n  {line}\n" for line in config)
            count += run(binary, d, f"routes{n}", text, named, failures)
        count += run_values(binary, d, failures)
        count += run(binary, d, "loops", "Host lp*\n  HostName 10.9.9.9\n", [
            (name, v) for name, v in loop_cases()], failures)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    for f in failures[: args.max_report]:
        print(f)
    print(f"{count} generated hosts, {len(failures)} differ from Ansible's argv under ssh -G "
          f"(ansible-core {ANSIBLE_VERSION})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
