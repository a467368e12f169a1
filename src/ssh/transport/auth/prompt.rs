//! Which hidden keyboard-interactive prompt asks for the login password.
//!
//! The server writes the prompt, so it is hostile text: a deny-list of
//! what a password prompt is not (`New`, `Retype`) let through every
//! one-time code, confirmation and other secret it did not list
//! (`One-time password:`, `Confirm password:`, `Enable password:`), and
//! escapes or a bidi control in front of a refused word hid it. So the
//! password goes only to a prompt that is, exactly, one of the forms
//! below, which the servers sshfleet meets actually send; anything else
//! gets nothing.

use unicode_general_category::{GeneralCategory as G, get_general_category};

/// One piece of a login-password prompt's form.
#[derive(Clone, Copy, Debug)]
pub(super) enum Piece {
    /// Literal text, matched ASCII case-insensitively (`PASSWORD` is
    /// `Password`); any other character only as written.
    Text(&'static str),
    /// The user sshfleet logs in as, exactly: a prompt naming another
    /// user (`Password for root:`) asks for another secret.
    User,
    /// A host name, IPv4 address or Kerberos realm: ASCII letters, digits,
    /// `.`, `-` and `_`, at least one (not `:`, which would let
    /// `Password for admin@esa01::` through as a host `esa01:`).
    Host,
}

use Piece::{Host, Text, User};

/// The login-password prompts sshfleet answers, each after trimming ASCII
/// white space, one trailing `:` and the white space before it. The
/// table is exact: a form is added only with the server that sends it.
pub(super) const LOGIN_PASSWORD_PROMPTS: &[&[Piece]] = &[
    // `Password: `: Linux-PAM's pam_unix (its `pam_get_authtok` prompt),
    // which OpenSSH's sshd relays as the keyboard-interactive prompt
    // (`auth-pam.c`); AsyncOS's `Password:` (docs/DEVICES.md).
    &[Text("password")],
    // The same `Password: ` as Linux-PAM ships it translated, in the
    // languages of the documented appliances' administrators (its
    // `po/de.po`, `po/fr.po`, `po/es.po`).
    &[Text("passwort")],
    &[Text("mot de passe")],
    &[Text("contraseña")],
    // AsyncOS's `Password for ...` (docs/DEVICES.md): `Password for
    // admin:` and `Password for admin@esa01:`; the second is also the
    // Kerberos prompter's `Password for USER@REALM: `, which pam_krb5 and
    // pam_sss relay.
    &[Text("password for "), User],
    &[Text("password for "), User, Text("@"), Host],
    // `admin@esa01's password: `: OpenSSH's own password prompt
    // (`sshconnect2.c`, `userauth_passwd`), the same in Windows OpenSSH,
    // which servers that ask as ssh asks send as their prompt.
    &[User, Text("@"), Host, Text("'s password")],
    // `root's Password: `: AIX's `authenticate()`, relayed by its sshd.
    &[User, Text("'s password")],
    // `(admin@esa01) Password:`: OpenSSH 8.4 and later show a
    // keyboard-interactive prompt as `(USER@HOST) PROMPT`
    // (`sshconnect2.c`, `input_userauth_info_req`); a bastion or
    // appliance that relays an ssh login passes that text on.
    &[Text("("), User, Text("@"), Host, Text(") password")],
];

/// Why a hidden prompt gets no password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// More than one non-empty line: a terminal shows the last one
    /// (`Password:\n\nVerification code:`).
    SeveralLines,
    /// A control character (an escape sequence, a carriage return, a
    /// bell): what a terminal shows is not what was sent.
    Control(char),
    /// A format (bidi, zero-width) or non-ASCII space character: what a
    /// terminal shows is not what was sent.
    Invisible(char),
    /// Plain text, but none of [`LOGIN_PASSWORD_PROMPTS`].
    NotAPasswordPrompt,
}

impl Refusal {
    /// The reason, for the error naming the prompt; it says first that
    /// nothing was sent (a summary cell may cut the rest).
    pub(super) fn reason(&self, user: &str) -> String {
        let what = match self {
            Refusal::SeveralLines => {
                "it has several lines (a terminal shows only the last one), so it is no \
                 login-password prompt"
                    .to_string()
            }
            Refusal::Control(c) => format!(
                "it holds the control character `{}` (an escape sequence, a carriage \
                 return), so it is not what a terminal shows",
                c.escape_debug()
            ),
            Refusal::Invisible(c) => format!(
                "it holds `{}` (a format, bidi, zero-width or non-ASCII space character), \
                 so it is not what a terminal shows",
                c.escape_unicode()
            ),
            Refusal::NotAPasswordPrompt => format!(
                "it is none of the login-password prompts sshfleet answers (`Password:`, \
                 `Password for {user}:`, `{user}@HOST's password:` and the like, naming the \
                 login user `{user}`): a one-time code, a new password or another secret \
                 gets nothing"
            ),
        };
        format!("the password was not sent: {what}")
    }
}

/// Whether `prompt`, asked with echo off, asks for the password of
/// `user`: `Ok` only for one of [`LOGIN_PASSWORD_PROMPTS`].
pub(super) fn judge(prompt: &str, user: &str) -> Result<(), Refusal> {
    let core = core(prompt);
    if core.contains(['\n', '\r']) && core.lines().filter(|l| !l.trim().is_empty()).count() > 1 {
        return Err(Refusal::SeveralLines);
    }
    if let Some(c) = core.chars().find(|c| c.is_control()) {
        return Err(Refusal::Control(c));
    }
    let invisible = |c: &char| {
        matches!(
            get_general_category(*c),
            G::Format | G::SpaceSeparator | G::LineSeparator | G::ParagraphSeparator
        ) && *c != ' '
    };
    if let Some(c) = core.chars().find(invisible) {
        return Err(Refusal::Invisible(c));
    }
    match LOGIN_PASSWORD_PROMPTS
        .iter()
        .any(|form| matches(form, core, user))
    {
        true => Ok(()),
        false => Err(Refusal::NotAPasswordPrompt),
    }
}

/// The prompt without surrounding ASCII white space and one trailing `:`
/// (`Mot de passe : ` is `Mot de passe`).
fn core(prompt: &str) -> &str {
    let trimmed = prompt.trim_matches(|c: char| c.is_ascii_whitespace());
    trimmed
        .strip_suffix(':')
        .unwrap_or(trimmed)
        .trim_end_matches(|c: char| c.is_ascii_whitespace())
}

/// Whether `text` is exactly `form` for `user`.
fn matches(form: &[Piece], text: &str, user: &str) -> bool {
    let mut rest = text;
    for piece in form {
        let taken = match piece {
            Text(t) => rest
                .get(..t.len())
                .filter(|head| head.eq_ignore_ascii_case(t))
                .map(str::len),
            User => (!user.is_empty() && rest.starts_with(user)).then_some(user.len()),
            Host => {
                let n = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || ".-_".contains(c)))
                    .unwrap_or(rest.len());
                (n > 0).then_some(n)
            }
        };
        let Some(n) = taken else {
            return false;
        };
        rest = &rest[n..];
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "admin";
    const HOST: &str = "esa01.example.com";

    /// A form written out for `user` and `host`, in its table case.
    fn render(form: &[Piece], user: &str, host: &str) -> String {
        form.iter()
            .map(|p| match p {
                Text(t) => t.to_string(),
                User => user.to_string(),
                Host => host.to_string(),
            })
            .collect()
    }

    /// [`render`] with the form's text in ASCII upper case.
    fn render_upper(form: &[Piece], user: &str, host: &str) -> String {
        form.iter()
            .map(|p| match p {
                Text(t) => t.to_ascii_uppercase(),
                User => user.to_string(),
                Host => host.to_string(),
            })
            .collect()
    }

    /// Prompts real servers send, one per form at least: a form without
    /// one fails the test, as does an example no form accepts.
    const SEEN: &[&str] = &[
        "Password: ",
        "Password:",
        "PASSWORD:",
        "Passwort: ",
        "Mot de passe : ",
        "Contraseña: ",
        "Password for admin: ",
        "Password for admin@esa01:",
        "Password for admin@EXAMPLE.COM: ",
        "admin@esa01.example.com's password: ",
        "admin@192.0.2.7's password: ",
        "admin's Password: ",
        "(admin@esa01) Password:",
        "(admin@esa01.example.com) Password: ",
        "\r\nPassword: ",
    ];

    #[test]
    fn every_form_in_the_table_is_accepted_and_seen_from_a_real_server() {
        for form in LOGIN_PASSWORD_PROMPTS {
            let text = render(form, USER, HOST);
            let upper = render_upper(form, USER, HOST);
            for written in [
                format!("{text}: "),
                format!("{text}:"),
                text.clone(),
                format!("  {text} :\r\n"),
                format!("\n{upper}:\t"),
            ] {
                assert_eq!(judge(&written, USER), Ok(()), "{written:?}");
            }
            assert!(
                SEEN.iter().any(|seen| matches(form, core(seen), USER)),
                "no real prompt of the form {text:?}"
            );
        }
        for seen in SEEN {
            assert_eq!(judge(seen, USER), Ok(()), "{seen:?}");
        }
    }

    /// What the attacker's server sent (attack round 6, b23 finding 3):
    /// each was answered with the login password.
    const ATTACKS: &[&str] = &[
        "One-time password: ",
        "OTP Password: ",
        "Password (OTP): ",
        "2FA Password: ",
        "Token password: ",
        "Passcode (not password): ",
        "Enter PASSCODE or password: ",
        "Duo passcode or password: ",
        "Confirm password: ",
        "Repeat password: ",
        "Retype password: ",
        "Password again: ",
        "Enable password: ",
        "Vault password: ",
        "Password:\n\nVerification code: ",
        "\u{1b}]0;x\u{7}\u{1b}[2JNew\u{202e} password: ",
        "New password: ",
        "Retype new password: ",
        "Current password: ",
        "Verification code: ",
        "PASSCODE: ",
        "",
        ":",
    ];

    /// Words that turn a password prompt into one for another secret.
    const WORDS: &[&str] = &[
        "New", "Confirm", "Repeat", "Retype", "Current", "Old", "One-time", "OTP", "Enable",
        "Vault", "Token", "Enter", "Login", "Root", "sudo",
    ];

    /// Characters a terminal does not show as themselves.
    const HIDDEN: &[char] = &[
        '\u{1b}', '\u{7}', '\r', '\u{0}', '\u{7f}', '\u{9b}', '\u{202e}', '\u{202d}', '\u{2066}',
        '\u{200b}', '\u{200d}', '\u{200e}', '\u{2060}', '\u{feff}', '\u{ad}', '\u{a0}', '\u{2003}',
        '\u{3000}', '\u{2028}', '\u{2029}', '\u{b}',
    ];

    /// Near misses of every form: the attacks, each form with a word
    /// before, inside or after it, for another user, with escapes, bidi,
    /// zero-width and non-ASCII spaces at every position, on several lines.
    fn near_misses() -> Vec<String> {
        let mut out: Vec<String> = ATTACKS.iter().map(|s| s.to_string()).collect();
        for form in LOGIN_PASSWORD_PROMPTS {
            let text = render(form, USER, HOST);
            for word in WORDS {
                out.push(format!("{word} {text}:"));
                out.push(format!("{text} {word}:"));
                out.push(format!("{text} ({word}):"));
                if text.contains("password") {
                    out.push(text.replacen("password", &format!("{word} password"), 1) + ":");
                    out.push(text.replacen("password", &format!("password {word}"), 1) + ":");
                }
            }
            out.push(format!("{text}::"));
            out.push(format!("{text} 2:"));
            out.push(format!("{text}: code:"));
            for other in ["root", "Admin", "admin2", "xadmin", "adm"] {
                if form.iter().any(|p| matches!(p, User)) {
                    out.push(render(form, other, HOST) + ":");
                }
            }
            if form.iter().any(|p| matches!(p, Host)) {
                for host in ["", "esa 01", "esa01/x", "esa01'x", "ésa01", "esa01:"] {
                    out.push(render(form, USER, host) + ":");
                }
            }
            for at in text.char_indices().map(|(i, _)| i).chain([0, text.len()]) {
                for c in HIDDEN {
                    // White space at either end is trimmed, shown as
                    // nothing, and so harmless.
                    if c.is_ascii_whitespace() && (at == 0 || at == text.len()) {
                        continue;
                    }
                    let mut s = text.clone();
                    s.insert(at, *c);
                    out.push(format!("{s}:"));
                }
                let mut s = text.clone();
                s.insert_str(at, "\u{1b}[2J");
                out.push(format!("{s}:"));
            }
            for code in ["Verification code:", "PASSCODE:", "New password:"] {
                out.push(format!("{text}:\n\n{code} "));
                out.push(format!("{text}:\r\n{code}"));
                out.push(format!("{code}\n{text}: "));
                out.push(format!("{text}:\r{code}"));
            }
        }
        out
    }

    #[test]
    fn every_near_miss_of_a_form_is_refused() {
        let misses = near_misses();
        assert!(misses.len() > 1000, "{}", misses.len());
        for miss in &misses {
            // `Login password` and `Enter password` are refused too: no
            // server sshfleet meets is known to send them.
            assert!(judge(miss, USER).is_err(), "{miss:?} accepted");
        }
    }

    #[test]
    fn each_refusal_says_why_and_that_nothing_was_sent() {
        for (prompt, refusal) in [
            ("Password:\n\nVerification code: ", Refusal::SeveralLines),
            ("\u{1b}[2JPassword: ", Refusal::Control('\u{1b}')),
            ("Pass\u{202e}word: ", Refusal::Invisible('\u{202e}')),
            ("Password\u{a0}for admin: ", Refusal::Invisible('\u{a0}')),
            ("One-time password: ", Refusal::NotAPasswordPrompt),
            ("Password for root: ", Refusal::NotAPasswordPrompt),
        ] {
            assert_eq!(judge(prompt, USER), Err(refusal.clone()), "{prompt:?}");
            let reason = refusal.reason(USER);
            assert!(
                reason.starts_with("the password was not sent: "),
                "{reason}"
            );
        }
        assert!(
            Refusal::Invisible('\u{202e}')
                .reason(USER)
                .contains("\\u{202e}")
        );
    }
}
