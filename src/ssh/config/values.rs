//! Values as OpenSSH checks them when it reads a line: counts of
//! arguments, times, numbers, choices, and the keyword-specific forms
//! (forwardings, `IPQoS`, `RekeyLimit`, ...).

use super::cnum::{C_SPACE, strtol, strtonum};

/// What value a keyword takes, as OpenSSH checks it when reading the file
/// (in every block, whether it applies or not).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value {
    /// One of these words (case-insensitive).
    Choice(&'static [&'static str]),
    /// A time: `none`, or seconds with optional `s m h d w` parts.
    Time,
    /// A non-negative integer.
    Int,
    /// Exactly one argument.
    One,
    /// One or more arguments.
    Many,
    /// The rest of the line, as written (a command).
    Rest,
    /// Whatever follows (OpenSSH does not look at it).
    Anything,
    /// Read by the parser itself (`Host`, `Match`, `Include`).
    Structure,
    /// `IPQoS`: one or two DSCP names or numbers.
    IpQos,
    /// `ControlPersist`: a flag or a time.
    FlagOrTime,
    /// `CanonicalizePermittedCNAMEs`: `none` or `from:to` rules.
    Cnames,
    /// A forwarding specification.
    Forward(Forward),
    /// Checked by this function (one argument or more).
    Check(fn(&[String]) -> Result<(), String>),
}

pub(crate) use super::forward::Forward;

/// The words OpenSSH reads as a flag.
pub(crate) const FLAG: &[&str] = &["yes", "no", "true", "false"];

/// Check a value as OpenSSH checks it when reading the line.
pub(crate) fn check_value(value: Value, args: &[String]) -> Result<(), String> {
    let count = |min: usize, max: usize| -> Result<(), String> {
        if args.len() < min || args.first().is_some_and(String::is_empty) {
            Err("missing argument".to_string())
        } else if args.len() > max {
            Err(format!(
                "garbage at end of line: `{}` (OpenSSH refuses it too)",
                args[max..].join(" ")
            ))
        } else {
            Ok(())
        }
    };
    match value {
        Value::Structure | Value::Anything => Ok(()),
        Value::Rest => count(1, usize::MAX),
        Value::One => count(1, 1),
        Value::Many => count(1, usize::MAX),
        Value::Int => {
            count(1, 1)?;
            strtonum(&args[0], 0, i32::MAX.into())
                .map(|_| ())
                .ok_or_else(|| format!("`{}` is not a number", args[0]))
        }
        Value::Time => {
            count(1, 1)?;
            if args[0] == "none" || parse_time(&args[0]).is_some() {
                Ok(())
            } else {
                Err(format!("`{}` is not a time value", args[0]))
            }
        }
        Value::FlagOrTime => {
            count(1, 1)?;
            // readconf.c compares the flag words with `strcmp`: `YES` is
            // neither a flag nor a time.
            if FLAG.contains(&args[0].as_str()) || parse_time(&args[0]).is_some() {
                Ok(())
            } else {
                Err("Bad ControlPersist argument".to_string())
            }
        }
        Value::Cnames => {
            count(1, usize::MAX)?;
            let none = args.len() == 1 && args[0].eq_ignore_ascii_case("none");
            if none
                || args.iter().all(|a| {
                    a.split_once(':')
                        .is_some_and(|(f, t)| !f.is_empty() && !t.is_empty())
                })
            {
                Ok(())
            } else {
                Err(format!("Invalid permitted CNAME `{}`", args.join(" ")))
            }
        }
        Value::Forward(kind) => super::forward::check_forward(kind, args),
        Value::Check(check) => {
            count(1, usize::MAX)?;
            check(args)
        }
        Value::IpQos => {
            count(1, 2)?;
            for arg in args {
                // OpenSSH's `parse_ipqos`: a name, else `strtol` base 0
                // (`0x10`, `010`) of the whole word, 0 to 255.
                let number = matches!(strtol(arg, 0), (Some(0..=255), "", true));
                if !IPQOS.contains(&arg.to_ascii_lowercase().as_str()) && !number {
                    return Err(format!("Bad IPQoS value: {arg}"));
                }
            }
            Ok(())
        }
        Value::Choice(choices) => {
            count(1, 1)?;
            if choices.iter().any(|c| c.eq_ignore_ascii_case(&args[0])) {
                Ok(())
            } else {
                Err(format!(
                    "`{}` is not one of {}",
                    args[0],
                    choices.join(", ")
                ))
            }
        }
    }
}

fn one_arg(args: &[String]) -> Result<&str, String> {
    match args {
        [one] => Ok(one),
        _ => Err(format!(
            "garbage at end of line: `{}` (OpenSSH refuses it too)",
            args[1..].join(" ")
        )),
    }
}

/// `EscapeChar`, as readconf.c reads it: `none` (lower-case), one byte
/// (not one multi-byte character), or `^` and one byte from `@` (64) to
/// DEL (127): `^?` is refused.
pub(super) fn check_escape_char(args: &[String]) -> Result<(), String> {
    let value = one_arg(args)?;
    let ok = match value.as_bytes() {
        b"none" | [_] => true,
        [b'^', c] => (64..128).contains(c),
        _ => false,
    };
    ok.then_some(())
        .ok_or_else(|| "Bad escape character".to_string())
}

/// `StreamLocalBindMask`: an octal mask, as OpenSSH's `strtol(arg, &end,
/// 8)` reads it: what follows the octal digits is not looked at
/// (`0999` is `0`), at least one digit, 0 to 0777.
pub(super) fn check_mask(args: &[String]) -> Result<(), String> {
    let value = one_arg(args)?;
    match strtol(value, 8) {
        (Some(0..=0o777), _, true) => Ok(()),
        _ => Err("Bad mask".to_string()),
    }
}

/// `TunnelDevice`: `local[:remote]`, each a number or `any`.
pub(super) fn check_tun_device(args: &[String]) -> Result<(), String> {
    let value = one_arg(args)?;
    // OpenSSH's `a2tun`: `any`, or `strtonum(0, SSH_TUNID_MAX)`.
    let part = |p: &str| p.eq_ignore_ascii_case("any") || strtonum(p, 0, 0x7fff_fffd).is_some();
    let ok = match value.split_once(':') {
        Some((local, remote)) => part(local) && part(remote),
        None => part(value),
    };
    ok.then_some(()).ok_or_else(|| "Bad tun device".to_string())
}

/// `RekeyLimit`: `default` or a size (`scan_scaled`: `1.5G`, `B K M G T
/// P E`), 0 or at least 16; then maybe a time or `none`.
pub(super) fn check_rekey_limit(args: &[String]) -> Result<(), String> {
    let limit = &args[0];
    if limit != "default" {
        match scan_scaled(limit) {
            None => return Err(format!("Bad number `{limit}`")),
            Some(n) if n != 0 && n < 16 => return Err("RekeyLimit too small".to_string()),
            Some(_) => {}
        }
    }
    match &args[1..] {
        [] => Ok(()),
        [seconds] if seconds == "none" || parse_time(seconds).is_some() => Ok(()),
        [seconds] => Err(format!("invalid time value `{seconds}`")),
        _ => Err("garbage at end of line (OpenSSH refuses it too)".to_string()),
    }
}

/// OpenBSD's `scan_scaled`, as OpenSSH reads `RekeyLimit`: white space,
/// one sign, digits with at most one `.`, then maybe one unit of `BKMGTPE`
/// (either case) not followed by a letter or digit. `None`: not a number
/// (or out of range).
fn scan_scaled(text: &str) -> Option<i64> {
    let rest = text.trim_start_matches(C_SPACE);
    let (negative, rest) = match rest.as_bytes().first() {
        Some(b'-') => (true, &rest[1..]),
        Some(b'+') => (false, &rest[1..]),
        _ => (false, rest),
    };
    let number_end = rest
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(rest.len());
    let (number, unit) = rest.split_at(number_end);
    if number.matches('.').count() > 1 {
        return None;
    }
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let scale: i64 = match unit.as_bytes() {
        [] => 1,
        [u, after @ ..] => {
            if after.first().is_some_and(u8::is_ascii_alphanumeric) {
                return None;
            }
            let power = b"BKMGTPE"
                .iter()
                .position(|c| *c == u.to_ascii_uppercase())?;
            1i64.checked_shl(10 * power as u32)?
        }
    };
    let value = whole.checked_mul(scale)?;
    Some(if negative { -value } else { value })
}

/// `PermitRemoteOpen`: `any`, `none`, or `host:port` (port may be `*`).
pub(super) fn check_permit_remote_open(args: &[String]) -> Result<(), String> {
    // `any` and `none` compared case-insensitively, as readconf.c does.
    let single = args.len() == 1
        && (args[0].eq_ignore_ascii_case("any") || args[0].eq_ignore_ascii_case("none"));
    let all = args.iter().all(|a| {
        a.rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && (p == "*" || p.parse::<u16>().is_ok()))
    });
    (single || all)
        .then_some(())
        .ok_or_else(|| "bad port number in permitremoteopen".to_string())
}

/// `SendEnv`: names (or `-name` patterns), never empty and never with a
/// `=` ("Invalid environment name").
pub(super) fn check_send_env(args: &[String]) -> Result<(), String> {
    match args.iter().find(|a| a.is_empty() || a.contains('=')) {
        Some(arg) => Err(format!("Invalid environment name `{arg}`")),
        None => Ok(()),
    }
}

/// `CanonicalDomains`: `none` alone, else domain names as misc.c's
/// `valid_domain` takes them.
pub(super) fn check_canonical_domains(args: &[String]) -> Result<(), String> {
    for (i, arg) in args.iter().enumerate() {
        if arg.is_empty() {
            return Err("empty argument".to_string());
        }
        if arg.eq_ignore_ascii_case("none") && (i > 0 || args.len() > 1) {
            return Err("\"none\" argument must appear alone".to_string());
        }
        valid_domain(arg)?;
    }
    Ok(())
}

/// misc.c `valid_domain`: not empty, starts with a letter or digit;
/// letters, digits, `.`, `-`, `_` only, no `..`. The name without a
/// trailing `.`, as it keeps it.
pub(super) fn valid_domain(name: &str) -> Result<&str, String> {
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !first_ok || !chars_ok || name.contains("..") {
        return Err(format!(
            "`{name}` is not a valid domain name (a letter or digit first; letters, digits, `.`, `-`, `_`; no `..`)"
        ));
    }
    Ok(name.strip_suffix('.').unwrap_or(name))
}

/// `SetEnv`: `NAME=value` words.
pub(super) fn check_setenv(args: &[String]) -> Result<(), String> {
    args.iter()
        .all(|a| a.find('=').is_some_and(|i| i > 0))
        .then_some(())
        .ok_or_else(|| "Invalid SetEnv".to_string())
}

/// `AddKeysToAgent`, as OpenSSH 9.2 reads it: yes, no, ask or confirm
/// alone, `confirm TIME`, or a time alone (yes, with that lifetime).
pub(super) fn check_add_keys(args: &[String]) -> Result<(), String> {
    let word = |t: &str| {
        ["yes", "no", "ask", "confirm", "true", "false"].contains(&t.to_ascii_lowercase().as_str())
    };
    let ok = match args {
        [one] => word(one) || parse_time(one).is_some(),
        [first, time] => first.eq_ignore_ascii_case("confirm") && parse_time(time).is_some(),
        _ => false,
    };
    ok.then_some(())
        .ok_or_else(|| "unsupported option".to_string())
}

/// A key type list (`HostbasedAcceptedAlgorithms`), as OpenSSH checks one.
pub(super) fn check_key_list(args: &[String]) -> Result<(), String> {
    crate::ssh::algorithms::AlgorithmChange::parse(
        crate::ssh::algorithms::AlgorithmKind::HostKey,
        one_arg(args)?,
    )
    .map(|_| ())
}

/// `GSSAPIKexAlgorithms`: names of GSSAPI key exchanges.
pub(super) fn check_gss_kex(args: &[String]) -> Result<(), String> {
    const GSS: [&str; 7] = [
        "gss-group1-sha1-",
        "gss-group14-sha1-",
        "gss-gex-sha1-",
        "gss-group14-sha256-",
        "gss-group16-sha512-",
        "gss-nistp256-sha256-",
        "gss-curve25519-sha256-",
    ];
    let value = one_arg(args)?;
    if value.split(',').all(|n| GSS.contains(&n)) {
        Ok(())
    } else {
        Err(format!("Bad GSSAPI KexAlgorithms `{value}`"))
    }
}

/// A number (`ConnectionAttempts`): OpenSSH's `atoi_err` (`strtonum`, 0
/// to `INT_MAX`); that it is more than 0 ssh.c checks on the value
/// obtained (`HostConfig::refusal`).
pub(super) fn check_positive(args: &[String]) -> Result<(), String> {
    match strtonum(one_arg(args)?, 0, i32::MAX.into()) {
        Some(_) => Ok(()),
        None => Err("Invalid number".to_string()),
    }
}

/// The DSCP names OpenSSH's `IPQoS` takes.
const IPQOS: &[&str] = &[
    "af11",
    "af12",
    "af13",
    "af21",
    "af22",
    "af23",
    "af31",
    "af32",
    "af33",
    "af41",
    "af42",
    "af43",
    "cs0",
    "cs1",
    "cs2",
    "cs3",
    "cs4",
    "cs5",
    "cs6",
    "cs7",
    "ef",
    "le",
    "lowdelay",
    "throughput",
    "reliability",
    "none",
];

/// OpenSSH's `convtime`: numbers (`strtol`: leading white space and a
/// sign allowed, not negative) each with an optional unit, repeated
/// (`1h30m`), at most `INT_MAX` seconds; `None` when it is not a time.
pub(crate) fn parse_time(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let (number, after, any) = strtol(rest, 10);
        if !any {
            return None;
        }
        let number = u64::try_from(number?).ok()?;
        rest = after;
        let unit = match rest.chars().next() {
            None => 1,
            Some(c) => {
                rest = &rest[c.len_utf8()..];
                match c.to_ascii_lowercase() {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86_400,
                    'w' => 604_800,
                    _ => return None,
                }
            }
        };
        total = total.checked_add(number.checked_mul(unit)?)?;
        if total > i32::MAX as u64 {
            return None;
        }
    }
    Some(total)
}

/// `ChannelTimeout` (OpenSSH 9.6): `none` alone, or `type=interval`
/// pairs, each interval a time (`parse_pattern_interval`).
pub(super) fn check_channel_timeout(args: &[String]) -> Result<(), String> {
    for arg in args {
        if arg.eq_ignore_ascii_case("none") {
            if args.len() > 1 {
                return Err("\"none\" argument must appear alone".to_string());
            }
            continue;
        }
        let valid = arg
            .split_once('=')
            .is_some_and(|(kind, time)| !kind.is_empty() && parse_time(time).is_some());
        if !valid {
            return Err(format!("invalid channel timeout {arg}"));
        }
    }
    Ok(())
}

/// `ObscureKeystrokeTiming` (OpenSSH 9.5): `yes`, `no` (lower-case, as
/// OpenSSH compares them) or `interval:MS` with 1 to 1000 milliseconds.
pub(super) fn check_obscure_keystroke_timing(args: &[String]) -> Result<(), String> {
    let value = one_arg(args).map_err(|_| "invalid arguments".to_string())?;
    if matches!(value, "yes" | "true" | "no" | "false") {
        return Ok(());
    }
    match value.strip_prefix("interval:") {
        Some(ms) => match ms.parse::<u32>() {
            Ok(1..=1000) => Ok(()),
            Ok(_) => Err("value out of range".to_string()),
            Err(_) => Err(format!("integer value `{ms}` is invalid")),
        },
        None => Err(format!("unsupported argument \"{value}\"")),
    }
}
