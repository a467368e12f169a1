#!/usr/bin/env python3
"""Executable inventory files (round 8, d25/6), read by ansible-core 2.19's
`ansible-inventory --list` and `sshfleet inventory --list`: Ansible tries
its script plugin on any executable file, and when that fails (no program
the kernel runs, a non-zero exit, no JSON object) its yaml and ini plugins
read the file. An INI or YAML file checked out mode 755 is read as a file;
a script that fails and is no inventory file either is refused, the error
naming the script.

    python3 tests/inventories/executable_files.py --sshfleet BIN

Each case is run as `-i FILE` and inside a directory source. Exit 1 on any
difference, 77 without ansible-core.
"""
import json
import os
import subprocess
import sys
import tempfile

import ansible_core  # beside this script

ansible_core.start(ansible_core.INVENTORY_ENV)

INI = "[k]\nh7 y=1\n"
YAML = "all:\n  children:\n    k:\n      hosts:\n        h7: {y: 1}\n"
LISTING = '#!/bin/sh\necho \'{"k": {"hosts": ["h7"]}, "_meta": {"hostvars": {"h7": {"y": 1}}}}\'\n'

# (file name, text, what Ansible does: "read" or "refused")
CASES = [
    ("hosts.ini", INI, "read"),
    ("hosts", INI, "read"),
    ("hosts.yml", YAML, "read"),
    ("hosts.json", '{"k": {"hosts": {"h7": {"y": 1}}}}\n', "read"),
    ("hosts", YAML, "read"),
    # A `#!` whose program fails: the script fails, the ini plugin reads it.
    ("hosts", "#!/bin/false\n" + INI, "read"),
    # A script that prints no JSON, then is no INI: refused.
    ("inv.py", "#!/bin/sh\necho not json\n", "refused"),
    ("inv.sh", "#!/bin/sh\nexit 3\n", "refused"),
    # A script that works.
    ("inv.sh", LISTING, "read"),
    # An executable that is neither a script nor an inventory file.
    ("hosts", "h7 y\n", "refused"),
]


def run(cmd, cwd):
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="1"))


def main():
    binary = sys.argv[sys.argv.index("--sshfleet") + 1]
    ansible_inventory = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")
    wrong = []
    for name, text, want in CASES:
        for in_dir in (False, True):
            with tempfile.TemporaryDirectory() as d:
                folder = os.path.join(d, "inv") if in_dir else d
                os.makedirs(folder, exist_ok=True)
                path = os.path.join(folder, name)
                with open(path, "w") as f:
                    f.write(text)
                os.chmod(path, 0o755)
                source = "inv" if in_dir else name
                a = run([ansible_inventory, "-i", source, "--list"], d)
                s = run([binary, "inventory", "-F", "none", "-i", source, "--list"], d)
                case = "%s%s %r" % ("inv/" if in_dir else "", name, text[:30])
                got = "read" if a.returncode == 0 else "refused"
                if got != want:
                    wrong.append("%s: ansible-core %s, the table says %s" % (case, got, want))
                elif want == "read":
                    if s.returncode != 0 or json.loads(s.stdout) != json.loads(a.stdout):
                        wrong.append("%s: ansible-core %s, sshfleet exit %d %s" % (
                            case, a.stdout, s.returncode, (s.stdout + s.stderr)[:300]))
                elif s.returncode != 5 or name not in s.stderr or "script" not in s.stderr:
                    wrong.append("%s: sshfleet exit %d, must refuse naming the script: %s" % (
                        case, s.returncode, s.stderr[:300]))
    for w in wrong:
        print(w)
    print("%d executable files: %d differ" % (2 * len(CASES), len(wrong)))
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
