"""The one way a generated table is written or checked: each generator
(filter_args.py, lookups.py, operators.py, pychars.py, yaml11_scalars.py;
those that need ansible-core start it through ansible_core.py) builds its
text; with --check it is compared with the committed file (its first line,
which names the generating environment, aside), else it is written."""
import os
import sys


def write_or_check(out, text):
    name = os.path.basename(out)
    if "--check" in sys.argv:
        with open(out, encoding="utf-8") as f:
            same = f.read().split("\n", 1)[1] == text.split("\n", 1)[1]
        print("%s matches" % name if same else "%s differs" % name)
        sys.exit(0 if same else 1)
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
