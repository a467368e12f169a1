//! `sshfleet man` and `sshfleet completions`: generated from the clap
//! command, so they never drift from `--help`.

use std::path::PathBuf;

use crate::error::Error;
use crate::exit::ExitCode;

pub(super) fn execute(out_dir: Option<PathBuf>) -> Result<ExitCode, Error> {
    match out_dir {
        Some(dir) => {
            // Created with its parents (a fresh prefix has no
            // share/man/man1), checked before anything is written.
            crate::support::outputs::ensure_dir_all("man --out-dir", &dir, 0o755)?;
            // Each page is a new file renamed into place: a link planted
            // at `sshfleet.1` is replaced, never written through (I5).
            crate::cli::man::pages(crate::cli::command())
                .and_then(|pages| {
                    pages.iter().try_for_each(|(name, text)| {
                        crate::support::outputs::write_atomic(
                            &dir.join(name),
                            text.as_bytes(),
                            0o644,
                        )
                    })
                })
                .map_err(|source| Error::WriteManPages { dir, source })?;
        }
        // `sshfleet man | head` is not an error.
        None => {
            let page = crate::cli::man::page(crate::cli::command())?;
            write_stdout(page.as_bytes())?;
        }
    }
    Ok(ExitCode::Success)
}

/// Generated into memory first: clap_complete writes to the stream itself
/// and panics on any error, so `sshfleet completions bash | head -c 1`
/// was an exit 101. Written here, a closed pipe ends the output quietly,
/// as for every other subcommand.
pub(super) fn completions(shell: clap_complete::Shell) -> Result<ExitCode, Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut crate::cli::command(), "sshfleet", &mut script);
    write_stdout(&script)?;
    Ok(ExitCode::Success)
}

/// Write all of `bytes` to stdout; a reader that went away (`| head`) is
/// not an error.
fn write_stdout(bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
