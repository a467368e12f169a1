#!/bin/sh
# An older script: no _meta, so each host is asked with --host.
case "$1" in
  --list) echo '{"legacy": {"hosts": ["old01.example.com"]}}' ;;
  --host) if [ "$2" = "old01.example.com" ]; then echo '{"ansible_host": "192.0.2.99", "ansible_user": "root"}'; else echo '{}'; fi ;;
esac
