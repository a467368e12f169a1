"""The ESA Enrollment Client procedure with Ansible: runs
`ansible-playbook ansible/esa-ecupdate.yml` (network_cli over paramiko,
cli_command, forks = --concurrency, strategy free) against the simulator's
inventory and turns its JSON output into the per-host results every peer
writes.

Host keys: network_cli's paramiko transport checks them against
~/.ssh/known_hosts (`host_key_checking = True`), as for any Ansible user;
here HOME is a directory beside the inventory whose .ssh/known_hosts is the
simulator's. (The libssh transport reads the home directory from the
password database, not HOME, so it cannot be pointed at that file.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import fleet

TOOL = "ansible"
HERE = Path(__file__).resolve().parent
PLAYBOOK = HERE / "ansible" / "esa-ecupdate.yml"
FOLLOW_TASK = "Follow updater_logs until the update completes, then Ctrl-C"


def host_results(output: dict) -> dict[str, dict]:
    """Per host: `failed` when any task failed or the host was unreachable,
    else `changed` when a task changed something, else `ok`; plus what the
    updater_logs task read."""
    results = {}
    for name, stats in output["stats"].items():
        if stats["failures"] or stats["unreachable"]:
            status = "failed"
        elif stats["changed"]:
            status = "changed"
        else:
            status = "ok"
        results[name] = {"status": status, "error": None, "updater_output": ""}
    for play in output["plays"]:
        for task in play["tasks"]:
            for name, result in task["hosts"].items():
                entry = results.setdefault(
                    name, {"status": "failed", "error": None, "updater_output": ""}
                )
                if result.get("failed") or result.get("unreachable"):
                    entry["error"] = f"{task['task']['name']}: {result.get('msg', '')}"[:300]
                if task["task"]["name"] == FOLLOW_TASK:
                    entry["updater_output"] = result.get("stdout", "")
    return results


def main() -> None:
    args = fleet.peer_arguments(TOOL, __doc__.splitlines()[0]).parse_args()
    home = args.inventory.parent / "ansible-home"
    (home / ".ssh").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.inventory.with_suffix(".known_hosts"), home / ".ssh" / "known_hosts")
    env = dict(
        os.environ,
        HOME=str(home),
        ANSIBLE_CONFIG=str(HERE / "ansible" / "ansible.cfg"),
        # The SSH connection (paramiko's own default is 10 s) and each
        # command get the same time as in the other tools.
        ANSIBLE_TIMEOUT=str(int(args.command_timeout)),
        ANSIBLE_PERSISTENT_COMMAND_TIMEOUT=str(int(args.command_timeout)),
    )
    raw = args.out.with_suffix(".ansible.json")
    with raw.open("wb") as out:
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible-playbook"),
                "-i", str(args.inventory),
                "-f", str(args.concurrency),
                "-e", f"update_timeout={int(args.update_timeout)}",
                str(PLAYBOOK),
            ],
            stdout=out,
            env=env,
            check=False,
        )
    try:
        output = json.loads(raw.read_text())
    except (OSError, ValueError) as exc:
        sys.exit(f"ansible-playbook exited {run.returncode} without JSON output in {raw}: {exc}")
    fleet.write_results(args.out, TOOL, host_results(output))


if __name__ == "__main__":
    main()
