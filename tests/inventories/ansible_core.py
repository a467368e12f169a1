"""ansible-core 2.19 in this process, started the one way every generator
and differential script here needs it: the release checked (exit 77 where it
is missing or another one, which the Rust tests read as "skipped" outside CI
and as a failure in it), the warnings that would mix with the output off,
the script's own environment set before ansible-core reads its
configuration, the command-line arguments its variables see, and the plugin
loader started. Each script imports what it uses from ansible after
`start()` returns."""
import os
import shutil
import sys


def start(env=None, cliargs=None, needs_ssh=False):
    """Start ansible-core; returns its version. `env` is set (over the
    caller's environment) before ansible reads its configuration."""
    try:
        from ansible.release import __version__ as version
    except ImportError:  # pragma: no cover
        print("ansible-core is not installed: pip install 'ansible-core==2.19.*'")
        sys.exit(77)
    if not version.startswith("2.19."):
        print(f"ansible-core {version} found, 2.19 needed")
        sys.exit(77)
    if needs_ssh and shutil.which("ssh") is None:
        # The address compared is where ssh connects (`ssh -G`'s hostname).
        print("no ssh here (apt-get install openssh-client)")
        sys.exit(77)
    os.environ.setdefault("ANSIBLE_DEPRECATION_WARNINGS", "0")
    os.environ.setdefault("ANSIBLE_SYSTEM_WARNINGS", "0")
    os.environ.update(env or {})

    from ansible import context
    from ansible.module_utils.common.collections import ImmutableDict

    context.CLIARGS = ImmutableDict(cliargs or {})
    from ansible.plugins.loader import init_plugin_loader

    init_plugin_loader()
    from ansible.utils.display import Display

    Display().verbosity = -1
    return version


# The settings the scripts that load whole inventories share: no warning
# about an implicit localhost or an unparsed source, and an unparsed source
# is a failure (as sshfleet refuses what it cannot read).
INVENTORY_ENV = {
    "ANSIBLE_LOCALHOST_WARNING": "0",
    "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
    "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "1",
}
