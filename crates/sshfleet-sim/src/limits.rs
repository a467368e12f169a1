//! Every simulated host is a listener plus a socket per connection: a
//! thousand of them exceed the usual soft limit of 1024 open files, while
//! the hard limit is far higher.

/// Raises the soft limit on open files to the hard limit. Failure is not
/// an error: the fleet is served with the limit it has, and a host that
/// cannot get a socket says so.
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
