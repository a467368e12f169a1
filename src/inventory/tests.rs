//! The inventory's unit tests: loading, precedence, ranges, accessors,
//! refusals and selection.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::ranges::expand_range;
use super::*;

/// The connection values the old accessors gave, for these tests.
trait Conn {
    fn address(&self) -> String;
    fn port(&self) -> u16;
    fn password_env(&self) -> Option<String>;
    fn user(&self) -> Option<String>;
    fn private_key_file(&self) -> Option<PathBuf>;
}

impl Host {
    fn connection(&self, secret: Option<&VaultSecret>) -> Result<ConnectionVars, InventoryError> {
        self.connection_with(secret, None)
    }
}

impl Conn for Host {
    fn user(&self) -> Option<String> {
        self.connection(None).unwrap().user
    }
    fn private_key_file(&self) -> Option<PathBuf> {
        self.connection(None).unwrap().key_file
    }
    fn address(&self) -> String {
        self.connection(None).unwrap().address
    }
    fn port(&self) -> u16 {
        self.connection(None).unwrap().port.unwrap_or(22)
    }
    fn password_env(&self) -> Option<String> {
        self.connection(None).unwrap().password_env
    }
}

fn parse(text: &str) -> Result<Inventory, InventoryError> {
    Inventory::parse(text, Path::new("inv.yaml"))
}

fn load(text: &str) -> Inventory {
    parse(text).unwrap_or_else(|e| panic!("{e}"))
}

/// The line and message of an `Invalid` error.
fn invalid(text: &str) -> (usize, String) {
    match parse(text) {
        Err(InventoryError::Invalid {
            path,
            line,
            message,
        }) => {
            assert_eq!(path, Path::new("inv.yaml"));
            (line, message)
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn names(hosts: &[&Host]) -> Vec<String> {
    hosts.iter().map(|h| h.name.clone()).collect()
}

fn text(inv: &Inventory, host: &str, var: &str) -> Option<String> {
    inv.host(host).unwrap().var_text(var)
}

const FLEET: &str = "\
all:
  vars:
    level: all
  hosts:
    jump01:
  children:
    emea:
      vars:
        level: emea
      hosts:
        esa01.emea.example.com:
        esa02.emea.example.com:
      children:
        emea_dmz:
          hosts:
            esa03.emea.example.com:
    amer:
      hosts:
        esa01.amer.example.com:
        esa02.emea.example.com:
          role: also-amer
    empty:
";

#[test]
fn hosts_in_file_order_once_with_all_their_groups() {
    let inv = load(FLEET);
    let names: Vec<&str> = inv.hosts().iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "jump01",
            "esa01.emea.example.com",
            "esa02.emea.example.com",
            "esa01.amer.example.com",
            "esa03.emea.example.com"
        ]
    );
    assert_eq!(
        inv.host("esa02.emea.example.com").unwrap().groups,
        ["all", "amer", "emea"]
    );
    assert_eq!(
        inv.host("esa03.emea.example.com").unwrap().groups,
        ["all", "emea", "emea_dmz"]
    );
    assert_eq!(inv.host("jump01").unwrap().groups, ["all", "ungrouped"]);
    assert_eq!(
        text(&inv, "esa02.emea.example.com", "role").as_deref(),
        Some("also-amer")
    );
    assert_eq!(inv.path(), Path::new("inv.yaml"));
    assert_eq!(inv.groups()[0].name, "all");
    assert!(inv.groups().iter().any(|g| g.name == "empty"));
}

#[test]
fn child_group_beats_parent_and_host_beats_groups() {
    let inv = load(
        "\
all:
  vars: {a: all, b: all, c: all, d: all}
  children:
    parent:
      vars: {b: parent, c: parent, d: parent}
      children:
        child:
          vars: {c: child, d: child}
          hosts:
            h1: {d: host}
",
    );
    let h = inv.host("h1").unwrap();
    assert_eq!(h.var_text("a").as_deref(), Some("all"));
    assert_eq!(h.var_text("b").as_deref(), Some("parent"));
    assert_eq!(h.var_text("c").as_deref(), Some("child"));
    assert_eq!(h.var_text("d").as_deref(), Some("host"));
    assert_eq!(h.groups, ["all", "parent", "child"]);
}

#[test]
fn child_defined_before_its_parent_still_loses_to_nothing_above_it() {
    // `child` appears first in the file, but depth, not file order, decides.
    let inv = load(
        "\
child:
  vars: {x: child}
  hosts: {h1: }
parent:
  vars: {x: parent}
  children:
    child:
",
    );
    assert_eq!(text(&inv, "h1", "x").as_deref(), Some("child"));
    assert_eq!(inv.host("h1").unwrap().groups, ["all", "parent", "child"]);
}

#[test]
fn same_depth_groups_apply_in_name_order() {
    // `zeta` comes first in the file but sorts last, so it wins.
    let inv = load(
        "\
zeta:
  vars: {x: zeta}
  hosts: {h1: }
alpha:
  vars: {x: alpha, y: alpha}
  hosts: {h1: }
",
    );
    assert_eq!(text(&inv, "h1", "x").as_deref(), Some("zeta"));
    assert_eq!(text(&inv, "h1", "y").as_deref(), Some("alpha"));
    assert_eq!(inv.host("h1").unwrap().groups, ["all", "alpha", "zeta"]);
}

#[test]
fn deeper_path_gives_the_depth() {
    // `deep` is a child of `all` directly and of `mid`; its depth is 2,
    // so it beats `mid` (depth 1) even though `a_top` sorts first.
    let inv = load(
        "\
all:
  children:
    deep:
      vars: {x: deep}
      hosts: {h1: }
    mid:
      vars: {x: mid}
      children:
        deep:
",
    );
    assert_eq!(text(&inv, "h1", "x").as_deref(), Some("deep"));
}

#[test]
fn host_and_group_written_twice_merge_later_wins() {
    let inv = load(
        "\
g1:
  vars: {gv: first, keep: true}
  hosts:
    h1: {x: first, only_first: 1}
g2:
  hosts:
    h1: {x: second}
g1_again:
  children:
    g1:
      vars: {gv: second}
",
    );
    let h = inv.host("h1").unwrap();
    assert_eq!(h.var_text("x").as_deref(), Some("second"));
    assert_eq!(h.var_text("only_first").as_deref(), Some("1"));
    assert_eq!(h.var_text("gv").as_deref(), Some("second"));
    assert_eq!(h.var_text("keep").as_deref(), Some("true"));
    assert_eq!(h.groups, ["all", "g1_again", "g2", "g1"]);
}

#[test]
fn aliases_replace_each_other_by_level() {
    let inv = load(
        "\
all:
  vars:
    ansible_user: everyone
    sshfleet_password_env: ALL_PW
  children:
    g:
      vars:
        ansible_password: \"{{ lookup('env', 'G_PW') }}\"
      hosts:
        h1:
          ansible_ssh_user: legacy
        h2:
",
    );
    let h1 = inv.host("h1").unwrap();
    assert_eq!(h1.user().as_deref(), Some("legacy"));
    assert_eq!(h1.password_env().as_deref(), Some("G_PW"));
    assert_eq!(inv.host("h2").unwrap().user().as_deref(), Some("everyone"));
}

#[test]
fn ranges_expand_as_ansible() {
    assert_eq!(
        expand_range("esa[01:03].x").unwrap(),
        ["esa01.x", "esa02.x", "esa03.x"]
    );
    assert_eq!(
        expand_range("esa[8:10]").unwrap(),
        ["esa8", "esa9", "esa10"]
    );
    assert_eq!(expand_range("n[a:c]").unwrap(), ["na", "nb", "nc"]);
    assert_eq!(expand_range("n[1:7:3]").unwrap(), ["n1", "n4", "n7"]);
    assert_eq!(expand_range("n[:2]").unwrap(), ["n0", "n1", "n2"]);
    assert_eq!(
        expand_range("r[1:2]-[a:b]").unwrap(),
        ["r1-a", "r1-b", "r2-a", "r2-b"]
    );
    assert_eq!(
        expand_range("plain.example.com").unwrap(),
        ["plain.example.com"]
    );
    assert!(expand_range("esa[01:100]").is_err());
    assert!(expand_range("esa[3:1]").unwrap().is_empty());
    assert!(expand_range("esa[1:]").is_err());
    assert!(expand_range("esa[1-3]").is_err());
    assert!(expand_range("esa[1:3").is_err());
    assert!(expand_range("esa[1:3:0]").is_err());
    assert!(expand_range("esa[0:99999999]").is_err());
}

#[test]
fn ranges_in_an_inventory_carry_their_vars() {
    let inv = load("esa:\n  hosts:\n    esa[01:12].example.com:\n      ansible_user: admin\n");
    assert_eq!(inv.hosts().len(), 12);
    assert_eq!(inv.hosts()[0].name, "esa01.example.com");
    assert_eq!(inv.hosts()[11].name, "esa12.example.com");
    assert!(
        inv.hosts()
            .iter()
            .all(|h| h.user().as_deref() == Some("admin"))
    );
    let (line, message) = invalid("esa:\n  hosts:\n    ok:\n    esa[c:a]:\n");
    assert_eq!(line, 4);
    assert!(message.contains("esa[c:a]"), "{message}");
}

#[test]
fn host_key_may_carry_a_port() {
    let inv = load(
        "g:\n  hosts:\n    esa01:2222:\n    esa[1:2].x:2200:\n    esa09:2201: {ansible_port: 2300}\n",
    );
    assert_eq!(inv.host("esa01").unwrap().port(), 2222);
    assert_eq!(inv.host("esa1.x").unwrap().port(), 2200);
    assert_eq!(inv.host("esa2.x").unwrap().port(), 2200);
    assert_eq!(inv.host("esa09").unwrap().port(), 2300);
    let (line, _) = invalid("g:\n  hosts:\n    esa01:99999:\n");
    assert_eq!(line, 3);
}

#[test]
fn accessors() {
    let inv = load(
        "\
all:
  hosts:
    bare:
    full:
      ansible_host: 192.0.2.1
      ansible_port: 2222
      ansible_user: admin
      ansible_ssh_private_key_file: /keys/id
      proactive: true
      timeout: 15
      ratio: 0.5
      list: [a]
    legacy:
      ansible_ssh_host: 192.0.2.2
      ansible_ssh_port: '2022'
      ansible_ssh_user: root
      ansible_private_key_file: keys/id
",
    );
    let bare = inv.host("bare").unwrap();
    assert_eq!(bare.address(), "bare");
    assert_eq!(bare.port(), 22);
    assert_eq!(bare.user(), None);
    assert_eq!(bare.private_key_file(), None);
    assert_eq!(bare.password_env(), None);
    let full = inv.host("full").unwrap();
    assert_eq!(full.address(), "192.0.2.1");
    assert_eq!(full.port(), 2222);
    assert_eq!(full.user().as_deref(), Some("admin"));
    assert_eq!(full.private_key_file(), Some(PathBuf::from("/keys/id")));
    assert_eq!(full.var_text("proactive").as_deref(), Some("true"));
    assert_eq!(full.var_text("timeout").as_deref(), Some("15"));
    assert_eq!(full.var_text("ratio").as_deref(), Some("0.5"));
    assert_eq!(full.var_text("list"), None);
    assert_eq!(full.var_text("missing"), None);
    let legacy = inv.host("legacy").unwrap();
    assert_eq!(legacy.address(), "192.0.2.2");
    assert_eq!(legacy.port(), 2022);
    assert_eq!(legacy.user().as_deref(), Some("root"));
    assert_eq!(legacy.private_key_file(), Some(PathBuf::from("keys/id")));
}

#[test]
fn key_file_tilde_expands_to_home() {
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
        return;
    };
    let inv = load(
        "all:\n  hosts:\n    h:\n      ansible_ssh_private_key_file: ~/.ssh/id\n    k:\n      ansible_ssh_private_key_file: ~other/id\n",
    );
    assert_eq!(
        inv.host("h").unwrap().private_key_file(),
        Some(PathBuf::from(home).join(".ssh/id"))
    );
    assert_eq!(
        inv.host("k").unwrap().private_key_file(),
        Some(PathBuf::from("~other/id"))
    );
}

#[test]
fn password_from_env_idioms() {
    let inv = load(
        "\
all:
  hosts:
    a: {sshfleet_password_env: ESA_PW}
    b: {ansible_password: \"{{ lookup('env', 'B_PW') }}\"}
    c: {ansible_ssh_pass: '{{lookup(\"env\",\"C_PW\")}}'}
    d: {ansible_password: \"{{  lookup ( 'ansible.builtin.env' ,  'D_PW' )  }}\"}
    e: {ansible_become_password: \"{{ lookup('env', 'E_BECOME') }}\"}
    f: {ansible_password: null}
",
    );
    let env = |h: &str| inv.host(h).unwrap().password_env();
    assert_eq!(env("a").as_deref(), Some("ESA_PW"));
    assert_eq!(env("b").as_deref(), Some("B_PW"));
    assert_eq!(env("c").as_deref(), Some("C_PW"));
    assert_eq!(env("d").as_deref(), Some("D_PW"));
    assert_eq!(env("e"), None);
    assert_eq!(env("f"), None);
}

#[test]
fn password_env_must_be_a_variable_name_and_is_not_echoed() {
    let inv = load("g:\n  hosts:\n    h:\n      sshfleet_password_env: 'p@ss word'\n");
    match inv.connection(&inv.hosts()[0], None) {
        Err(InventoryError::Invalid { line, message, .. }) => {
            assert_eq!(line, 4);
            assert!(!message.contains("p@ss"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn syntax_error_names_its_line() {
    let (line, _) = invalid("all:\n  hosts:\n    a:\n   b: [\n");
    assert!(line >= 4, "line {line}");
    let (line, _) = invalid("all:\n  hosts:\n    a: 1\n  - b\n");
    assert_eq!(line, 4);
}

#[test]
fn structure_errors_name_their_line() {
    let (line, m) = invalid("- all\n");
    assert_eq!(line, 1);
    assert!(m.contains("mapping"), "{m}");
    let (line, m) = invalid("all:\n  children:\n    emea: [a, b]\n");
    assert_eq!((line, m.contains("group `emea`")), (3, true), "{m}");
    let (line, m) = invalid("all:\n  hosts:\n    - esa01\n");
    assert_eq!(
        (line, m.contains("`hosts` of group `all`")),
        (2, true),
        "{m}"
    );
    let (line, m) = invalid("all:\n  hosts:\n    esa01: yes\n");
    assert_eq!((line, m.contains("host `esa01`")), (3, true), "{m}");
    let (line, m) = invalid("all:\n  vars: [a]\n  hosts: {h: }\n");
    assert_eq!((line, m.contains("group `all`")), (2, true), "{m}");
    let (line, m) = invalid("all:\n  children: [emea]\n");
    assert_eq!((line, m.contains("children")), (2, true), "{m}");
    let (line, m) = invalid("all:\n  hosts:\n    h:\n  host:\n    x:\n");
    assert_eq!((line, m.contains("unknown key `host`")), (4, true), "{m}");
}

#[test]
fn port_must_be_in_range() {
    for (value, ok) in [
        ("22", true),
        ("65535", true),
        ("'2222'", true),
        ("'022'", true),
        ("0", false),
        ("65536", false),
        ("-1", false),
        ("abc", false),
        ("'0x16'", false),
        ("22.5", false),
    ] {
        let inv = load(&format!(
            "all:\n  hosts:\n    h:\n      ansible_port: {value}\n"
        ));
        match inv.connection(&inv.hosts()[0], None) {
            Ok(_) => assert!(ok, "{value} accepted"),
            Err(InventoryError::Invalid { line, message, .. }) => {
                assert!(!ok, "{value} refused: {message}");
                assert_eq!(line, 4);
                assert!(message.contains("host h: `ansible_port`"), "{message}");
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn children_cycles_are_refused() {
    let (line, m) = invalid("a:\n  children:\n    b:\n      children:\n        a:\n");
    assert_eq!(line, 5);
    assert!(m.contains("cycle: a → b → a"), "{m}");
    let (line, m) = invalid("a:\n  hosts: {h: }\n  children:\n    a:\n");
    assert_eq!(line, 4);
    assert!(m.contains("child of itself"), "{m}");
    let (line, m) =
        invalid("x:\n  children:\n    b:\na:\n  children:\n    x:\nb:\n  children:\n    a:\n");
    assert_eq!(line, 9);
    assert!(m.contains("cycle"), "{m}");
    let (line, m) = invalid("g:\n  children:\n    all:\n");
    assert_eq!(line, 3);
    assert!(m.contains("`all`"), "{m}");
}

#[test]
fn empty_inventory_is_refused() {
    for text in [
        "",
        "# nothing\n",
        "all:\n",
        "all:\n  children:\n    emea:\n      vars: {a: 1}\n",
    ] {
        match parse(text) {
            Err(InventoryError::InvalidNoLine { message, .. }) => {
                assert!(message.contains("no hosts"))
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

#[test]
fn merge_keys_apply() {
    let inv = load(
        "\
all:
  children:
    emea:
      vars: &defaults
        ansible_user: admin
        timeout: 10m
      hosts:
        h1:
          <<: *defaults
          timeout: 1h
",
    );
    assert_eq!(text(&inv, "h1", "timeout").as_deref(), Some("1h"));
    assert_eq!(text(&inv, "h1", "ansible_user").as_deref(), Some("admin"));
    let (line, _) = invalid("all:\n  hosts:\n    h1:\n      <<: 3\n");
    assert_eq!(line, 4);
}

#[test]
fn read_error_names_the_file() {
    let err = Inventory::load(Path::new("/nonexistent/inv.yaml")).unwrap_err();
    assert!(matches!(err, InventoryError::Read { .. }));
    assert!(err.to_string().contains("/nonexistent/inv.yaml"));
}

fn select(inv: &Inventory, limit: Option<&str>) -> Vec<String> {
    names(
        &inv.select(limit)
            .unwrap_or_else(|e| panic!("{limit:?}: {e}")),
    )
}

fn no_match(inv: &Inventory, limit: &str) -> String {
    match inv.select(Some(limit)) {
        Err(InventoryError::NoMatch { pattern, .. }) => pattern,
        other => panic!("{limit}: {other:?}"),
    }
}

#[test]
fn select_everything() {
    let inv = load(FLEET);
    let all = select(&inv, None);
    assert_eq!(all.len(), 5);
    assert_eq!(select(&inv, Some("all")), all);
    assert_eq!(select(&inv, Some("*")), all);
    assert_eq!(select(&inv, Some(" all ")), all);
}

#[test]
fn select_hosts_groups_and_globs() {
    let inv = load(FLEET);
    assert_eq!(select(&inv, Some("jump01")), ["jump01"]);
    assert_eq!(select(&inv, Some("ungrouped")), ["jump01"]);
    // A group includes its children's hosts.
    assert_eq!(
        select(&inv, Some("emea")),
        [
            "esa01.emea.example.com",
            "esa02.emea.example.com",
            "esa03.emea.example.com"
        ]
    );
    assert_eq!(
        select(&inv, Some("amer")),
        ["esa02.emea.example.com", "esa01.amer.example.com"]
    );
    assert_eq!(
        select(&inv, Some("esa01*")),
        ["esa01.emea.example.com", "esa01.amer.example.com"]
    );
    assert_eq!(
        select(&inv, Some("*.amer.example.com")),
        ["esa01.amer.example.com"]
    );
    // A glob matches group names too.
    assert_eq!(select(&inv, Some("emea_*")), ["esa03.emea.example.com"]);
    assert_eq!(
        select(&inv, Some("esa0[13].emea.example.com")),
        ["esa01.emea.example.com", "esa03.emea.example.com"]
    );
    assert_eq!(
        select(&inv, Some("~esa0[12]\\.amer")),
        ["esa01.amer.example.com"]
    );
}

#[test]
fn select_lists_in_file_order_once() {
    let inv = load(FLEET);
    assert_eq!(
        select(
            &inv,
            Some("esa01.amer.example.com, emea_dmz,jump01,emea_dmz,")
        ),
        ["jump01", "esa01.amer.example.com", "esa03.emea.example.com"]
    );
    assert_eq!(
        select(&inv, Some("amer:emea_dmz")),
        [
            "esa02.emea.example.com",
            "esa01.amer.example.com",
            "esa03.emea.example.com"
        ]
    );
}

#[test]
fn select_exclusions_and_intersections() {
    let inv = load(FLEET);
    assert_eq!(
        select(&inv, Some("!emea")),
        ["jump01", "esa01.amer.example.com"]
    );
    assert_eq!(
        select(&inv, Some("emea,!emea_dmz")),
        ["esa01.emea.example.com", "esa02.emea.example.com"]
    );
    // Exclusions apply after every plain term, wherever they are written.
    assert_eq!(
        select(&inv, Some("!emea_dmz,emea")),
        ["esa01.emea.example.com", "esa02.emea.example.com"]
    );
    assert_eq!(select(&inv, Some("emea,&amer")), ["esa02.emea.example.com"]);
    assert_eq!(
        select(&inv, Some("&amer")),
        ["esa02.emea.example.com", "esa01.amer.example.com"]
    );
    assert_eq!(select(&inv, Some("emea:&amer")), ["esa02.emea.example.com"]);
    assert_eq!(
        select(&inv, Some("esa*,!*.amer.example.com,!esa02*")),
        ["esa01.emea.example.com", "esa03.emea.example.com"]
    );
}

#[test]
fn select_errors() {
    let inv = load(FLEET);
    assert_eq!(no_match(&inv, "esa99"), "esa99");
    // As Ansible: a term that matches nothing is a warning; only an
    // empty selection is an error.
    assert_eq!(select(&inv, Some("emea,esa99")).len(), 3);
    assert_eq!(select(&inv, Some("!esa99")).len(), 5);
    assert_eq!(no_match(&inv, "emea,&nope*"), "emea,&nope*");
    // Each term matches, but nothing is left.
    assert_eq!(no_match(&inv, "empty"), "empty");
    assert_eq!(no_match(&inv, "emea,&amer,!esa02*"), "emea,&amer,!esa02*");
    assert_eq!(no_match(&inv, "!all"), "!all");
    // With a comma the term is `~esa[` (without one, Ansible splits at
    // the unclosed `[` and the term is `~esa`).
    assert!(matches!(
        inv.select(Some("~esa[,")),
        Err(InventoryError::InvalidNoLine { .. })
    ));
    assert_eq!(select(&inv, Some("~esa[")), select(&inv, Some("~esa")));
    let err = inv.select(Some("esa99")).unwrap_err().to_string();
    assert!(err.contains("esa99") && err.contains("inv.yaml"), "{err}");
}

/// ansible-core 2.19.14, `ansible all -i INV --list-hosts -l LIMIT`: a
/// limit without a term sets no subset (every host); `&` or `!` alone
/// stops Ansible with an internal error (IndexError); only the first
/// `!`/`&` is an operator; an `@file`'s blank lines select nothing
/// themselves, and a file of only blank lines is every host.
#[test]
fn limits_without_terms_select_as_ansible() {
    let inv = load(FLEET);
    let all = select(&inv, None);
    for limit in ["", ",", " ", " , ", "all,", ":", ",,", "\t"] {
        assert_eq!(select(&inv, Some(limit)), all, "{limit:?}");
    }
    for limit in ["&", "!", "!,", "&,", "emea:&", "emea,!"] {
        let err = inv.select(Some(limit)).unwrap_err().to_string();
        assert!(err.contains("internal error"), "{limit:?}: {err}");
    }
    // `!!emea` excludes hosts named `!emea` (none): every host.
    assert_eq!(select(&inv, Some("!!emea")), all);
    assert_eq!(no_match(&inv, "&!emea"), "&!emea");
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank");
    std::fs::write(&blank, "\n \n\r\n").unwrap();
    let at = |p: &Path| format!("@{}", p.display());
    assert_eq!(select(&inv, Some(&at(&blank))), all);
    let some = dir.path().join("some");
    std::fs::write(&some, "jump01\n\n  esa01.amer.example.com \r").unwrap();
    assert_eq!(
        select(&inv, Some(&at(&some))),
        ["jump01", "esa01.amer.example.com"]
    );
    let bang = dir.path().join("bang");
    std::fs::write(&bang, "jump01\n!\n").unwrap();
    assert!(inv.select(Some(&at(&bang))).is_err());
}

#[test]
fn sources_errors_name_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let bad_list = PathBuf::from("esa01:99999,esa02");
    let err = Inventory::load_sources(&[bad_list], &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("port must be 1–65535"), "{err}");
    let toml = dir.path().join("hosts.toml");
    std::fs::write(&toml, "[all]\n").unwrap();
    let err = Inventory::load(&toml).unwrap_err().to_string();
    assert!(err.contains("hosts.toml") && err.contains("TOML"), "{err}");
    let yaml = dir.path().join("bad.yml");
    std::fs::write(&yaml, "all:\n  hosts: [\n").unwrap();
    let err = Inventory::load(&yaml).unwrap_err().to_string();
    assert!(err.contains("bad.yml:3"), "{err}");
    let plugin = dir.path().join("aws_ec2.yml");
    std::fs::write(&plugin, "plugin: amazon.aws.aws_ec2\n").unwrap();
    let err = Inventory::load(&plugin).unwrap_err().to_string();
    assert!(
        err.contains("aws_ec2.yml:1") && err.contains("amazon.aws.aws_ec2"),
        "{err}"
    );
    // An extensionless file that is not a YAML mapping is INI.
    let ini = dir.path().join("hosts");
    std::fs::write(&ini, "[web]\nw1 ansible_port=2200\n").unwrap();
    let inv = Inventory::load(&ini).unwrap();
    assert_eq!(inv.host("w1").unwrap().port(), 2200);
    let err = Inventory::load(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(err, InventoryError::Read { .. }), "{err}");
    let ok =
        Inventory::load_sources(&[PathBuf::from("h1,h2:2202,")], &LoadOptions::default()).unwrap();
    assert_eq!(ok.host("h2").unwrap().port(), 2202);
    assert_eq!(ok.group("ungrouped").unwrap().hosts, ["h1", "h2"]);
}

/// A host list adds only hosts not yet in the inventory (ansible-core's
/// `host_list`): one an earlier source or entry defined keeps its port
/// and groups, whatever `host:port` the list gives.
#[test]
fn a_host_list_never_changes_a_host_already_defined() {
    let dir = tempfile::tempdir().unwrap();
    let ini = dir.path().join("inv.ini");
    std::fs::write(
        &ini,
        "[web]
esa01 ansible_host=10.0.0.1
",
    )
    .unwrap();
    for (sources, group) in [
        (vec![ini.clone(), PathBuf::from("esa01:2300,")], "web"),
        (vec![PathBuf::from("esa01,esa01:2300,")], "ungrouped"),
        (vec![PathBuf::from("esa01,esa01:99999,")], "ungrouped"),
    ] {
        let inv = Inventory::load_sources(&sources, &LoadOptions::default()).unwrap();
        let host = inv.host("esa01").unwrap();
        assert_eq!(host.port(), 22, "{sources:?}");
        assert_eq!(host.groups, ["all", group], "{sources:?}");
    }
}

#[test]
fn debug_never_shows_a_password() {
    let inv = load(
        "all:\n  hosts:\n    h:\n      ansible_password: hunter2\n      ansible_become_pass: hunter3\n      ansible_user: ops\n",
    );
    let shown = format!("{inv:?}");
    assert!(
        !shown.contains("hunter") && shown.contains("ops"),
        "{shown}"
    );
}

#[test]
fn bad_patterns_are_errors() {
    let inv = load(FLEET);
    // A comma keeps an unclosed `[` in its term (see split_pattern).
    for pattern in ["~esa[,", "emea,!~("] {
        let err = inv.hosts_matching(pattern).unwrap_err().to_string();
        assert!(err.contains("invalid regular expression"), "{err}");
    }
    // fnmatch: braces are themselves, an unclosed `[` is itself.
    for pattern in ["esa0{1}*", "esa0[", "*{*"] {
        let sel = inv.hosts_matching(&format!("{pattern},")).unwrap();
        assert!(
            sel.hosts.is_empty() && sel.unmatched == [pattern],
            "{sel:?}"
        );
    }
    let err = inv
        .select(Some("@/nonexistent/limit"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/limit"), "{err}");
}

#[test]
fn example_inventory_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("inventory/example.yaml");
    let inv = Inventory::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let all = select(&inv, None);
    assert_eq!(
        all,
        [
            "esa01.emea.example.com",
            "esa02.emea.example.com",
            "esa03.emea.example.com",
            "esa04.emea.example.com",
            "esa01.amer.example.com",
            "esa02.amer.example.com"
        ]
    );
    let esa01 = inv.host("esa01.emea.example.com").unwrap();
    assert_eq!(esa01.user().as_deref(), Some("tac-emea"));
    assert_eq!(esa01.port(), 22);
    assert_eq!(esa01.address(), "esa01.emea.example.com");
    assert_eq!(esa01.password_env().as_deref(), Some("SSHFLEET_PASSWORD"));
    assert!(
        esa01
            .private_key_file()
            .unwrap()
            .ends_with(".ssh/sshfleet_ed25519")
    );
    let esa04 = inv.host("esa04.emea.example.com").unwrap();
    assert_eq!(
        (esa04.address().as_str(), esa04.port()),
        ("192.0.2.14", 2222)
    );
    let amer = inv.host("esa02.amer.example.com").unwrap();
    assert_eq!(amer.user().as_deref(), Some("tac-amer"));
    assert_eq!(amer.password_env().as_deref(), Some("AMER_ESA_PASSWORD"));
    assert!(
        amer.private_key_file()
            .unwrap()
            .ends_with(".ssh/esa02_amer")
    );
    assert_eq!(select(&inv, Some("amer")).len(), 2);
    assert_eq!(select(&inv, Some("esa0*,!esa03.emea.example.com")).len(), 5);
}

/// ansible-core 2.19 renders a variable reached through `hostvars[...]`
/// with no `hostvars` of its own: a chain of bastions that each name the
/// one before through `hostvars` fails the host ("'hostvars' is
/// undefined"); the other magic variables are there.
#[test]
fn hostvars_inside_a_variable_reached_through_hostvars_is_undefined() {
    let inv = load(
        "all:\n  hosts:\n    outer: {ansible_host: 203.0.113.10}\n    inner:\n      ansible_host: 10.0.0.10\n      hop: \"{{ hostvars['outer'].ansible_host }}\"\n      name: \"{{ inventory_hostname }}-{{ groups['all'] | length }}\"\n    esa01:\n      ansible_user: \"{{ hostvars['inner'].name }}\"\n      ansible_ssh_common_args: \"-J {{ hostvars['inner'].hop }}\"\n",
    );
    let connection = |host: &str| inv.connection(inv.host(host).unwrap(), None);
    // Directly, `hostvars` is there.
    let inner = inv
        .with_rendered_vars(inv.host("inner").unwrap(), ["hop"], None)
        .unwrap();
    assert_eq!(inner.var_text("hop").as_deref(), Some("203.0.113.10"));
    let err = connection("esa01").unwrap_err().to_string();
    assert!(
        err.contains("host esa01") && err.contains("no `hostvars`"),
        "{err}"
    );
    // Without the nested `hostvars`, the same route renders.
    let inv = load(
        "all:\n  hosts:\n    inner:\n      name: \"{{ inventory_hostname }}-{{ groups['all'] | length }}\"\n    esa01:\n      ansible_user: \"{{ hostvars['inner'].name }}\"\n",
    );
    let conn = inv.connection(inv.host("esa01").unwrap(), None).unwrap();
    assert_eq!(conn.user.as_deref(), Some("inner-2"));
}

/// A key file's `~user` is that user's passwd home, as Python's
/// `os.path.expanduser` (what ansible-core's ssh connection applies);
/// an unknown user leaves the path as written. Compared with ansible-core
/// 2.19 (root's passwd home is `/root`).
#[test]
fn key_file_tilde_user_expands_as_python_expanduser() {
    let rows: &[(&str, &str)] = &[
        ("~root/.ssh/fleet_key", "/root/.ssh/fleet_key"),
        ("~root", "/root"),
        ("~root/", "/root/"),
        ("~no_such_user_zz/k", "~no_such_user_zz/k"),
        ("/etc/k~root", "/etc/k~root"),
        ("k", "k"),
    ];
    for (written, expanded) in rows {
        assert_eq!(
            expand_home(written),
            std::path::PathBuf::from(expanded),
            "{written}"
        );
    }
}
