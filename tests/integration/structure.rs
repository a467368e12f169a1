//! The house rules of docs/ARCHITECTURE.md that a reader can check by
//! counting: `src/` holds only the entry points and folders, no source
//! file is over 800 lines outside its tests, no function over 120 lines,
//! the simulator crate neither parses command lines, prints messages nor
//! handles signals, and every process sshfleet starts is started where
//! it is bounded and ended (docs/SECURITY.md, I6).
//! A change that breaks one fails here, naming the file and the function.

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 120;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The product's and the simulator's library sources: not tests, not
/// benches, and not the unit-test modules kept in files of their own
/// (`#[cfg(test)] mod tests;` in the file that declares them).
fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    for krate in std::fs::read_dir(root().join("crates")).unwrap() {
        rust_files(&krate.unwrap().path().join("src"), &mut files);
    }
    let tests = test_modules(&files);
    files.retain(|f| !tests.contains(f));
    files.sort();
    files
}

/// The files declared as `#[cfg(test)] mod NAME;` (or under a
/// `#[cfg(test)]` with other attributes between), resolved as rustc
/// resolves them: `NAME.rs` beside a `mod.rs`/`lib.rs`, else in the
/// declaring file's own folder.
fn test_modules(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[cfg(test)]" {
                continue;
            }
            let Some(decl) = lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.starts_with("#["))
            else {
                continue;
            };
            let Some(name) = ["pub(super) ", "pub(crate) ", "pub ", ""]
                .iter()
                .find_map(|vis| decl.strip_prefix(vis)?.strip_prefix("mod "))
                .and_then(|rest| rest.strip_suffix(';'))
            else {
                continue;
            };
            let stem = file.file_stem().unwrap().to_string_lossy();
            let dir = file.parent().unwrap();
            let dir = if ["mod", "lib", "main"].contains(&stem.as_ref()) {
                dir.to_path_buf()
            } else {
                dir.join(stem.as_ref())
            };
            found.push(dir.join(format!("{name}.rs")));
            found.push(dir.join(name).join("mod.rs"));
        }
    }
    found
}

/// The lines of `text` before its unit tests (`#[cfg(test)]` or
/// `#[cfg(all(test, ...))]` at the top level: rustfmt puts the test module
/// last).
fn code_lines(text: &str) -> Vec<&str> {
    text.lines()
        .take_while(|l| !l.starts_with("#[cfg(test)]") && !l.starts_with("#[cfg(all(test,"))
        .collect()
}

/// Each function's name and length in lines: from its `fn` line to the
/// closing brace at the same indentation (rustfmt's layout).
fn functions<'a>(lines: &[&'a str]) -> Vec<(&'a str, usize)> {
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let after_qualifiers = trimmed
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("pub ")
            .trim_start_matches("const ")
            .trim_start_matches("async ")
            .trim_start_matches("unsafe ");
        let Some(rest) = after_qualifiers.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') {
            continue; // a trait method without a body
        }
        let name = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        let close = format!("{indent}}}");
        if let Some(len) = lines[i..].iter().position(|l| *l == close) {
            found.push((name, len + 1));
        }
    }
    found
}

#[test]
fn src_holds_only_the_entry_points_and_folders() {
    let mut loose: Vec<String> = std::fs::read_dir(root().join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|name| !["main.rs", "lib.rs", "error.rs", "exit.rs"].contains(&name.as_str()))
        .collect();
    loose.sort();
    assert!(loose.is_empty(), "files directly in src/: {loose:?}");
}

#[test]
fn no_source_file_is_over_800_lines_outside_its_tests() {
    let long: Vec<String> = sources()
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let n = code_lines(&text).len();
            (n > MAX_FILE_LINES).then(|| format!("{}: {n} lines", path.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_FILE_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn no_function_is_over_120_lines_outside_tests() {
    let long: Vec<String> = sources()
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            functions(&code_lines(&text))
                .into_iter()
                .filter(|(_, n)| *n > MAX_FN_LINES)
                .map(|(name, n)| format!("{}: fn {name}: {n} lines", path.display()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_function_counter_sees_a_long_function_and_skips_signatures() {
    let body = "    x();\n".repeat(130);
    let text = format!(
        "fn short() {{\n}}\n\ntrait T {{\n    fn sig(&self);\n}}\n\npub(crate) async fn long() {{\n{body}}}\n"
    );
    let lines = code_lines(&text);
    let found = functions(&lines);
    assert_eq!(found, [("short", 2), ("long", 132)]);
}

/// What the simulator's library must never name: a command-line parser
/// (its types would double as the product's flags), messages to the
/// terminal, signal handlers, exiting the process. Those are the product's
/// (`cli/`, `console/`). (`sim --stdio` speaks its session over stdin and
/// stdout: that is its transport, not a message.)
const SIM_FORBIDDEN: &[&str] = &[
    "clap",
    "print!",
    "println!",
    "eprint!",
    "eprintln!",
    "dbg!",
    "tokio::signal",
    "signal_hook",
    "libc::signal",
    "process::exit",
];

#[test]
fn the_simulator_has_no_flags_no_messages_and_no_signal_handlers() {
    let manifest = std::fs::read_to_string(root().join("crates/sshfleet-sim/Cargo.toml")).unwrap();
    let parsers: Vec<&str> = manifest
        .lines()
        .filter(|l| l.trim_start().starts_with("clap"))
        .collect();
    assert!(parsers.is_empty(), "the simulator depends on {parsers:?}");
    let sim = root().join("crates/sshfleet-sim/src");
    let mut found = Vec::new();
    for path in sources().iter().filter(|p| p.starts_with(&sim)) {
        let text = std::fs::read_to_string(path).unwrap();
        for (i, line) in code_lines(&text).iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in SIM_FORBIDDEN.iter().filter(|w| code.contains(**w)) {
                found.push(format!("{}:{}: {word}", path.display(), i + 1));
            }
        }
    }
    assert!(found.is_empty(), "in the simulator:\n{}", found.join("\n"));
}

/// Every place sshfleet starts a process, and what bounds it there
/// (docs/SECURITY.md, I6): inventory scripts and `Match exec` through
/// `run_bounded`, a `ProxyCommand` in its own group, in the registry of
/// live groups. `KnownHostsCommand` and vault password scripts are
/// refused, not run.
const SPAWN_SITES: &[(&str, &str)] = &[
    ("src/inventory/script.rs", "support::child::run_bounded("),
    ("src/ssh/config/parse.rs", "support::child::run_bounded("),
    (
        "src/ssh/transport/proxy.rs",
        "support::child::LiveGroup::new(",
    ),
];

#[test]
fn every_process_is_started_where_it_is_bounded() {
    let mut unlisted = Vec::new();
    let mut starting = std::collections::BTreeSet::new();
    for path in sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        let code: Vec<&str> = code_lines(&text)
            .into_iter()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect();
        if !code.iter().any(|l| l.contains("Command::new(")) {
            continue;
        }
        let rel = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        match SPAWN_SITES.iter().find(|(file, _)| *file == rel) {
            Some((_, guard)) => {
                assert!(
                    code.iter().any(|l| l.contains(guard)),
                    "{rel} starts a process without {guard}"
                );
                starting.insert(rel);
            }
            None => unlisted.push(rel),
        }
    }
    assert!(
        unlisted.is_empty(),
        "processes started outside the bounded paths: {unlisted:?}"
    );
    let listed: std::collections::BTreeSet<String> =
        SPAWN_SITES.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(starting, listed, "a listed site starts no process any more");
}
