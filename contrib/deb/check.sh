#!/usr/bin/env bash
# Check a built sshfleet .deb without installing it: its file list (every
# file where Debian looks for it, nothing elsewhere, every man page the
# binary has), then unpack it into a temporary root (dpkg -x) and run the
# unpacked binary: --version, the demo, a man page, the completions.
#
#   contrib/deb/check.sh target/debian/sshfleet_0.1.0-1_amd64.deb
set -euo pipefail
deb=$1
fail() { echo "check.sh: $deb: $*" >&2; exit 1; }

files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's#^\./#/#' | sort)
required=(
  /usr/bin/sshfleet
  /usr/share/man/man1/sshfleet.1.gz
  /usr/share/man/man1/sshfleet-run.1.gz
  /usr/share/man/man1/sshfleet-report-html.1.gz
  /usr/share/bash-completion/completions/sshfleet
  /usr/share/zsh/vendor-completions/_sshfleet
  /usr/share/fish/vendor_completions.d/sshfleet.fish
  /lib/systemd/system/sshfleet-esa.service
  /lib/systemd/system/sshfleet-esa.timer
  /usr/share/doc/sshfleet/copyright
  /usr/share/doc/sshfleet/README.md
  /usr/share/doc/sshfleet/docs/report.schema.json
  /usr/share/doc/sshfleet/examples/inventory/example.yaml
  /usr/share/doc/sshfleet/examples/playbooks/esa-ecupdate.yaml
)
for f in "${required[@]}"; do
  grep -qx "$f" <<<"$files" || fail "missing $f"
done
# Nothing outside the places a package of this kind installs into.
stray=$(grep -Ev '^/usr/bin/sshfleet$|^/usr/share/(man/man1|doc/sshfleet|bash-completion/completions|zsh/vendor-completions|fish/vendor_completions\.d)/|^/lib/systemd/system/sshfleet-' <<<"$files" || true)
[ -z "$stray" ] || fail "unexpected files: $stray"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root"
bin="$root/usr/bin/sshfleet"

# Every page the binary writes is in the package, and no other.
"$bin" man --out-dir "$root/pages" >/dev/null
want=$(cd "$root/pages" && ls | sed 's#$#.gz#' | sort)
have=$(cd "$root/usr/share/man/man1" && ls | sort)
[ "$want" = "$have" ] || fail "man pages differ from what the binary writes: $(diff <(echo "$want") <(echo "$have") || true)"
zcat "$root/usr/share/man/man1/sshfleet-run.1.gz" | grep -q '^\.TH' || fail "sshfleet-run.1.gz is not a man page"

version=$(dpkg-deb -f "$deb" Version)
"$bin" --version | grep -qx "sshfleet ${version%-*}" || fail "--version says $("$bin" --version), package is $version"
# The units run the packaged binary, and are not enabled by the package.
grep -q '/usr/bin/sshfleet run' "$root/lib/systemd/system/sshfleet-esa.service" || fail "the service does not run /usr/bin/sshfleet"
dpkg-deb -e "$deb" "$root/DEBIAN"
if grep -qs 'systemctl enable\|deb-systemd-helper enable' "$root"/DEBIAN/*; then
  fail "a maintainer script enables a unit"
fi
# The completion scripts load in their shell.
bash -c "source '$root/usr/share/bash-completion/completions/sshfleet' && complete -p sshfleet" >/dev/null || fail "bash completion does not load"
# The unpacked binary works on its own: the demo checks its own results.
"$bin" demo >"$root/demo.out" 2>&1 || { cat "$root/demo.out"; fail "sshfleet demo failed"; }
echo "check.sh: $deb: $(wc -l <<<"$files") files, man pages, completions, units, unpacked demo: ok"
