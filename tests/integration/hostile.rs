//! A hostile SSH server: a raw TCP listener that speaks just enough SSH to
//! be dangerous (a banner, a KEXINIT with hostile algorithm names, a flood,
//! a C1 control split across two writes, an echoed password), then holds
//! the connection. What it sends arrives before any host key is checked,
//! so nothing of it may reach an operator's terminal raw.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// What the server writes, chunk by chunk (each its own TCP write, with a
/// pause between, so a control character can be split across packets).
pub struct Hostile {
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Hostile {
    pub async fn start(chunks: Vec<Vec<u8>>) -> Hostile {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let chunks = chunks.clone();
                tokio::spawn(async move {
                    for chunk in chunks {
                        if socket.write_all(&chunk).await.is_err() {
                            return;
                        }
                        let _ = socket.flush().await;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    // Hold the line until the client gives up.
                    let mut sink = [0u8; 4096];
                    while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
                });
            }
        });
        Hostile { port, task }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An SSH identification line (RFC 4253 4.2), CRLF added.
pub fn banner(text: &[u8]) -> Vec<u8> {
    let mut line = text.to_vec();
    line.extend_from_slice(b"\r\n");
    line
}

/// A binary packet (RFC 4253 6) around `payload`, unencrypted as before
/// the first key exchange.
pub fn packet(payload: &[u8]) -> Vec<u8> {
    let mut padding = 8 - (5 + payload.len()) % 8;
    if padding < 4 {
        padding += 8;
    }
    let length = u32::try_from(1 + payload.len() + padding).unwrap();
    let mut out = length.to_be_bytes().to_vec();
    out.push(u8::try_from(padding).unwrap());
    out.extend_from_slice(payload);
    out.extend(std::iter::repeat_n(0u8, padding));
    out
}

/// SSH_MSG_KEXINIT (RFC 4253 7.1) offering `names` in every name-list.
pub fn kexinit(names: &[u8]) -> Vec<u8> {
    let mut payload = vec![20u8];
    payload.extend_from_slice(&[0x42; 16]);
    for _ in 0..10 {
        payload.extend_from_slice(&u32::try_from(names.len()).unwrap().to_be_bytes());
        payload.extend_from_slice(names);
    }
    payload.push(0);
    payload.extend_from_slice(&0u32.to_be_bytes());
    packet(&payload)
}

/// `bytes` of pre-identification text without a newline (RFC 4253 4.2
/// lets a server send lines before its identification; this one never
/// ends its line), with ESC and a C1 CSI in it, in chunks of 64 KiB.
pub fn flood(bytes: usize) -> Vec<Vec<u8>> {
    let mut pattern = b"\x1b[2J".to_vec();
    pattern.extend_from_slice("\u{9b}31m".as_bytes());
    pattern.extend(std::iter::repeat_n(b'x', 54));
    let chunk: Vec<u8> = pattern.iter().copied().cycle().take(64 * 1024).collect();
    (0..bytes.div_ceil(chunk.len()))
        .map(|_| chunk.clone())
        .collect()
}

/// The bidirectional controls and line/paragraph separators no output may
/// carry raw (docs/SECURITY.md, I2).
fn is_bidi_or_separator(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}'
        )
}

/// Every raw control character (C0 but newline and tab, DEL, C1, the
/// bidirectional controls and separators) in `text`.
pub fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| (c.is_control() && c != '\n' && c != '\t') || is_bidi_or_separator(c))
        .collect()
}
