"""The simulated fleet as every benchmark script sees it, and the one judge of
what each host should have ended with.

`sshfleet sim --inventory-out DIR/sim.yaml` writes an Ansible YAML inventory
with one child group per scenario, `DIR/sim.key` (the client key every host
accepts for `admin`) and `DIR/sim.known_hosts` (`[127.0.0.1]:PORT KEY`).
The peers read the hosts from that inventory, as their users would read
their own; the harness judges their per-host results here, so every tool is
held to the same rule.

Only the standard library at import time: `--help` and the CI dry run must
work without the virtualenv. PyYAML is imported when an inventory is read.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
from pathlib import Path

# What the ESA procedure must end with on a host of each scenario: the same
# mapping as `AsyncOsScenario::expected` in crates/sshfleet-sim/src/asyncos.rs
# (which the simulator also writes in the inventory's header). Healthy appliances need nothing;
# every broken one is fixed and confirmed; a host whose update never
# completes, whose connection drops mid-follow, or that stops answering
# must never count as fixed.
EXPECTED = {
    "healthy": "ok",
    "broken": "changed",
    "stale-completion": "changed",
    "cluster": "changed",
    "trickle": "changed",
    "never-completes": "failed",
    "drop-mid-follow": "failed",
    "stop-answering": "failed",
}

# The TAC article's confirmation line, as AsyncOS stamps it in updater_logs:
# `Tue May 20 11:26:55 2025 Info: enrollment_client update completed`.
COMPLETION = re.compile(
    r"([A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}) "
    r"Info: enrollment_client update completed"
)
LOG_TIME_FORMAT = "%a %b %d %H:%M:%S %Y"

# The article's symptom: the certificate failure in the ecs log.
CERT_FAILURE = "Critical: ECS: Failed to regenerate token"

# The procedure's commands, shared by the Python peers (the Ansible playbook
# spells them out itself, as a playbook author would).
CMD_VERSION = "version"
CMD_GREP_ECS = 'grep "Warning|Critical" ecs'
CMD_ECUPDATE = "ecupdate force"
ECUPDATE_ACK = "Requesting forced update of Enrollment Client."
CMD_FOLLOW_UPDATER = "tail updater_logs"
UPDATE_DONE = "enrollment_client update completed"
CMD_FOLLOW_ECS = "tail ecs"
REGISTERED = "ECS: Device registration successful"
CTRL_C = "\x03"


@dataclasses.dataclass(frozen=True)
class Host:
    name: str
    address: str
    port: int
    scenario: str


@dataclasses.dataclass(frozen=True)
class Fleet:
    hosts: list[Host]
    user: str
    key_file: Path
    known_hosts: Path


def load(inventory: Path) -> Fleet:
    """The hosts of a `sshfleet sim` inventory, in inventory order."""
    import yaml  # noqa: PLC0415 (third-party: only when a fleet is read)

    data = yaml.safe_load(inventory.read_text())
    top = data["all"]
    hosts = []
    for scenario, group in (top.get("children") or {}).items():
        for name, hostvars in ((group or {}).get("hosts") or {}).items():
            hosts.append(
                Host(
                    name=name,
                    address=hostvars["ansible_host"],
                    port=int(hostvars["ansible_port"]),
                    scenario=scenario,
                )
            )
    variables = top.get("vars") or {}
    return Fleet(
        hosts=hosts,
        user=variables["ansible_user"],
        key_file=Path(variables["ansible_ssh_private_key_file"]),
        known_hosts=inventory.with_suffix(".known_hosts"),
    )


def fresh_completion(output: str, since: datetime.datetime) -> bool:
    """Whether `output` holds a completion line stamped at or after `since`
    (naive UTC, the simulated appliances' clock): proof that the tool saw
    the update it requested complete, not an older one from the backlog."""
    floor = since.replace(microsecond=0)
    for match in COMPLETION.finditer(output):
        stamp = datetime.datetime.strptime(
            re.sub(" +", " ", match.group(1)), LOG_TIME_FORMAT
        )
        if stamp >= floor:
            return True
    return False


@dataclasses.dataclass
class Verdict:
    right: int = 0
    # Hosts reported fixed (or fine) that were not, or whose "fixed" rests
    # on a completion line older than the run: the results an operator
    # would wrongly trust.
    false_success: int = 0
    missing: int = 0
    wrong_hosts: list[str] = dataclasses.field(default_factory=list)
    # Hosts counted right although their scenario expects `failed`: the
    # tool saw this run's completion line all the same (see `judge`).
    confirmed_despite_fault: list[str] = dataclasses.field(default_factory=list)


def judge(inv: Fleet, results: dict[str, dict], since: datetime.datetime) -> Verdict:
    """Compares each host's reported status with its scenario's expected one.

    `results` maps host name to `{"status": ..., "updater_output": ...}`; a
    `changed` is right only when `updater_output` (what the tool read while
    following updater_logs) holds a completion line stamped at or after
    `since`, the moment the fleet was created: no update had been requested
    before, so such a line is this run's."""
    verdict = Verdict()
    for host in inv.hosts:
        expected = EXPECTED[host.scenario]
        result = results.get(host.name)
        if result is None:
            verdict.missing += 1
            verdict.wrong_hosts.append(f"{host.name} ({host.scenario}): no result")
            continue
        status = result.get("status")
        confirmed = status == "changed" and fresh_completion(
            result.get("updater_output") or "", since
        )
        right = status == expected and (status != "changed" or confirmed)
        # A scenario expects `failed` where a tool following one session
        # cannot see the update complete (the session is cut 1 s into
        # `tail`, or goes silent after one command). A tool that reached the
        # completion anyway (its follow began after the update had already
        # completed, or it opened a new session) holds this run's completion
        # line: it saw what `changed` claims. (never-completes has none.)
        if expected == "failed" and confirmed:
            right = True
            verdict.confirmed_despite_fault.append(f"{host.name} ({host.scenario})")
        if right:
            verdict.right += 1
            continue
        if status in ("ok", "changed"):
            verdict.false_success += 1
        if status == expected:
            why = f"{status} on an older completion line from the backlog"
        else:
            why = f"{status}, expected {expected}"
        verdict.wrong_hosts.append(f"{host.name} ({host.scenario}): {why}")
    return verdict


def write_results(path: Path, tool: str, results: dict[str, dict]) -> None:
    """Per-host results, written whole then renamed into place."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({"tool": tool, "hosts": results}, indent=1))
    os.replace(tmp, path)


def failure(exc: BaseException) -> str:
    """An exception as one line for a result file."""
    text = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__name__}: {text}"[:300]


def peer_arguments(tool: str, description: str):
    """The command line every peer script takes, so the harness drives them
    alike (and `--help` works without the virtualenv)."""
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog=tool, description=description)
    parser.add_argument("--inventory", type=Path, required=True,
                        help="the sim.yaml written by `sshfleet sim` (sim.key and sim.known_hosts beside it)")
    parser.add_argument("--concurrency", type=int, default=50,
                        help="appliances worked on at once (default 50)")
    parser.add_argument("--command-timeout", type=float, default=30.0,
                        help="seconds for login and for any command to return to the prompt (default 30)")
    parser.add_argument("--update-timeout", type=float, default=30.0,
                        help="seconds to follow updater_logs for the completion line (default 30)")
    parser.add_argument("--out", type=Path, required=True,
                        help="where to write the per-host results (JSON)")
    return parser
