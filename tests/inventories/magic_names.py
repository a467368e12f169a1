#!/usr/bin/env python3
"""Every name ansible-core 2.19 gives a template at play time that an
inventory does not set, one per line: what `get_vars` returns for a host
of a play with a task (the inventory's own variables removed), the
reserved names (play, role, block and task keywords, template globals),
and the names the task executor, the strategy and include_role add to a
task's variables (read from their source, as they are only set while a
task runs). sshfleet's table (src/inventory/magic.rs) must classify each.

Exit 77: ansible-core 2.19 is not importable here (the caller skips).
"""

import re

import os
import tempfile

import ansible_core  # beside this script

# Every command-line option that load_options_vars turns into a variable.
ANSIBLE_VERSION = ansible_core.start(
    cliargs=dict(
        check=False,
        diff=False,
        forks=5,
        inventory=["hosts"],
        skip_tags=[],
        subset="all",
        tags=["all"],
        verbosity=0,
    )
)
import ansible  # noqa: E402
from ansible.inventory.manager import InventoryManager  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.playbook.play import Play  # noqa: E402
from ansible.vars.manager import VariableManager  # noqa: E402
from ansible.vars.reserved import get_reserved_names  # noqa: E402
names = set(get_reserved_names())

with tempfile.TemporaryDirectory() as tmp:
    hosts = os.path.join(tmp, "hosts")
    with open(hosts, "w") as f:
        f.write("h1 own=1\n")
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[hosts])
    manager = VariableManager(loader=loader, inventory=inventory)
    play = Play.load(
        {"hosts": "all", "gather_facts": False, "tasks": [{"debug": {"msg": "x"}}]},
        variable_manager=manager,
        loader=loader,
    )
    task = play.get_tasks()[0][0]
    host = inventory.get_host("h1")
    own = set(host.vars)
    found = manager.get_vars(play=play, host=host, task=task)
    names |= set(found) - own

# Names only set while a task runs: read from the code that sets them.
# Connection variables the executor overrides for a delegated host
# (ansible_host, ansible_port, ansible_user) are the inventory's own.
root = os.path.dirname(ansible.__file__)
SOURCES = {
    "vars/manager.py": r"(?:variables|all_vars|delegated_vars)\[['\"]([a-z][a-z_]*)['\"]\]\s*=",
    "executor/task_executor.py": r"(?:task_vars|_job_vars)\[['\"]([a-z][a-z_]*)['\"]\]\s*=",
    "plugins/strategy/__init__.py": r"(?:\bvars\[['\"]([a-z][a-z_]*)['\"]\]\s*=|\b(ansible_failed_[a-z_]+)=)",
    "playbook/role_include.py": r"setdefault\(['\"]([a-z][a-z_]*)['\"]",
}
CONNECTION = {"ansible_host", "ansible_port", "ansible_user"}
for path, pattern in SOURCES.items():
    with open(os.path.join(root, path)) as f:
        text = f.read()
    for match in re.finditer(pattern, text):
        name = next(g for g in match.groups() if g)
        if name not in CONNECTION:
            names.add(name)

# Set by task_executor as the loop variable's default name, and listed
# in the documentation's "Special Variables" with the ones above.
names |= {"item", "ansible_local", "ansible_parent_role_paths", "ansible_failed_result"}

for name in sorted(names):
    print(name)
