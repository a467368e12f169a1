//! `cargo test` reuses what `cargo build` compiled: every crate both builds
//! share resolves with the same features. A dev-dependency that turns on a
//! feature the product's build does not (tokio's test-util, serde_json's
//! float_roundtrip, ...) would otherwise make the first `cargo test` after
//! `cargo build` recompile that crate and everything above it. The pins
//! live in Cargo.toml; this test names whatever they miss.

use std::collections::BTreeMap;
use std::process::Command;

/// `name version` -> the set of feature lists cargo resolves for it (a crate
/// built for the host and for the target may appear twice).
fn resolved(args: &[&str]) -> BTreeMap<String, Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--frozen", "--prefix", "none", "-f", "{p} {f}"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut crates: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let line = line.trim_end_matches(" (*)");
        let mut words = line.split(' ');
        let (Some(name), Some(version)) = (words.next(), words.next()) else {
            continue;
        };
        // `{p}` of a path crate ends with its directory in parentheses.
        let features = line
            .rsplit(' ')
            .next()
            .filter(|f| !f.starts_with('v') && !f.ends_with(')'))
            .unwrap_or("")
            .to_string();
        let entry = crates.entry(format!("{name} {version}")).or_default();
        if !entry.contains(&features) {
            entry.push(features);
            entry.sort();
        }
    }
    crates
}

#[test]
fn tests_resolve_shared_crates_with_the_build_features() {
    // What `cargo build` (and `cargo run -- demo`) compiles.
    let build = resolved(&["-p", "sshfleet", "-e", "no-dev"]);
    // What `cargo test --workspace` compiles.
    let test = resolved(&["--workspace"]);
    assert!(build.len() > 100, "{build:?}");
    let differ: Vec<String> = build
        .iter()
        .filter_map(|(name, features)| {
            let in_test = test.get(name)?;
            (in_test != features).then(|| format!("{name}: build {features:?}, test {in_test:?}"))
        })
        .collect();
    assert!(
        differ.is_empty(),
        "the test build would recompile these (pin the missing features in \
         Cargo.toml's [dependencies] of sshfleet or [workspace.dependencies]):\n{}",
        differ.join("\n")
    );
}
