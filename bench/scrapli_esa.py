"""The ESA Enrollment Client procedure with Scrapli's asyncio driver, as its
users write it: one AsyncGenericDriver (asyncssh transport) per appliance,
an asyncio.Semaphore for concurrency, `send_command` for each CLI command
and `send_interactive` to follow a log until a line appears, then Ctrl-C.

AsyncOS has no Scrapli platform; the generic driver with the appliance's
prompt pattern (`esa01.example.com> `, `(Cluster name)> `) is what fits.
Host keys are checked strictly against the simulator's known_hosts, by
asyncssh (see the comment at the driver's options for why not by
`auth_strict_key`).
"""

from __future__ import annotations

import asyncio
import re
import time

import fleet

TOOL = "scrapli"
# The AsyncOS prompts: `host> `, `(Machine host)> `, `(Cluster name)> `.
PROMPT = r"^(\((Machine|Cluster) [^)]+\)|[A-Za-z0-9][\w.-]*)> ?$"


async def run_host(host: fleet.Host, inv: fleet.Fleet, args, limit: asyncio.Semaphore) -> dict:
    from scrapli.driver.generic import AsyncGenericDriver  # noqa: PLC0415

    async with limit:
        started = time.monotonic()
        result = {"status": "failed", "error": None, "updater_output": "", "version": None}
        try:
            async with AsyncGenericDriver(
                host=host.address,
                port=host.port,
                auth_username=inv.user,
                auth_private_key=str(inv.key_file),
                # Scrapli's own strict check looks hosts up by address alone
                # and finds no `[127.0.0.1]:PORT` entry; asyncssh checks the
                # same known_hosts file itself, port included, and refuses
                # unknown or changed keys.
                auth_strict_key=False,
                transport="asyncssh",
                transport_options={"asyncssh": {"known_hosts": str(inv.known_hosts)}},
                comms_prompt_pattern=PROMPT,
                timeout_socket=args.command_timeout,
                timeout_transport=args.command_timeout,
                timeout_ops=args.command_timeout,
            ) as conn:
                version = re.search(
                    r"Version:\s*(\S+)", (await conn.send_command(fleet.CMD_VERSION)).result
                )
                result["version"] = version.group(1) if version else None
                grep = await conn.send_command(fleet.CMD_GREP_ECS)
                if fleet.CERT_FAILURE not in grep.result:
                    result["status"] = "ok"
                    return result
                ack = await conn.send_command(fleet.CMD_ECUPDATE)
                if fleet.ECUPDATE_ACK not in ack.result:
                    result["error"] = "ecupdate force was not acknowledged"
                    return result
                # `tail` never ends by itself: wait for the completion line,
                # then Ctrl-C back to the prompt.
                follow = await conn.send_interactive(
                    [(fleet.CMD_FOLLOW_UPDATER, fleet.UPDATE_DONE), (fleet.CTRL_C, "")],
                    timeout_ops=args.update_timeout,
                )
                result["updater_output"] = follow.result
                await conn.send_interactive(
                    [(fleet.CMD_FOLLOW_ECS, fleet.REGISTERED), (fleet.CTRL_C, "")]
                )
                result["status"] = "changed"
        except Exception as exc:  # noqa: BLE001 (any failure is this host's result)
            result["error"] = fleet.failure(exc)
        finally:
            result["duration_s"] = round(time.monotonic() - started, 3)
        return result


async def run_fleet(args) -> dict[str, dict]:
    inv = fleet.load(args.inventory)
    limit = asyncio.Semaphore(args.concurrency)
    outcomes = await asyncio.gather(*(run_host(h, inv, args, limit) for h in inv.hosts))
    return {host.name: outcome for host, outcome in zip(inv.hosts, outcomes)}


def main() -> None:
    args = fleet.peer_arguments(TOOL, __doc__.splitlines()[0]).parse_args()
    fleet.write_results(args.out, TOOL, asyncio.run(run_fleet(args)))


if __name__ == "__main__":
    main()
