//! Executable inventory scripts, called as Ansible calls them: `SCRIPT
//! --list` prints JSON groups (`hosts`, `vars`, `children`, or a plain
//! list of hosts) and `_meta.hostvars`; without `_meta`, `SCRIPT --host
//! NAME` is asked for each host's variables.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_yaml::{Mapping, Value};

use super::files::Var;
use super::model::Model;
use super::script_shape::{self, Check, untrusted};
use super::{InventoryError, Origin};

pub(super) fn list(path: &Path) -> Result<Listing, InventoryError> {
    list_within(
        path,
        Budget::new(SCRIPT_TIMEOUT, crate::support::bounds::max_input()),
    )
}

/// What all of one script's calls may take together: `--list` and every
/// `--host` share one deadline and one output bound (docs/SECURITY.md I6),
/// so a script without `_meta` cannot take 120 s per host.
struct Budget {
    timeout: Duration,
    deadline: Instant,
    max_bytes: u64,
    bytes_left: u64,
}

impl Budget {
    fn new(timeout: Duration, max_bytes: u64) -> Budget {
        Budget {
            timeout,
            deadline: Instant::now() + timeout,
            max_bytes,
            bytes_left: max_bytes,
        }
    }
}

/// A script's `--list`, read as far as ansible-core's script plugin reads
/// it before it adds anything to the inventory: a failure up to here (the
/// file cannot be run, fails, prints no JSON object, a `_meta` Ansible
/// refuses) leaves the inventory as it was, and Ansible tries its next
/// plugins (yaml, ini) on the file (`sources::load_file`).
pub(super) struct Listing {
    groups: Mapping,
    hostvars: Option<Mapping>,
    budget: Budget,
}

fn list_within(path: &Path, mut budget: Budget) -> Result<Listing, InventoryError> {
    let fail = |message: String| InventoryError::InvalidNoLine {
        path: path.to_path_buf(),
        message,
    };
    runnable(path).map_err(&fail)?;
    let list = execute(path, &["--list"], &mut budget).map_err(&fail)?;
    let Value::Mapping(groups) = list else {
        return Err(fail(Check::ListObject.refuse("--list", Some(&list))));
    };
    let hostvars = meta_hostvars(&groups).map_err(&fail)?;
    Ok(Listing {
        groups,
        hostvars,
        budget,
    })
}

/// The listing added to the inventory; an error from here on is the
/// script's (Ansible keeps what its script plugin added before failing and
/// tries its next plugins, which sshfleet does not model: refused).
pub(super) fn apply(
    model: &mut Model,
    path: &Path,
    listing: Listing,
) -> Result<(), InventoryError> {
    let fail = |message: String| InventoryError::InvalidNoLine {
        path: path.to_path_buf(),
        message,
    };
    let Listing {
        groups,
        hostvars,
        mut budget,
    } = listing;
    let origin = Origin {
        path: path.to_path_buf(),
        line: 0,
    };
    let mut hosts_seen: Vec<String> = Vec::new();
    for (name, data) in &groups {
        let name = name.as_str().unwrap_or_default();
        if name != "_meta" {
            group(model, name, data, &origin, &mut hosts_seen).map_err(&fail)?;
        }
    }
    for host in hosts_seen {
        let (place, vars) = match &hostvars {
            Some(all) => (
                format!("_meta.hostvars.{host}"),
                all.get(host.as_str())
                    .cloned()
                    .unwrap_or(Value::Mapping(Mapping::new())),
            ),
            None => (
                format!("--host {host}"),
                execute(path, &["--host", &host], &mut budget).map_err(&fail)?,
            ),
        };
        let Value::Mapping(vars) = vars else {
            return Err(fail(Check::HostVars.refuse(&place, Some(&vars))));
        };
        let id = model.host_id(&host);
        for (k, v) in &vars {
            let var = Var {
                value: v.clone(),
                origin: origin.clone(),
            };
            model.set_host_var(id, k.as_str().unwrap_or_default(), var);
        }
    }
    Ok(())
}

/// Whether the kernel runs the file itself, as Python's `subprocess` (an
/// `execve`) asks it to: a `#!` line or an ELF program. Anything else is
/// "Exec format error" to Ansible's script plugin, which then fails; glibc
/// would run it with /bin/sh instead (an INI line `h7 y=1` run as the
/// command `h7`), so it is never started. A file an enabled binfmt_misc
/// entry matches (its magic bytes or extension) the kernel would run with
/// that entry's interpreter: refused, not modelled.
fn runnable(path: &Path) -> Result<(), String> {
    let head = crate::support::bounds::read_input_head(path, BINFMT_HEAD)
        .map_err(|e| format!("cannot run inventory script: {e}"))?;
    if head.starts_with(b"#!") || head.starts_with(b"\x7fELF") {
        return Ok(());
    }
    if let Some(entry) = binfmt_misc_match(path, &head) {
        return Err(format!(
            "executable without a `#!` line and not an ELF program, which this system's \
             binfmt_misc entry `{entry}` runs with its own interpreter, which sshfleet does not \
             model: make it not executable, or give it a `#!` line"
        ));
    }
    Err(
        "cannot run inventory script: it has no `#!` line and is not an ELF program (Exec \
         format error)"
            .to_string(),
    )
}

/// The most bytes of a file a binfmt_misc magic may look at (offset and
/// magic together are at most 128 bytes: BINPRM_BUF_SIZE 256).
const BINFMT_HEAD: u64 = 256;

/// The enabled binfmt_misc entry (`/proc/sys/fs/binfmt_misc/NAME`: `enabled`,
/// `offset N`, `magic HEX`, `mask HEX` or `extension .EXT`) that matches
/// the file, as the kernel's `check_file` matches.
fn binfmt_misc_match(path: &Path, head: &[u8]) -> Option<String> {
    binfmt_misc_match_in(Path::new("/proc/sys/fs/binfmt_misc"), path, head)
}

fn binfmt_misc_match_in(dir: &Path, path: &Path, head: &[u8]) -> Option<String> {
    let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
    if status.trim() != "enabled" {
        return None;
    }
    let hex = |t: &str| -> Vec<u8> {
        (0..t.len() / 2)
            .filter_map(|i| u8::from_str_radix(t.get(2 * i..2 * i + 2)?, 16).ok())
            .collect()
    };
    for entry in std::fs::read_dir(dir).ok()?.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "register" || name == "status" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if text.lines().next() != Some("enabled") {
            continue;
        }
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
        };
        let matches = if let Some(ext) = field("extension .") {
            path.extension().is_some_and(|e| e.to_string_lossy() == ext)
        } else if let Some(magic) = field("magic ") {
            let offset = field("offset ")
                .and_then(|o| o.parse::<usize>().ok())
                .unwrap_or(0);
            let (magic, mask) = (hex(&magic), field("mask ").map(|m| hex(&m)));
            head.get(offset..offset + magic.len()).is_some_and(|bytes| {
                bytes.iter().zip(&magic).enumerate().all(|(i, (b, m))| {
                    let k = mask
                        .as_ref()
                        .and_then(|k| k.get(i))
                        .copied()
                        .unwrap_or(0xff);
                    (b ^ m) & k == 0
                })
            })
        } else {
            false
        };
        if matches {
            return Some(name);
        }
    }
    None
}

/// `_meta` as `detect_profile_name` and `parse` check it: `None` when
/// there is no `_meta` (each host's `--host` is asked), else its
/// `hostvars`.
fn meta_hostvars(groups: &Mapping) -> Result<Option<Mapping>, String> {
    let Some(meta) = groups.get("_meta") else {
        return Ok(None);
    };
    let Value::Mapping(meta) = meta else {
        return Err(Check::Meta.refuse("_meta", Some(meta)));
    };
    match meta.get("profile") {
        None => {}
        Some(Value::String(p)) if p == "inventory_legacy" => {}
        Some(other) => return Err(Check::MetaProfile.refuse("_meta.profile", Some(other))),
    }
    match meta.get("hostvars") {
        Some(Value::Mapping(h)) => Ok(Some(h.clone())),
        other => Err(Check::MetaHostvars.refuse("_meta.hostvars", other)),
    }
}

/// One group of `--list`, as `_parse_group` reads it: a value that is not
/// an object is its hosts; an object with none of hosts/vars/children is
/// a host of the group's name with those variables, which Ansible does
/// not trust as templates.
fn group(
    model: &mut Model,
    name: &str,
    data: &Value,
    origin: &Origin,
    hosts_seen: &mut Vec<String>,
) -> Result<(), String> {
    if name.is_empty() {
        return Err(Check::GroupName.refuse("\"\"", Some(&Value::from(""))));
    }
    let group = model.group_id(name);
    let data: Mapping = match data {
        Value::Mapping(map)
            if ["hosts", "vars", "children"]
                .iter()
                .any(|k| map.contains_key(*k)) =>
        {
            map.clone()
        }
        Value::Mapping(_) => Mapping::from_iter([
            (
                Value::from("hosts"),
                Value::Sequence(vec![Value::from(name)]),
            ),
            (Value::from("vars"), untrusted(data)),
        ]),
        other => Mapping::from_iter([(Value::from("hosts"), other.clone())]),
    };
    if let Some(hosts) = data.get("hosts") {
        let Value::Sequence(hosts) = hosts else {
            return Err(Check::GroupHosts.refuse(&format!("{name}.hosts"), Some(hosts)));
        };
        for h in hosts {
            let Some(h) = script_shape::name(h) else {
                return Err(Check::HostName.refuse(&format!("{name}.hosts[]"), Some(h)));
            };
            let id = model.host_id(h);
            model.add_host(id, group);
            if !hosts_seen.iter().any(|s| s == h) {
                hosts_seen.push(h.to_string());
            }
        }
    }
    if let Some(vars) = data.get("vars") {
        let Value::Mapping(vars) = vars else {
            return Err(Check::GroupVars.refuse(&format!("{name}.vars"), Some(vars)));
        };
        for (k, v) in vars {
            let var = Var {
                value: v.clone(),
                origin: origin.clone(),
            };
            model.set_group_var(group, k.as_str().unwrap_or_default(), var)?;
        }
    }
    if let Some(children) = data.get("children") {
        let place = format!("{name}.children");
        let Some(children) = script_shape::python_iter(children) else {
            return Err(Check::GroupChildren.refuse(&place, Some(children)));
        };
        for c in &children {
            let Some(c) = script_shape::name(c) else {
                return Err(Check::ChildName.refuse(&format!("{place}[]"), Some(c)));
            };
            let child = model.group_id(c);
            model.link(group, child)?;
        }
    }
    Ok(())
}

/// The longest an inventory script may run: a script that asks a CMDB
/// answers in seconds; one that hangs must not hold the run forever.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Run the script (bounded in time and output by what is left of its
/// `budget`, see [`crate::support::child`]) and read its JSON, keeping the
/// order of its keys (the order Ansible adds groups and hosts in).
fn execute(path: &Path, args: &[&str], budget: &mut Budget) -> Result<Value, String> {
    use crate::support::child::ChildError;
    let spent = || {
        format!(
            "inventory script `{}`: its calls (`--list` and every `--host`) took more than {} s or printed more than {} bytes together, the bound of one script; stopped at `{}`",
            path.display(),
            budget.timeout.as_secs(),
            budget.max_bytes,
            args.join(" ")
        )
    };
    let time_left = budget.deadline.saturating_duration_since(Instant::now());
    if time_left.is_zero() || budget.bytes_left == 0 {
        return Err(spent());
    }
    // The file named, never a program of that name on PATH (`-i inv.py`
    // is ./inv.py to Ansible).
    let mut command = std::process::Command::new(super::vars::absolute(path));
    command.args(args);
    crate::support::child::start_as(&mut command, crate::support::child::Site::InventoryScript);
    let output = crate::support::child::run_bounded(command, time_left, budget.bytes_left)
        .map_err(|e| match e {
            ChildError::Spawn(e) => format!("cannot run inventory script: {e}"),
            ChildError::Timeout { .. } | ChildError::TooLarge(_) => {
                format!("{} ({e})", spent())
            }
            e => format!(
                "inventory script `{} {}`: {e}",
                path.display(),
                args.join(" ")
            ),
        })?;
    budget.bytes_left = budget.bytes_left.saturating_sub(output.stdout.len() as u64);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "inventory script `{} {}` failed ({}): {}",
            path.display(),
            args.join(" "),
            output.status,
            stderr.trim()
        ));
    }
    let stdout = String::from_utf8(output.stdout)
        .map_err(|_| "inventory script output is not UTF-8".to_string())?;
    if stdout.trim().is_empty() && args.first() == Some(&"--host") {
        // `get_host_variables`: blank output is no variables.
        return Ok(Value::Mapping(Mapping::new()));
    }
    // Validate as JSON first (a YAML reader would accept more), then keep
    // the order.
    let (json, non_finite) = super::json_data::without_non_finite(&stdout);
    serde_json::from_str::<serde_json::Value>(&json)
        .map_err(|e| format!("inventory script output is not JSON: {e}"))?;
    if let Some(found) = non_finite {
        return Err(format!(
            "inventory script output, its line {}: {}",
            found.line,
            found.message()
        ));
    }
    if let Some((line, number)) = super::vars::json_int_beyond_64_bits(&stdout) {
        // Not quoted: it may be the value of a secret-named variable.
        return Err(format!(
            "inventory script output holds an integer of {} digits on its line {line}, beyond \
             64 bits, which sshfleet does not carry (Ansible's JSON reader keeps it exact)",
            number.trim_start_matches('-').len()
        ));
    }
    let value: Value = serde_yaml::from_str(&stdout)
        .map_err(|e| format!("inventory script output is not JSON: {e}"))?;
    super::vars::ansible_json(value).map_err(|e| format!("inventory script output: {e}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn load(model: &mut Model, path: &Path) -> Result<(), InventoryError> {
        load_within(
            model,
            path,
            Budget::new(SCRIPT_TIMEOUT, crate::support::bounds::max_input()),
        )
    }

    fn load_within(model: &mut Model, path: &Path, budget: Budget) -> Result<(), InventoryError> {
        let listing = list_within(path, budget)?;
        apply(model, path, listing)
    }

    fn script(dir: &Path, body: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join("inv.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn script_errors_name_the_script() {
        let dir = tempfile::tempdir().unwrap();
        for (body, needle) in [
            ("echo oops >&2; exit 3", "failed"),
            ("echo not json", "not JSON"),
            ("echo '{\"g\": {\"children\": [\"g\"]}}'", "child of itself"),
            ("printf '\\377'", "not UTF-8"),
        ] {
            let path = script(dir.path(), body);
            let mut model = Model::new();
            match load(&mut model, &path) {
                Err(InventoryError::InvalidNoLine { path: p, message }) => {
                    assert_eq!(p, path);
                    assert!(message.contains(needle), "{body}: {message}");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    /// Five hosts without `_meta`, each `--host` well within the bound on
    /// its own: together past it, so the script is stopped at a `--host`
    /// (each call used to have the whole bound). The same for output.
    #[test]
    fn all_calls_of_one_script_share_one_time_and_output_bound() {
        let dir = tempfile::tempdir().unwrap();
        let hosts = "{\"all\": {\"hosts\": [\"h1\", \"h2\", \"h3\", \"h4\", \"h5\"]}}";
        let path = script(
            dir.path(),
            &format!("[ \"$1\" = --list ] && echo '{hosts}' && exit 0\nsleep 0.6; echo '{{}}'"),
        );
        let budget = Budget::new(Duration::from_millis(1500), 1 << 20);
        let err = load_within(&mut Model::new(), &path, budget)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("inv.sh")
                && err.contains("took more than 1 s")
                && err.contains("--host h"),
            "{err}"
        );
        let path = script(
            dir.path(),
            &format!(
                "[ \"$1\" = --list ] && echo '{hosts}' && exit 0\necho '{{\"v\": \"{}\"}}'",
                "x".repeat(100)
            ),
        );
        let budget = Budget::new(Duration::from_secs(60), 400);
        let err = load_within(&mut Model::new(), &path, budget)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("printed more than 400 bytes") && err.contains("--host h"),
            "{err}"
        );
        let budget = Budget::new(Duration::from_secs(60), 1 << 20);
        assert!(load_within(&mut Model::new(), &path, budget).is_ok());
    }

    /// One script output per row of `Check::ALL` that ansible-core 2.19
    /// refuses (each compared with it by tests/inventories/script_shapes.py):
    /// refused naming the script and the place. The match has no default
    /// arm, so a new check without its example does not compile.
    #[test]
    fn every_shape_ansible_refuses_is_refused_naming_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let list =
            |json: &str| format!("[ \"$1\" = --list ] && echo '{json}' && exit 0; echo '{{}}'");
        for check in Check::ALL {
            let (body, needle) = match check {
                Check::ListObject => (list("[1]"), "`--list` is a list"),
                Check::Meta => (list(r#"{"_meta": []}"#), "`_meta` is a list"),
                Check::MetaProfile => (
                    list(r#"{"_meta": {"profile": "inventory_other", "hostvars": {}}}"#),
                    "`_meta.profile` is a string",
                ),
                Check::MetaHostvars => (list(r#"{"_meta": {}}"#), "`_meta.hostvars` is missing"),
                Check::GroupName => (list(r#"{"": {"hosts": ["h1"]}}"#), "requires a name"),
                Check::GroupHosts => (list(r#"{"g": {"hosts": "h1"}}"#), "`g.hosts` is a string"),
                Check::HostName => (list(r#"{"g": [""]}"#), "`g.hosts[]` is a string"),
                Check::GroupVars => (list(r#"{"g": {"vars": [1]}}"#), "`g.vars` is a list"),
                Check::GroupChildren => (
                    list(r#"{"g": {"children": 5}}"#),
                    "`g.children` is a number",
                ),
                Check::ChildName => (
                    list(r#"{"g": {"children": [1]}}"#),
                    "`g.children[]` is a number",
                ),
                Check::HostVars => (
                    "[ \"$1\" = --list ] && echo '{\"g\": [\"h1\"]}' && exit 0; echo null"
                        .to_string(),
                    "`--host h1` is nothing",
                ),
            };
            let path = script(dir.path(), &body);
            let err = load(&mut Model::new(), &path).unwrap_err().to_string();
            assert!(
                err.contains("inv.sh") && err.contains(needle) && err.contains(check.requires()),
                "{check:?}: {err}"
            );
        }
        let path = script(
            dir.path(),
            &list(r#"{"g": ["h1"], "_meta": {"hostvars": {"h1": null}}}"#),
        );
        let err = load(&mut Model::new(), &path).unwrap_err().to_string();
        assert!(err.contains("`_meta.hostvars.h1` is nothing"), "{err}");
    }

    /// What ansible-core 2.19 accepts that looks odd: children as text
    /// (each character a group) or an object (its keys), an
    /// `__ansible_unsafe` host name, blank `--host` output, a short-form
    /// group whose texts are never templated.
    #[test]
    fn shapes_ansible_accepts_are_read_as_it_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(
            dir.path(),
            r#"[ "$1" = --list ] && echo '{"g": {"hosts": [{"__ansible_unsafe": "h1"}], "children": "ab"}, "p": {"children": {"c": 1}}, "esa01": {"ansible_user": "{{ 1 }}"}}' && exit 0; echo '  '"#,
        );
        let mut model = Model::new();
        load(&mut model, &path).unwrap();
        let names: Vec<&str> = model.groups.iter().map(|g| g.name.as_str()).collect();
        for g in ["g", "a", "b", "p", "c", "esa01"] {
            assert!(names.contains(&g), "{g}: {names:?}");
        }
        let esa = model.hosts.iter().find(|h| h.name == "esa01").unwrap();
        let g = model.groups.iter().find(|g| g.name == "esa01").unwrap();
        assert!(esa.vars.is_empty());
        assert!(
            matches!(&g.vars["ansible_user"].value, Value::Tagged(t) if t.tag == "unsafe"),
            "{:?}",
            g.vars
        );
    }

    #[test]
    fn a_script_that_cannot_start_is_named() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inv");
        std::fs::write(&path, "#!/nonexistent/interpreter\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = load(&mut Model::new(), &path).unwrap_err().to_string();
        assert!(err.contains("cannot run inventory script"), "{err}");
    }

    #[test]
    fn plain_lists_and_malformed_groups_as_ansible() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(
            dir.path(),
            r#"case "$1" in --list) echo '{"web": ["w1"], "solo": {"x": 1}}';; --host) echo '{"from_host": "'$2'"}';; esac"#,
        );
        let mut model = Model::new();
        load(&mut model, &path).unwrap();
        let names: Vec<&str> = model.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["w1", "solo"]);
        assert!(model.hosts[0].vars.contains_key("from_host"));
    }

    /// binfmt_misc entries match as the kernel matches them: an enabled
    /// entry's masked magic at its offset, or its extension; a disabled
    /// entry or a disabled binfmt_misc matches nothing.
    #[test]
    fn binfmt_misc_entries_match_as_the_kernel_matches() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("status"), "enabled\n").unwrap();
        std::fs::write(d.join("register"), "").unwrap();
        std::fs::write(
            d.join("qemu"),
            "enabled\ninterpreter /q\nflags: F\noffset 1\nmagic 4c46\nmask ffdf\n",
        )
        .unwrap();
        std::fs::write(d.join("off"), "disabled\nextension .ini\n").unwrap();
        std::fs::write(d.join("py"), "enabled\ninterpreter /p\nextension .pyz\n").unwrap();
        let m = |name: &str, head: &[u8]| binfmt_misc_match_in(d, Path::new(name), head);
        assert_eq!(m("x", b"ELF").as_deref(), Some("qemu"));
        assert_eq!(m("x", b"ELf").as_deref(), Some("qemu"));
        assert_eq!(m("x", b"Elf"), None);
        assert_eq!(m("x", b"L"), None);
        assert_eq!(m("hosts.ini", b"[k]"), None);
        assert_eq!(m("a.pyz", b"[k]").as_deref(), Some("py"));
        std::fs::write(d.join("status"), "disabled\n").unwrap();
        assert_eq!(m("a.pyz", b"[k]"), None);
    }
}
