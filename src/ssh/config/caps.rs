//! The counts OpenSSH 9.2 caps when it reads a list (`readconf.c`,
//! `ssh.h`, `readconf.h`): a line that goes past one is an error and `ssh`
//! stops ("Too many identity files specified (max 100)"), so sshfleet
//! stops too, naming the file and line. Without the cap a configuration
//! `ssh` refuses would be read, and a key or known_hosts file `ssh` never
//! reaches would be used. `every_list_cap_is_ssh_g_s` holds each row to
//! the installed `ssh -G` (the most accepted, one more refused), and
//! `no_other_list_is_capped` checks that every other keyword that takes
//! or gathers several values takes 200 of them.

/// How a cap counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counted {
    /// The values gathered over every line in force, duplicates once; the
    /// check comes before the duplicate is dropped (`add_identity_file`).
    Gathered,
    /// The values of the first line in force (later lines set nothing).
    FirstLine,
}

#[derive(Debug)]
pub(super) struct Cap {
    pub keyword: &'static str,
    pub max: usize,
    pub counted: Counted,
    /// What ssh says (after "FILE line N: ").
    pub message: &'static str,
}

/// Every list OpenSSH 9.2's client caps. `CertificateFile` gathers up to
/// 100 too, but sshfleet refuses any value but `none` (one file, however
/// often written), so its cap is never reached by a file sshfleet reads.
pub(super) const CAPS: [Cap; 5] = [
    Cap {
        keyword: "identityfile",
        max: 100,
        counted: Counted::Gathered,
        message: "Too many identity files specified (max 100).",
    },
    Cap {
        keyword: "userknownhostsfile",
        max: 32,
        counted: Counted::FirstLine,
        message: "too many userknownhostsfile entries.",
    },
    Cap {
        keyword: "globalknownhostsfile",
        max: 32,
        counted: Counted::FirstLine,
        message: "too many globalknownhostsfile entries.",
    },
    Cap {
        keyword: "canonicaldomains",
        max: 32,
        counted: Counted::FirstLine,
        message: "too many hostname suffixes.",
    },
    Cap {
        keyword: "canonicalizepermittedcnames",
        max: 32,
        counted: Counted::FirstLine,
        message: "too many permitted CNAMEs.",
    },
];

/// Whether a line of `keyword` with `values` may be added to `held`
/// values already in force (`first`: none was, for a first-line cap).
pub(super) fn check(keyword: &str, values: usize, held: usize) -> Result<(), String> {
    let Some(cap) = CAPS.iter().find(|c| c.keyword == keyword) else {
        return Ok(());
    };
    let over = match cap.counted {
        Counted::Gathered => held >= cap.max,
        Counted::FirstLine => held == 0 && values > cap.max,
    };
    match over {
        true => Err(format!("{keyword}: {} (ssh refuses it too)", cap.message)),
        false => Ok(()),
    }
}
