#!/usr/bin/env python3
"""Write (or --check) tests/inventories/lookups.txt: `lookup('env')` and
`lookup('file')` as ansible-core 2.19's Templar renders them (issue 25,
findings 3, 4, 8, 9; issue 23), each as `"u{{ (expression) | string |
regex_replace(...) }}"` (the value's Python `str()`, each character ssh
refuses in a user name made `_`), in a fixture this script and the integration test
`lookups_are_ansibles` both build (`fixture`: files, symbolic links, a
FIFO, and environment variables; `$LT` is its directory and `$HOME`,
`$LT_REL` the directory without its leading `/`: a path starting with `$`
is relative to Ansible).

    python3 tests/inventories/lookups.py          # rewrite the file
    python3 tests/inventories/lookups.py --check  # exit 1 if it differs

Lines: `expression<TAB>outcome`: `V text` (Ansible's value), `E` (Ansible
fails), `R` (Ansible reads it, sshfleet refuses by design: a file under
/proc, /sys or /dev or not regular, a relative path, `wantlist`), `B`
(Ansible blocks: a FIFO; not run). Exit 77 where ansible-core 2.19 is
missing.
"""

import os
import tempfile

import ansible_core  # beside this script
import generated_table  # beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "lookups.txt")

# (name, content) files, (name, target) links, environment variables:
# the integration test builds the same.
FILES = [
    ("plain", "fileval \n\n"),
    ("x", "lexical\n"),
    ("real/x", "physical\n"),
    ("lead", "  \tlead\n"),
    ("ws", "ws\x1c\x1f\u00a0\n"),
    ("${LT_UNSET}x", "literal\n"),
    ("vault", "$ANSIBLE_VAULT;1.1;AES256\n6161\n"),
    ("dir/keep", "k\n"),
]
LINKS = [("link", "real/sub"), ("tolink", "plain"), ("toproc", "/proc/self/environ"), ("tonull", "/dev/null")]
ENV = {
    "LT_SET": "val",
    "LT_EMPTY": "",
    "LT_SP": "a b",
    "LT_DOLLAR": "$LT_SET",
}

F = "lookup('file', %s)"
# Each value as text of characters ssh takes in a user name (the test
# reads it as a host's `ansible_user`).
WRAP = "u{{ (%s) | string | regex_replace('[^A-Za-z0-9.,_]', '_') }}"
CASES = [
    # env: the first word of each term (`term.split()[0]`)
    ("lookup('env', 'LT_SET')", None),
    ("lookup('env', ' LT_SET')", None),
    ("lookup('env', 'LT_SET  # note')", None),
    ("lookup('env', 'LT_SET\tx')", None),
    ("lookup('env', '')", None),
    ("lookup('env', '   ')", None),
    ("lookup('env')", None),
    ("query('env')", None),
    ("lookup('env', 'LT_UNSET')", None),
    ("lookup('env', 'LT_UNSET', default='d')", None),
    ("lookup('env', 'LT_UNSET', default=['a'])", None),
    ("lookup('env', 'LT_UNSET', default=true)", None),
    ("lookup('env', 'LT_UNSET', default=false)", None),
    ("lookup('env', 'LT_UNSET', default=1.5)", None),
    ("lookup('env', 'LT_UNSET', default={'k': 1})", None),
    ("('a' if lookup('env', 'LT_UNSET', default=false) else 'b')", None),
    ("lookup('env', 'LT_UNSET', 'LT_UNSET', default=true)", None),
    ("lookup('env', 'LT_SET', 'LT_UNSET')", None),
    ("lookup('env', 'LT_SET', 'LT_UNSET', default=1)", None),
    ("query('env', 'LT_SET', 'LT_UNSET')", None),
    ("q('env', 'LT_SET')", None),
    ("lookup('env', 'LT_EMPTY', default='d')", None),
    ("lookup('env', 'LT_SP')", None),
    ("lookup('env', 'A=B', default='d')", None),
    ("lookup('env', 5)", None),
    ("lookup('env', ['LT_SET'])", None),
    ("lookup('env', 'LT_SET', wantlist=true)", "wantlist"),
    ("lookup('env', 'LT_SET', errors='ignore')", "errors"),
    ("lookup('ansible.builtin.env', 'LT_SET')", None),
    # file: unfrackpath (expandvars, expanduser, normpath) then read
    (F % "'/$LT_REL/plain'", None),
    (F % "'$LT/plain'", None),
    (F % "'/$LT_REL/../$LT_REL/plain'", None),
    (F % "'/${LT_REL}/plain'", None),
    (F % "'/$LT_REL/./plain'", None),
    (F % "'/$LT_REL//plain'", None),
    (F % "'/$LT_REL/link/../x'", None),
    (F % "'/$LT_REL/nodir/../x'", None),
    (F % "'/$LT_REL/x/'", None),
    (F % "'/$LT_REL/tolink'", None),
    (F % "'/$LT_REL/${LT_UNSET}x'", None),
    (F % "'/$LT_REL/$LT_DOLLAR'", None),
    (F % "'/$LT_REL/$'", None),
    (F % "'/$LT_REL/ws'", None),
    (F % "'/$LT_REL/lead'", None),
    ("lookup('file', '/$LT_REL/lead', lstrip=true)", None),
    ("lookup('file', '/$LT_REL/plain', '/$LT_REL/x')", None),
    ("query('file', '/$LT_REL/plain', '/$LT_REL/x')", None),
    ("lookup('file')", None),
    (F % "'~/plain'", None),
    (F % "'~'", None),
    (F % "'~sshfleet_nosuchuser/x'", None),
    (F % "'/$LT_REL/missing'", None),
    (F % "'/$LT_REL/dir'", None),
    (F % "'/$LT_REL/vault'", None),
    (F % "5", None),
    (F % "''", "relative"),
    (F % "'plain'", "relative"),
    (F % "'$LT_SET/x'", "relative"),
    (F % "'/proc/self/environ'", "system"),
    (F % "'/proc/version'", "system"),
    (F % "'/proc/self/../self/environ'", "system"),
    (F % "'/$LT_REL/toproc'", "system"),
    (F % "'/dev/null'", "system"),
    (F % "'/$LT_REL/tonull'", "system"),
    (F % "'/dev/stdin'", "system"),
    (F % "'/sys/kernel/osrelease'", "system"),
    (F % "'/$LT_REL/fifo'", "blocks"),
]


def fixture(root):
    for name, text in FILES:
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    os.makedirs(os.path.join(root, "real", "sub"), exist_ok=True)
    for name, target in LINKS:
        os.symlink(target, os.path.join(root, name))
    os.mkfifo(os.path.join(root, "fifo"))


def generate():
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    root = tempfile.mkdtemp()
    fixture(root)
    os.environ.update(ENV)
    os.environ["LT"] = root
    os.environ["LT_REL"] = root.lstrip("/")
    os.environ["HOME"] = root
    os.environ.pop("LT_UNSET", None)
    os.chdir(root)
    version = ansible_core.start()
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    templar = Templar(loader=DataLoader(), variables={})
    lines = ["# ansible-core %s: written by tests/inventories/lookups.py" % version]
    for expr, refused in CASES:
        if refused == "blocks":
            lines.append("%s\tB" % expr)
            continue
        try:
            value = templar.template(trust_as_template(WRAP % expr))
            out = "R" if refused else "V " + value
        except Exception:  # noqa: BLE001 - any failure is Ansible's error
            out = "E"
        if "\n" in out or root in out:
            raise SystemExit("%s: a value with a newline or the fixture's path" % expr)
        lines.append("%s\t%s" % (expr, out))
    return "\n".join(lines) + "\n"


def main():
    generated_table.write_or_check(OUT, generate())


if __name__ == "__main__":
    main()
