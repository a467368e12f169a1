//! Where a run writes (the report, transcripts, the lock) is checked
//! before any host is touched: a report that cannot be written after the
//! fleet was changed is a change nobody can account for.

use std::path::{Path, PathBuf};

/// An output path that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{what} {}: {reason}; nothing was run", path.display())]
pub(crate) struct OutputError {
    /// `--report`, `--transcripts`, `--lock`, `man --out-dir`, a host's
    /// known_hosts file that new keys are added to.
    pub what: String,
    pub path: PathBuf,
    pub reason: String,
}

fn refuse(what: &str, path: &Path, reason: impl Into<String>) -> OutputError {
    OutputError {
        what: what.to_string(),
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// The directory a file path is in (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `dir` exists, is a directory, and a file can be created in it (which
/// also catches read-only file systems, where permission bits lie).
fn writable_dir(what: &str, path: &Path, dir: &Path) -> Result<(), OutputError> {
    match std::fs::metadata(dir) {
        Err(e) => Err(refuse(
            what,
            path,
            format!("directory {} cannot be used: {e}", dir.display()),
        )),
        Ok(m) if !m.is_dir() => Err(refuse(
            what,
            path,
            format!("{} is not a directory", dir.display()),
        )),
        Ok(_) => tempfile::Builder::new()
            .prefix(".sshfleet-probe")
            .tempfile_in(dir)
            .map(drop)
            .map_err(|e| {
                // tempfile names its probe file (`.sshfleet-probeXXXX`),
                // which the operator never named: the directory is the news.
                let e = without_temp_path(e);
                refuse(
                    what,
                    path,
                    format!("cannot write in {}: {e}", dir.display()),
                )
            }),
    }
}

/// A file sshfleet will write (the report, the lock): its directory must
/// be writable, and the path must not be a directory.
pub(crate) fn check_file(what: &'static str, path: &Path) -> Result<(), OutputError> {
    if path.is_dir() {
        return Err(refuse(what, path, "is a directory"));
    }
    // A link named as an output is refused: followed it would write into
    // whatever it names, and replaced it would silently destroy it (a
    // link to a pipe or a terminal, `--report /dev/stdout` replaced the
    // system's link with a file). A FIFO, a socket or a device where a
    // file is to be written would block or swallow it.
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && meta.file_type().is_symlink()
    {
        return Err(refuse(
            what,
            path,
            "is a symbolic link: sshfleet neither writes through one nor replaces it (name the file itself)",
        ));
    }
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && !meta.is_file()
    {
        return Err(refuse(
            what,
            path,
            "is not a regular file (a FIFO, a socket or a device)",
        ));
    }
    writable_dir(what, path, &parent_of(path))
}

/// `--known-hosts`, checked before any host: a regular file if it exists
/// (`/dev/null` too: no keys), never a FIFO, a device or a path under a
/// file; with `--accept-new-host-keys` its directory must take new files.
pub(crate) fn check_known_hosts(path: &Path, accept_new: bool) -> Result<(), OutputError> {
    const WHAT: &str = "--known-hosts";
    let dev_null = std::fs::canonicalize(path).is_ok_and(|p| p == Path::new("/dev/null"));
    match std::fs::metadata(path) {
        Ok(_) if dev_null => return Ok(()),
        Ok(meta) if !meta.is_file() => {
            return Err(refuse(
                WHAT,
                path,
                "is not a regular file (a directory, a FIFO, a socket or a device)",
            ));
        }
        Ok(_) =>
        {
            #[cfg(target_os = "linux")]
            if let Some(kernel) = crate::support::bounds::kernel_filesystem_at(path) {
                return Err(refuse(
                    WHAT,
                    path,
                    format!("is a file of the kernel's {kernel}, never an input"),
                ));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(refuse(WHAT, path, format!("cannot be read: {e}"))),
    }
    if accept_new {
        writable_dir(WHAT, path, &parent_of(path))?;
    }
    Ok(())
}

/// Every known_hosts file a host of the run may add its new key to
/// ([`bounds::written_known_hosts`](crate::support::bounds::written_known_hosts):
/// each host's and jump's, its path expanded for that host, `%` tokens,
/// `~` and `${VAR}` and all, from whichever `Host`/`Match` block gave
/// it, and `--known-hosts` under `--accept-new-host-keys`), checked alone
/// before any host as [`check_known_hosts`] checks `--known-hosts`, and
/// more: a regular file to append to, or none
/// yet in a directory that takes new files. A symbolic link is followed,
/// as OpenSSH appends through it (docs/SECURITY.md I5, the known_hosts
/// row), but only to a file that is there: a dangling one would create
/// its target wherever it points, unseen by the checks of what that is.
/// A directory that does not exist is left to the run, as OpenSSH 9.2:
/// the key is accepted, not recorded, with a warning.
pub(crate) fn check_written_known_hosts() -> Result<(), OutputError> {
    for (what, path) in crate::support::bounds::written_known_hosts() {
        // `/dev/null` (named, or linked to) holds no keys and takes none.
        let dev_null = std::fs::canonicalize(&path).is_ok_and(|p| p == Path::new("/dev/null"));
        if dev_null {
            continue;
        }
        let linked = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        match std::fs::metadata(&path) {
            Ok(meta) if !meta.is_file() => {
                return Err(refuse(
                    &what,
                    &path,
                    "is not a regular file (a directory, a FIFO, a socket or a device): no key can be added to it",
                ));
            }
            Ok(_) => {
                #[cfg(target_os = "linux")]
                if let Some(kernel) = crate::support::bounds::kernel_filesystem_at(&path) {
                    return Err(refuse(
                        &what,
                        &path,
                        format!("is a file of the kernel's {kernel}, never an input or output"),
                    ));
                }
                // Asked of the system, not opened: nothing is read or written.
                #[cfg(unix)]
                if let Err(e) = rustix::fs::access(&path, rustix::fs::Access::WRITE_OK) {
                    return Err(refuse(&what, &path, format!("cannot be added to: {e}")));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && linked => {
                let to = std::fs::read_link(&path).unwrap_or_default();
                return Err(refuse(
                    &what,
                    &path,
                    format!(
                        "is a symbolic link to {}, which does not exist: a new key would create it through the link",
                        to.display()
                    ),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let dir = parent_of(&path);
                if !matches!(std::fs::metadata(&dir), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
                {
                    writable_dir(&what, &path, &dir)?;
                }
            }
            Err(e) => return Err(refuse(&what, &path, format!("cannot be used: {e}"))),
        }
    }
    Ok(())
}

/// A directory sshfleet writes into: used if it exists, is writable, is
/// the running user's and no one else may write in it; otherwise created
/// (`mode` on Unix, 0700: sessions are private) when its parent exists
/// and is writable. Never creates missing parents: a typo must not grow a
/// tree. A symbolic link is refused (never followed). An existing
/// directory's mode is never changed: `--transcripts /tmp` made the
/// system's `/tmp` 0700; a directory others own or may write in (`/tmp`,
/// a shared drop) is refused instead, naming it.
pub(crate) fn ensure_dir(what: &'static str, dir: &Path, mode: u32) -> Result<(), OutputError> {
    refuse_linked_dir(what, dir)?;
    if let Ok(meta) = std::fs::symlink_metadata(dir_itself(dir)) {
        writable_dir(what, dir, dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            if meta.uid() != rustix::process::geteuid().as_raw() {
                return Err(refuse(
                    what,
                    dir,
                    "belongs to another user: sshfleet keeps sessions only in a directory of your own (name a new one, which it makes 0700)",
                ));
            }
            if meta.mode() & 0o022 != 0 {
                return Err(refuse(
                    what,
                    dir,
                    format!(
                        "others may write in it (mode {:o}): sshfleet keeps sessions only in a directory no one else writes in, and never changes an existing one's mode (name a new one, which it makes 0700)",
                        meta.mode() & 0o7777
                    ),
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = (meta, mode);
        return Ok(());
    }
    writable_dir(what, dir, &parent_of(dir))?;
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
    #[cfg(not(unix))]
    let _ = mode;
    builder
        .create(dir)
        .map_err(|e| refuse(what, dir, format!("cannot create it: {e}")))
}

/// A directory output that is, or goes through, a symbolic link: refused
/// (before anything is created, and before the link's target is compared
/// with other paths: it is never used).
pub(crate) fn refuse_linked_dir(what: &'static str, dir: &Path) -> Result<(), OutputError> {
    through_a_link(what, dir)?;
    match std::fs::symlink_metadata(dir_itself(dir)) {
        Ok(meta) if meta.file_type().is_symlink() => Err(refuse(
            what,
            dir,
            "is a symbolic link (name the directory itself)",
        )),
        _ => Ok(()),
    }
}

/// `dir` as the directory it names itself: `tlink/` and `tlink/.` name
/// the link's target to the system (a trailing separator or `.` resolves
/// the link), but the link is what the operator pointed at. `Path`'s
/// components drop both.
fn dir_itself(dir: &Path) -> PathBuf {
    let itself: PathBuf = dir.components().collect();
    if itself.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        itself
    }
}

/// A `..` after a symbolic link (`tlink/..`) climbs out of the link's
/// target: refused like the link itself.
fn through_a_link(what: &'static str, dir: &Path) -> Result<(), OutputError> {
    let mut prefix = PathBuf::new();
    for part in dir.components() {
        if part == std::path::Component::ParentDir
            && !prefix.as_os_str().is_empty()
            && std::fs::symlink_metadata(&prefix).is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(refuse(
                what,
                dir,
                format!(
                    "goes through symbolic link {} (name the directory itself)",
                    prefix.display()
                ),
            ));
        }
        prefix.push(part);
    }
    Ok(())
}

/// Every output is a file of its own, and never an input
/// (docs/SECURITY.md I5): two outputs that are one file would leave only
/// the last written (`--report x --html x`); an output inside a directory
/// output is replaced by (or replaces) what is written there (`--lock
/// T/host.log --transcripts T`); an output that is an input destroys what
/// the command read (`--lock inventory.yaml`, `--report` over a host's
/// key file), and one inside a directory read whole (an inventory
/// directory, `--replay DIR`) or where a pattern read next time matches
/// (an ssh_config `Include` glob, or an `Include`d file not there yet)
/// is read as an input next time.
///
/// `files` are written whole, `dirs` written into, and so is every
/// known_hosts file a host may add its new key to
/// ([`bounds::written_known_hosts`](crate::support::bounds::written_known_hosts)):
/// such a file may be another known_hosts file read (OpenSSH appends to
/// the file it reads) and nothing else. The inputs are `named` (the
/// command line's, which may not be read yet) and every input and
/// pattern noted by [`bounds`](crate::support::bounds): each file its
/// reader opened and each path a plan names to read later. Call it once
/// everything has been read that is read before the first host. Compared
/// by canonical path (of the parent and the name, for a path that does
/// not exist yet) and, for files that exist, device and inode (links,
/// hard links).
pub(crate) fn refuse_shared_files(
    files: &[(&'static str, &Path)],
    dirs: &[(&'static str, &Path)],
    named: &[(&str, &Path)],
) -> Result<(), OutputError> {
    use crate::support::bounds::{Identity, Input};
    // The command line's names first: they say which flag named a file.
    let mut inputs: Vec<Input> = named
        .iter()
        .map(|(what, path)| Input {
            what: (*what).to_string(),
            path: path.to_path_buf(),
            identity: Identity::of(path),
            directory: false,
            // Read as known_hosts, and added to as OpenSSH does.
            known_hosts: *what == "--known-hosts",
        })
        .collect();
    inputs.extend(crate::support::bounds::inputs());
    let written = crate::support::bounds::written_known_hosts();
    let outputs: Vec<Output> = files
        .iter()
        .map(|(w, p)| Output::new(w, p, false, false))
        .chain(dirs.iter().map(|(w, p)| Output::new(w, p, true, false)))
        .chain(written.iter().map(|(w, p)| Output::new(w, p, false, true)))
        .collect();
    let patterns = crate::support::bounds::input_patterns();
    for (i, out) in outputs.iter().enumerate() {
        let reason = other_output(&outputs, i)
            .or_else(|| input_at(out, &inputs))
            .or_else(|| pattern_at(out, &patterns));
        if let Some(reason) = reason {
            return Err(refuse(
                &out.what,
                &out.path,
                format!("{reason}: name another path"),
            ));
        }
    }
    Ok(())
}

/// One output of [`refuse_shared_files`].
struct Output {
    what: String,
    path: PathBuf,
    dir: bool,
    /// A known_hosts file a new key is added to.
    known_hosts: bool,
    id: crate::support::bounds::Identity,
}

impl Output {
    fn new(what: &str, path: &Path, dir: bool, known_hosts: bool) -> Output {
        Output {
            what: what.to_string(),
            path: path.to_path_buf(),
            dir,
            known_hosts,
            id: crate::support::bounds::Identity::of(path),
        }
    }
}

/// Why `outputs[i]` is, or is inside, another output.
fn other_output(outputs: &[Output], i: usize) -> Option<String> {
    let me = &outputs[i];
    outputs.iter().enumerate().find_map(|(j, o)| {
        let reason = if j == i || (me.known_hosts && o.known_hosts) {
            // Two hosts adding keys to one known_hosts file is one output.
            return None;
        } else if o.dir && me.id.within(&o.id) {
            "is inside"
        } else if j > i && !me.dir && !o.dir && me.id.same_file(&o.id) {
            "is the same file as"
        } else {
            return None;
        };
        Some(format!(
            "{reason} {} {}, which this command also writes{}",
            o.what,
            o.path.display(),
            if o.dir { " into" } else { "" }
        ))
    })
}

/// Why `out` is, is inside, or holds an input.
fn input_at(out: &Output, inputs: &[crate::support::bounds::Input]) -> Option<String> {
    use crate::support::bounds::Input;
    // A known_hosts file keys are added to may be one read as such.
    let counts = |input: &&Input| !(out.known_hosts && input.known_hosts);
    // The same file first: it names the very file an output destroys.
    let same = |input: &&Input| !out.dir && !input.directory && out.id.same_file(&input.identity);
    let inside = |input: &&Input| {
        (input.directory && out.id.within(&input.identity))
            || (out.dir && input.identity.within(&out.id))
    };
    let (reason, input) = match inputs.iter().filter(counts).find(same) {
        Some(input) => ("is the same file as", input),
        None => match inputs.iter().filter(counts).find(inside) {
            Some(input) if input.directory && out.id.within(&input.identity) => {
                ("is inside", input)
            }
            Some(input) => ("holds", input),
            None => return None,
        },
    };
    Some(format!(
        "{reason} {} {}, which this command reads",
        input.what,
        input.path.display()
    ))
}

/// Why `out` is where a pattern read next time matches: a file output
/// the pattern matches, a directory output it matches or reaches into.
fn pattern_at(
    out: &Output,
    patterns: &[(String, String, Option<glob::Pattern>)],
) -> Option<String> {
    let canonical = out.id.canonical()?;
    patterns.iter().find_map(|(what, as_noted, pattern)| {
        let hit = match pattern {
            Some(pattern) if out.dir => pattern_reaches(pattern, canonical),
            Some(pattern) => {
                pattern.matches_path_with(canonical, crate::support::bounds::GLOB_MATCHING)
            }
            None => false,
        };
        hit.then(|| {
            format!(
                "matches {what} {as_noted}, which this command reads (a file put there is read next time)"
            )
        })
    })
}

/// Whether `pattern` matches `dir` or could match a path inside it: each
/// of `dir`'s components matched by the pattern's component at its place
/// (a `**` matches whatever follows).
fn pattern_reaches(pattern: &glob::Pattern, dir: &Path) -> bool {
    let parts: Vec<&str> = pattern
        .as_str()
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let dir_parts: Vec<String> = dir
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for (k, part) in dir_parts.iter().enumerate() {
        let Some(pattern_part) = parts.get(k) else {
            return false;
        };
        if *pattern_part == "**" {
            return true;
        }
        let matched = glob::Pattern::new(pattern_part)
            .is_ok_and(|p| p.matches_with(part, crate::support::bounds::GLOB_MATCHING));
        if !matched {
            return false;
        }
    }
    true
}

/// Write `bytes` as `path` with `mode`: into a new file (created
/// exclusively in `path`'s directory with that mode), synced, then renamed
/// over `path`, so a cron job never reads half a file. A symlink or a hard
/// link planted at `path` is replaced, never written through.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = tempfile::Builder::new()
        .prefix(".sshfleet-")
        .tempfile_in(parent_of(path))
        .map_err(without_temp_path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| without_temp_path(e.error))?;
    Ok(())
}

/// [`write_atomic`], readable by the owner only (transcripts, recordings).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic(path, bytes, 0o600)
}

/// An I/O error without the temporary file's path that `tempfile` adds
/// (`... at path "/var/lib/.tmpX1y2"`): the operator named the real path.
pub(crate) fn without_temp_path(error: std::io::Error) -> std::io::Error {
    // tempfile keeps the OS error only as text, followed by the path.
    let text = error.to_string();
    match (error.get_ref().is_some(), text.rfind(" at path \"")) {
        (true, Some(at)) => std::io::Error::new(error.kind(), text[..at].to_string()),
        _ => error,
    }
}

/// A directory to install into (`man --out-dir`): used if it exists and
/// is writable; otherwise created with its missing parents, as `install
/// -d` does, when the nearest existing ancestor is a writable directory.
pub(crate) fn ensure_dir_all(what: &'static str, dir: &Path, mode: u32) -> Result<(), OutputError> {
    if std::fs::symlink_metadata(dir).is_ok() {
        return writable_dir(what, dir, dir);
    }
    let mut ancestor = parent_of(dir);
    while std::fs::symlink_metadata(&ancestor).is_err() {
        match ancestor.parent() {
            Some(up) if !up.as_os_str().is_empty() => ancestor = up.to_path_buf(),
            _ => {
                ancestor = PathBuf::from(".");
                break;
            }
        }
    }
    writable_dir(what, dir, &ancestor)?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
    #[cfg(not(unix))]
    let _ = mode;
    builder
        .create(dir)
        .map_err(|e| refuse(what, dir, format!("cannot create it: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[cfg(unix)]
    #[test]
    fn an_output_that_is_another_output_or_an_input_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let inv = tmp.path().join("inv.yaml");
        std::fs::write(&inv, "all: {}\n").unwrap();
        let hard = tmp.path().join("hard.yaml");
        std::fs::hard_link(&inv, &hard).unwrap();
        let sym = tmp.path().join("sym.yaml");
        std::os::unix::fs::symlink(&inv, &sym).unwrap();
        let new = tmp.path().join("new.json");
        let spelt_otherwise = tmp.path().join(".").join("new.json");
        let inputs = [("-i", inv.as_path())];
        for (outputs, clash) in [
            (vec![("--lock", inv.as_path())], "-i"),
            (vec![("--report", hard.as_path())], "-i"),
            (vec![("--report", sym.as_path())], "-i"),
            (
                vec![
                    ("--report", new.as_path()),
                    ("--html", spelt_otherwise.as_path()),
                ],
                "--html",
            ),
            (
                vec![
                    ("--report", new.as_path()),
                    ("--metrics-file", new.as_path()),
                ],
                "--metrics-file",
            ),
        ] {
            let e = refuse_shared_files(&outputs, &[], &inputs)
                .unwrap_err()
                .to_string();
            assert!(e.contains("same file as") && e.contains(clash), "{e}");
        }
        let other = tmp.path().join("other.json");
        refuse_shared_files(&[("--report", &new), ("--html", &other)], &[], &inputs).unwrap();
        // Inside a directory output, or a directory output holding an input.
        let t = tmp.path().join("t");
        std::fs::create_dir(&t).unwrap();
        let in_t = t.join("h1.log");
        let e = refuse_shared_files(&[("--lock", &in_t)], &[("--transcripts", &t)], &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--lock") && e.contains("inside --transcripts"),
            "{e}"
        );
        let e = refuse_shared_files(&[], &[("--record", tmp.path())], &inputs)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--record") && e.contains("holds -i"), "{e}");
        let e = refuse_shared_files(&[], &[("--transcripts", &t), ("--record", &t)], &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("inside --record"), "{e}");
    }

    /// A pattern read next time (an ssh_config `Include` glob, or an
    /// `Include`d file not there yet): no file output it matches, no
    /// directory output it matches or reaches into; matched as the config
    /// reader's `glob` matches (`*` within one component, leading dots).
    #[test]
    fn an_output_where_an_include_pattern_reads_next_time_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(d.join("inc")).unwrap();
        std::fs::create_dir_all(d.join("other")).unwrap();
        let glob = format!("{}/inc/*.conf", d.display());
        let missing = format!("{}/later.conf", d.display());
        let missing_dir = format!("{}/notyet/*", d.display());
        for pattern in [&glob, &missing, &missing_dir] {
            crate::support::bounds::note_input_pattern("the ssh_config Include pattern", pattern);
        }
        for (files, dirs) in [
            (vec![d.join("inc/new.conf")], vec![]),
            (vec![d.join("inc/.hidden.conf")], vec![]),
            (vec![d.join("inc/../inc/x.conf")], vec![]),
            (vec![d.join("later.conf")], vec![]),
            (vec![], vec![d.join("inc")]),
            (vec![], vec![d.join("notyet")]),
            (vec![], vec![d.join("later.conf")]),
        ] {
            let files: Vec<(&'static str, &Path)> =
                files.iter().map(|p| ("--report", p.as_path())).collect();
            let dirs: Vec<(&'static str, &Path)> = dirs
                .iter()
                .map(|p| ("--transcripts", p.as_path()))
                .collect();
            let e = refuse_shared_files(&files, &dirs, &[])
                .unwrap_err()
                .to_string();
            assert!(e.contains("matches the ssh_config Include pattern"), "{e}");
        }
        for (files, dirs) in [
            (vec![d.join("inc/new.json")], vec![]),
            (vec![d.join("inc-new.conf")], vec![]),
            (vec![], vec![d.join("other")]),
            (vec![], vec![d.join("inc/sub")]),
        ] {
            let files: Vec<(&'static str, &Path)> =
                files.iter().map(|p| ("--report", p.as_path())).collect();
            let dirs: Vec<(&'static str, &Path)> = dirs
                .iter()
                .map(|p| ("--transcripts", p.as_path()))
                .collect();
            refuse_shared_files(&files, &dirs, &[]).unwrap();
        }
    }

    /// A known_hosts file new keys are added to is an output: never
    /// another input or output, but it may be a known_hosts file read.
    #[test]
    fn a_known_hosts_file_keys_are_added_to_is_an_output() {
        use crate::support::bounds::{note_input, note_known_hosts};
        let tmp = tempfile::tempdir().unwrap();
        let inv = tmp.path().join("inv.yaml");
        let key = tmp.path().join("key");
        let read = tmp.path().join("read_kh");
        let written = tmp.path().join("kh");
        for file in [&inv, &key, &read, &written] {
            std::fs::write(file, "").unwrap();
        }
        note_input("host h1's key file", &key);
        note_known_hosts("host h2's known_hosts file", &read, false);
        for (path, other) in [(&inv, "-i"), (&key, "key file")] {
            note_known_hosts(
                "host h1's known_hosts file (new keys are added to it)",
                path,
                true,
            );
            let e = refuse_shared_files(&[], &[], &[("-i", inv.as_path())])
                .unwrap_err()
                .to_string();
            assert!(e.contains("same file as") && e.contains(other), "{e}");
            super::super::bounds::forget_written_known_hosts(path);
        }
        note_known_hosts(
            "host h1's known_hosts file (new keys are added to it)",
            &read,
            true,
        );
        note_known_hosts(
            "host h3's known_hosts file (new keys are added to it)",
            &written,
            true,
        );
        refuse_shared_files(&[], &[], &[("-i", inv.as_path())]).unwrap();
        let e = refuse_shared_files(&[("--report", &written)], &[], &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("--report") && e.contains("known_hosts"),
            "{e}"
        );
        super::super::bounds::forget_written_known_hosts(&read);
        super::super::bounds::forget_written_known_hosts(&written);
    }

    #[cfg(unix)]
    #[test]
    fn session_directories_are_never_links_and_keep_their_mode() {
        use std::os::unix::fs::PermissionsExt as _;
        let tmp = tempfile::tempdir().unwrap();
        // A directory others may write in (`/tmp`, a shared drop): refused,
        // its mode untouched (it used to be made 0700, `/tmp` included).
        let open = tmp.path().join("open");
        std::fs::create_dir(&open).unwrap();
        for shared in [0o777, 0o1777, 0o775, 0o757] {
            std::fs::set_permissions(&open, std::fs::Permissions::from_mode(shared)).unwrap();
            let e = ensure_dir("--transcripts", &open, 0o700)
                .unwrap_err()
                .to_string();
            assert!(e.contains("others may write in it"), "{shared:o}: {e}");
            let mode = std::fs::metadata(&open).unwrap().permissions().mode() & 0o7777;
            assert_eq!(mode, shared, "its mode was changed");
        }
        // One's own directory that others may only read: used as it is.
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_dir("--transcripts", &open, 0o700).unwrap();
        let mode = std::fs::metadata(&open).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
        // A new one is made 0700.
        let new = tmp.path().join("new");
        ensure_dir("--record", &new, 0o700).unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&open, &link).unwrap();
        let e = ensure_dir("--record", &link, 0o700)
            .unwrap_err()
            .to_string();
        assert!(e.contains("symbolic link") && e.contains("link"), "{e}");
        // A trailing separator or `.` makes the system resolve the link:
        // it is still the link the operator named.
        for spelling in [
            "link/", "link/.", "link//", "link/./", "./link/.", "link/..",
        ] {
            let e = ensure_dir("--record", &tmp.path().join(spelling), 0o700)
                .unwrap_err()
                .to_string();
            assert!(e.contains("symbolic link"), "{spelling}: {e}");
        }
        ensure_dir("--record", &tmp.path().join("open/."), 0o700).unwrap();
    }

    #[test]
    fn known_hosts_that_block_never_end_or_sit_under_a_file_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        std::fs::write(&file, "").unwrap();
        let fifo = tmp.path().join("kh.fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        for (path, accept_new) in [
            (fifo.clone(), false),
            (PathBuf::from("/dev/zero"), false),
            (file.join("known_hosts"), false),
            (file.join("known_hosts"), true),
            (tmp.path().to_path_buf(), false),
        ] {
            let e = check_known_hosts(&path, accept_new)
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with(&format!("--known-hosts {}", path.display())),
                "{e}"
            );
        }
        for (path, accept_new) in [
            (file.clone(), true),
            (tmp.path().join("new"), true),
            (tmp.path().join("new"), false),
            (PathBuf::from("/dev/null"), false),
        ] {
            assert!(
                check_known_hosts(&path, accept_new).is_ok(),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn a_directory_that_refuses_files_is_named_not_the_probe() {
        // sysfs takes no new files, not even root's.
        let dir = Path::new("/sys");
        if !dir.is_dir() {
            return;
        }
        let err = check_file("--report", &dir.join("report.json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot write in /sys:"), "{err}");
        assert!(
            !err.contains("sshfleet-probe") && !err.contains("at path"),
            "{err}"
        );
    }

    #[test]
    fn missing_parents_and_files_as_directories_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert!(check_file("--report", &tmp.path().join("r.json")).is_ok());
        let e = check_file("--report", &tmp.path().join("no/r.json")).unwrap_err();
        assert!(e.to_string().contains("no/r.json"), "{e}");
        assert!(check_file("--report", &file.join("r.json")).is_err());
        assert!(check_file("--report", tmp.path()).is_err());
        let made = tmp.path().join("t");
        ensure_dir("--transcripts", &made, 0o700).unwrap();
        assert!(made.is_dir());
        ensure_dir("--transcripts", &made, 0o700).unwrap();
        assert!(ensure_dir("--transcripts", &tmp.path().join("a/b"), 0o700).is_err());
        assert!(ensure_dir("--transcripts", &file, 0o700).is_err());
        let deep = tmp.path().join("share/man/man1");
        ensure_dir_all("man --out-dir", &deep, 0o755).unwrap();
        assert!(deep.is_dir());
        assert!(ensure_dir_all("man --out-dir", &file.join("man1"), 0o755).is_err());
    }
}
