"""The ESA Enrollment Client procedure with Netmiko, as its users write it:
one ConnectHandler per appliance in a thread pool, `send_command` with the
appliance's prompt as `expect_string`, `read_until_pattern` to follow a log
and `write_channel("\\x03")` to stop it.

AsyncOS has no Netmiko driver; `generic` (no session preparation) with the
prompt read by `find_prompt()` is what fits an appliance CLI without paging
commands. Host keys are checked against the simulator's known_hosts
(`ssh_strict`, `alt_host_keys`), never added.
"""

from __future__ import annotations

import concurrent.futures
import re
import time

import fleet

TOOL = "netmiko"


def run_host(host: fleet.Host, inv: fleet.Fleet, args) -> dict:
    from netmiko import ConnectHandler  # noqa: PLC0415

    started = time.monotonic()
    result = {"status": "failed", "error": None, "updater_output": "", "version": None}
    conn = None
    try:
        conn = ConnectHandler(
            device_type="generic",
            host=host.address,
            port=host.port,
            username=inv.user,
            use_keys=True,
            key_file=str(inv.key_file),
            allow_agent=False,
            ssh_strict=True,
            system_host_keys=False,
            alt_host_keys=True,
            alt_key_file=str(inv.known_hosts),
            conn_timeout=args.command_timeout,
            auth_timeout=args.command_timeout,
            banner_timeout=args.command_timeout,
        )
        prompt = re.escape(conn.find_prompt())

        def command(line: str) -> str:
            return conn.send_command(line, expect_string=prompt, read_timeout=args.command_timeout)

        version = re.search(r"Version:\s*(\S+)", command(fleet.CMD_VERSION))
        result["version"] = version.group(1) if version else None
        if fleet.CERT_FAILURE not in command(fleet.CMD_GREP_ECS):
            result["status"] = "ok"
            return result
        if fleet.ECUPDATE_ACK not in command(fleet.CMD_ECUPDATE):
            result["error"] = "ecupdate force was not acknowledged"
            return result
        # `tail` never ends by itself: read until the completion line, then Ctrl-C.
        conn.write_channel(fleet.CMD_FOLLOW_UPDATER + conn.RETURN)
        result["updater_output"] = conn.read_until_pattern(
            pattern=fleet.UPDATE_DONE, read_timeout=args.update_timeout
        )
        conn.write_channel(fleet.CTRL_C)
        conn.read_until_pattern(pattern=prompt, read_timeout=args.command_timeout)
        conn.write_channel(fleet.CMD_FOLLOW_ECS + conn.RETURN)
        conn.read_until_pattern(pattern=fleet.REGISTERED, read_timeout=args.command_timeout)
        conn.write_channel(fleet.CTRL_C)
        conn.read_until_pattern(pattern=prompt, read_timeout=args.command_timeout)
        result["status"] = "changed"
    except Exception as exc:  # noqa: BLE001 (any failure is this host's result)
        result["error"] = fleet.failure(exc)
    finally:
        if conn is not None:
            try:
                conn.disconnect()
            except Exception:  # noqa: BLE001, S110 (the session may already be gone)
                pass
        result["duration_s"] = round(time.monotonic() - started, 3)
    return result


def main() -> None:
    args = fleet.peer_arguments(TOOL, __doc__.splitlines()[0]).parse_args()
    inv = fleet.load(args.inventory)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        outcomes = pool.map(lambda h: run_host(h, inv, args), inv.hosts)
        results = {host.name: outcome for host, outcome in zip(inv.hosts, outcomes)}
    fleet.write_results(args.out, TOOL, results)


if __name__ == "__main__":
    main()
