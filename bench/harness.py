"""Runs the ESA procedure with sshfleet, Netmiko, Scrapli and Ansible against
the same simulated fleet, one tool after another, each on a fresh fleet,
and prints one markdown table: wall time, ratio to sshfleet, client CPU,
peak RSS, and how many hosts each tool got right.

Started by bench/run.sh (which builds sshfleet and the virtualenv); see
bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import fleet

HERE = Path(__file__).resolve().parent
PEERS = {
    "netmiko": HERE / "netmiko_esa.py",
    "scrapli": HERE / "scrapli_esa.py",
    "ansible": HERE / "ansible_esa.py",
}
TOOLS = ["sshfleet", *PEERS]
SIM_READY_S = 300.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,500",
                        help="fleet sizes, comma-separated (default 10,100,500)")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help=f"tools to run, in order (default {','.join(TOOLS)})")
    parser.add_argument("--concurrency", type=int, default=50,
                        help="hosts worked on at once by every tool, or the fleet size when smaller (default 50)")
    parser.add_argument("--scenario", default="mixed",
                        help="sshfleet sim scenario (default mixed: every fault, stale completions included)")
    parser.add_argument("--update-duration", default="5s",
                        help="how long each simulated update takes (default 5s)")
    parser.add_argument("--timeout", type=int, default=30,
                        help="seconds for login, for each command and for the update, for every tool (default 30)")
    parser.add_argument("--sshfleet", type=Path, default=HERE.parent / "target" / "release" / "sshfleet",
                        help="the sshfleet binary (built --release)")
    parser.add_argument("--work-dir", type=Path, default=HERE / "runs",
                        help="where each run's inventory, outputs and measurements are kept (default bench/runs)")
    parser.add_argument("--report", type=Path, metavar="RUN_DIR",
                        help="print the table again from a finished run's directory (bench/runs/STAMP), running nothing")
    parser.add_argument("--dry-run", action="store_true",
                        help="only check that the scripts parse and answer --help; needs no virtualenv, network or build")
    return parser.parse_args()


def dry_run() -> None:
    """What CI checks: every script compiles and every peer answers --help
    with the standard library alone."""
    scripts = sorted(HERE.glob("*.py")) + sorted((HERE / "ansible").rglob("*.py"))
    for script in scripts:
        compile(script.read_text(), str(script), "exec")
    for tool, script in PEERS.items():
        subprocess.run([sys.executable, str(script), "--help"], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"{tool}: {script.name} --help ok")
    print(f"dry run: {len(scripts)} scripts compile, {len(PEERS)} peers answer --help")


class Sim:
    """`sshfleet sim` serving a fresh fleet, stopped with SIGINT."""

    def __init__(self, binary: Path, hosts: int, args: argparse.Namespace, run_dir: Path):
        self.inventory = run_dir / "sim.yaml"
        self.log = run_dir / "sim.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(binary), "sim", "--hosts", str(hosts), "--scenario", args.scenario,
                 "--update-duration", args.update_duration,
                 "--inventory-out", str(self.inventory)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + SIM_READY_S
        # The simulator writes its inventory last, once every host listens.
        while not self.inventory.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshfleet sim exited {self.proc.returncode}: see {self.log}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"sshfleet sim wrote no inventory in {SIM_READY_S:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def sshfleet_command(args, inv: Path, concurrency: int, run_dir: Path) -> list[str]:
    timeout = f"{args.timeout}s"
    return [
        str(args.sshfleet), "run", "esa-ecupdate", "-i", str(inv),
        "--known-hosts", str(inv.with_suffix(".known_hosts")),
        "-f", str(concurrency), "--no-progress",
        "--report", str(run_dir / "report.json"),
        "--transcripts", str(run_dir / "transcripts"),
        "-e", f"update_timeout={timeout}", "-e", f"command_timeout={timeout}",
        "-e", f"login_timeout={timeout}", "-e", f"registration_timeout={timeout}",
    ]


def peer_command(tool: str, args, inv: Path, concurrency: int, run_dir: Path) -> list[str]:
    return [
        sys.executable, str(PEERS[tool]), "--inventory", str(inv),
        "--concurrency", str(concurrency),
        "--command-timeout", str(args.timeout), "--update-timeout", str(args.timeout),
        "--out", str(run_dir / "results.json"),
    ]


# One entry of a transcript rendered by src/transcript.rs: a UTC stamp, a
# direction (`<<` received) and the text with Rust's escape_debug escapes.
TRANSCRIPT_LINE = re.compile(r"^\S+ (<<|>>|##) (.*)$")
ESCAPE = re.compile(r"\\(u\{[0-9a-f]+\}|.)")
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def unescape(text: str) -> str:
    def one(match: re.Match) -> str:
        code = match.group(1)
        if code.startswith("u{"):
            return chr(int(code[2:-1], 16))
        return ESCAPES.get(code, code)

    return ESCAPE.sub(one, text)


def received_text(transcript: Path) -> str:
    """Everything the host sent, joined across transcript entries (a line
    written slowly may span two)."""
    if not transcript.exists():
        return ""
    parts = []
    for line in transcript.read_text().splitlines():
        match = TRANSCRIPT_LINE.match(line)
        if match and match.group(1) == "<<":
            parts.append(unescape(match.group(2)))
    return "".join(parts)


def sshfleet_results(run_dir: Path) -> dict[str, dict]:
    """Its --report, and from each transcript what the host sent (which
    holds the updater_logs follow)."""
    report = json.loads((run_dir / "report.json").read_text())
    results = {}
    for host in report["hosts"]:
        name = host["name"]
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        results[name] = {
            "status": host["status"],
            "error": host.get("error"),
            "updater_output": received_text(run_dir / "transcripts" / f"{safe}.log"),
        }
    return results


def run_tool(tool: str, hosts: int, args, size_dir: Path) -> dict:
    run_dir = size_dir / tool
    run_dir.mkdir(parents=True, exist_ok=True)
    concurrency = min(args.concurrency, hosts)
    sim = Sim(args.sshfleet, hosts, args, run_dir)
    try:
        if tool == "sshfleet":
            command = sshfleet_command(args, sim.inventory, concurrency, run_dir)
        else:
            command = peer_command(tool, args, sim.inventory, concurrency, run_dir)
        env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
        with (run_dir / "tool.log").open("wb") as log:
            subprocess.run(
                [sys.executable, str(HERE / "measure.py"), str(run_dir / "measure.json"),
                 "--", *command],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=env, check=True,
            )
    finally:
        sim.stop()
    return evaluate(tool, hosts, run_dir)


def evaluate(tool: str, hosts: int, run_dir: Path) -> dict:
    """One row from what a run left in its directory: the measurement, the
    tool's per-host results, and the fleet's inventory."""
    inventory = run_dir / "sim.yaml"
    inv = fleet.load(inventory)
    # The fleet's birth: the simulator writes its inventory once it serves,
    # before the tool starts, so no update of this run is older.
    since = datetime.datetime.fromtimestamp(
        inventory.stat().st_mtime, datetime.UTC
    ).replace(tzinfo=None)
    measure = json.loads((run_dir / "measure.json").read_text())
    try:
        if tool == "sshfleet":
            results = sshfleet_results(run_dir)
        else:
            results = json.loads((run_dir / "results.json").read_text())["hosts"]
    except (OSError, ValueError, KeyError) as exc:
        print(f"  {tool}: no per-host results ({exc}); see {run_dir / 'tool.log'}", file=sys.stderr)
        results = {}
    verdict = fleet.judge(inv, results, since)
    (run_dir / "verdict.json").write_text(json.dumps(verdict.__dict__, indent=1))
    command = measure["command"]
    flag = "-f" if tool == "sshfleet" else "--concurrency"
    concurrency = int(command[command.index(flag) + 1])
    return {"tool": tool, "hosts": hosts, "concurrency": concurrency, **measure,
            "verdict": verdict}


def evaluate_dir(work: Path) -> list[dict]:
    """Every row of a finished run directory, sizes then tools in order."""
    rows = []
    sizes = sorted((d for d in work.iterdir() if d.name.isdigit()), key=lambda d: int(d.name))
    for size_dir in sizes:
        for tool in TOOLS:
            if (size_dir / tool / "measure.json").exists():
                rows.append(evaluate(tool, int(size_dir.name), size_dir / tool))
    return rows


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def table(rows: list[dict]) -> str:
    lines = [
        "| hosts | tool | concurrency | wall s | vs sshfleet | client CPU s | peak RSS, largest process MiB | peak PSS, all processes MiB | right | false success |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base = {r["hosts"]: r["wall_s"] for r in rows if r["tool"] == "sshfleet"}
    for r in rows:
        ratio = f"{r['wall_s'] / base[r['hosts']]:.2f}" if r["hosts"] in base else "–"
        v = r["verdict"]
        lines.append(
            f"| {r['hosts']} | {r['tool']} | {r['concurrency']} | {r['wall_s']:.1f} | {ratio} "
            f"| {r['cpu_s']:.1f} | {mib(r['max_rss_process_kib'])} | {mib(r['peak_pss_tree_kib'])} "
            f"| {v.right}/{r['hosts']} | {v.false_success} |"
        )
    return "\n".join(lines)


def summary(rows: list[dict]) -> str:
    """Per tool and size, the wrong hosts grouped by what went wrong, and
    the hosts counted right on evidence despite their scenario's fault."""
    def grouped(entries: list[str]) -> str:
        kinds = collections.Counter(re.sub(r"^\S+ ", "", e) for e in entries)
        return "; ".join(f"{n} × {k}" for k, n in sorted(kinds.items()))

    wrong = [f"- {r['tool']}, {r['hosts']} hosts: {grouped(r['verdict'].wrong_hosts)}"
             for r in rows if r["verdict"].wrong_hosts]
    despite = [f"- {r['tool']}, {r['hosts']} hosts: {grouped(r['verdict'].confirmed_despite_fault)}"
               for r in rows if r["verdict"].confirmed_despite_fault]
    text = "Wrong hosts:\n\n" + ("\n".join(wrong) or "- none")
    if despite:
        text += ("\n\nCounted right although the scenario expects `failed` "
                 "(the tool's own output holds this run's completion line):\n\n" + "\n".join(despite))
    return text


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{mem_kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        mem = "?"
    return f"{os.cpu_count()} CPUs ({model}), {mem} RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    args = arguments()
    if args.dry_run:
        dry_run()
        return
    if args.report:
        print(f"{table(evaluate_dir(args.report))}\n\n{summary(evaluate_dir(args.report))}")
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    tools = [t for t in args.tools.split(",") if t]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        sys.exit(f"unknown tools: {', '.join(sorted(unknown))} (known: {', '.join(TOOLS)})")
    if not args.sshfleet.is_file():
        sys.exit(f"{args.sshfleet}: no sshfleet binary (cargo build --release)")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    work = args.work_dir / stamp
    print(f"machine: {machine()}")
    print(f"fleet: sshfleet sim --scenario {args.scenario} --update-duration {args.update_duration}; "
          f"timeouts {args.timeout} s; concurrency {args.concurrency} (or the fleet size when smaller)")
    print(f"files: {work}", flush=True)
    rows = []
    for hosts in sizes:
        for tool in tools:
            print(f"  {hosts} hosts: {tool} ...", end="", flush=True)
            row = run_tool(tool, hosts, args, work / str(hosts))
            rows.append(row)
            print(f" {row['wall_s']:.1f} s, {row['verdict'].right}/{hosts} right", flush=True)
    report = f"{table(rows)}\n\n{summary(rows)}\n"
    (work / "table.md").write_text(report)
    print()
    print(report)


if __name__ == "__main__":
    main()
