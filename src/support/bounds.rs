//! Bounds on what operators and their files may ask for, checked where the
//! value is parsed: a duration is at most a day and never zero (a zero
//! timeout can only fail; a huge one overflows the clock), and a file
//! sshfleet reads is a regular file of bounded size.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest sshfleet waits for anything: no TAC procedure waits a day.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// `15s`, `10m`, `1h`: a duration within (0, [`MAX_DURATION`]].
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text)
        // humantime's own words (`expected number at 0`) point at a byte
        // offset; the examples say more.
        .map_err(|_| format!("`{text}` is not a duration like 15s, 10m, 1h"))?;
    if d.is_zero() {
        return Err(format!(
            "`{text}` is zero: a wait of nothing can only fail; give a duration like 15s"
        ));
    }
    if d > MAX_DURATION {
        return Err(format!(
            "`{text}` is more than a day, the longest sshfleet waits for anything"
        ));
    }
    Ok(d)
}

/// The largest inventory, playbook or report read, unless
/// `SSHFLEET_MAX_INPUT_BYTES` says otherwise: far beyond any real fleet's
/// inventory, far below what would exhaust memory.
const DEFAULT_MAX_INPUT: u64 = 64 * 1024 * 1024;

/// The deepest nesting of YAML flow collections (`[`, `{`) read: real
/// inventories nest a few levels, and a parser's time grows with depth.
const MAX_FLOW_DEPTH: usize = 64;

/// The deepest nesting of YAML collections, block or flow (`k:` under
/// `k:` under ...): the parsers and converters recurse once per level, and
/// 2000 levels overflow the stack.
const MAX_NESTING: usize = 128;

/// The most nodes YAML aliases (`*name`) may produce in one document,
/// counting every node of each aliased tree: a "billion laughs" of 393
/// bytes expands to ten million nodes and gigabytes.
const MAX_ALIAS_NODES: u64 = 1_000_000;

/// The most scalar text YAML aliases may produce in one document.
const MAX_ALIAS_BYTES: u64 = 64 * 1024 * 1024;

/// `SSHFLEET_MAX_INPUT_BYTES`, or the default. A value that is not a
/// whole number of bytes was refused when the command started
/// ([`crate::support::env::check`]); here it can only be valid or absent.
pub(crate) fn max_input() -> u64 {
    std::env::var("SSHFLEET_MAX_INPUT_BYTES")
        .ok()
        .and_then(|v| parse_max_input(&v).ok())
        .unwrap_or(DEFAULT_MAX_INPUT)
}

/// A `SSHFLEET_MAX_INPUT_BYTES` value: a whole number of bytes, at least 1.
pub(crate) fn parse_max_input(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("0 bytes would refuse every file".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "`{text}` is not a whole number of bytes from 1 to {} (like 134217728)",
            u64::MAX
        )),
    }
}

fn refused(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}

/// Read an operator's file (inventory, playbook, report, ssh_config,
/// known_hosts, a vault password file, a `--limit @file`, a key file) as
/// text: a regular file only (a FIFO or `/dev/zero` would block or never
/// end), of at most 64 MiB (`SSHFLEET_MAX_INPUT_BYTES`).
pub(crate) fn read_input(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_input_bytes(path)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// The kernel's pseudo-filesystems (`statfs` `f_type`, linux/magic.h):
/// their files say `fstat` "regular" yet are made up by the kernel when
/// read (`/proc/self/environ`, `/sys/...`), so no input is read from them,
/// whatever name or link leads there. `kernel_filesystems_are_refused`
/// checks the rows mounted here against `statfs`.
#[cfg(target_os = "linux")]
pub(crate) const KERNEL_FILESYSTEMS: [(u64, &str); 10] = [
    (0x9fa0, "procfs (/proc)"),
    (0x6265_6572, "sysfs (/sys)"),
    (0x6462_6720, "debugfs"),
    (0x7472_6163, "tracefs"),
    (0x7363_6673, "securityfs"),
    (0x6265_6570, "configfs"),
    (0x0027_e0eb, "cgroup filesystem"),
    (0x6367_7270, "cgroup2 filesystem"),
    (0xcafe_4a11, "bpf filesystem"),
    (0xde5e_81e4, "efivarfs"),
];

/// Which kernel pseudo-filesystem `file` is on, if any.
#[cfg(target_os = "linux")]
fn kernel_filesystem(file: &std::fs::File) -> Option<&'static str> {
    kernel_filesystem_named(u64::try_from(rustix::fs::fstatfs(file).ok()?.f_type).ok()?)
}

/// Which kernel pseudo-filesystem the file at `path` (links followed) is
/// on, if any: for a file sshfleet would write to (a known_hosts file),
/// checked before any host without opening it.
#[cfg(target_os = "linux")]
pub(crate) fn kernel_filesystem_at(path: &Path) -> Option<&'static str> {
    kernel_filesystem_named(u64::try_from(rustix::fs::statfs(path).ok()?.f_type).ok()?)
}

#[cfg(target_os = "linux")]
fn kernel_filesystem_named(kind: u64) -> Option<&'static str> {
    KERNEL_FILESYSTEMS
        .iter()
        .find(|(magic, _)| *magic == kind)
        .map(|(_, name)| *name)
}

/// Open `path` for reading as sshfleet reads every input file: without
/// blocking (`O_NONBLOCK`: opening a FIFO waits for a writer otherwise,
/// and a signal cannot end that wait) and without taking a terminal
/// (`O_NOCTTY`), then check what was opened (`fstat`, so nothing can be
/// swapped in between): a regular file, or `None` for `/dev/null`
/// (`-F /dev/null`, `UserKnownHostsFile /dev/null`), the one device read,
/// empty. Anything else is refused.
fn open_regular(path: &Path) -> std::io::Result<Option<(std::fs::File, u64)>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() {
        #[cfg(target_os = "linux")]
        if let Some(name) = kernel_filesystem(&file) {
            return Err(refused(format!(
                "a file of the kernel's {name} (it holds processes' environments and the system's state, never an input; /proc/self/environ would carry every environment variable into the output)"
            )));
        }
        note_input(READ, path);
        return Ok(Some((file, meta.len())));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        // /dev/null is the character device 1:3 on Linux; compared with
        // the real one rather than by name, so a link to it counts too.
        if let Ok(null) = std::fs::metadata("/dev/null")
            && !meta.is_dir()
            && meta.rdev() == null.rdev()
            && meta.dev() == null.dev()
            && meta.ino() == null.ino()
        {
            return Ok(None);
        }
    }
    Err(refused(
        "not a regular file (a FIFO, a device or a directory); sshfleet reads only regular files"
            .to_string(),
    ))
}

/// Where a path leads: its canonical name (of its directory and its name,
/// when it does not exist yet) and, when it exists, its device and inode
/// (which also tells hard links apart from different files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Identity {
    canonical: Option<PathBuf>,
    inode: Option<(u64, u64)>,
}

/// The canonical name a path that does not exist yet will have: its
/// nearest existing ancestor canonical, the rest joined as written (no
/// link can be among directories that do not exist). A known_hosts file
/// in a directory a run creates (a `--transcripts` directory) is then
/// compared with that run's outputs before the first host (I5).
fn not_yet_canonical(path: &Path) -> Option<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let mut rest = Vec::new();
    let mut at = absolute.as_path();
    let base = loop {
        if let Ok(base) = std::fs::canonicalize(at) {
            break base;
        }
        rest.push(at.file_name()?.to_os_string());
        at = at.parent()?;
    };
    let mut out = base;
    for part in rest.iter().rev() {
        match part.to_str() {
            Some("..") => {
                out.pop();
            }
            Some(".") => {}
            _ => out.push(part),
        }
    }
    Some(out)
}

impl Identity {
    pub(crate) fn of(path: &Path) -> Identity {
        let canonical = std::fs::canonicalize(path)
            .ok()
            .or_else(|| not_yet_canonical(path));
        #[cfg(unix)]
        let inode = {
            use std::os::unix::fs::MetadataExt as _;
            std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
        };
        #[cfg(not(unix))]
        let inode = None;
        Identity { canonical, inode }
    }

    /// The same file: the same canonical name, or the same device and
    /// inode (a link or a hard link to it).
    pub(crate) fn same_file(&self, other: &Identity) -> bool {
        (self.canonical.is_some() && self.canonical == other.canonical)
            || (self.inode.is_some() && self.inode == other.inode)
    }

    /// The canonical path (of the parent and the name, for a path that
    /// does not exist yet), if there is one.
    pub(crate) fn canonical(&self) -> Option<&Path> {
        self.canonical.as_deref()
    }

    /// Somewhere under the directory `dir` (at any depth), or `dir` itself.
    pub(crate) fn within(&self, dir: &Identity) -> bool {
        self.same_file(dir)
            || matches!((&self.canonical, &dir.canonical), (Some(me), Some(d)) if me.starts_with(d))
    }
}

/// One input of the command: what it is (`-i`, `host h1's key file`,
/// `the inventory directory`), the path as named, where it leads, and whether it is a
/// directory read whole (a file put in it later is read next time).
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub what: String,
    pub path: PathBuf,
    pub identity: Identity,
    pub directory: bool,
    /// Read only as a known_hosts file (named so by a plan before anything
    /// else read it): a known_hosts file new keys are added to may be it,
    /// as OpenSSH appends to a file it also reads.
    pub known_hosts: bool,
}

/// Every input of this process: each file the bounded reader opened, and
/// each path a plan names to read later (a host's key, its known_hosts),
/// so that no output can be one of them (docs/SECURITY.md I5). Keyed by
/// the path as named: a file read once per host is one input.
static INPUTS: std::sync::Mutex<std::collections::BTreeMap<(PathBuf, bool), Input>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// What the bounded reader calls a file it opened; a plan's name for the
/// same file (noted before or after) says more, and replaces it.
const READ: &str = "input file";

fn remember(what: &str, path: &Path, directory: bool, known_hosts: bool) {
    let mut inputs = INPUTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match inputs.entry((path.to_path_buf(), directory)) {
        std::collections::btree_map::Entry::Occupied(mut known) => {
            let known = known.get_mut();
            if what == READ {
                // The reader reading a file already named: nothing new (a
                // known_hosts file is read after the plan named it).
                return;
            }
            if known.what == READ && known_hosts {
                // Read before a plan named it a known_hosts file: it was
                // read as something else (an inventory, an ssh_config),
                // and keeps that name; no known_hosts line may go there.
            } else if known.what == READ
                || (known.known_hosts && !known_hosts)
                || what.starts_with("--")
            {
                // A role says more than "input file", a role other than
                // known_hosts more than known_hosts, and a command line's
                // flag most.
                known.what = what.to_string();
            }
            known.known_hosts &= known_hosts;
        }
        std::collections::btree_map::Entry::Vacant(new) => {
            new.insert(Input {
                what: what.to_string(),
                path: path.to_path_buf(),
                // Taken when the outputs are checked: a device and inode
                // are the file's only while it exists.
                identity: Identity::default(),
                directory,
                known_hosts,
            });
        }
    }
}

/// `path` is an input, read now or later (`what` says which: the
/// bounded reader notes every file it opens as an "input file"; a plan
/// notes the files it names, with their role, which wins).
pub(crate) fn note_input(what: &str, path: &Path) {
    if path != Path::new("/dev/null") {
        remember(what, path, false, false);
    }
}

/// `dir` is read whole (an inventory directory, `--replay DIR`): an output
/// inside it would be read as an input next time.
pub(crate) fn note_input_dir(what: &str, dir: &Path) {
    remember(what, dir, true, false);
}

/// Every input noted so far, by path, with where each leads now.
pub(crate) fn inputs() -> Vec<Input> {
    let inputs: Vec<Input> = INPUTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .values()
        .cloned()
        .collect();
    inputs
        .into_iter()
        .map(|input| Input {
            identity: Identity::of(&input.path),
            ..input
        })
        .collect()
}

/// The known_hosts files sshfleet may add a host key to (a host whose key
/// policy is accept-new, from `--accept-new-host-keys` or ssh_config's
/// `StrictHostKeyChecking`), by path, with what names them: outputs for
/// I5, checked against every input and output before the first host.
static WRITTEN_KNOWN_HOSTS: std::sync::Mutex<std::collections::BTreeMap<PathBuf, String>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// `path` is a known_hosts file a host reads and, when `written`, may add
/// its new key to. Read only, it is an input like any other; written, it
/// is also an output ([`written_known_hosts`]). A later name for the same
/// path (`--known-hosts`, noted by the command) replaces a plan's.
pub(crate) fn note_known_hosts(what: &str, path: &Path, written: bool) {
    if path == Path::new("/dev/null") {
        return;
    }
    remember(what, path, false, true);
    if written {
        let mut files = WRITTEN_KNOWN_HOSTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let name = files
            .entry(path.to_path_buf())
            .or_insert_with(|| what.to_string());
        if what.starts_with("--") {
            what.clone_into(name);
        }
    }
}

/// Every known_hosts file noted as written ([`note_known_hosts`]).
pub(crate) fn written_known_hosts() -> Vec<(String, PathBuf)> {
    WRITTEN_KNOWN_HOSTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .map(|(path, what)| (what.clone(), path.clone()))
        .collect()
}

/// Unit tests share the process: a test's written known_hosts file is
/// forgotten when it is done.
#[cfg(test)]
pub(crate) fn forget_written_known_hosts(path: &Path) {
    WRITTEN_KNOWN_HOSTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(path);
}

/// Paths that would be read if a file appeared there: ssh_config
/// `Include` patterns (a glob, or a file that does not exist yet: OpenSSH
/// skips both quietly and reads what appears next time), as absolute glob
/// patterns, with what names them.
static PATTERNS: std::sync::Mutex<std::collections::BTreeMap<String, String>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// `pattern` (an absolute path in `glob` syntax, as the reader expands
/// it) names files read now or next time: no output may match it.
pub(crate) fn note_input_pattern(what: &str, pattern: &str) {
    PATTERNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(pattern.to_string())
        .or_insert_with(|| what.to_string());
}

/// Every pattern noted ([`note_input_pattern`]): what names it, the
/// pattern as noted, and the pattern with its literal directories made
/// canonical (as outputs are compared), `None` if it does not parse.
pub(crate) fn input_patterns() -> Vec<(String, String, Option<glob::Pattern>)> {
    PATTERNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .map(|(pattern, what)| (what.clone(), pattern.clone(), canonical_pattern(pattern)))
        .collect()
}

/// `pattern` with its leading literal components (no `*`, `?`, `[`)
/// resolved as the system resolves them: the longest of them that exists
/// made canonical, the rest appended. Outputs are compared by canonical
/// path, so a link in the pattern's directories must not hide a match.
fn canonical_pattern(pattern: &str) -> Option<glob::Pattern> {
    let path = Path::new(pattern);
    let mut literal = PathBuf::new();
    let mut rest = Vec::new();
    for part in path.components() {
        let text = part.as_os_str().to_string_lossy();
        if rest.is_empty() && !text.contains(['*', '?', '[']) {
            literal.push(part);
        } else {
            rest.push(text.into_owned());
        }
    }
    let mut existing = literal.clone();
    let mut missing = Vec::new();
    let base = loop {
        if let Ok(canonical) = std::fs::canonicalize(&existing) {
            break canonical;
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name.to_string_lossy().into_owned());
                existing = parent.to_path_buf();
            }
            _ => break existing,
        }
    };
    let mut text = glob::Pattern::escape(&base.to_string_lossy());
    for part in missing.iter().rev() {
        text.push('/');
        text.push_str(&glob::Pattern::escape(part));
    }
    for part in &rest {
        text.push('/');
        text.push_str(part);
    }
    glob::Pattern::new(&text).ok()
}

/// How an Include pattern may match, on the wide side: one component at
/// a time (`*` never crosses `/`), leading dots matched by `*` (OpenSSH's
/// glob does not; matching more is the safe direction here).
pub(crate) const GLOB_MATCHING: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// [`read_input`], as bytes (known_hosts is read lossily, a key file is
/// whatever its format says).
pub(crate) fn read_input_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let Some((file, len)) = open_regular(path)? else {
        return Ok(Vec::new());
    };
    let max = max_input();
    let too_large = || {
        refused(format!(
            "larger than {max} bytes (set SSHFLEET_MAX_INPUT_BYTES to allow more)"
        ))
    };
    if len > max {
        return Err(too_large());
    }
    let mut text = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut text)?;
    if u64::try_from(text.len()).unwrap_or(u64::MAX) > max {
        return Err(too_large());
    }
    Ok(text)
}

/// The first `limit` bytes of an input file, opened as [`read_input`]
/// opens one (to tell an inventory's format from its start).
pub(crate) fn read_input_head(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let Some((file, _)) = open_regular(path)? else {
        return Ok(Vec::new());
    };
    let mut head = Vec::new();
    file.take(limit).read_to_end(&mut head)?;
    Ok(head)
}

/// Whether `path` is an entry a directory walk may read: a regular file
/// (through links). A walk that finds anything else where it would read
/// a file refuses it, as [`read_input`] would, rather than skip it.
pub(crate) fn check_entry(path: &Path) -> std::io::Result<()> {
    open_regular(path).map(|_| ())
}

/// [`read_input`], for YAML: flow collections nested deeper than
/// [`MAX_FLOW_DEPTH`] are refused before the parser sees them.
pub(crate) fn read_yaml_input(path: &Path) -> std::io::Result<String> {
    let text = read_input(path)?;
    if let Some(line) = too_deep(&text) {
        return Err(refused(format!(
            "line {line}: flow collections ([ ], {{ }}) nested deeper than {MAX_FLOW_DEPTH}"
        )));
    }
    if let Err((line, why)) = check_yaml_structure(&text) {
        return Err(refused(format!("line {line}: {why}")));
    }
    Ok(text)
}

/// Refuse, before any recursive parser or converter sees it, a YAML text
/// whose collections nest deeper than [`MAX_NESTING`] or whose aliases
/// expand past [`MAX_ALIAS_NODES`] nodes or [`MAX_ALIAS_BYTES`] of text:
/// `(line, why)`. The event parser it uses keeps its own stack on the heap.
/// Text that is not YAML passes: the real parser tells that error.
pub(crate) fn check_yaml_structure(text: &str) -> Result<(), (usize, String)> {
    use yaml_rust2::parser::{Event, Parser};
    // Per open collection: its anchor and the counters when it opened.
    let mut open: Vec<(usize, u64, u64)> = Vec::new();
    // Per anchor: the nodes and bytes of its (expanded) tree.
    let mut anchors: std::collections::HashMap<usize, (u64, u64)> = Default::default();
    let (mut nodes, mut bytes, mut alias_nodes, mut alias_bytes) = (0u64, 0u64, 0u64, 0u64);
    let mut parser = Parser::new_from_str(text);
    loop {
        let Ok((event, mark)) = parser.next_token() else {
            return Ok(());
        };
        let line = mark.line();
        match event {
            Event::StreamEnd => return Ok(()),
            Event::Scalar(value, _, anchor, _) => {
                nodes += 1;
                bytes = bytes.saturating_add(value.len() as u64);
                if anchor > 0 {
                    anchors.insert(anchor, (1, value.len() as u64));
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                nodes += 1;
                open.push((anchor, nodes, bytes));
                if open.len() > MAX_NESTING {
                    return Err((
                        line,
                        format!("collections nested deeper than {MAX_NESTING} levels"),
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, n0, b0)) = open.pop()
                    && anchor > 0
                {
                    anchors.insert(anchor, (nodes - n0 + 1, bytes - b0));
                }
            }
            Event::Alias(id) => {
                let (n, b) = anchors.get(&id).copied().unwrap_or((0, 0));
                (nodes, bytes) = (nodes.saturating_add(n), bytes.saturating_add(b));
                (alias_nodes, alias_bytes) =
                    (alias_nodes.saturating_add(n), alias_bytes.saturating_add(b));
                if alias_nodes > MAX_ALIAS_NODES || alias_bytes > MAX_ALIAS_BYTES {
                    return Err((
                        line,
                        format!(
                            "YAML aliases (*name) expand to more than {MAX_ALIAS_NODES} nodes or {MAX_ALIAS_BYTES} bytes (an alias bomb?)"
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
}

/// The line where flow nesting first goes past [`MAX_FLOW_DEPTH`]. Quoted
/// scalars and comments are skipped; it is a bound, not a parser.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut line = 1;
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut prev = '\n';
    for c in text.chars() {
        if c == '\n' {
            line += 1;
            comment = false;
        } else if comment {
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else {
            match c {
                '#' if prev.is_whitespace() => comment = true,
                '\'' | '"' if depth > 0 || prev.is_whitespace() || prev == ':' => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Some(line);
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Each kernel filesystem mounted here has its row, and a file of it
    /// is refused though `fstat` calls it regular.
    #[cfg(target_os = "linux")]
    #[test]
    fn kernel_filesystems_are_refused() {
        for (path, name) in [
            ("/proc/self/environ", "procfs"),
            ("/sys/kernel/uevent_seqnum", "sysfs"),
        ] {
            if !Path::new(path).exists() {
                continue;
            }
            let file = std::fs::File::open(path).unwrap();
            assert!(file.metadata().unwrap().is_file(), "{path}");
            assert!(
                kernel_filesystem(&file).is_some_and(|n| n.contains(name)),
                "{path}"
            );
            let refused = read_input(Path::new(path)).unwrap_err().to_string();
            assert!(refused.contains(name), "{path}: {refused}");
        }
        let ordinary = tempfile::NamedTempFile::new().unwrap();
        assert_eq!(kernel_filesystem(ordinary.as_file()), None);
    }

    #[test]
    fn durations_are_positive_and_at_most_a_day() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("24h"), Ok(MAX_DURATION));
        assert!(parse_duration("0s").unwrap_err().contains("zero"));
        assert!(
            parse_duration("25h")
                .unwrap_err()
                .contains("more than a day")
        );
        assert!(
            parse_duration("18446744073709551615s")
                .unwrap_err()
                .contains("18446744073709551615s")
        );
        assert!(
            parse_duration("ten")
                .unwrap_err()
                .contains("not a duration")
        );
    }

    #[test]
    fn deep_flow_nesting_is_found_outside_quotes_and_comments() {
        assert_eq!(too_deep("a: [1, {b: [2]}]\n"), None);
        let deep = format!("a: {}{}\n", "[".repeat(65), "]".repeat(65));
        assert_eq!(too_deep(&deep), Some(1));
        let quoted = format!(
            "a: '{}'\nb: \"{}\" # {}\n",
            "[".repeat(99),
            "{".repeat(99),
            "[".repeat(99)
        );
        assert_eq!(too_deep(&quoted), None);
    }

    /// A "billion laughs": `levels` levels of ten aliases to the level
    /// below, under an inventory host.
    fn alias_bomb(levels: usize) -> String {
        let mut text = String::from("all:\n  hosts:\n    h1:\n      a0: &a0 \"lol\"\n");
        for i in 1..=levels {
            let aliases = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("      a{i}: &a{i} [{aliases}]\n"));
        }
        text
    }

    /// `levels` block mappings (`k:`), one inside the other, under `vars`.
    fn deep_blocks(levels: usize) -> String {
        let mut text = String::from("all:\n  vars:\n");
        for i in 0..levels {
            text.push_str(&format!("{}k:\n", " ".repeat(4 + i)));
        }
        text
    }

    #[test]
    fn yaml_alias_bombs_are_refused_before_they_expand() {
        for levels in [7, 10] {
            let (line, why) = check_yaml_structure(&alias_bomb(levels)).unwrap_err();
            assert!(why.contains("aliases"), "{why}");
            assert!(line <= 4 + levels, "{line}");
        }
        // Aliases as inventories use them (a few shared mappings) pass,
        // and so do six levels of the bomb (a million nodes).
        assert_eq!(check_yaml_structure(&alias_bomb(5)), Ok(()));
        let shared = "defaults: &d {user: admin, port: 22}\na: *d\nb: {<<: *d, port: 2222}\n";
        assert_eq!(check_yaml_structure(shared), Ok(()));
        // A big scalar aliased often is text, counted in bytes.
        let big = format!(
            "a: &a '{}'\nb: [{}]\n",
            "x".repeat(1 << 20),
            vec!["*a"; 65].join(",")
        );
        assert!(check_yaml_structure(&big).unwrap_err().1.contains("bytes"));
    }

    #[test]
    fn deep_block_nesting_is_refused_before_any_parser_recurses() {
        for levels in [2000, 3000] {
            let (line, why) = check_yaml_structure(&deep_blocks(levels)).unwrap_err();
            assert!(why.contains("nested deeper than 128"), "{why}");
            assert_eq!(line, MAX_NESTING + 1, "{why}");
        }
        assert_eq!(check_yaml_structure(&deep_blocks(100)), Ok(()));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("deep.yaml");
        std::fs::write(&file, deep_blocks(2000)).unwrap();
        let e = read_yaml_input(&file).unwrap_err();
        assert!(e.to_string().contains("nested deeper than"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read() {
        let e = read_input(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert_eq!(read_input(Path::new("/dev/null")).unwrap(), "");
        let dir = tempfile::tempdir().unwrap();
        let e = read_input(dir.path()).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        // A FIFO with no writer: refused at once, where a plain open would
        // wait for a writer forever.
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        for e in [
            read_input(&fifo).unwrap_err(),
            read_input_head(&fifo, 16).unwrap_err(),
            check_entry(&fifo).unwrap_err(),
        ] {
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
        let link = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        assert_eq!(read_input(&link).unwrap(), "");
    }

    #[test]
    fn max_input_is_a_positive_whole_number_of_bytes() {
        assert_eq!(parse_max_input("1048576"), Ok(1_048_576));
        assert_eq!(parse_max_input(" 7 "), Ok(7));
        for bad in ["-1", "abc", "1e9", "18446744073709551616", "0", "", "64MiB"] {
            assert!(parse_max_input(bad).is_err(), "{bad}");
        }
    }
}
