//! The server's host key algorithms, read off its first KEXINIT as the
//! bytes pass to russh. russh offers every certificate type ahead of every
//! plain one, so where OpenSSH offers a certificate type after a plain one
//! sshfleet leaves it out; which key the server then presents depends on
//! what the server offers. Knowing that list, sshfleet computes the choice
//! `ssh` makes (the first of its own list the server offers) and the one
//! russh made, and refuses when they differ, instead of checking another
//! key than `ssh` does.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Past this many bytes without a whole KEXINIT, reading stops (the list
/// stays unknown and the connection is refused).
const LIMIT: usize = 256 * 1024;

/// What the sniffer found; shared with the host key check.
pub(super) type ServerHostKeys = Arc<Mutex<Option<Vec<String>>>>;

/// A stream that copies what it reads until the server's KEXINIT is parsed.
pub(super) struct Sniff<S> {
    inner: S,
    seen: Vec<u8>,
    done: bool,
    found: ServerHostKeys,
}

impl<S> Sniff<S> {
    pub(super) fn new(inner: S, found: ServerHostKeys) -> Sniff<S> {
        Sniff {
            inner,
            seen: Vec::new(),
            done: false,
            found,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        if self.done {
            return;
        }
        self.seen.extend_from_slice(bytes);
        match host_key_list(&self.seen) {
            Some(list) => {
                *self
                    .found
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = list;
                self.done = true;
                self.seen = Vec::new();
            }
            None if self.seen.len() > LIMIT => {
                self.done = true;
                self.seen = Vec::new();
            }
            None => {}
        }
    }
}

/// `Some(Some(list))` once the version line and the first packet (a
/// KEXINIT) are in; `Some(None)` when the first packet is not one; `None`
/// while more bytes are needed.
fn host_key_list(bytes: &[u8]) -> Option<Option<Vec<String>>> {
    // Lines before the version line (RFC 4253 4.2), then `SSH-...\n`.
    let mut at = 0;
    loop {
        let end = at + bytes[at..].iter().position(|&b| b == b'\n')?;
        let is_version = bytes[at..].starts_with(b"SSH-");
        at = end + 1;
        if is_version {
            break;
        }
    }
    let packet = &bytes[at..];
    let length = u32::from_be_bytes(packet.get(..4)?.try_into().ok()?) as usize;
    let body = packet.get(4..4 + length)?;
    // padding length, message number, 16 bytes of cookie, then name-lists.
    if body.get(1) != Some(&20) {
        return Some(None);
    }
    let mut rest = body.get(18..).unwrap_or_default();
    let mut next = || -> Option<&[u8]> {
        let n = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let list = rest.get(4..4 + n)?;
        rest = &rest[4 + n..];
        Some(list)
    };
    let (Some(_kex), Some(host_keys)) = (next(), next()) else {
        return Some(None);
    };
    let text = String::from_utf8_lossy(host_keys);
    Some(Some(
        text.split(',')
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect(),
    ))
}

/// The name each side takes: the first of the client's list the server
/// offers (RFC 4253 7.1).
pub(super) fn choice<'a>(client: &'a [String], server: &[String]) -> Option<&'a str> {
    client
        .iter()
        .find(|n| server.contains(n))
        .map(String::as_str)
}

impl<S: AsyncRead + Unpin> AsyncRead for Sniff<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled
            && !self.done
        {
            let new = buf.filled()[before..].to_vec();
            self.feed(&new);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Sniff<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn name_list(names: &str) -> Vec<u8> {
        let mut out = (names.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(names.as_bytes());
        out
    }

    fn kexinit(host_keys: &str) -> Vec<u8> {
        let mut body = vec![4, 20];
        body.extend_from_slice(&[0; 16]);
        body.extend(name_list("curve25519-sha256"));
        body.extend(name_list(host_keys));
        body.extend([0; 4]);
        let mut out = (body.len() as u32).to_be_bytes().to_vec();
        out.extend(body);
        out
    }

    #[test]
    fn the_list_is_read_byte_by_byte_after_banner_lines() {
        let mut wire = b"hello\r\nSSH-2.0-OpenSSH_9.2\r\n".to_vec();
        wire.extend(kexinit("ssh-ed25519-cert-v01@openssh.com,ssh-ed25519"));
        let found: ServerHostKeys = Arc::default();
        let mut sniff = Sniff::new(tokio::io::empty(), found.clone());
        for (i, b) in wire.iter().enumerate() {
            assert!(found.lock().unwrap().is_none() || i == wire.len(), "{i}");
            sniff.feed(&[*b]);
        }
        assert_eq!(
            found.lock().unwrap().clone().unwrap(),
            ["ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519"]
        );
    }

    #[test]
    fn a_first_packet_that_is_not_kexinit_leaves_the_list_unknown() {
        let mut wire = b"SSH-2.0-x\n".to_vec();
        let mut packet = kexinit("ssh-ed25519");
        packet[5] = 21;
        wire.extend(packet);
        assert_eq!(host_key_list(&wire), Some(None));
    }
}
