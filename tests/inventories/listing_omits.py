"""Every variable `ansible-inventory --list` removes from the variables it
prints (ansible-core 2.19's `INTERNAL_STATIC_VARS`), one per line, sorted.
Exits 77 when ansible-core is not importable."""
import sys

try:
    from ansible import constants as C
except ImportError:
    print("ansible-core is not importable by", sys.executable)
    sys.exit(77)

for name in sorted(C.INTERNAL_STATIC_VARS):
    print(name)
