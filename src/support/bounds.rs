//! Bounds on what operators and their files may ask for, checked where the
//! value is parsed: a duration is at most a day and never zero (a zero
//! timeout can only fail; a huge one overflows the clock), and a file
//! sshfleet reads is a regular file of bounded size.

use std::io::Read as _;
use std::path::Path;
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

pub(crate) fn max_input() -> u64 {
    std::env::var("SSHFLEET_MAX_INPUT_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_MAX_INPUT)
}

fn refused(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}

/// Read an operator's file (inventory, playbook, report, ssh_config,
/// known_hosts, a vault password file, a `--limit @file`) as text: a
/// regular file only (a FIFO or `/dev/zero` would block or never end), of
/// at most 64 MiB (`SSHFLEET_MAX_INPUT_BYTES`).
pub(crate) fn read_input(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_input_bytes(path)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// [`read_input`], as bytes (known_hosts is read lossily).
pub(crate) fn read_input_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    // Checked before opening: opening a FIFO blocks until a writer comes.
    let meta = std::fs::metadata(path)?;
    // `/dev/null` (`-F /dev/null`, `UserKnownHostsFile /dev/null`) is the
    // one device read: it is empty and never blocks.
    if !meta.is_file() && std::fs::canonicalize(path).is_ok_and(|p| p == Path::new("/dev/null")) {
        return Ok(Vec::new());
    }
    if !meta.is_file() {
        return Err(refused(
            "not a regular file (a FIFO, a device or a directory); sshfleet reads only regular files"
                .to_string(),
        ));
    }
    let max = max_input();
    let too_large = || {
        refused(format!(
            "larger than {max} bytes (set SSHFLEET_MAX_INPUT_BYTES to allow more)"
        ))
    };
    if meta.len() > max {
        return Err(too_large());
    }
    let mut text = Vec::new();
    std::fs::File::open(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut text)?;
    if u64::try_from(text.len()).unwrap_or(u64::MAX) > max {
        return Err(too_large());
    }
    Ok(text)
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
    Ok(text)
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

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read() {
        let e = read_input(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert_eq!(read_input(Path::new("/dev/null")).unwrap(), "");
        let dir = tempfile::tempdir().unwrap();
        let e = read_input(dir.path()).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
}
