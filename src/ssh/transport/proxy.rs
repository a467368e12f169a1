//! A `ProxyCommand` as the route to a host: its stdin and stdout carry
//! the SSH session, and its process group ends with the session.

use tokio::io::{AsyncRead, AsyncWrite};

use super::ConnectError;

/// SSH over a `ProxyCommand`'s stdin and stdout. The command runs in a
/// process group of its own, ended whole (grandchildren too) when the
/// session's stream is dropped: the host's session closed, or the run
/// ended (see [`crate::support::child`]).
pub(super) fn proxy_stream(
    command: &str,
) -> Result<impl AsyncRead + AsyncWrite + Unpin + Send + 'static, ConnectError> {
    let failed = |source| ConnectError::ProxyCommand {
        command: command.to_string(),
        source,
    };
    let mut spawn = tokio::process::Command::new("sh");
    spawn
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        // Its messages would tear through the progress display.
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    #[cfg(unix)]
    spawn.process_group(0);
    crate::support::child::start_as(
        spawn.as_std_mut(),
        crate::support::child::Site::ProxyCommand,
    );
    let mut child = spawn.spawn().map_err(failed)?;
    let missing = || failed(std::io::Error::other("no pipe to the command"));
    let stdin = child.stdin.take().ok_or_else(missing)?;
    let stdout = child.stdout.take().ok_or_else(missing)?;
    let group = child.id();
    let registered = group
        .map(|pid| crate::support::child::LiveGroup::new(pid, crate::support::child::Role::Route));
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    Ok(ProxyStream {
        io: tokio::io::join(stdout, stdin),
        group,
        _registered: registered,
    })
}

/// A `ProxyCommand`'s pipes; dropping them ends its process group.
struct ProxyStream {
    io: tokio::io::Join<tokio::process::ChildStdout, tokio::process::ChildStdin>,
    group: Option<u32>,
    /// In the registry of live groups until dropped (after `drop` ended it).
    _registered: Option<crate::support::child::LiveGroup>,
}

impl Drop for ProxyStream {
    fn drop(&mut self) {
        if let Some(group) = self.group.take() {
            crate::support::child::kill_group(group);
        }
    }
}

impl AsyncRead for ProxyStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for ProxyStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use super::*;

    #[cfg(unix)]
    #[tokio::test]
    async fn a_proxy_command_ends_with_its_stream_grandchildren_too() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("still-running");
        // A command that leaves a process of its own behind, as `sh -c
        // "a | b"` or a wrapper script does.
        let stream = proxy_stream(&format!(
            "(sleep 1; touch {}) & sleep 600",
            marker.display()
        ))
        .unwrap();
        drop(stream);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(!marker.exists(), "the ProxyCommand outlived its session");
    }
}
