//! `sshfleet man`: the manual pages, rendered by clap_mangen from the same
//! texts as `--help`. Indented lines (the examples, one command a line) are
//! set in roff no-fill blocks, so `man` never joins them or breaks one
//! mid-option.

/// The page of `cmd` alone (`sshfleet man | man -l -`).
pub(crate) fn page(cmd: clap::Command) -> std::io::Result<String> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut roff)?;
    Ok(no_fill(&String::from_utf8_lossy(&roff)))
}

/// One page per command and subcommand (sshfleet.1, sshfleet-run.1, ...):
/// file name and text; `commands::man` writes them.
pub(crate) fn pages(cmd: clap::Command) -> std::io::Result<Vec<(String, String)>> {
    fn each(cmd: clap::Command, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            each(sub.clone(), out)?;
        }
        let name = clap_mangen::Man::new(cmd.clone()).get_filename();
        out.push((name, page(cmd)?));
        Ok(())
    }
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    each(cmd, &mut out)?;
    Ok(out)
}

/// `roff` with each run of indented text lines between `.nf` and `.fi`.
fn no_fill(roff: &str) -> String {
    let mut out = String::with_capacity(roff.len() + 64);
    let mut verbatim = false;
    for line in roff.lines() {
        let indented = line.starts_with(' ');
        if indented != verbatim {
            out.push_str(if indented { ".nf\n" } else { ".fi\n" });
            verbatim = indented;
        }
        out.push_str(line);
        out.push('\n');
    }
    if verbatim {
        out.push_str(".fi\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indented_lines_are_not_filled() {
        let roff = "Examples:\n  sshfleet run a \\-\\-check\n  sshfleet run b\n.PP\ntext\n";
        assert_eq!(
            no_fill(roff),
            "Examples:\n.nf\n  sshfleet run a \\-\\-check\n  sshfleet run b\n.fi\n.PP\ntext\n"
        );
    }
}
