//! The house rules of docs/ARCHITECTURE.md that a reader can check by
//! counting: `src/` holds only the entry points and folders, no source
//! file is over 800 lines outside its tests, no function over 120 lines,
//! the simulator crate neither parses command lines, prints messages nor
//! handles signals, and every process sshfleet starts is started where
//! it is bounded and ended (docs/SECURITY.md, I6). Also the one boundary
//! of docs/SECURITY.md I2: only `src/console/` escapes text.
//! A change that breaks one fails here, naming the file and the function.

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 120;

pub(crate) fn root() -> PathBuf {
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

/// The escaping functions of `src/support/sanitize.rs`: text for a
/// terminal (or a log viewer) is escaped with these and nowhere else.
const ESCAPERS: [&str; 4] = [
    "escape_for_terminal",
    "escape_keeping_lines",
    "escape_json_text",
    "sanitize::escape",
];

/// The files outside `src/console/` that escape text, each with why it is
/// not a terminal's: a new caller must be added here with its reason, and
/// an entry whose file no longer escapes fails too.
const ESCAPING_OUTSIDE_THE_CONSOLE: [(&str, &str); 3] = [
    (
        "src/report/html.rs",
        "an HTML page: its texts show controls as `report show` does, then HTML-escaped",
    ),
    (
        "src/session/transcript.rs",
        "a transcript is read with cat and less: the terminal's escaper, as the console prints",
    ),
    (
        "src/support/secrets.rs",
        "the form a secret takes once escaped, to mask it there too: matched, never printed",
    ),
];

/// Whether `line` names one of [`ESCAPERS`], also as `sanitize::{escape}`
/// or `sanitize::{self, escape as e}` in a `use`, or anything of
/// `support::escape` (escaping without the masks: `sanitize` is its user).
fn names_an_escaper(line: &str) -> bool {
    if ESCAPERS.iter().any(|f| line.contains(f))
        || ["support::escape::", "super::escape::"]
            .iter()
            .any(|m| line.contains(m))
    {
        return true;
    }
    let Some(at) = line.find("sanitize::") else {
        return false;
    };
    line[at..]
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word == "escape")
}

/// Each line of `text` (with its index) outside a `#[cfg(test)]` item: a
/// test module, function or `use`, wherever it sits in the file.
pub(crate) fn outside_test_items(text: &str) -> Vec<(usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim() != "#[cfg(test)]" && !line.trim().starts_with("#[cfg(all(test,") {
            kept.push((i, line));
            i += 1;
            continue;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        // The item under the attribute (other attributes between).
        let mut item = i + 1;
        while item < lines.len() && lines[item].trim().starts_with("#[") {
            item += 1;
        }
        let end = if lines.get(item).is_some_and(|l| l.trim_end().ends_with('{')) {
            let close = format!("{indent}}}");
            lines[item..]
                .iter()
                .position(|l| *l == close)
                .map_or(lines.len(), |n| item + n)
        } else {
            item
        };
        i = end + 1;
    }
    kept
}

/// Files of `src/` that are not test code: not a `#[cfg(test)]` module in
/// a file of its own, nor under a test module's folder (`src/properties/`).
pub(crate) fn product_sources() -> Vec<PathBuf> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let tests = test_modules(&files);
    let test_dirs: Vec<&Path> = tests
        .iter()
        .filter(|t| t.ends_with("mod.rs"))
        .filter_map(|t| t.parent())
        .collect();
    files.retain(|f| !tests.contains(f) && !test_dirs.iter().any(|d| f.starts_with(d)));
    files.sort();
    files
}

/// docs/SECURITY.md I2: every byte from outside is escaped at one
/// boundary, the console. The rest of the program keeps text true (an
/// error, a report's field, an observer's event) and never escapes it.
#[test]
fn only_the_console_escapes_text_for_a_terminal() {
    let root = root();
    let mut outside = Vec::new();
    let mut escaping_files = Vec::new();
    for path in product_sources() {
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if relative.starts_with("src/console/")
            || relative == "src/support/sanitize.rs"
            || relative == "src/support/escape.rs"
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let hits: Vec<String> = outside_test_items(&text)
            .into_iter()
            .filter(|(_, line)| names_an_escaper(line))
            .map(|(i, line)| format!("{relative}:{}: {}", i + 1, line.trim()))
            .collect();
        if hits.is_empty() {
            continue;
        }
        escaping_files.push(relative.clone());
        if !ESCAPING_OUTSIDE_THE_CONSOLE
            .iter()
            .any(|(file, _)| *file == relative)
        {
            outside.extend(hits);
        }
    }
    assert!(
        outside.is_empty(),
        "text escaped outside src/console/ (keep it raw; the console escapes what it prints):\n{}",
        outside.join("\n")
    );
    let stale: Vec<&str> = ESCAPING_OUTSIDE_THE_CONSOLE
        .iter()
        .map(|(file, _)| *file)
        .filter(|file| !escaping_files.iter().any(|f| f == file))
        .collect();
    assert!(stale.is_empty(), "listed but no longer escaping: {stale:?}");
}

#[test]
fn test_items_are_skipped_wherever_they_sit() {
    let text = "use a;\n#[cfg(test)]\nmod properties;\nfn main() {\n    sanitize::escape(x);\n}\nimpl T {\n    #[cfg(test)]\n    #[allow(dead_code)]\n    fn helper() {\n        escape_for_terminal(x);\n    }\n    fn kept() {}\n}\n#[cfg(test)]\nmod tests {\n    use super::sanitize::escape;\n}\n";
    let kept: Vec<&str> = outside_test_items(text)
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(
        kept,
        [
            "use a;",
            "fn main() {",
            "    sanitize::escape(x);",
            "}",
            "impl T {",
            "    fn kept() {}",
            "}"
        ]
    );
}

#[test]
fn the_escaper_finder_sees_every_spelling() {
    for line in [
        "let t = crate::support::sanitize::escape(x);",
        "use crate::support::sanitize::{Utf8Chunks, escape};",
        "use crate::support::sanitize::{self, escape as e};",
        "say!(\"{}\", escape_json_text(&t));",
        "let t = super::sanitize::escape_keeping_lines(x);",
        "let t = escape_for_terminal(x);",
        "let t = crate::support::escape::unmasked(x);",
        "use crate::support::escape::escape_but;",
    ] {
        assert!(names_an_escaper(line), "{line}");
    }
    for line in [
        "let mut r = crate::support::sanitize::Utf8Chunks::default();",
        "|| crate::support::sanitize::BIDI_AND_SEPARATORS.contains(&c)",
        "secret.escape_debug().to_string(),",
        "quick_xml::escape::resolve_predefined_entity(&name)",
    ] {
        assert!(!names_an_escaper(line), "{line}");
    }
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
pub(crate) const SPAWN_SITES: &[(&str, &str)] = &[
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

/// docs/SECURITY.md I6: every child starts as its reference starts it,
/// set in one place, `support::child::start_as` (signals, signal mask,
/// descriptors): every spawn site calls it, and nothing else in `src/`
/// sets a child's start state (`pre_exec`) or runs code in a child.
#[test]
fn every_spawn_site_starts_its_child_through_start_as() {
    for (site, _) in SPAWN_SITES {
        let text = std::fs::read_to_string(root().join(site)).unwrap();
        let code: String = code_lines(&text)
            .into_iter()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            code.contains("support::child::start_as("),
            "{site} starts a child without support::child::start_as"
        );
    }
    let child = root().join("src/support/child.rs");
    let mut found = Vec::new();
    for path in sources().into_iter().filter(|p| *p != child) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in code_lines(&text).iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("pre_exec") || code.contains("posix_spawn") {
                found.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a child's start set outside support::child::start_as: {found:?}"
    );
}

/// Calls that open or read a file by its path, or walk a directory.
const FILE_READS: [&str; 9] = [
    "File::open(",
    "fs::read(",
    "fs::read_to_string(",
    "read_to_string(",
    "OpenOptions",
    "fs::read_dir(",
    "load_secret_key(",
    "load_public_key(",
    "load_openssh_certificate(",
];

/// docs/SECURITY.md I3: every input file is read through one bounded
/// reader, `src/support/bounds.rs` (opened without blocking, `fstat`ed,
/// only a regular file, at most `SSHFLEET_MAX_INPUT_BYTES`). These are the
/// only other places that open a file or walk a directory, and why.
const FILE_READS_ELSEWHERE: [(&str, &str); 8] = [
    (
        "src/support/child.rs",
        "the kernel's list of sshfleet's own children (/proc/self/task/*/children, /proc/PID/stat), read when sshfleet ends them: not an input",
    ),
    (
        "src/support/lock.rs",
        "the run lock: opened read-write with O_NOFOLLOW (never blocks on a FIFO), checked as an owned regular file, holds only a pid",
    ),
    (
        "src/ssh/known_hosts.rs",
        "appending a key accepted under accept-new to a known_hosts file already read through support::bounds",
    ),
    (
        "src/ssh/config/include_glob.rs",
        "an Include pattern's directory walk, names only (as OpenSSH's glob(3) lists them); each file matched is read through support::bounds",
    ),
    (
        "src/inventory/sources.rs",
        "an inventory directory's walk: each entry is loaded through support::bounds, which refuses what is not a regular file",
    ),
    (
        "src/inventory/script.rs",
        "the kernel's binfmt_misc table (/proc/sys/fs/binfmt_misc), not an input: which formats an executable without `#!` would run as",
    ),
    (
        "src/inventory/files.rs",
        "a group_vars/host_vars directory's walk: entries read through support::bounds; what is not a regular file is skipped as ansible-core skips it, with a warning (support::bounds::check_entry)",
    ),
    (
        "crates/sshfleet-recording/src/lib.rs",
        "the recording crate's reader (the product depends on it, not it on the product): opened as support::bounds opens a file, a *.jsonl that is not a regular file refused",
    ),
];

#[test]
fn every_input_file_is_read_through_the_bounded_reader() {
    let root = root();
    let mut unlisted = Vec::new();
    let mut reading = std::collections::BTreeSet::new();
    for path in sources() {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel == "src/support/bounds.rs" || rel.starts_with("src/properties/") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let hits: Vec<String> = outside_test_items(&text)
            .into_iter()
            .filter(|(_, line)| {
                let code = line.split("//").next().unwrap_or("");
                FILE_READS.iter().any(|call| code.contains(call))
            })
            .map(|(i, line)| format!("{rel}:{}: {}", i + 1, line.trim()))
            .collect();
        if hits.is_empty() {
            continue;
        }
        reading.insert(rel.clone());
        if !FILE_READS_ELSEWHERE.iter().any(|(file, _)| *file == rel) {
            unlisted.extend(hits);
        }
    }
    assert!(
        unlisted.is_empty(),
        "files read outside support::bounds (use read_input, read_input_bytes or read_input_head):\n{}",
        unlisted.join("\n")
    );
    let listed: std::collections::BTreeSet<String> = FILE_READS_ELSEWHERE
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    assert_eq!(reading, listed, "a listed file reads no file any more");
}

/// Whether `line` holds a format spec whose width or precision is given
/// at run time (`{:>w$}`, `{:1$}`, `{:.*}`, `{x:.prec$}`): std panics
/// ("Formatting argument out of range") past `u16::MAX`.
fn runtime_width(line: &str) -> bool {
    static SPEC: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"\{[^{}\s"]*:[^{}\s"]*(\$|\.\*)\}"#).unwrap()
    });
    SPEC.is_match(line)
}

#[test]
fn the_width_finder_sees_every_spelling() {
    for hit in [
        r#"write!(line, "{cell:>w$}")"#,
        r#"format!("{:<1$}", a, b)"#,
        r#"format!("{:.*}", 3, x)"#,
        r#"format!("{n:0width$}")"#,
        r#"format!("{x:^.prec$}")"#,
    ] {
        assert!(runtime_width(hit), "{hit}");
    }
    for miss in [
        r#"format!("{:>8}", x)"#,
        r#"format!("{x:?} costs $5")"#,
        r#"Regex::new(r"^a{1,3}$")"#,
    ] {
        assert!(!runtime_width(miss), "{miss}");
    }
}

/// docs/SECURITY.md I7: a text as long as a host name can be (65536
/// characters and more) must never reach a format width, which panics
/// past `u16::MAX`: padding is computed by hand.
#[test]
fn no_format_takes_its_width_or_precision_at_run_time() {
    let mut hits = Vec::new();
    for path in sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in outside_test_items(&text) {
            if runtime_width(line.split("//").next().unwrap_or("")) {
                let rel = path.strip_prefix(root()).unwrap().display().to_string();
                hits.push(format!("{rel}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "a runtime format width panics past u16::MAX; pad by hand:\n{}",
        hits.join("\n")
    );
}
