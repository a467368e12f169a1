//! Process limits a fleet-sized run needs.
//!
//! Every host is one TCP socket in `sshfleet run` and a listener plus a
//! socket in `sshfleet sim`; a thousand appliances would exceed the usual
//! soft limit of 1024 open files, while the hard limit is far higher.

/// Raises the soft limit on open files to the hard limit, as Go programs
/// and many servers do at start. Failure is not an error: the run goes on
/// with the limit it has, and a host that cannot get a socket says so.
pub(crate) fn raise_nofile_limit() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Nofile);
        if limit.current == limit.maximum {
            return;
        }
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::debug!("cannot raise the open-file limit: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(unix)]
    fn soft_limit_never_goes_down_and_reaches_a_finite_hard_limit() {
        use rustix::process::{Resource, getrlimit};
        let before = getrlimit(Resource::Nofile);
        super::raise_nofile_limit();
        let after = getrlimit(Resource::Nofile);
        let at_least = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a >= b,
        };
        assert!(at_least(after.current, before.current));
        // Linux grants any finite hard limit; an unlimited one cannot be.
        if cfg!(target_os = "linux") && after.maximum.is_some() {
            assert_eq!(after.current, after.maximum);
        }
    }
}
