//! docs/SECURITY.md I4 for errors: an error about inventory or `-e` text
//! that is or may be secret (a vault-decrypted file or value, the value of
//! a secret-named variable) says the file, the line and what is wrong,
//! never the text, whatever its length. Each row plants a short marker
//! (three characters: the run's by-value mask, from four, cannot hide a
//! leak) where the error class would quote it.

use std::path::Path;

use crate::support::sshfleet_cmd;

const VAULT_PASSWORD: &str = "test-vault-password";

/// `plain` as `ansible-vault encrypt` writes it (format 1.1, AES256), with
/// a fixed salt: the test needs a vault, not a fresh one.
pub(crate) fn vault_encrypt(plain: &str, password: &str) -> String {
    use aes::cipher::{KeyIvInit, StreamCipher};
    use hmac::{KeyInit, Mac};
    let salt = [7u8; 32];
    let mut derived = [0u8; 80];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), &salt, 10_000, &mut derived);
    let (key, rest) = derived.split_at(32);
    let (hmac_key, iv) = rest.split_at(32);
    let mut data = plain.as_bytes().to_vec();
    let pad = 16 - data.len() % 16;
    data.extend(std::iter::repeat_n(pad as u8, pad));
    ctr::Ctr128BE::<aes::Aes256>::new_from_slices(key, iv)
        .unwrap()
        .apply_keystream(&mut data);
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(hmac_key).unwrap();
    mac.update(&data);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let body = format!(
        "{}\n{}\n{}",
        hex(&salt),
        hex(&mac.finalize().into_bytes()),
        hex(&data)
    );
    let body = hex(body.as_bytes());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(80)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!("$ANSIBLE_VAULT;1.1;AES256\n{}\n", lines.join("\n"))
}

/// One error class: the files that make it (name, text; a name starting
/// with `vault:` is written vault-encrypted), the `-i` source, extra
/// arguments of `run`, and the marker it must not show.
struct Row {
    class: &'static str,
    files: Vec<(&'static str, String)>,
    source: &'static str,
    run_args: &'static [&'static str],
    marker: &'static str,
}

fn yaml_host(vars: &str) -> String {
    format!("all:\n  hosts:\n    h1:\n{vars}")
}

fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for tag in ["!!int", "!!float", "!!bool", "!!null"] {
        rows.push(Row {
            class: "YAML core tag on a secret-named value",
            files: vec![(
                "inv.yaml",
                yaml_host(&format!("      ansible_password: {tag} \"Zq9\"\n")),
            )],
            source: "inv.yaml",
            run_args: &[],
            marker: "Zq9",
        });
    }
    let more = [
        (
            "YAML timestamp Python cannot build, secret-named",
            vec![(
                "inv.yaml",
                yaml_host("      ansible_password: 2026-02-30\n"),
            )],
            "inv.yaml",
            "2026-02-30",
        ),
        (
            "YAML tag in a secret-named mapping",
            vec![(
                "inv.yaml",
                yaml_host("      db_secret:\n        inner: !!int Zq9\n"),
            )],
            "inv.yaml",
            "Zq9",
        ),
        (
            "JSON integer beyond 64 bits, secret-named",
            vec![(
                "inv.json",
                "{\"all\": {\"hosts\": {\"h1\": {\"api_token\": 918273645546372819123}}}}"
                    .to_string(),
            )],
            "inv.json",
            "918273645546372819123",
        ),
        (
            "INI host line with an unclosed quote",
            vec![("inv.ini", "[g]\nh1 ansible_password=\"Zq9\n".to_string())],
            "inv.ini",
            "Zq9",
        ),
        (
            "INI host line word without `=`",
            vec![("inv.ini", "[g]\nh1 ansible_password=ab Zq9\n".to_string())],
            "inv.ini",
            "Zq9",
        ),
        (
            "INI host variable literal sshfleet does not read, secret-named",
            vec![(
                "inv.ini",
                "[g]\nh1 ansible_password=918273645546372819123\n".to_string(),
            )],
            "inv.ini",
            "918273645546372819123",
        ),
        (
            "INI [vars] line without `=`",
            vec![(
                "inv.ini",
                "[g]\nh1\n[g:vars]\nansible_password: Zq9\n".to_string(),
            )],
            "inv.ini",
            "Zq9",
        ),
        (
            "INI [vars] literal sshfleet does not read, secret-named",
            vec![(
                "inv.ini",
                "[g]\nh1\n[g:vars]\nmy_pass=918273645546372819123\n".to_string(),
            )],
            "inv.ini",
            "918273645546372819123",
        ),
        (
            "INI [children] line that is not a group name",
            vec![(
                "inv.ini",
                "[g]\nh1\n[p:children]\nansible_password:Zq9\n".to_string(),
            )],
            "inv.ini",
            "Zq9",
        ),
        (
            "inventory script: an integer beyond 64 bits",
            vec![(
                "exec:inv.sh",
                "#!/bin/sh\necho '{\"_meta\": {\"hostvars\": {\"h1\": {\"my_pass\": 918273645546372819123}}}, \"all\": {\"hosts\": [\"h1\"]}}'\n"
                    .to_string(),
            )],
            "inv.sh",
            "918273645546372819123",
        ),
        (
            "vault-encrypted host_vars file: a YAML tag on any variable",
            vec![
                ("inv.yaml", "all:\n  hosts:\n    h1:\n".to_string()),
                ("vault:host_vars/h1.yaml", "foo: !!int Zq9\n".to_string()),
            ],
            "inv.yaml",
            "Zq9",
        ),
        (
            "vault-encrypted host_vars file: not a mapping",
            vec![
                ("inv.yaml", "all:\n  hosts:\n    h1:\n".to_string()),
                ("vault:host_vars/h1.yaml", "- Zq9\n".to_string()),
            ],
            "inv.yaml",
            "Zq9",
        ),
        (
            "vault-encrypted YAML inventory: a timestamp",
            vec![("vault:inv.yaml", yaml_host("      motd: 2026-02-31\n"))],
            "inv.yaml",
            "2026-02-31",
        ),
        (
            "vault-encrypted YAML inventory: a bad host pattern",
            vec![(
                "vault:inv.yaml",
                "all:\n  hosts:\n    \"Zq9[c:a]\":\n".to_string(),
            )],
            "inv.yaml",
            "Zq9",
        ),
        (
            "vault-encrypted INI inventory: an unknown section type",
            vec![("vault:inv.ini", "[Zq9:what]\nh1\n".to_string())],
            "inv.ini",
            "Zq9",
        ),
        (
            "vault-encrypted INI inventory: a [vars] section for no group",
            vec![("vault:inv.ini", "[g]\nh1\n[Zq9:vars]\nx=1\n".to_string())],
            "inv.ini",
            "Zq9",
        ),
    ];
    let vault_port: String = vault_encrypt("Zq9", VAULT_PASSWORD)
        .lines()
        .map(|l| format!("        {l}\n"))
        .collect();
    let typed = [
        (
            "typing error of a `!vault` connection value",
            vec![(
                "inv.yaml",
                yaml_host(&format!("      ansible_port: !vault |\n{vault_port}")),
            )],
            "inv.yaml",
            "Zq9",
        ),
        (
            "typing error of a value of a vault-encrypted vars file",
            vec![
                ("inv.yaml", "all:\n  hosts:\n    h1:\n".to_string()),
                ("vault:host_vars/h1.yaml", "ansible_port: Zq9\n".to_string()),
            ],
            "inv.yaml",
            "Zq9",
        ),
        (
            "template error of a secret-named connection value",
            vec![(
                "inv.yaml",
                yaml_host("      ansible_password: \"{{ Zq9 + }}\"\n"),
            )],
            "inv.yaml",
            "Zq9",
        ),
    ];
    for (class, files, source, marker) in more.into_iter().chain(typed) {
        rows.push(Row {
            class,
            files,
            source,
            run_args: &[],
            marker,
        });
    }
    for (class, arg) in [
        ("`-e` as JSON", "{\"db_password\":\"Zq9\"}"),
        ("`-e` as YAML", "db_password: Zq9"),
        ("`-e` secret-named word", "my_tokenZq9"),
    ] {
        rows.push(Row {
            class,
            files: vec![("inv.yaml", yaml_host("      ansible_host: 127.0.0.1\n"))],
            source: "inv.yaml",
            run_args: Box::leak(Box::new(["-e", arg])),
            marker: "Zq9",
        });
    }
    rows
}

fn write_row(dir: &Path, row: &Row) {
    for (name, text) in &row.files {
        let (name, text) = match name.strip_prefix("vault:") {
            Some(name) => (name, vault_encrypt(text, VAULT_PASSWORD)),
            None => (*name, text.clone()),
        };
        let (name, exec) = match name.strip_prefix("exec:") {
            Some(name) => (name, true),
            None => (name, false),
        };
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        if exec {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_error_quotes_a_secret_it_is_about() {
    let mut failures = Vec::new();
    for (n, row) in rows().iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        write_row(dir.path(), row);
        let pass = dir.path().join("vault-pass");
        std::fs::write(&pass, VAULT_PASSWORD).unwrap();
        let source = dir.path().join(row.source).display().to_string();
        let common = [
            "-i".to_string(),
            source,
            "--vault-password-file".to_string(),
            pass.display().to_string(),
            "-F".to_string(),
            "none".to_string(),
        ];
        let mut commands = vec![];
        if row.run_args.is_empty() {
            commands.push([&["inventory".to_string()][..], &common].concat());
        }
        let run = ["run", "esa-ecupdate", "--check", "--no-progress"];
        commands.push(
            [
                &run.map(String::from)[..],
                &common,
                &row.run_args
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
            ]
            .concat(),
        );
        for args in commands {
            let out = sshfleet_cmd(&args, &[]).await;
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            // The error happened (exit 5, naming the file or the -e), and
            // quotes nothing of the secret.
            let named = text.contains(&dir.path().display().to_string()) || text.contains("-e ");
            if out.status.code() != Some(5) || !named || text.contains(row.marker) {
                failures.push(format!("row {n} ({}), {}:\n{text}", row.class, args[0]));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// How an error of `src/inventory` that quotes a value (`{x}` between
/// backticks) keeps secrets out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quotes {
    /// A host, group, variable, section, pattern, plugin, filter, lookup
    /// or vault-label name, or the inventory script's path: never a value
    /// (names are not secret; a vault-encrypted file's are masked as
    /// `Masked` says).
    Name,
    /// Source text that may be a value. Its caller quotes none of it when
    /// the value is secret: a secret-named key's value in YAML
    /// (`yaml11::Reader::mapping`), INI (`ini::masked_if_secret`) or a
    /// connection variable, a `!vault` value, a vault-encrypted file's
    /// value (`connection::Reader::shown`), and anything of a
    /// vault-encrypted file (`InventoryError::of_secret_text`).
    Masked,
    /// A value met while rendering Jinja: its error reaches the user as
    /// `cannot render` a variable, masked when that variable is secret
    /// (`Reader::unrenderable`, `with_rendered_vars`); a value derived from
    /// a secret into another variable is tainted, and withheld wherever it
    /// is quoted, whatever its length (`support::taint`, applied by the
    /// console's escapers: `no_message_or_field_shows_a_value_derived_from_a_secret`).
    Rendered,
    /// sshfleet's own text: a YAML tag, an operator, a type.
    Own,
}

/// Every (file, quoted interpolation) of `src/inventory` outside tests:
/// a new error that quotes something fails
/// `every_inventory_error_that_quotes_text_is_classified` until it has a row.
const QUOTING_ERRORS: &[(&str, &str, Quotes)] = &[
    ("connection.rs", "", Quotes::Masked),
    ("connection.rs", "SSH_TYPE", Quotes::Own),
    ("connection.rs", "address", Quotes::Masked),
    ("connection.rs", "name", Quotes::Name),
    ("connection.rs", "shown", Quotes::Masked),
    ("connection.rs", "var", Quotes::Name),
    // The characters of a `--limit`/`--pattern` term's class: the command line's.
    ("fnmatch.rs", "hi", Quotes::Name),
    ("fnmatch.rs", "lo", Quotes::Name),
    ("facts.rs", "name", Quotes::Name),
    ("filters.rs", "", Quotes::Rendered),
    ("filters.rs", "a", Quotes::Rendered),
    ("filters.rs", "name", Quotes::Name),
    ("filters.rs", "pattern", Quotes::Rendered),
    ("filters.rs", "template", Quotes::Rendered),
    ("filters.rs", "v", Quotes::Rendered),
    // `\u{feff}` in a test case of ini.rs, read as a hole.
    ("ini.rs", "feff", Quotes::Own),
    ("ini.rs", "host", Quotes::Name),
    ("ini.rs", "line", Quotes::Name),
    ("ini.rs", "name", Quotes::Name),
    ("ini.rs", "other", Quotes::Name),
    ("ini.rs", "pattern", Quotes::Name),
    // The non-finite word (`NaN`) and the JSON key it is the value of.
    ("json_data.rs", "", Quotes::Own),
    ("json_data.rs", "k", Quotes::Name),
    ("jinja.rs", "", Quotes::Rendered),
    ("jinja.rs", "name", Quotes::Name),
    ("jinja.rs", "other", Quotes::Name),
    ("list.rs", "", Quotes::Own),
    // A lookup's term and option values are rendered template values.
    ("lookups.rs", "", Quotes::Rendered),
    ("lookups.rs", "key", Quotes::Name),
    ("lookups.rs", "name", Quotes::Rendered),
    ("lookups.rs", "text", Quotes::Rendered),
    ("list.rs", "f", Quotes::Masked),
    ("list.rs", "k", Quotes::Name),
    ("magic.rs", "name", Quotes::Name),
    ("mod.rs", "kind", Quotes::Masked),
    ("mod.rs", "pattern", Quotes::Name),
    ("model.rs", "", Quotes::Name),
    // Group names reconcile takes a host out of.
    ("model.rs", "g", Quotes::Name),
    // A filter or method argument met while rendering.
    ("pyargs.rs", "", Quotes::Rendered),
    ("pyliteral.rs", "text", Quotes::Masked),
    ("pynum.rs", "s", Quotes::Rendered),
    ("pyops.rs", "op", Quotes::Own),
    ("pyre.rs", "m", Quotes::Own),
    ("pyre.rs", "pattern", Quotes::Rendered),
    ("rewrite.rs", "name", Quotes::Name),
    ("script.rs", "", Quotes::Name),
    // A binfmt_misc entry's name, the kernel's table.
    ("script.rs", "entry", Quotes::Name),
    // A place in a script's output: group and host names.
    ("script_shape.rs", "place", Quotes::Name),
    ("select.rs", "", Quotes::Name),
    // A host range's bounds: part of a host name.
    ("ranges.rs", "step", Quotes::Name),
    ("ranges.rs", "t", Quotes::Name),
    ("ranges.rs", "text", Quotes::Name),
    ("select.rs", "name", Quotes::Name),
    ("select.rs", "term", Quotes::Name),
    ("sources.rs", "entry", Quotes::Name),
    ("template.rs", "", Quotes::Rendered),
    ("template/groups.rs", "name", Quotes::Name),
    ("template/hostvars.rs", "asked", Quotes::Name),
    ("template/hostvars.rs", "name", Quotes::Name),
    ("template.rs", "name", Quotes::Name),
    ("template.rs", "other", Quotes::Name),
    // A template's output that reads as a value: rendered text, which a
    // template that read a secret never quotes (I4).
    ("template.rs", "out", Quotes::Rendered),
    ("timestamp.rs", "key", Quotes::Name),
    ("timestamp.rs", "text", Quotes::Masked),
    ("vars.rs", "key", Quotes::Name),
    ("vault.rs", "label", Quotes::Name),
    ("yaml.rs", "key", Quotes::Name),
    ("yaml.rs", "name", Quotes::Name),
    ("yaml.rs", "pattern", Quotes::Name),
    ("yaml_reader.rs", "name", Quotes::Name),
    ("yaml11.rs", "", Quotes::Own),
    ("yaml11.rs", "name", Quotes::Name),
    ("yaml11.rs", "suffix", Quotes::Own),
    ("yaml11.rs", "text", Quotes::Masked),
];

/// The (file, interpolation) pairs quoted between backticks in the
/// non-test code of `src/inventory`.
fn quoting_sites() -> std::collections::BTreeSet<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/inventory");
    let spans = regex::Regex::new(r"`([^`\n]*)`").unwrap();
    let holes = regex::Regex::new(r"\{([A-Za-z_][A-Za-z0-9_]*)?(?::[^}]*)?\}").unwrap();
    let mut sites = std::collections::BTreeSet::new();
    // Files of `src/inventory` and of its folders (`template/groups.rs`).
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    let mut dirs = vec![dir.clone()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let name = path
            .strip_prefix(&dir)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        if !name.ends_with(".rs") || name.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for span in spans.captures_iter(line) {
                let span = span[1].replace("{{", "").replace("}}", "");
                for hole in holes.captures_iter(&span) {
                    let ident = hole.get(1).map_or("", |m| m.as_str());
                    sites.insert((name.clone(), ident.to_string()));
                }
            }
        }
    }
    sites
}

#[test]
fn every_inventory_error_that_quotes_text_is_classified() {
    let table: std::collections::BTreeSet<(String, String)> = QUOTING_ERRORS
        .iter()
        .map(|(file, ident, _)| (file.to_string(), ident.to_string()))
        .collect();
    let sites = quoting_sites();
    let missing: Vec<_> = sites.difference(&table).collect();
    let stale: Vec<_> = table.difference(&sites).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "quoted in src/inventory but not in QUOTING_ERRORS (classify it: can it be a secret?): \
         {missing:?}; in the table but no longer quoted: {stale:?}"
    );
}

/// One way a value derived from a secret reaches a message or a field:
/// the files, the subcommand and its extra arguments, the environment,
/// the derived value (three characters or fewer: the by-value mask cannot
/// hide it) and the exit code.
struct Derived {
    class: &'static str,
    files: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    marker: &'static str,
    exit: i32,
    /// What is shown instead.
    said: &'static str,
}

const DERIVED: &[Derived] = &[
    Derived {
        class: "port rendered from a short password",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      ansible_password: abc\n      ansible_port: \"{{ ansible_password }}\"\n",
        )],
        args: &["inventory", "-i", "inv.yaml"],
        env: &[],
        marker: "abc",
        exit: 5,
        said: "withheld",
    },
    Derived {
        class: "port rendered from a three-character slice of a long secret",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      my_password: Sup3rSecretXyzAbcdef\n      ansible_port: \"{{ my_password[0:3] }}\"\n",
        )],
        args: &["inventory", "-i", "inv.yaml"],
        env: &[],
        marker: "Sup",
        exit: 5,
        said: "withheld",
    },
    Derived {
        class: "port rendered from a `!vault` value",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      vault_u: VAULT(xyz)\n      ansible_port: \"{{ vault_u }}\"\n",
        )],
        args: &["inventory", "-i", "inv.yaml"],
        env: &[],
        marker: "xyz",
        exit: 5,
        said: "withheld",
    },
    Derived {
        class: "port rendered from `lookup('env')` of the password sshfleet_password_env names",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      sshfleet_password_env: ESA_PW\n    h3:\n      ansible_port: \"{{ lookup('env', 'ESA_PW')[0:3] }}\"\n",
        )],
        args: &["inventory", "--json", "-i", "inv.yaml"],
        env: &[("ESA_PW", "Hunter2xyz")],
        marker: "Hun",
        exit: 5,
        said: "withheld",
    },
    Derived {
        class: "user with a metacharacter rendered from a secret-named value",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      db_password: \"a;b\"\n      ansible_user: \"{{ db_password }}\"\n",
        )],
        args: &["inventory", "-i", "inv.yaml"],
        env: &[],
        marker: "a;b",
        exit: 5,
        said: "withheld",
    },
    Derived {
        class: "address rendered from a secret-named value",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      db_password: \"a b\"\n      ansible_host: \"{{ db_password }}\"\n",
        )],
        args: &["inventory", "--json", "-i", "inv.yaml"],
        env: &[],
        marker: "a b",
        exit: 5,
        said: "withheld",
    },
    Derived {
        class: "connection type rendered from a secret-named value",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      db_password: zq7\n      ansible_connection: \"{{ db_password }}\"\n",
        )],
        args: &["inventory", "--json", "-i", "inv.yaml"],
        env: &[],
        marker: "zq7",
        exit: 5,
        said: "withheld",
    },
    Derived {
        class: "connection type rendered from a secret-named value, a field of `inventory`",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      db_password: zq7\n      ansible_connection: \"{{ db_password }}\"\n",
        )],
        args: &["inventory", "-i", "inv.yaml"],
        env: &[],
        marker: "zq7",
        exit: 0,
        said: "connection=***",
    },
    Derived {
        class: "connection type rendered from a secret-named value, listed by `run`",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      db_password: zq7\n      ansible_connection: \"{{ db_password }}\"\n",
        )],
        args: &[
            "run",
            "esa-ecupdate",
            "--check",
            "--no-progress",
            "-i",
            "inv.yaml",
        ],
        env: &[],
        marker: "zq7",
        exit: 5,
        said: "***",
    },
    Derived {
        class: "key file rendered from a secret-named value, a field of `--json`",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      db_password: zq7\n      ansible_ssh_private_key_file: \"{{ db_password }}\"\n",
        )],
        args: &["inventory", "--json", "-i", "inv.yaml"],
        env: &[],
        marker: "zq7",
        exit: 0,
        said: "\"***\"",
    },
    Derived {
        class: "ssh argument value rendered from a short password",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      ansible_password: abc\n      ansible_ssh_common_args: \"-p {{ ansible_password }}\"\n",
        )],
        args: &["inventory", "-i", "inv.yaml"],
        env: &[],
        marker: "abc",
        exit: 5,
        said: "withheld",
    },
    Derived {
        class: "ssh keyword rendered from a slice, quoted unquoted by ssh's parser",
        files: &[(
            "inv.yaml",
            "all:\n  hosts:\n    h1:\n      my_password: Sup3rSecretXyzAbcdef\n      ansible_ssh_common_args: \"-o {{ my_password[0:3] }}\"\n",
        )],
        args: &["inventory", "-i", "inv.yaml"],
        env: &[],
        marker: "Sup",
        exit: 5,
        said: "withheld",
    },
    Derived {
        class: "playbook variable typed from a secret, in the second inventory",
        files: &[
            (
                "sim.yaml",
                "all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n",
            ),
            (
                "pv.yaml",
                "all:\n  vars:\n    db_password: zq7\n    update_timeout: \"{{ db_password }}\"\n",
            ),
        ],
        args: &[
            "run",
            "esa-ecupdate",
            "--check",
            "--no-progress",
            "-i",
            "sim.yaml",
            "-i",
            "pv.yaml",
        ],
        env: &[],
        marker: "zq7",
        exit: 5,
        said: "withheld",
    },
];

/// docs/SECURITY.md I4: a value computed from a secret is never quoted,
/// whatever its length, whichever error or field would show it; the
/// message says it is withheld and names where the value was set.
#[tokio::test(flavor = "multi_thread")]
async fn no_message_or_field_shows_a_value_derived_from_a_secret() {
    let mut failures = Vec::new();
    for row in DERIVED {
        let dir = tempfile::tempdir().unwrap();
        let vault: String = vault_encrypt("xyz", VAULT_PASSWORD)
            .lines()
            .map(|l| format!("        {l}\n"))
            .collect();
        for (name, text) in row.files {
            let text = text.replace("VAULT(xyz)", &format!("!vault |\n{vault}"));
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let pass = dir.path().join("vault-pass");
        std::fs::write(&pass, VAULT_PASSWORD).unwrap();
        let mut args: Vec<String> = row
            .args
            .iter()
            .map(|a| match row.files.iter().find(|(f, _)| f == a) {
                Some(_) => dir.path().join(a).display().to_string(),
                None => a.to_string(),
            })
            .collect();
        args.extend(["-F".to_string(), "none".to_string()]);
        args.extend([
            "--vault-password-file".to_string(),
            pass.display().to_string(),
        ]);
        let out = sshfleet_cmd(&args, row.env).await;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let said = text.contains(row.said);
        // Where the value was set: the file that holds it.
        let file = dir.path().join(row.files.last().unwrap().0);
        let named = row.exit == 0 || text.contains(&file.display().to_string());
        if out.status.code() != Some(row.exit) || text.contains(row.marker) || !said || !named {
            failures.push(format!("{}:\n{text}", row.class));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A `-e` value refused (`command_timeout=Zq9` is no duration) that
/// equals a short secret of the inventory: the `-e` check runs after the
/// inventory's secrets are known, so the value is withheld, not quoted.
#[tokio::test(flavor = "multi_thread")]
async fn an_extra_var_equal_to_a_short_inventory_secret_is_not_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.yaml");
    std::fs::write(
        &inv,
        "all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      my_token: Zq9\n",
    )
    .unwrap();
    let args: Vec<String> = [
        "run",
        "esa-ecupdate",
        "-i",
        inv.to_str().unwrap(),
        "-F",
        "none",
        "-e",
        "command_timeout=Zq9",
        "--lock",
        dir.path().join("lock").to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    let out = sshfleet_cmd(&args, &[]).await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("command_timeout"), "{text}");
    assert!(!text.contains("Zq9"), "{text}");
}
