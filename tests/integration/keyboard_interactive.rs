//! Logins as appliances and PAM-based sshds ask for them: the password
//! through `keyboard-interactive` when `password` is not offered, and a
//! clear refusal, naming the prompt, when the server asks something that
//! is not a password. The server here is a scripted russh server: it
//! authenticates as scripted, then answers one exec request (`echo hello`)
//! so that a run through it can succeed.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::keys::PrivateKey;
use russh::server::{Auth, Msg, Response, Session};
use russh::{Channel, ChannelId, MethodKind, MethodSet};

use crate::support::{known_hosts_line, new_key, sshfleet_cmd};

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
    /// What every exec request prints.
    output: Vec<u8>,
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

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    /// Every command prints the script's output (`hello`) and succeeds.
    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        session.data(channel, self.script.output.clone())?;
        session.exit_status_request(channel, 0)?;
        session.eof(channel)?;
        session.close(channel)?;
        Ok(())
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
        Server::start_printing(rounds, methods, b"hello\r\n").await
    }

    /// [`Server::start`], its commands printing `output`.
    async fn start_printing(rounds: Vec<Round>, methods: &[MethodKind], output: &[u8]) -> Server {
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
            output: output.to_vec(),
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
            known_hosts_line("127.0.0.1", port, host_key.public_key()) + "\n",
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

    /// `sshfleet run` of a one-command exec playbook on this server as
    /// `admin`, with no key and `$ESA_PASSWORD` set to `password`, plus
    /// `extra_vars` (YAML lines under the host) and this known_hosts:
    /// (exit code, status, error).
    async fn run_with(
        &self,
        password: &str,
        extra_vars: &str,
        known_hosts: &Path,
    ) -> (i32, String, String) {
        let (code, status, error, _) = self.run_full(password, extra_vars, known_hosts, &[]).await;
        (code, status, error)
    }

    /// [`Server::run_with`] plus `extra_args`, and all it printed.
    async fn run_full(
        &self,
        password: &str,
        extra_vars: &str,
        known_hosts: &Path,
        extra_args: &[String],
    ) -> (i32, String, String, String) {
        let inventory = self.dir.path().join("inventory.yaml");
        std::fs::write(
            &inventory,
            format!(
                "all:\n  hosts:\n    esa01.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {}\n      ansible_user: admin\n      sshfleet_password_env: ESA_PASSWORD\n{extra_vars}",
                self.port
            ),
        )
        .unwrap();
        let playbook = self.dir.path().join("hello.yaml");
        std::fs::write(
            &playbook,
            "name: hello\nvars:\n  command_timeout: {type: duration, default: 20s, description: per command}\n\
             exec:\n  command_timeout: command_timeout\n\
             steps:\n  - name: Say hello\n    run: echo hello\n    expect: hello\n",
        )
        .unwrap();
        let report = self.dir.path().join("report.json");
        let _ = std::fs::remove_file(&report);
        let args: Vec<String> = [
            "run",
            playbook.to_str().unwrap(),
            "-i",
            inventory.to_str().unwrap(),
            "-F",
            "none",
            "--known-hosts",
            known_hosts.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--lock",
            self.dir.path().join("run.lock").to_str().unwrap(),
            "--no-progress",
            "--connect-retries",
            "0",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(extra_args.iter().cloned())
        .collect();
        let out = sshfleet_cmd(&args, &[("ESA_PASSWORD", password)]).await;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains(password), "password printed: {text}");
        let report_text =
            std::fs::read_to_string(&report).unwrap_or_else(|_| panic!("no report: {text}"));
        assert!(!report_text.contains(password), "password in report");
        let report: serde_json::Value = serde_json::from_str(&report_text).unwrap();
        let host = &report["hosts"][0];
        (
            out.status.code().unwrap_or(-1),
            host["status"].as_str().unwrap().to_string(),
            host["error"].as_str().unwrap_or("").to_string(),
            text,
        )
    }

    /// [`Server::run_with`] the right password and the server's key known.
    async fn run(&self) -> (i32, String, String) {
        self.run_with(PASSWORD, "", &self.known_hosts).await
    }

    /// A run through this server that logged in and ran its command.
    async fn logs_in(&self) {
        let (code, status, error) = self.run().await;
        assert_eq!((code, status.as_str()), (0, "ok"), "{error}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn password_is_given_through_keyboard_interactive_when_password_is_not_offered() {
    // PAM's way: an empty round (instructions only) may come before or
    // after the password prompt.
    let server = Server::start(vec![vec![], vec![("Password: ", false)], vec![]], KBD).await;
    server.logs_in().await;
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
    server.logs_in().await;
    assert_eq!(server.seen().answers, [PASSWORD, PASSWORD]);
}

#[tokio::test(flavor = "multi_thread")]
async fn password_method_is_tried_first_where_offered() {
    let server = Server::start(vec![vec![("Password: ", false)]], KBD_AND_PASSWORD).await;
    server.logs_in().await;
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
    let (code, status, error) = server
        .run_with("not-the-password", "", &server.known_hosts)
        .await;
    assert_eq!((code, status.as_str()), (4, "unreachable"), "{error}");
    assert_eq!(
        error,
        "authentication failed for user `admin` (tried: password from $ESA_PASSWORD (keyboard-interactive))"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_password_is_sent_to_a_host_whose_key_is_not_known() {
    let server = Server::start(vec![vec![("Password: ", false)]], KBD_AND_PASSWORD).await;
    let empty = server.dir.path().join("empty_known_hosts");
    std::fs::write(&empty, "").unwrap();
    let (code, status, error) = server.run_with(PASSWORD, "", &empty).await;
    assert_eq!((code, status.as_str()), (4, "unreachable"), "{error}");
    assert!(error.contains("is not known"), "{error}");
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
async fn the_password_is_never_sent_to_a_jump_host() {
    // The jump host would take the password through either method; it
    // must get none: jump hosts authenticate with keys only. (It is the
    // same server as the host, under another user: as the same user, ssh
    // and sshfleet refuse the route as a jump host loop.)
    let jump = Server::start(vec![vec![("Password: ", false)]], KBD_AND_PASSWORD).await;
    let (code, status, error) = jump
        .run_with(
            PASSWORD,
            &format!(
                "      ansible_ssh_common_args: -J bastion@127.0.0.1:{}\n",
                jump.port
            ),
            &jump.known_hosts,
        )
        .await;
    assert_eq!((code, status.as_str()), (4, "unreachable"), "{error}");
    assert!(
        error.starts_with(&format!(
            "via jump host [127.0.0.1]:{}: no way to authenticate as `bastion`",
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

/// A simulated appliance whose sshd takes only keyboard-interactive (as a
/// PAM-based one does): reached with the password, refused without it.
#[tokio::test(flavor = "multi_thread")]
async fn a_keyboard_interactive_only_appliance_is_reached_with_its_password() {
    use crate::support::Lab;
    let mut config = sshfleet_sim::SimModelConfig::new(sshfleet_sim::AsyncOsProfile::healthy(
        "esa-pam.example.com",
    ));
    config.login = sshfleet_sim::Login::KeyboardInteractiveOnly;
    let lab = Lab::start_models(vec![config], Some("s3cret-pam")).await;
    let port = lab.fleet.hosts()[0].addr.port();
    std::fs::write(
        &lab.inventory,
        format!(
            "all:\n  hosts:\n    esa-pam.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      ansible_user: {}\n      ansible_ssh_private_key_file: {}\n      sshfleet_password_env: SSHFLEET_TEST_PAM\n",
            crate::support::USER,
            lab.key_file.display()
        ),
    )
    .unwrap();
    let args = lab.run_args(&["--no-progress"]);
    // The key alone is not taken: the host offers no publickey method.
    let out = crate::support::sshfleet_cmd(&args, &[("SSHFLEET_TEST_PAM", "wrong")]).await;
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = crate::support::sshfleet_cmd(&args, &[("SSHFLEET_TEST_PAM", "s3cret-pam")]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(&lab.report).unwrap();
    assert!(
        report.contains("\"ok\"") && !report.contains("s3cret-pam"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hidden_prompt_that_is_not_a_password_prompt_gets_nothing() {
    // A hidden prompt for another secret first: the password is no answer
    // to it. The last ones are a hostile server's (attack round 6, b23):
    // a one-time code, a confirmation and another secret named as
    // passwords, a code prompt on the last of several lines, escapes and
    // a bidi control around `New password`, another user's password.
    for (prompt, why) in [
        (
            "Verification code: ",
            "it is none of the login-password prompts",
        ),
        ("PASSCODE: ", "it is none of the login-password prompts"),
        (
            "One-time password: ",
            "it is none of the login-password prompts",
        ),
        (
            "Confirm password: ",
            "it is none of the login-password prompts",
        ),
        (
            "Enable password: ",
            "it is none of the login-password prompts",
        ),
        (
            "Password for root: ",
            "it is none of the login-password prompts",
        ),
        ("Password:\n\nVerification code: ", "it has several lines"),
        (
            "\u{1b}]0;x\u{7}\u{1b}[2JNew\u{202e} password: ",
            "it holds the control character `\\u{1b}`",
        ),
        ("New\u{202e} password: ", "it holds `\\u{202e}`"),
    ] {
        let server = Server::start(vec![vec![(prompt, false)]], KBD).await;
        let (code, status, error) = server.run().await;
        assert_eq!((code, status.as_str()), (4, "unreachable"), "{error}");
        let named = format!("stopped at the prompt `{}`", prompt.trim().escape_debug());
        assert!(
            error.contains(&named)
                && error.contains(&format!(": the password was not sent: {why}")),
            "{prompt:?}: {error}"
        );
        let seen = server.seen();
        assert!(
            seen.answers.is_empty() && seen.passwords.is_empty(),
            "{prompt:?}: {seen:?}"
        );
    }
}

/// The login-password prompts the servers sshfleet meets send, naming
/// the login user: each is answered with the password.
#[tokio::test(flavor = "multi_thread")]
async fn each_kind_of_login_password_prompt_gets_the_password() {
    let server = Server::start(
        vec![
            vec![("admin@esa01.example.com's password: ", false)],
            vec![("(admin@esa01) Password:", false)],
            vec![("PASSWORD FOR admin: ", false)],
        ],
        KBD,
    )
    .await;
    server.logs_in().await;
    assert_eq!(server.seen().answers, [PASSWORD, PASSWORD, PASSWORD]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_echoed_with_escapes_between_its_characters_is_masked() {
    // A host that prints the password back with a colour change inside
    // it: a terminal shows the password whole, so no output may keep it.
    let output = format!(
        "hello\r\nyour password is {}\u{1b}[0m{}\r\n",
        &PASSWORD[..4],
        &PASSWORD[4..]
    );
    let server =
        Server::start_printing(vec![vec![("Password: ", false)]], KBD, output.as_bytes()).await;
    let transcripts = server.dir.path().join("transcripts");
    let mut args = vec![
        "--transcripts".to_string(),
        transcripts.display().to_string(),
    ];
    args.extend(["--log-format".to_string(), "json".to_string()]);
    let (code, status, error, out) = server
        .run_full(PASSWORD, "", &server.known_hosts, &args)
        .await;
    assert_eq!((code, status.as_str()), (0, "ok"), "{error}");
    let transcript = std::fs::read_to_string(transcripts.join("esa01.example.com.log")).unwrap();
    assert!(transcript.contains("your password is ***"), "{transcript}");
    let escaped = format!("{}\\u{{1b}}[0m{}", &PASSWORD[..4], &PASSWORD[4..]);
    for (what, text) in [("transcript", &transcript), ("terminal", &out)] {
        assert!(!text.contains(&escaped), "password in the {what}: {text}");
        assert!(
            !text.contains(&PASSWORD[4..]),
            "password in the {what}: {text}"
        );
    }
}
