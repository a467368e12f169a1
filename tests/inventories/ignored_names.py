"""Each alternative of ansible-core 2.19's `IGNORED` regex (the names an
inventory directory's reading skips), one per line, as the default
configuration builds it. Exits 77 when ansible-core is not importable."""
import sys

try:
    from ansible.inventory.manager import IGNORED
except ImportError:
    print("ansible-core is not importable by", sys.executable)
    sys.exit(77)

for alternative in IGNORED.pattern.split(b"|"):
    print(alternative.decode())
