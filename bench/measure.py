"""Runs one command and measures its whole process tree, as `measure.py
OUT.json -- COMMAND...`: wall time (until the command itself exits), CPU
seconds (user + system) and peak RSS of the command and every process it
started.

This process makes itself a child subreaper (prctl), so processes that
detach from the tree (Ansible's persistent `ansible-connection` daemons
double-fork) are reparented here instead of to init; it reaps every one
with wait4, so none of their CPU time escapes the count. Peak RSS is given
two ways: the largest single process (ru_maxrss from wait4), and the whole
tree at once as the sum of its processes' PSS, sampled from /proc every
SAMPLE_S seconds (a thread pool is one process; Ansible is two per fork).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
SAMPLE_S = 0.5
# Descendants still running this long after the command exited are killed
# (and reported): the command left them behind.
LINGER_S = 60.0


def descendants(root: int) -> list[int]:
    """Every process below `root`."""
    parent = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name (field 2) may hold spaces; fields after it don't.
        fields = stat[stat.rindex(b")") + 2 :].split()
        pid = int(entry.name)
        parent[pid] = int(fields[1])
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def pss_kib(pid: int) -> int:
    """Proportional set size: shared pages (a forked worker's copy of its
    parent, shared libraries) divided among the processes sharing them, so
    the sum over processes is the memory they really take together."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def main() -> None:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: measure.py OUT.json -- COMMAND [ARG]...")
    out, command = Path(sys.argv[1]), sys.argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"prctl(PR_SET_CHILD_SUBREAPER): errno {ctypes.get_errno()}")

    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.wait(SAMPLE_S):
            peak_tree = max(peak_tree, sum(pss_kib(p) for p in descendants(os.getpid())))

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.monotonic()
    proc = subprocess.Popen(command)
    sampler.start()
    cpu, max_rss, wall, code, killed = 0.0, 0, None, None, 0
    linger_deadline = None
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if linger_deadline is not None and time.monotonic() > linger_deadline:
                for p in descendants(os.getpid()):
                    os.kill(p, signal.SIGKILL)
                    killed += 1
                linger_deadline = float("inf")
            time.sleep(0.02)
            continue
        cpu += usage.ru_utime + usage.ru_stime
        max_rss = max(max_rss, usage.ru_maxrss)
        if pid == proc.pid:
            wall = time.monotonic() - started
            code = os.waitstatus_to_exitcode(status)
            proc.returncode = code
            linger_deadline = time.monotonic() + LINGER_S
    done.set()
    sampler.join()
    result = {
        "command": command,
        "exit_code": code,
        "wall_s": wall,
        "cpu_s": cpu,
        "max_rss_process_kib": max_rss,
        "peak_pss_tree_kib": peak_tree,
        "lingering_killed": killed,
    }
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
