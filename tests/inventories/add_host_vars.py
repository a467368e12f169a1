"""Every variable ansible-core 2.19's `InventoryData.add_host` sets on a
host it creates (with and without a current source, and with a port):
host variables, so every group variable of the same name loses to them.
Exits 77 when ansible-core is not importable by this python."""
import sys

try:
    from ansible.inventory.data import InventoryData
except ImportError:
    print("ansible-core is not importable by", sys.executable)
    sys.exit(77)

names = set()
for source, port in [("/tmp/inv/hosts.ini", None), (None, None), ("/tmp/inv/hosts.ini", 2222)]:
    data = InventoryData()
    data.current_source = source
    data.add_host("h1", port=port)
    names.update(data.hosts["h1"].vars)
for name in sorted(names):
    print(name)
