//! The table of play-time names against the installed ansible-core.
#![allow(clippy::panic)]

use super::magic::{Kind, NAMES, kind};

#[test]
fn the_table_is_sorted_and_each_name_is_found() {
    for pair in NAMES.windows(2) {
        assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
    }
    for (name, k) in NAMES {
        assert_eq!(kind(name), Some(*k), "{name}");
    }
    assert_eq!(kind("mgmt_ip"), None);
}

/// The output of `tests/inventories/SCRIPT` run by ansible-core's python;
/// `None` (the test skipped, with a message) where ansible-core 2.19 is
/// not installed, unless SSHFLEET_REQUIRE_ANSIBLE is set (CI sets it).
fn ansible_script(script: &str) -> Option<String> {
    let required = std::env::var_os("SSHFLEET_REQUIRE_ANSIBLE").is_some();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/inventories")
        .join(script);
    // The venv the project's setup installs ansible-core into, else PATH.
    let venv = std::env::var_os("HOME")
        .map(|h| std::path::PathBuf::from(h).join(".cache/sshfleet-ansible-2.19/bin/python"))
        .filter(|p| p.exists());
    let python = venv.unwrap_or_else(|| "python3".into());
    let out = match std::process::Command::new(&python).arg(&path).output() {
        Ok(out) => out,
        Err(e) if !required => {
            eprintln!("SKIPPED {script}: no {} ({e})", python.display());
            return None;
        }
        Err(e) => panic!("{}: {e}", python.display()),
    };
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if out.status.code() == Some(77) && !required {
        eprintln!("SKIPPED {script}: {}", text.trim());
        return None;
    }
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(text)
}

/// `tests/inventories/magic_names.py` lists every name ansible-core 2.19
/// defines for a template at play time; each must be in the table.
#[test]
fn magic_names_are_all_classified() {
    let Some(text) = ansible_script("magic_names.py") else {
        return;
    };
    let names: Vec<&str> = text.lines().collect();
    assert!(
        names.len() > 50,
        "too few names from ansible-core: {names:?}"
    );
    let missing: Vec<&&str> = names.iter().filter(|n| kind(n).is_none()).collect();
    assert!(
        missing.is_empty(),
        "names ansible-core 2.19 defines at play time missing from src/inventory/magic.rs: {missing:?}"
    );
    // What the table refuses or computes is a name Ansible has (the
    // inventory's own two excepted): no stale entry.
    let stale: Vec<&str> = NAMES
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !names.contains(n) && kind(n) != Some(Kind::InventoryVar))
        .collect();
    assert!(
        stale.is_empty(),
        "names ansible-core does not define: {stale:?}"
    );
}

/// What templates may read as magic (the scope's listing) is what the
/// table computes.
#[test]
fn the_computed_magic_variables_are_the_tables() {
    let computed: Vec<&str> = NAMES
        .iter()
        .filter(|(_, k)| matches!(k, Kind::Magic | Kind::InventoryVar))
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(computed, super::jinja::MAGIC);
}

/// `tests/inventories/setting_vars.py` lists every `ansible_*` setting
/// ansible-core 2.19 reads; the table must be exactly that list, so a
/// setting is never mistaken for a fact, nor a fact for a setting.
#[test]
fn setting_vars_are_ansibles() {
    let Some(text) = ansible_script("setting_vars.py") else {
        return;
    };
    let names: Vec<&str> = text.lines().collect();
    assert!(
        names.len() > 100,
        "too few settings from ansible-core: {names:?}"
    );
    let table: Vec<&str> = super::facts::SETTING_VARS.to_vec();
    assert_eq!(
        table, names,
        "src/inventory/facts.rs SETTING_VARS differs from ansible-core's settings"
    );
}

/// `tests/inventories/add_host_vars.py` lists the variables ansible-core's
/// `add_host` sets on a new host; `layers::ADD_HOST_VARS` must be exactly
/// those, so none of them is left for a group variable to replace.
#[test]
fn add_host_vars_are_ansibles() {
    let Some(text) = ansible_script("add_host_vars.py") else {
        return;
    };
    let names: Vec<&str> = text.lines().collect();
    let ours: Vec<&str> = super::layers::ADD_HOST_VARS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(ours, names, "src/inventory/layers.rs ADD_HOST_VARS");
}

/// `sources::IGNORED` is ansible-core's `IGNORED` regex alternative by
/// alternative, and each skips its name also with a final newline, as
/// Python's `$` matches there.
#[test]
fn ignored_directory_names_are_ansibles_with_pythons_dollar() {
    use super::sources::{IGNORED, Ignored, is_ignored};
    // Python's `re.escape` of these names: `.` and `~` only.
    let escape = |t: &str| t.replace('.', "\\.").replace('~', "\\~");
    let ours: Vec<String> = IGNORED
        .iter()
        .map(|rule| match *rule {
            Ignored::Starts(p) => format!("^{}", escape(p)),
            Ignored::Is(n) => format!("^{n}$"),
            Ignored::Ends(e) => format!("{}$", escape(e)),
        })
        .collect();
    for rule in IGNORED {
        let name = match rule {
            Ignored::Starts(p) => format!("{p}inv"),
            Ignored::Is(n) => n.to_string(),
            Ignored::Ends(e) => format!("inv{e}"),
        };
        assert!(is_ignored(&name), "{name:?}");
        assert!(is_ignored(&format!("{name}\n")), "{name:?} + newline");
        if !matches!(rule, Ignored::Starts(_)) {
            assert!(
                !is_ignored(&format!("{name}\n\n")),
                "{name:?} + two newlines"
            );
        }
    }
    assert!(!is_ignored("hosts.yml"));
    assert!(!is_ignored("txt"));
    assert!(!is_ignored("group_vars.yml"));
    let Some(text) = ansible_script("ignored_names.py") else {
        return;
    };
    let theirs: Vec<&str> = text.lines().collect();
    assert_eq!(ours, theirs, "src/inventory/sources.rs IGNORED");
}

/// `list::LISTING_OMITS` is exactly what ansible-inventory --list omits.
#[test]
fn listing_omits_ansibles_internal_vars() {
    let Some(text) = ansible_script("listing_omits.py") else {
        return;
    };
    let names: Vec<&str> = text.lines().collect();
    assert_eq!(
        super::list::LISTING_OMITS.to_vec(),
        names,
        "src/inventory/list.rs LISTING_OMITS"
    );
}
