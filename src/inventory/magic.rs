//! Every name ansible-core 2.19 gives a template at play time that an
//! inventory does not set: the magic variables of
//! `VariableManager._get_magic_variables` and `get_vars` (`vars`,
//! `environment`), the options variables (`ansible_forks`, ...), those the
//! task executor and strategy add (`ansible_search_path`, `ansible_loop`,
//! ...), the documented special variables, the template globals (`omit`,
//! `range`, ...) and the reserved play keywords. Each is classified: what
//! sshfleet computes exactly, and what it refuses because its value
//! depends on the play or the run, which sshfleet does not have. A refused
//! name fails the template wherever it is read, also under `default`,
//! `is defined`, `is undefined` or `vars[...]`: Ansible has a value there,
//! and taking the default instead would be a silent approximation.
//! `magic_names_are_all_classified` compares this table with the names
//! the installed ansible-core defines.

/// How sshfleet treats one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Computed as Ansible does, and Ansible's value wins over a host
    /// variable of the same name (magic variables are combined last).
    Magic,
    /// A variable the inventory sets on each host (`inventory_file`,
    /// `inventory_dir`): the host's own value, else the inventory's.
    InventoryVar,
    /// `vars`: the host's variables, read only as `vars['name']` or
    /// `vars.name` (each name then read as a bare name is).
    Vars,
    /// A template function sshfleet supports, only as a call.
    Function,
    /// A play keyword or a template global Ansible defines no variable
    /// for: an ordinary variable name (Ansible warns when one is set).
    Keyword,
    /// Depends on the play or the run: refused, with why.
    Refused(&'static str),
}

use Kind::{Function, InventoryVar, Keyword, Magic, Refused, Vars};

const OPTION: Kind = Refused("an option of the ansible-playbook command line");
const PLAY: Kind = Refused("a property of the play being run");
const ROLE: Kind = Refused("a property of the role of the task being run");
const TASK: Kind = Refused("set by the task being run (loop, search path, delegation)");
const CONTROLLER: Kind = Refused("a property of the controller running ansible-playbook");
const FACTS: Kind = Refused("a fact gathered from the host during the play");
const GLOBAL: Kind = Refused("a template global of Ansible that sshfleet does not provide");

/// Every name, sorted (a test checks the order, so a name is found once).
pub(super) const NAMES: &[(&str, Kind)] = &[
    ("action", Keyword),
    ("always", Keyword),
    ("ansible_check_mode", OPTION),
    ("ansible_collection_name", ROLE),
    ("ansible_config_file", CONTROLLER),
    ("ansible_current_hosts", PLAY),
    ("ansible_delegated_vars", TASK),
    ("ansible_dependent_role_names", PLAY),
    ("ansible_diff_mode", OPTION),
    ("ansible_facts", FACTS),
    ("ansible_failed_hosts", PLAY),
    ("ansible_failed_result", TASK),
    ("ansible_failed_task", TASK),
    ("ansible_forks", OPTION),
    ("ansible_index_var", TASK),
    ("ansible_inventory_sources", OPTION),
    ("ansible_limit", OPTION),
    ("ansible_local", FACTS),
    ("ansible_loop", TASK),
    ("ansible_loop_var", TASK),
    ("ansible_parent_role_names", ROLE),
    ("ansible_parent_role_paths", ROLE),
    ("ansible_play_batch", PLAY),
    ("ansible_play_hosts", PLAY),
    ("ansible_play_hosts_all", PLAY),
    ("ansible_play_name", PLAY),
    ("ansible_play_role_names", PLAY),
    ("ansible_playbook_python", CONTROLLER),
    ("ansible_role_name", ROLE),
    ("ansible_role_names", PLAY),
    ("ansible_run_tags", OPTION),
    ("ansible_search_path", TASK),
    ("ansible_skip_tags", OPTION),
    ("ansible_verbosity", OPTION),
    ("ansible_version", CONTROLLER),
    ("any_errors_fatal", Keyword),
    ("args", Keyword),
    ("async", Keyword),
    ("async_val", Keyword),
    ("become", Keyword),
    ("become_exe", Keyword),
    ("become_flags", Keyword),
    ("become_method", Keyword),
    ("become_user", Keyword),
    ("block", Keyword),
    ("changed_when", Keyword),
    ("check_mode", Keyword),
    ("collections", Keyword),
    ("connection", Keyword),
    ("cycler", GLOBAL),
    ("debugger", Keyword),
    ("delay", Keyword),
    ("delegate_facts", Keyword),
    ("delegate_to", Keyword),
    ("dict", GLOBAL),
    ("diff", Keyword),
    ("environment", TASK),
    ("fact_path", Keyword),
    ("failed_when", Keyword),
    ("force_handlers", Keyword),
    ("gather_facts", Keyword),
    ("gather_timeout", Keyword),
    ("group_names", Magic),
    ("groups", Magic),
    ("handlers", Keyword),
    ("hosts", Keyword),
    ("hostvars", Magic),
    ("ignore_errors", Keyword),
    ("ignore_unreachable", Keyword),
    ("inventory_dir", InventoryVar),
    ("inventory_file", InventoryVar),
    ("inventory_hostname", Magic),
    ("inventory_hostname_short", Magic),
    ("item", TASK),
    ("joiner", GLOBAL),
    ("lipsum", GLOBAL),
    ("local_action", Keyword),
    ("lookup", Function),
    ("loop", Keyword),
    ("loop_control", Keyword),
    ("loop_with", Keyword),
    ("max_fail_percentage", Keyword),
    ("module_defaults", Keyword),
    ("name", Keyword),
    ("namespace", GLOBAL),
    ("no_log", Keyword),
    ("notify", Keyword),
    ("now", GLOBAL),
    ("omit", GLOBAL),
    ("order", Keyword),
    ("play_hosts", PLAY),
    ("playbook_dir", CONTROLLER),
    ("poll", Keyword),
    ("port", Keyword),
    ("post_tasks", Keyword),
    ("pre_tasks", Keyword),
    ("q", Function),
    ("query", Function),
    ("range", GLOBAL),
    ("register", Keyword),
    ("remote_user", Keyword),
    ("rescue", Keyword),
    ("retries", Keyword),
    ("role_name", ROLE),
    ("role_names", PLAY),
    ("role_path", ROLE),
    ("role_uuid", ROLE),
    ("roles", Keyword),
    ("run_once", Keyword),
    ("serial", Keyword),
    ("strategy", Keyword),
    ("tags", Keyword),
    ("tasks", Keyword),
    ("throttle", Keyword),
    ("timeout", Keyword),
    ("undef", GLOBAL),
    ("until", Keyword),
    ("vars", Vars),
    ("vars_files", Keyword),
    ("vars_prompt", Keyword),
    ("when", Keyword),
    ("with_", Keyword),
];

/// How `name` is treated, if it is one of the table's.
pub(super) fn kind(name: &str) -> Option<Kind> {
    NAMES
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| NAMES[i].1)
}

/// Why a template reading `name` is refused, if it is.
pub(super) fn refusal(name: &str) -> Option<String> {
    match kind(name)? {
        Refused(why) => Some(format!(
            "`{name}` is a play variable ({why}): its value depends on the play/run, \
             sshfleet does not compute it (refused also under `default` or `is defined`, \
             where Ansible has a value)"
        )),
        _ => None,
    }
}

/// `vars` where sshfleet cannot read it as Ansible does: anything but
/// `vars['name']` or `vars.name`.
pub(super) fn vars_refusal(how: &str) -> String {
    format!(
        "`vars` {how}: sshfleet reads `vars` only as `vars['name']` or `vars.name` \
         (Ansible's `vars` also holds the play's variables, which sshfleet does not compute)"
    )
}

/// `inventory_hostname_short`: ansible-core's `Host.get_magic_vars`,
/// `name.split('.')[0]` unless the name matches its `ipv4` or `ipv6`
/// address pattern, then the whole name. Those patterns, not an address
/// parser: `::ffff:256.1.1.1` is whole to Ansible, `1:2:3:4:5:6:1.2.3.4`
/// (a valid address) is cut at its first dot.
pub(super) fn short_name(host: &str) -> &str {
    // Python's `$` also matches before a final newline.
    let probe = host.strip_suffix('\n').unwrap_or(host);
    if ADDRESS_PATTERNS.iter().any(|p| p.is_match(probe)) {
        host
    } else {
        host.split('.').next().unwrap_or(host)
    }
}

/// ansible-core's `patterns['ipv4']` and `patterns['ipv6']`
/// (`ansible/parsing/utils/addresses.py`, `re.X | re.I`), ranges included.
static ADDRESS_PATTERNS: std::sync::LazyLock<[regex::Regex; 2]> = std::sync::LazyLock::new(|| {
    let i4 = r"(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\])";
    let c = r"(?:[0-9a-f]{1,4}|\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\])";
    let ipv4 = format!(r"(?i)^(?:{i4}\.){{3}}{i4}$");
    let ipv6 = format!(
        concat!(
            r"(?i)^((?:{c}:){{7}}{c}|(?:{c}:){{1,6}}:|(?:{c}:)(?::{c}){{1,6}}|",
            r"(?:{c}:){{2}}(?::{c}){{1,5}}|(?:{c}:){{3}}(?::{c}){{1,4}}|",
            r"(?:{c}:){{4}}(?::{c}){{1,3}}|(?:{c}:){{5}}(?::{c}){{1,2}}|",
            r"(?:{c}:){{6}}(?::{c})|:(?::{c}){{1,6}}|{c}?::|",
            r"(?:0:){{6}}(?:{c}\.){{3}}{c}|::(?:ffff:)?(?:{c}\.){{3}}{c}|",
            r"(?:0:){{5}}ffff:(?:{c}\.){{3}}{c})$"
        ),
        c = c
    );
    [ipv4, ipv6]
        .map(|p| regex::Regex::new(&p).unwrap_or_else(|e| unreachable!("static regex: {e}")))
});

/// Ansible's `basedir`: a directory itself, else a file's directory; a
/// source that is neither (a host list, `-i 'h9,'`) has none, which
/// `to_text(None)` makes the text `None` (ansible-core 2.19: `{{
/// inventory_dir }}` is `None`, `inventory_dir is none` false, and it is
/// true in a test).
pub(super) fn base_dir(path: &std::path::Path) -> String {
    if path.is_dir() {
        path.display().to_string()
    } else if path.is_file() {
        path.parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    } else {
        "None".to_string()
    }
}
