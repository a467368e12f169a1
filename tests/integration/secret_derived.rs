//! docs/SECURITY.md I4 for values a template computed from a secret, by
//! the shape of the expression: whatever Jinja operation reads the secret
//! (a comparison, a test, `in`, a boolean operator, a filter, a method,
//! arithmetic) or only decides which value is chosen (`a if secret_cond
//! else b`), the field it sets is `***` in `inventory` and in `--json`,
//! even when the value is a boolean or a two-digit port no text mask
//! would find.

use std::process::{Command, Output};

fn sshfleet(args: &[&str], inv: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .args(args)
        .arg(inv)
        .env_remove("SSH_AUTH_SOCK")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Every kind of Jinja operation, and one expression of it over the
/// secrets `db_password` (`Hunter2Pass`) and `db_pin_password` (`4242`).
const SHAPES: &[(&str, &str)] = &[
    ("comparison", "db_password == 'Hunter2Pass'"),
    ("ordering", "db_pin_password | int > 2000"),
    ("test", "db_password is string"),
    ("in", "'Hunter' in db_password"),
    ("boolean operator", "db_password and true"),
    ("not", "not db_password"),
    ("filter", "db_password | length"),
    ("method", "db_password.startswith('H')"),
    ("arithmetic", "db_pin_password | int // 1000"),
    ("subscript", "db_password[0]"),
    (
        "condition",
        "'xy' if db_pin_password | int > 2000 else 'zw'",
    ),
    ("condition in a block", "'a' if db_password else 'b'"),
];

/// The kinds [`SHAPES`] must cover: a new kind needs a row.
const KINDS: [&str; 12] = [
    "comparison",
    "ordering",
    "test",
    "in",
    "boolean operator",
    "not",
    "filter",
    "method",
    "arithmetic",
    "subscript",
    "condition",
    "condition in a block",
];

#[test]
fn a_value_computed_from_a_secret_is_masked_whatever_the_operation() {
    for kind in KINDS {
        assert!(
            SHAPES.iter().any(|(k, _)| *k == kind),
            "no shape for {kind}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from(
        "all:\n  vars:\n    db_password: Hunter2Pass\n    db_pin_password: 4242\n  hosts:\n",
    );
    for (i, (_, expr)) in SHAPES.iter().enumerate() {
        yaml.push_str(&format!(
            "    u{i}:\n      ansible_user: \"{{{{ {expr} }}}}\"\n"
        ));
        yaml.push_str(&format!(
            "    a{i}:\n      ansible_host: \"{{{{ {expr} }}}}\"\n"
        ));
        // A port that depends on the secret: 22 or 23.
        yaml.push_str(&format!(
            "    p{i}:\n      ansible_port: \"{{{{ 22 if ({expr}) else 23 }}}}\"\n"
        ));
    }
    let inv = dir.path().join("inv.yml");
    std::fs::write(&inv, yaml).unwrap();
    let out = sshfleet(&["inventory", "-F", "none", "-i"], &inv);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (i, (kind, _)) in SHAPES.iter().enumerate() {
        let line = |h: String| {
            text.lines()
                .find(|l| l.split('\t').next() == Some(&h))
                .unwrap_or_else(|| panic!("{h} missing: {text}"))
                .split('\t')
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(line(format!("u{i}"))[2], "user=***", "{kind}: {text}");
        assert!(
            line(format!("a{i}"))[1].starts_with("***:"),
            "{kind}: {text}"
        );
        assert!(line(format!("p{i}"))[1].ends_with(":***"), "{kind}: {text}");
    }
    let out = sshfleet(&["inventory", "-F", "none", "--json", "-i"], &inv);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for entry in json.as_array().unwrap() {
        let host = entry["host"].as_str().unwrap();
        let field = match &host[..1] {
            "u" => "user",
            "a" => "address",
            _ => "port",
        };
        assert_eq!(entry[field], "***", "{host}: {entry}");
    }
}
