//! Logins as appliances and PAM-based sshds ask for them: the password
//! through `keyboard-interactive` when `password` is not offered, and a
//! clear refusal, naming the prompt, when the server asks something that
//! is not a password. The server here is a scripted russh server that only
//! authenticates (what happens after the login is other tests' business).

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::keys::PrivateKey;
use russh::server::{Auth, Response};
use russh::{MethodKind, MethodSet};
use sshfleet::algorithms::Algorithms;
use sshfleet::known_hosts::entry_line;
use sshfleet::transport::{
    self, ConnectError, Credentials, HostKeyPolicy, Password, Target, TransportOptions,
};

use crate::support::{new_key, sshfleet_cmd};

const PASSWORD: &str = "Ir0nP0rt-s3cret";

/// What PAM-based sshds and many appliances offer.
const KBD: &[MethodKind] = &[MethodKind::PublicKey, MethodKind::KeyboardInteractive];
const KBD_AND_PASSWORD: &[MethodKind] = &[
    MethodKind::PublicKey,
    MethodKind::Password,
    MethodKind::KeyboardInteractive,
];

/// One round of prompts: (text, echo).
type Round = Vec<(&'static str, bool)>;

/// What the server asks and what it saw.
#[derive(Clone)]
struct Script {
    rounds: Vec<Round>,
    /// Also offer the `password` method (and accept the password there).
    password_method: bool,
    seen: Arc<Mutex<Seen>>,
}

#[derive(Default, Debug)]
struct Seen {
    /// Every answer received, in order.
    answers: Vec<String>,
    /// Passwords received through the `password` method.
    passwords: Vec<String>,
}

struct Handler {
    script: Script,
    round: usize,
}

impl russh::server::Handler for Handler {
    type Error = russh::Error;

    async fn auth_password(&mut self, _user: &str, password: &str) -> Result<Auth, Self::Error> {
        let mut seen = self.script.seen.lock().unwrap();
        seen.passwords.push(password.to_string());
        Ok(if self.script.password_method && password == PASSWORD {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        _user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        if let Some(response) = response {
            let answers: Vec<String> = response
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .collect();
            let mut seen = self.script.seen.lock().unwrap();
            seen.answers.extend(answers.iter().cloned());
            if answers.iter().any(|a| a != PASSWORD) {
                return Ok(Auth::reject());
            }
        } else {
            self.round = 0;
        }
        let Some(round) = self.script.rounds.get(self.round) else {
            return Ok(Auth::Accept);
        };
        self.round += 1;
        Ok(Auth::Partial {
            name: Cow::Borrowed(""),
            instructions: Cow::Borrowed(""),
            prompts: Cow::Owned(
                round
                    .iter()
                    .map(|(text, echo)| (Cow::Borrowed(*text), *echo))
                    .collect(),
            ),
        })
    }
}

/// A scripted server on loopback, with a known_hosts file trusting it.
struct Server {
    port: u16,
    script: Script,
    dir: tempfile::TempDir,
    known_hosts: PathBuf,
    _task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// A server offering `methods`, asking `rounds` in keyboard-interactive.
    async fn start(rounds: Vec<Round>, methods: &[MethodKind]) -> Server {
        let host_key: PrivateKey = new_key();
        let password_method = methods.contains(&MethodKind::Password);
        let config = Arc::new(russh::server::Config {
            keys: vec![host_key.clone()],
            methods: MethodSet::from(methods),
            auth_rejection_time: Duration::from_millis(10),
            auth_rejection_time_initial: Some(Duration::ZERO),
            ..Default::default()
        });
        let script = Script {
            rounds,
            password_method,
            seen: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = script.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = Handler {
                    script: served.clone(),
                    round: 0,
                };
                let config = config.clone();
                tokio::spawn(async move {
                    if let Ok(session) = russh::server::run_stream(config, stream, handler).await {
                        let _ = session.await;
                    }
                });
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let known_hosts = dir.path().join("known_hosts");
        std::fs::write(
            &known_hosts,
            entry_line("127.0.0.1", port, host_key.public_key()) + "\n",
        )
        .unwrap();
        Server {
            port,
            script,
            dir,
            known_hosts,
            _task: task,
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.script.seen.lock().unwrap()
    }

    /// This server as a target: `admin` with no key, its key trusted by
    /// `known_hosts`.
    fn target(&self, known_hosts: &Path) -> Target {
        Target {
            address: "127.0.0.1".to_string(),
            port: self.port,
            credentials: Credentials {
                user: "admin".to_string(),
                ..Credentials::default()
            },
            known_hosts: known_hosts.to_path_buf(),
            host_key_policy: HostKeyPolicy::Strict,
            algorithms: Algorithms::default(),
            jumps: Vec::new(),
        }
    }

    /// Log in with the library, `password` given as `--ask-pass` gives it;
    /// the secrets the connection used.
    async fn login(&self, known_hosts: &Path, password: &str) -> Result<Vec<String>, ConnectError> {
        let target = self.target(known_hosts);
        let options =
            TransportOptions::default().with_ask_pass(Some(Password::new(password.to_string())));
        let connection = transport::connect_target(&target, &options).await?;
        connection.disconnect().await;
        Ok(connection.secrets.clone())
    }

    /// Log in with the right password, as `--ask-pass` gives it.
    async fn connect(&self, known_hosts: &Path) -> Result<(), ConnectError> {
        let secrets = self.login(known_hosts, PASSWORD).await?;
        assert_eq!(secrets, [PASSWORD]);
        Ok(())
    }

    /// `sshfleet run` on this server, the password in `$ESA_PASSWORD`:
    /// (exit code, status, error).
    async fn run(&self) -> (i32, String, String) {
        let inventory = self.dir.path().join("inventory.yaml");
        std::fs::write(
            &inventory,
            format!(
                "all:\n  hosts:\n    esa01.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {}\n      ansible_user: admin\n      sshfleet_password_env: ESA_PASSWORD\n",
                self.port
            ),
        )
        .unwrap();
        let report = self.dir.path().join("report.json");
        let args: Vec<String> = [
            "run",
            "esa-ecupdate",
            "-i",
            inventory.to_str().unwrap(),
            "--known-hosts",
            self.known_hosts.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--no-progress",
            "--connect-retries",
            "0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let out = sshfleet_cmd(&args, &[("ESA_PASSWORD", PASSWORD)]).await;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains(PASSWORD), "password printed: {text}");
        let report_text =
            std::fs::read_to_string(&report).unwrap_or_else(|_| panic!("no report: {text}"));
        assert!(!report_text.contains(PASSWORD), "password in report");
        let report: serde_json::Value = serde_json::from_str(&report_text).unwrap();
        let host = &report["hosts"][0];
        (
            out.status.code().unwrap_or(-1),
            host["status"].as_str().unwrap().to_string(),
            host["error"].as_str().unwrap_or("").to_string(),
        )
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn password_is_given_through_keyboard_interactive_when_password_is_not_offered() {
    // PAM's way: an empty round (instructions only) may come before or
    // after the password prompt.
    let server = Server::start(vec![vec![], vec![("Password: ", false)], vec![]], KBD).await;
    server.connect(&server.known_hosts).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.answers, [PASSWORD]);
    // `password` is not offered: the password was not sent that way.
    assert!(seen.passwords.is_empty(), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn several_hidden_prompts_are_each_answered_with_the_password() {
    let server = Server::start(
        vec![
            vec![("Password: ", false)],
            vec![("Password for admin@esa01: ", false)],
        ],
        KBD,
    )
    .await;
    server.connect(&server.known_hosts).await.unwrap();
    assert_eq!(server.seen().answers, [PASSWORD, PASSWORD]);
}

#[tokio::test(flavor = "multi_thread")]
async fn password_method_is_tried_first_where_offered() {
    let server = Server::start(vec![vec![("Password: ", false)]], KBD_AND_PASSWORD).await;
    server.connect(&server.known_hosts).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.passwords, [PASSWORD]);
    assert!(seen.answers.is_empty(), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn echoed_prompt_stops_the_login_naming_it_and_nothing_is_sent() {
    let server = Server::start(vec![vec![("Username: ", true)]], KBD).await;
    let (code, status, error) = server.run().await;
    assert_eq!((code, status.as_str()), (4, "unreachable"), "{error}");
    assert!(
        error.starts_with(
            "keyboard-interactive login as `admin` stopped at the prompt `Username:`: it is asked with echo on"
        ),
        "{error}"
    );
    assert!(server.seen().answers.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn more_prompts_than_a_password_login_has_stop_the_login_naming_the_prompt() {
    // A second factor after the password: sshfleet cannot answer it.
    let server = Server::start(
        vec![
            vec![("Password: ", false)],
            vec![("Password: ", false)],
            vec![("Password: ", false)],
            vec![("Verification code: ", false)],
        ],
        KBD,
    )
    .await;
    let (code, status, error) = server.run().await;
    assert_eq!((code, status.as_str()), (4, "unreachable"), "{error}");
    assert!(
        error.contains("stopped at the prompt `Verification code:`")
            && error.contains("more than 3 hidden answers"),
        "{error}"
    );
    assert_eq!(server.seen().answers.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_is_an_authentication_failure() {
    let server = Server::start(vec![vec![("Password: ", false)]], KBD).await;
    let wrong = "not-the-password";
    let error = server
        .login(&server.known_hosts, wrong)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "authentication failed for user `admin` (tried: password from --ask-pass (keyboard-interactive))"
    );
    assert!(!error.contains(wrong));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_password_is_sent_to_a_host_whose_key_is_not_known() {
    let server = Server::start(vec![vec![("Password: ", false)]], KBD_AND_PASSWORD).await;
    let empty = server.dir.path().join("empty_known_hosts");
    std::fs::write(&empty, "").unwrap();
    let error = server.connect(&empty).await.unwrap_err();
    assert!(
        matches!(error, ConnectError::UnknownHostKey { .. }),
        "{error}"
    );
    let seen = server.seen();
    assert!(
        seen.passwords.is_empty() && seen.answers.is_empty(),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_takes_no_password_gets_none_and_says_what_it_takes() {
    let server = Server::start(vec![vec![("Password: ", false)]], &[MethodKind::PublicKey]).await;
    let (code, status, error) = server.run().await;
    assert_eq!((code, status.as_str()), (4, "unreachable"), "{error}");
    assert_eq!(
        error,
        "authentication failed for user `admin` (tried: password from $ESA_PASSWORD \
         (not sent: the server accepts only publickey))"
    );
    let seen = server.seen();
    assert!(
        seen.passwords.is_empty() && seen.answers.is_empty(),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_asked_password_is_never_sent_to_a_jump_host() {
    // The jump host would take the password through either method; it
    // must get none: jump hosts authenticate with keys only.
    let jump = Server::start(vec![vec![("Password: ", false)]], KBD_AND_PASSWORD).await;
    let hop = jump.target(&jump.known_hosts);
    let target = Target {
        address: "esa-inner.example.com".to_string(),
        jumps: vec![hop.clone()],
        ..hop
    };
    let options =
        TransportOptions::default().with_ask_pass(Some(Password::new(PASSWORD.to_string())));
    let error = match transport::connect_target(&target, &options).await {
        Ok(_) => panic!("logged in through a jump host with no key"),
        Err(e) => e.to_string(),
    };
    assert!(
        error.starts_with(&format!(
            "via jump host [127.0.0.1]:{}: no way to authenticate as `admin`",
            jump.port
        )),
        "{error}"
    );
    let seen = jump.seen();
    assert!(
        seen.passwords.is_empty() && seen.answers.is_empty(),
        "{seen:?}"
    );
}
