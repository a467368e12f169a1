"""network_cli terminal plugin for Cisco AsyncOS (Secure Email Gateway).

Ansible ships no network_os for AsyncOS; network_cli needs to know its
prompt and what its error output looks like. Commands run through
ansible.netcommon's default cliconf plugin.
"""

from __future__ import annotations

import re

from ansible.plugins.terminal import TerminalBase

DOCUMENTATION = """
name: asyncos
short_description: Cisco AsyncOS CLI prompts and errors for network_cli
description:
  - The prompt is the host name, or (Machine host) / (Cluster name) in a cluster, then "> ".
"""


class TerminalModule(TerminalBase):
    # `esa01.example.com> `, `(Machine esa01.example.com)> `, `(Cluster name)> `
    terminal_stdout_re = [
        re.compile(rb"(?:\((?:Machine|Cluster) [^)\r\n]+\)|[A-Za-z0-9][\w.-]*)> ?$", re.M),
    ]
    terminal_stderr_re = [
        re.compile(rb"Unknown command or missing feature key"),
        re.compile(rb"Unknown log name"),
        re.compile(rb"^Usage: ", re.M),
    ]
