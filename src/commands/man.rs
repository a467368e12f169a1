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
            use std::io::Write as _;
            let page = crate::cli::man::page(crate::cli::command())?;
            match std::io::stdout().write_all(page.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(e.into());
                }
                _ => {}
            }
        }
    }
    Ok(ExitCode::Success)
}

pub(super) fn completions(shell: clap_complete::Shell) -> Result<ExitCode, Error> {
    clap_complete::generate(
        shell,
        &mut crate::cli::command(),
        "sshfleet",
        &mut std::io::stdout(),
    );
    Ok(ExitCode::Success)
}
