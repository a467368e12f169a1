//! The russh server side of a simulated appliance: accept loop, password and
//! key authentication, PTY + shell channels wired to a [`shell`] session
//! (AsyncOS) or exec channels answered by a [`windows`] endpoint,
//! `direct-tcpip` forwarding when the host is a bastion, and a TCP stream
//! that can be cut without any SSH goodbye.
//!
//! [`windows`]: crate::windows
//!
//! [`shell`]: crate::shell

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::task::AtomicWaker;
use russh::server::{Auth, Handle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Disconnect, Pty};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::shell::{INPUT_CHUNKS, OUTPUT_CHUNKS, Output, Rows, run_session};
use crate::windows::{Endpoint, ExecOutput};
use crate::{Directory, Served, SimAuth, lock};

/// Channels one connection may open; more are refused.
const MAX_CHANNELS: usize = 8;
/// How long a bastion tries to reach a forwarding destination.
const FORWARD_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a graceful disconnect may take on shutdown before the
/// connection is cut.
const DISCONNECT_GRACE: Duration = Duration::from_millis(200);

/// russh server settings for a simulated appliance.
pub(crate) fn config(host_key: russh::keys::PrivateKey) -> russh::server::Config {
    russh::server::Config {
        keys: vec![host_key],
        // Rejections need no constant time on loopback; tests stay fast.
        auth_rejection_time: Duration::from_millis(10),
        auth_rejection_time_initial: Some(Duration::ZERO),
        // The AsyncOS CLI's own idle timeout is 30 minutes.
        inactivity_timeout: Some(Duration::from_secs(30 * 60)),
        nodelay: true,
        ..Default::default()
    }
}

/// Resolves once the fleet is shutting down (signal sent or sender gone).
pub(crate) async fn shutdown_requested(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// Accepts connections until shutdown; on shutdown every connection is
/// disconnected (or cut) before this returns.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    config: Arc<russh::server::Config>,
    served: Served,
    auth: Arc<SimAuth>,
    forward_to: Option<Directory>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown_requested(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(
                        stream,
                        config.clone(),
                        served.clone(),
                        auth.clone(),
                        forward_to.clone(),
                        shutdown.clone(),
                    ));
                }
                // Out of descriptors and the like: back off, keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let all_closed = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(DISCONNECT_GRACE * 2, all_closed)
        .await
        .is_err()
    {
        connections.abort_all();
    }
}

async fn connection(
    stream: TcpStream,
    config: Arc<russh::server::Config>,
    served: Served,
    auth: Arc<SimAuth>,
    forward_to: Option<Directory>,
    mut shutdown: watch::Receiver<bool>,
) {
    let kill = KillSwitch::default();
    // Cuts the connection however this task ends, aborted included.
    let _cut_on_exit = CutOnDrop(kill.clone());
    let handler = ConnectionHandler {
        offered: config.methods.clone(),
        served,
        auth,
        forward_to,
        kill: kill.clone(),
        channels: HashMap::new(),
        execs: 0,
    };
    let stream = KillableStream {
        inner: stream,
        kill: kill.clone(),
    };
    let session = tokio::select! {
        s = russh::server::run_stream(config, stream, handler) => s,
        _ = shutdown_requested(&mut shutdown) => return,
    };
    let Ok(session) = session else { return };
    let handle = session.handle();
    tokio::pin!(session);
    tokio::select! {
        _ = &mut session => {}
        _ = shutdown_requested(&mut shutdown) => {
            let _ = handle
                .disconnect(Disconnect::ByApplication, "simulator shutting down".into(), String::new())
                .await;
            let _ = tokio::time::timeout(DISCONNECT_GRACE, &mut session).await;
        }
    }
}

#[derive(Default)]
struct ChannelState {
    input: Option<mpsc::Sender<Vec<u8>>>,
    shell_started: bool,
    /// The terminal height the client asked for (0: no PTY).
    rows: Rows,
    /// Set once the server has closed the channel itself (a command
    /// answered, a shell exited): russh does not report the client's reply
    /// to that close, so this is how the slot is known to be free again.
    closed: Arc<std::sync::atomic::AtomicBool>,
}

struct ConnectionHandler {
    /// The login methods this sshd offers; it accepts no other.
    offered: russh::MethodSet,
    served: Served,
    auth: Arc<SimAuth>,
    /// `Some` on a bastion: where the fleet's names resolve.
    forward_to: Option<Directory>,
    kill: KillSwitch,
    channels: HashMap<ChannelId, ChannelState>,
    /// Exec requests on this connection (for `StopAnswering`).
    execs: usize,
}

impl ConnectionHandler {
    fn key_allowed(&self, user: &str, key: &russh::keys::PublicKey) -> bool {
        self.offered.contains(&russh::MethodKind::PublicKey)
            && user == self.auth.username
            && self
                .auth
                .authorized_keys
                .iter()
                .any(|k| k.key_data() == key.key_data())
    }
}

impl ConnectionHandler {
    /// An exec request to a replayed host recorded in exec mode: answered
    /// from the recording, one command per channel.
    fn exec_replayed(
        &mut self,
        host: Arc<crate::replay::Replayed>,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        let exec_mode = host.profile().mode() == sshfleet_recording::Mode::Exec;
        let Some(state) = self.channels.get_mut(&channel).filter(|s| !s.shell_started) else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        if !exec_mode {
            // An appliance recorded over a PTY shell runs no exec request.
            session.channel_failure(channel)?;
            return Ok(());
        }
        state.shell_started = true;
        let closed = state.closed.clone();
        session.channel_success(channel)?;
        let line = String::from_utf8_lossy(data).trim().to_string();
        self.execs += 1;
        let faults = &host.profile().faults;
        let silent =
            crate::asyncos::Fault::stop_answering_after(faults).is_some_and(|n| self.execs > n);
        if let Some(after) = crate::asyncos::Fault::drop_mid_follow(faults)
            && self.execs == 1
        {
            let kill = self.kill.clone();
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                kill.kill();
            });
        }
        if silent {
            host.stats().record_command(&line);
        } else {
            let handle = session.handle();
            tokio::spawn(async move {
                if crate::replay::answer_exec(host, line, handle, channel).await {
                    closed.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
        Ok(())
    }
}

impl russh::server::Handler for ConnectionHandler {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let ok = self.offered.contains(&russh::MethodKind::Password)
            && user == self.auth.username
            && self.auth.password.as_deref() == Some(password);
        Ok(if ok { Auth::Accept } else { Auth::reject() })
    }

    /// A PAM-style login (docs/DEVICES.md, "Logins"): one hidden
    /// `Password:` prompt, answered with the account's password.
    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        let Some(mut response) = response else {
            return Ok(Auth::Partial {
                name: "".into(),
                instructions: "".into(),
                prompts: vec![("Password: ".into(), false)].into(),
            });
        };
        let answer = response.next();
        let ok = self
            .offered
            .contains(&russh::MethodKind::KeyboardInteractive)
            && user == self.auth.username
            && answer.is_some_and(|a| {
                Some(a.as_ref()) == self.auth.password.as_deref().map(str::as_bytes)
            });
        Ok(if ok { Auth::Accept } else { Auth::reject() })
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(if self.key_allowed(user, offer.public_key) {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(if self.key_allowed(user, key.public_key) {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels
            .retain(|_, c| !c.closed.load(std::sync::atomic::Ordering::Relaxed));
        if self.channels.len() >= MAX_CHANNELS {
            reply
                .reject(russh::ChannelOpenFailure::ResourceShortage)
                .await;
            return Ok(());
        }
        // Input goes through `data` below; the Channel object itself is not
        // read, so it is dropped rather than left to fill up.
        self.channels.insert(channel.id(), ChannelState::default());
        reply.accept().await;
        Ok(())
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        channel: Channel<Msg>,
        host_to_connect: &str,
        port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let stats = self.served.stats();
        let (Some(directory), Ok(port)) = (&self.forward_to, u16::try_from(port_to_connect)) else {
            stats.update(|s| s.forwards_refused += 1);
            reply
                .reject(russh::ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        };
        let known = lock(directory)
            .get(&host_to_connect.to_ascii_lowercase())
            .copied();
        let requested = format!("{host_to_connect}:{port}");
        let host = host_to_connect.to_string();
        let served = self.served.clone();
        // Connecting must not hold up this connection's other channels.
        tokio::spawn(async move {
            let connecting = async {
                match known {
                    Some(ip) => TcpStream::connect((ip, port)).await,
                    None => TcpStream::connect((host.as_str(), port)).await,
                }
            };
            let Ok(Ok(mut outbound)) =
                tokio::time::timeout(FORWARD_CONNECT_TIMEOUT, connecting).await
            else {
                served.stats().update(|s| s.forwards_refused += 1);
                reply.reject(russh::ChannelOpenFailure::ConnectFailed).await;
                return;
            };
            reply.accept().await;
            served.stats().update(|s| s.forwarded.push(requested));
            let mut inbound = channel.into_stream();
            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
        });
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // OpenSSH for Windows would give a PowerShell console; sshfleet
        // never asks an endpoint for one, so it is simply refused.
        let shell = match &self.served {
            Served::AsyncOs(_) => true,
            Served::Replay(host) => host.profile().mode() == sshfleet_recording::Mode::Shell,
            Served::Windows(_) => false,
        };
        match self.channels.get(&channel) {
            Some(state) if shell => {
                // The CLI pages to this height (docs/DEVICES.md, "The pager").
                state.rows.store(row_height, Ordering::Relaxed);
                session.channel_success(channel)?;
            }
            _ => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        _col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(state) = self.channels.get(&channel) {
            state.rows.store(row_height, Ordering::Relaxed);
        }
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let replayed = match &self.served {
            Served::Replay(host) if host.profile().mode() == sshfleet_recording::Mode::Shell => {
                Some(host.clone())
            }
            _ => None,
        };
        let appliance = match &self.served {
            Served::AsyncOs(appliance) => Some(appliance.clone()),
            _ => None,
        };
        if appliance.is_none() && replayed.is_none() {
            session.channel_failure(channel)?;
            return Ok(());
        }
        let Some(state) = self.channels.get_mut(&channel) else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        if state.shell_started {
            session.channel_failure(channel)?;
            return Ok(());
        }
        state.shell_started = true;
        let (input_tx, input_rx) = mpsc::channel(INPUT_CHUNKS);
        let (out_tx, out_rx) = mpsc::channel(OUTPUT_CHUNKS);
        state.input = Some(input_tx);
        let closed = state.closed.clone();
        let rows = state.rows.clone();
        session.channel_success(channel)?;
        match (appliance, replayed) {
            (Some(appliance), _) => {
                tokio::spawn(run_session(appliance, input_rx, out_tx, rows));
            }
            (None, Some(host)) => {
                tokio::spawn(crate::replay::run_shell(host, input_rx, out_tx));
            }
            (None, None) => {}
        }
        tokio::spawn(pump(
            session.handle(),
            channel,
            out_rx,
            self.kill.clone(),
            closed,
        ));
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Served::Replay(host) = &self.served {
            let host = host.clone();
            return self.exec_replayed(host, channel, data, session);
        }
        // The appliance CLI is interactive only here.
        let Served::Windows(endpoint) = &self.served else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        let Some(state) = self.channels.get_mut(&channel) else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        // One command per channel, as sshd runs one process per exec.
        if state.shell_started {
            session.channel_failure(channel)?;
            return Ok(());
        }
        state.shell_started = true;
        let closed = state.closed.clone();
        session.channel_success(channel)?;
        let line = String::from_utf8_lossy(data).trim().to_string();
        for executed in endpoint.executed(&line) {
            endpoint.stats().record_command(&executed);
        }
        self.execs += 1;
        let silent = endpoint
            .profile()
            .stop_answering_after()
            .is_some_and(|n| self.execs > n);
        // `StopAnswering`: the channel stays open and nothing ever comes.
        if !silent {
            tokio::spawn(answer_exec(
                endpoint.clone(),
                line,
                session.handle(),
                channel,
                closed,
                self.kill.clone(),
            ));
        }
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(input) = self.channels.get(&channel).and_then(|c| c.input.as_ref()) {
            // Never block the SSH session on a slow shell: a full queue
            // drops the keystrokes, as a full tty would.
            let _ = input.try_send(data.to_vec());
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(state) = self.channels.get_mut(&channel) {
            state.input = None;
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.remove(&channel);
        Ok(())
    }
}

/// Runs one command on an endpoint and writes its stdout, then its stderr
/// (extended data 1), its exit status, EOF and close.
async fn answer_exec(
    endpoint: Arc<Endpoint>,
    line: String,
    handle: Handle,
    channel: ChannelId,
    closed: Arc<std::sync::atomic::AtomicBool>,
    kill: KillSwitch,
) {
    endpoint.stats().update(|s| {
        s.sessions_opened += 1;
        s.sessions_open += 1;
    });
    let forced_before = endpoint.stats().forced_updates();
    let output = endpoint.run(&line);
    // `DropMidFollow`: the connection goes this long after an accepted
    // `sfc.exe -forceupdate`, whichever shell ran it.
    if let Some(after) = endpoint.profile().drop_after_force_update()
        && endpoint.stats().forced_updates() > forced_before
    {
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            kill.kill();
        });
    }
    let trickle = endpoint.profile().trickle();
    // In the endpoint's code page (docs/DEVICES.md).
    let code_page = endpoint.profile().code_page;
    let streams = [
        (None, ExecOutput::encoded(&output.stdout, code_page)),
        (Some(1), ExecOutput::encoded(&output.stderr, code_page)),
    ];
    let mut sent = true;
    for (ext, bytes) in streams {
        if !crate::channel::send(&handle, channel, ext, bytes, trickle).await {
            sent = false;
            break;
        }
    }
    if sent {
        let _ = handle.exit_status_request(channel, output.status).await;
        let _ = handle.eof(channel).await;
        let _ = handle.close(channel).await;
        closed.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    endpoint
        .stats()
        .update(|s| s.sessions_open = s.sessions_open.saturating_sub(1));
}

/// Writes a session's output to its channel.
async fn pump(
    handle: Handle,
    channel: ChannelId,
    mut out: mpsc::Receiver<Output>,
    kill: KillSwitch,
    closed: Arc<std::sync::atomic::AtomicBool>,
) {
    while let Some(output) = out.recv().await {
        match output {
            Output::Data(bytes) => {
                if handle.data(channel, bytes).await.is_err() {
                    break;
                }
            }
            Output::Exit(status) => {
                let _ = handle.exit_status_request(channel, status).await;
                let _ = handle.eof(channel).await;
                let _ = handle.close(channel).await;
                closed.store(true, std::sync::atomic::Ordering::Relaxed);
                break;
            }
            Output::DropConnection => {
                kill.kill();
                break;
            }
        }
    }
}

/// Shared between a connection's stream and whoever may cut it.
#[derive(Clone, Default)]
struct KillSwitch(Arc<KillState>);

#[derive(Default)]
struct KillState {
    killed: AtomicBool,
    read_waker: AtomicWaker,
    write_waker: AtomicWaker,
}

impl KillSwitch {
    fn kill(&self) {
        self.0.killed.store(true, Ordering::SeqCst);
        self.0.read_waker.wake();
        self.0.write_waker.wake();
    }

    fn is_killed(&self) -> bool {
        self.0.killed.load(Ordering::SeqCst)
    }
}

struct CutOnDrop(KillSwitch);

impl Drop for CutOnDrop {
    fn drop(&mut self) {
        self.0.kill();
    }
}

/// A TCP stream that fails every read and write once killed, so russh ends
/// the session and closes the socket without sending anything more. Zero
/// linger makes the close a reset, like an appliance that vanished.
struct KillableStream {
    inner: TcpStream,
    kill: KillSwitch,
}

impl KillableStream {
    fn check(&self) -> std::io::Result<()> {
        if self.kill.is_killed() {
            let _ = self.inner.set_zero_linger();
            Err(std::io::ErrorKind::ConnectionReset.into())
        } else {
            Ok(())
        }
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.kill.0.read_waker.register(cx.waker());
        self.check()?;
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.kill.0.write_waker.register(cx.waker());
        self.check()?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
