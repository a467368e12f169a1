#!/bin/sh
# A CMDB export, as inventory scripts print it (with _meta.hostvars).
if [ "$1" = "--list" ]; then
cat <<'JSON'
{
  "esa": {"hosts": ["esa01.example.com", "esa02.example.com"], "vars": {"ansible_user": "cmdb-user", "ansible_port": 2200}, "children": ["esa_lab"]},
  "esa_lab": ["lab01.example.com"],
  "web": {"hosts": ["web01.example.com"]},
  "_meta": {"hostvars": {
    "esa02.example.com": {"ansible_host": "192.0.2.2", "ansible_ssh_user": "legacy-cmdb"},
    "lab01.example.com": {"ansible_port": "2022"}
  }}
}
JSON
else
  echo '{}'
fi
