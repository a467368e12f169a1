#!/usr/bin/env python3
"""Regenerate each case's expected.json from ansible-core's own behaviour.

Dev-only: `cargo test` reads the committed expected.json files and never
needs Ansible. Run with ansible-core 2.19 on PATH (or ANSIBLE_BIN=dir):

    python3 -m venv /tmp/ans && /tmp/ans/bin/pip install 'ansible-core>=2.19,<2.20'
    ANSIBLE_BIN=/tmp/ans/bin python3 tests/inventories/regenerate.py [CASE...]

Each case directory holds case.json:
    {"sources": ["hosts.ini", ...],          # each becomes one -i, in order
     "patterns": ["web", "web[0]", ...],     # each run through --list-hosts
     "limits": ["@file", "web,!db01"],       # each as --limit on `all`
     "vault_password_file": "vault-pass",    # optional
     "env": {"NAME": "value"}}               # optional, for lookup('env')

What is recorded:
- "inventory": `ansible-inventory --list` as printed (hosts, groups, vars);
- "patterns": `ansible --list-hosts PATTERN`, hosts in Ansible's order, and
  whether Ansible warned that a term matched nothing (or an error);
- "limits": the same for `ansible all --limit LIMIT --list-hosts`;
- "connections": per host, what the ssh connection plugin actually does: a
  fake `ssh` (and `sshpass`) on PATH records the command line Ansible builds,
  and the effective address, port, user, identity files, password and
  ProxyCommand are read from it as OpenSSH reads its command line (first
  value wins; no ssh_config); the address is what the installed `ssh -G`
  makes of Ansible's host (a numeric address in its standard form, as
  OpenSSH 9.2 writes it after its first pass). Hosts whose ansible_connection is not ssh
  record only that connection.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("ANSIBLE_BIN", "")


def tool(name):
    return os.path.join(BIN, name) if BIN else name


FAKE_SSH = r'''#!/usr/bin/env python3
import json, os, sys
out = os.environ["FAKE_SSH_OUT"]
name = os.path.basename(sys.argv[0])
rec = {"argv": sys.argv[1:], "password": os.environ.get("FAKE_SSH_PASSWORD")}
with open(os.path.join(out, name + ".json"), "w") as f:
    json.dump(rec, f)
sys.stderr.write("fake ssh: connection refused\n")
sys.exit(255)
'''

FAKE_SSHPASS = r'''#!/usr/bin/env python3
import os, sys
args = sys.argv[1:]
if args and args[0] == "-V":
    print("sshpass 1.09"); sys.exit(0)
password = None
while args and args[0].startswith("-"):
    a = args.pop(0)
    if a.startswith("-d"):
        fd = int(a[2:])
        password = os.read(fd, 65536).decode().rstrip("\n")
    elif a == "-P":
        args.pop(0)
os.environ["FAKE_SSH_PASSWORD"] = password or ""
os.execv(args[0], args)
'''

# ssh(1) options that take an argument (OpenSSH 9.x getopt string).
WITH_ARG = set("bcDEeFIiJLlmOoPpQRSWw")


def home_relative(path):
    """`~/x` for a path under $HOME, so expectations hold on any machine."""
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if path.startswith(home + "/") else path


def effective(argv):
    """Address, port, user, keys and ProxyCommand as ssh reads its argv."""
    opts = {}
    keys = []
    port = user = host = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("-") and len(a) > 1 and host is None:
            flag = a[1]
            if flag in WITH_ARG:
                val = a[2:] if len(a) > 2 else argv[i + 1]
                i += 1 if len(a) > 2 else 2
                if flag == "o":
                    k, _, v = val.replace("=", " ", 1).partition(" ")
                    v = " ".join(shlex.split(v.strip())) if k.lower() != "proxycommand" else v.strip()
                    k = k.lower()
                    if k == "identityfile":
                        keys.append(v)
                    elif k not in opts:
                        opts[k] = v
                elif flag == "p" and port is None and "port" not in opts:
                    port = int(val)
                elif flag == "l" and user is None and "user" not in opts:
                    user = val
                elif flag == "i":
                    # ssh.c 9.2: a `-i` file that is not there is dropped.
                    if os.path.exists(os.path.expanduser(val)):
                        keys.append(val)
                elif flag == "J" and "proxyjump" not in opts:
                    opts["proxyjump"] = val
                continue
            i += 1
            continue
        if host is None:
            host = a
        i += 1
    if "port" in opts:
        port = port if port is not None else int(opts["port"])
    if "user" in opts:
        user = user if user is not None else opts["user"]
    # ssh: whichever of ProxyCommand and ProxyJump comes first wins.
    order = [k for k in opts if k in ("proxycommand", "proxyjump")]
    route = order[0] if order else None
    return {
        "proxy_jump": opts.get("proxyjump") if route == "proxyjump" else None,
        "address": ssh_hostname(host),
        "port": port if port is not None else 22,
        "user": user,
        "key_files": [home_relative(k) for k in keys],
        "proxy_command": opts.get("proxycommand") if route == "proxycommand" else None,
    }


def ssh_hostname(host):
    """Where the installed (real) ssh connects for `host` on its command
    line: OpenSSH 9.2 writes a numeric address in its standard form after
    its first pass (`0010.0.0.1` is `8.0.0.1`), so the address ssh connects
    to, expands as `%h` and looks up in known_hosts is that form, not
    Ansible's text."""
    r = subprocess.run(["ssh", "-F", "none", "-G", "-o", "HostName=" + host.replace("%", "%%"), "x"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    for line in r.stdout.splitlines():
        if line.startswith("hostname "):
            return line[len("hostname "):]
    raise SystemExit(f"ssh -G gives no hostname for {host!r}: {r.stderr.strip()}")


def oneline(stdout):
    """(host, succeeded, result) from the oneline callback's lines."""
    for line in stdout.splitlines():
        m = re.match(r"^(\S+) \| (SUCCESS|FAILED!|UNREACHABLE!) => (\{.*\})$", line)
        if m:
            yield m.group(1), m.group(2) == "SUCCESS", json.loads(m.group(3))


def run(args, env, check=True):
    p = subprocess.run(args, env=env, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{p.stdout}\n{p.stderr}")
    return p


def generate(case_dir):
    case = json.load(open(os.path.join(case_dir, "case.json")))
    env = dict(os.environ)
    env.update(case.get("env", {}))
    env.update({
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_SSH_PASSWORD_MECHANISM": "sshpass",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_CONFIG": os.path.join(HERE, "ansible.cfg"),
        "ANSIBLE_PYTHON_INTERPRETER": "auto_silent",
    })
    env.pop("ANSIBLE_VAULT_PASSWORD_FILE", None)
    common = []
    for s in case["sources"]:
        common += ["-i", s]
    if case.get("vault_password_file"):
        common += ["--vault-password-file", case["vault_password_file"]]
    cwd = os.getcwd()
    os.chdir(case_dir)
    try:
        inv = json.loads(run([tool("ansible-inventory")] + common + ["--list"], env).stdout)
        patterns = {}
        for pattern in case.get("patterns", []):
            p = run([tool("ansible")] + common + [pattern, "--list-hosts"], env, check=False)
            if p.returncode != 0:
                patterns[pattern] = {"error": True}
                continue
            lines = p.stdout.splitlines()
            hosts = [l.strip() for l in lines[1:] if l.strip()]
            warned = "Could not match supplied host pattern" in p.stderr
            patterns[pattern] = {"hosts": hosts, "warning": warned}
        limits = {}
        for limit in case.get("limits", []):
            p = run([tool("ansible")] + common + ["all", "--limit", limit, "--list-hosts"], env, check=False)
            if p.returncode != 0:
                limits[limit] = {"error": True}
                continue
            lines = p.stdout.splitlines()
            limits[limit] = {"hosts": [l.strip() for l in lines[1:] if l.strip()],
                             "warning": "Could not match supplied host pattern" in p.stderr}
        hosts = sorted(inv.get("_meta", {}).get("hostvars", {}).keys()
                       | {h for g in inv.values() if isinstance(g, dict) for h in g.get("hosts", [])})
        tmp = tempfile.mkdtemp()
        fake = os.path.join(tmp, "bin")
        out = os.path.join(tmp, "out")
        os.makedirs(fake)
        os.makedirs(out)
        with open(os.path.join(fake, "ssh"), "w") as f:
            f.write(FAKE_SSH)
        with open(os.path.join(fake, "sshpass"), "w") as f:
            f.write(FAKE_SSHPASS)
        os.chmod(os.path.join(fake, "ssh"), 0o755)
        os.chmod(os.path.join(fake, "sshpass"), 0o755)
        for h in hosts:
            os.symlink(os.path.join(fake, "ssh"), os.path.join(fake, "ssh-" + h))
        cenv = dict(env)
        cenv["PATH"] = fake + os.pathsep + env["PATH"]
        cenv["FAKE_SSH_OUT"] = out
        cenv["ANSIBLE_STDOUT_CALLBACK"] = "oneline"
        cenv["ANSIBLE_LOAD_CALLBACK_PLUGINS"] = "1"
        p = run([tool("ansible")] + common + [
            "all", "-m", "debug", "-a", "msg={{ ansible_connection | default('ssh') }}"], cenv, check=False)
        kinds = {}
        errors = {}
        for h, ok, r in oneline(p.stdout):
            if ok:
                kinds[h] = r.get("msg")
            else:
                errors[h] = r.get("msg")
        p = run([tool("ansible")] + common + [
            "all", "-m", "ping", "-f", "4",
            "-e", "ansible_ssh_executable=" + fake + "/ssh-{{ inventory_hostname }}"], cenv, check=False)
        connections = {}
        for h in hosts:
            rec_path = os.path.join(out, "ssh-" + h + ".json")
            if h in errors:
                connections[h] = {"error": errors[h]}
                continue
            kind = kinds[h]
            if not os.path.exists(rec_path):
                connections[h] = {"connection": kind}
                continue
            rec = json.load(open(rec_path))
            c = {"connection": kind}
            c.update(effective(rec["argv"]))
            c["password"] = rec["password"] or None
            connections[h] = c
        shutil.rmtree(tmp)
    finally:
        os.chdir(cwd)
    version = run([tool("ansible"), "--version"], env).stdout.splitlines()[0]
    expected = {"generated_by": version, "inventory": inv, "patterns": patterns, "limits": limits,
                "connections": connections}
    with open(os.path.join(case_dir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"{os.path.basename(case_dir)}: {len(hosts)} hosts, {len(patterns)} patterns")


def main():
    names = sys.argv[1:] or sorted(
        d for d in os.listdir(HERE) if os.path.isfile(os.path.join(HERE, d, "case.json")))
    for name in names:
        generate(os.path.join(HERE, name))


if __name__ == "__main__":
    main()
