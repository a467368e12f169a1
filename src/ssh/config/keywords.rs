//! Every keyword OpenSSH's client reads in ssh_config(5), each classified:
//! what sshfleet does with it, and why. A keyword outside this table makes
//! `ssh` refuse the file ("Bad configuration option"), so sshfleet refuses
//! it too. `docs/OPENSSH.md` is generated from this table, and a test
//! compares it with the keywords the installed `ssh` knows.

/// What sshfleet does with a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Read with OpenSSH's semantics; the text says what it changes.
    Honoured(&'static str),
    /// Accepted only with the values listed (lower-case; OpenSSH's
    /// default or a value with the same effect). Any other value is
    /// refused with the reason, naming the file and line.
    Refused {
        accepts: &'static [&'static str],
        why: &'static str,
    },
    /// Its value is checked as OpenSSH checks it, then not used: it
    /// cannot change the host reached, the user, the credentials offered,
    /// the host key decision or the algorithms. The text says why.
    Inert(&'static str),
    /// OpenSSH itself reads and ignores it (deprecated or unsupported).
    Ignored(&'static str),
    /// Another name for this keyword, read exactly as it.
    Alias(&'static str),
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keyword {
    /// Lower-case, as OpenSSH's own table.
    pub name: &'static str,
    /// The first OpenSSH release that reads it, when later than 9.2 (read
    /// by the table's tests and docs/OPENSSH.md).
    #[cfg_attr(not(test), allow(dead_code))]
    pub since: Option<&'static str>,
    pub value: Value,
    pub class: Class,
}

const YES_NO_ASK: &[&str] = &["yes", "no", "ask", "true", "false"];
const NO: &[&str] = &["no", "false"];
const NONE: &[&str] = &["none"];

const fn k(name: &'static str, value: Value, class: Class) -> Keyword {
    Keyword {
        name,
        since: None,
        value,
        class,
    }
}

const fn later(name: &'static str, since: &'static str, value: Value, class: Class) -> Keyword {
    Keyword {
        name,
        since: Some(since),
        value,
        class,
    }
}

pub(crate) use super::values::check_value;
use super::values::{
    FLAG, Forward, Value, check_add_keys, check_escape_char, check_gss_kex, check_key_list,
    check_mask, check_permit_remote_open, check_positive, check_rekey_limit, check_setenv,
    check_tun_device,
};
use Class::{Alias, Honoured, Ignored, Inert, Refused};
use Value::{Anything, Choice, Int, Many, One, Rest, Structure, Time};

const FORWARDING: &str = "sshfleet opens no forwardings and no X11, agent or tunnel channel";
const SESSION: &str =
    "sshfleet runs its own commands in its own session; this shapes an interactive ssh session";
const LOGGING: &str = "sshfleet logs with its own options";
const CANONICAL: &str =
    "only used when CanonicalizeHostname is on, which sshfleet refuses (so it changes nothing)";
const HOSTBASED: &str =
    "sshfleet never offers host-based authentication (OpenSSH's default is off)";
const GSSAPI: &str = "sshfleet has no GSSAPI: a host that accepts only GSSAPI fails to authenticate, saying which methods were tried; no host, user or key decision changes";
const TIMING: &str = "timing of the connection; sshfleet's own --connect-timeout and retries govern it, and it cannot change which host is reached or how it is trusted";
const DEPRECATED: &str = "deprecated: OpenSSH reads and ignores it";
const UNSUPPORTED: &str = "unsupported: OpenSSH warns and ignores it";

/// The table: every keyword OpenSSH 9.2's client reads (with Debian's
/// additions), and those later releases added. Sorted by name.
pub(crate) const KEYWORDS: &[Keyword] = &[
    k(
        "addkeystoagent",
        Value::Check(check_add_keys),
        Inert("sshfleet never adds keys to an agent"),
    ),
    k(
        "addressfamily",
        Choice(&["any", "inet", "inet6"]),
        Honoured("the address family of the TCP connection (not of a ProxyCommand's)"),
    ),
    k("afstokenpassing", Anything, Ignored(UNSUPPORTED)),
    k(
        "batchmode",
        Choice(FLAG),
        Honoured(
            "`yes`: no password is sent (password and keyboard-interactive), as ssh cannot prompt for one; keys and the agent are still used",
        ),
    ),
    k(
        "bindaddress",
        One,
        Refused {
            accepts: &[],
            why: "sshfleet does not bind the local end of its connections; remove BindAddress for these hosts",
        },
    ),
    k(
        "bindinterface",
        One,
        Refused {
            accepts: &[],
            why: "sshfleet does not bind the local end of its connections; remove BindInterface for these hosts",
        },
    ),
    k("canonicaldomains", Many, Inert(CANONICAL)),
    k("canonicalizefallbacklocal", Choice(FLAG), Inert(CANONICAL)),
    k(
        "canonicalizehostname",
        Choice(&["yes", "no", "always", "true", "false"]),
        Refused {
            accepts: NO,
            why: "hostname canonicalisation is not supported by sshfleet; remove it or set it to `no` for the appliances",
        },
    ),
    k("canonicalizemaxdots", Int, Inert(CANONICAL)),
    k(
        "canonicalizepermittedcnames",
        Value::Cnames,
        Inert(CANONICAL),
    ),
    k(
        "casignaturealgorithms",
        One,
        Honoured(
            "which signature algorithms a certificate authority may have signed a host certificate with (`+ - ^`, wildcards); a certificate outside the list is checked as its plain key, as OpenSSH does",
        ),
    ),
    k(
        "certificatefile",
        One,
        Refused {
            accepts: NONE,
            why: "sshfleet does not offer user certificates; remove CertificateFile for these hosts or log in with the plain key",
        },
    ),
    k(
        "challengeresponseauthentication",
        Choice(FLAG),
        Alias("kbdinteractiveauthentication"),
    ),
    later("channeltimeout", "9.4", Many, Inert(TIMING)),
    k(
        "checkhostip",
        Choice(FLAG),
        Refused {
            accepts: NO,
            why: "sshfleet does not check the host's IP address in known_hosts (OpenSSH's default since 8.5 is `no`)",
        },
    ),
    k("cipher", Anything, Ignored(DEPRECATED)),
    k(
        "ciphers",
        One,
        Honoured(
            "the ciphers offered (`+ - ^`, wildcards), restricted to those sshfleet implements",
        ),
    ),
    k("clearallforwardings", Choice(FLAG), Inert(FORWARDING)),
    k(
        "compression",
        Choice(&["yes", "no"]),
        Inert(
            "sshfleet offers no compression, which every server accepts; it changes no host, user, key or cipher decision",
        ),
    ),
    k("compressionlevel", Anything, Ignored(UNSUPPORTED)),
    k(
        "connectionattempts",
        Value::Check(check_positive),
        Inert(TIMING),
    ),
    k("connecttimeout", Time, Inert(TIMING)),
    k(
        "controlmaster",
        Choice(&["yes", "no", "true", "false", "auto", "ask", "autoask"]),
        Inert("sshfleet opens its own connections and never shares one through a control socket"),
    ),
    k(
        "controlpath",
        One,
        Inert("sshfleet opens its own connections and never shares one through a control socket"),
    ),
    k(
        "controlpersist",
        Value::FlagOrTime,
        Inert("sshfleet opens its own connections and never shares one through a control socket"),
    ),
    k(
        "dsaauthentication",
        Choice(&["yes", "no", "true", "false", "unbound", "host-bound"]),
        Alias("pubkeyauthentication"),
    ),
    k(
        "dynamicforward",
        Value::Forward(Forward::Dynamic),
        Inert(FORWARDING),
    ),
    k("enableescapecommandline", Choice(FLAG), Inert(SESSION)),
    k("enablesshkeysign", Choice(FLAG), Inert(HOSTBASED)),
    k(
        "escapechar",
        Value::Check(check_escape_char),
        Inert(SESSION),
    ),
    k("exitonforwardfailure", Choice(FLAG), Inert(FORWARDING)),
    k("fallbacktorsh", Anything, Ignored(DEPRECATED)),
    k(
        "fingerprinthash",
        Choice(&["md5", "sha256"]),
        Inert("how fingerprints are shown; sshfleet shows SHA256"),
    ),
    k(
        "forkafterauthentication",
        Choice(FLAG),
        Refused {
            accepts: NO,
            why: "sshfleet does not fork into the background (ssh itself refuses it without a command)",
        },
    ),
    k("forwardagent", One, Inert(FORWARDING)),
    k("forwardx11", Choice(FLAG), Inert(FORWARDING)),
    k("forwardx11timeout", Time, Inert(FORWARDING)),
    k("forwardx11trusted", Choice(FLAG), Inert(FORWARDING)),
    k("gatewayports", Choice(FLAG), Inert(FORWARDING)),
    k(
        "globalknownhostsfile",
        Many,
        Honoured(
            "the system known_hosts files, read (never written); `~`, `${VAR}` and tokens expanded",
        ),
    ),
    k("globalknownhostsfile2", Anything, Ignored(DEPRECATED)),
    k("gssapiauthentication", Choice(FLAG), Inert(GSSAPI)),
    k("gssapiclientidentity", One, Inert(GSSAPI)),
    k("gssapidelegatecredentials", Choice(FLAG), Inert(GSSAPI)),
    k(
        "gssapikexalgorithms",
        Value::Check(check_gss_kex),
        Inert(GSSAPI),
    ),
    k(
        "gssapikeyexchange",
        Choice(FLAG),
        Inert(
            "sshfleet has no GSSAPI key exchange: it always verifies the host key against known_hosts, which OpenSSH skips when GSSAPI key exchange succeeds",
        ),
    ),
    k("gssapirenewalforcesrekey", Choice(FLAG), Inert(GSSAPI)),
    k("gssapiserveridentity", One, Inert(GSSAPI)),
    k("gssapitrustdns", Choice(FLAG), Inert(GSSAPI)),
    k(
        "hashknownhosts",
        Choice(FLAG),
        Honoured("host keys recorded under accept-new are written with the name hashed"),
    ),
    k(
        "host",
        Structure,
        Honoured("starts a block: patterns, `*`, `?`, `!`, matched against the name as given"),
    ),
    k(
        "hostbasedacceptedalgorithms",
        Value::Check(check_key_list),
        Inert(HOSTBASED),
    ),
    k("hostbasedauthentication", Choice(FLAG), Inert(HOSTBASED)),
    k(
        "hostbasedkeytypes",
        Value::Check(check_key_list),
        Alias("hostbasedacceptedalgorithms"),
    ),
    k(
        "hostkeyalgorithms",
        One,
        Honoured(
            "the host key types accepted and offered (`+ - ^`, wildcards), restricted to those sshfleet implements; the types known_hosts knows the host by go first, as in OpenSSH",
        ),
    ),
    k(
        "hostkeyalias",
        One,
        Honoured("the name host keys are looked up and recorded under"),
    ),
    k(
        "hostname",
        One,
        Honoured("the host connected to (`%h`), lower-cased"),
    ),
    k(
        "identitiesonly",
        Choice(FLAG),
        Honoured(
            "only the identity files' keys are offered, the agent's only where they are the same key (a `.pub` identity whose private half is in the agent)",
        ),
    ),
    k(
        "identityagent",
        One,
        Honoured("the agent socket: `none`, `SSH_AUTH_SOCK`, `$VAR` or a path (`~`, tokens)"),
    ),
    k(
        "identityfile",
        One,
        Honoured("key files offered, accumulated; `~`, `${VAR}` and tokens expanded"),
    ),
    k("identityfile2", One, Alias("identityfile")),
    k(
        "ignoreunknown",
        One,
        Honoured(
            "unknown keywords matching these patterns are skipped, from the line it is read on; the first value obtained wins",
        ),
    ),
    k(
        "include",
        Structure,
        Honoured(
            "reads files (globs; relative paths under ~/.ssh or /etc/ssh) within the enclosing block",
        ),
    ),
    k(
        "ipqos",
        Value::IpQos,
        Inert("the IP type of service of packets; it changes no host, user, key or algorithm"),
    ),
    k(
        "kbdinteractiveauthentication",
        Choice(FLAG),
        Honoured("whether the password may be sent through keyboard-interactive"),
    ),
    k(
        "kbdinteractivedevices",
        One,
        Inert(
            "sshfleet asks the server for no particular devices; the password is only sent to a prompt that asks for a password",
        ),
    ),
    k("keepalive", Choice(FLAG), Alias("tcpkeepalive")),
    k("kerberosauthentication", Anything, Ignored(UNSUPPORTED)),
    k("kerberostgtpassing", Anything, Ignored(UNSUPPORTED)),
    k(
        "kexalgorithms",
        One,
        Honoured(
            "the key exchange algorithms offered (`+ - ^`, wildcards), restricted to those sshfleet implements",
        ),
    ),
    k(
        "knownhostscommand",
        Rest,
        Refused {
            accepts: NONE,
            why: "sshfleet does not run a KnownHostsCommand; put the keys in a known_hosts file (UserKnownHostsFile) for these hosts",
        },
    ),
    k(
        "localcommand",
        Rest,
        Inert("sshfleet never runs a LocalCommand (it has no PermitLocalCommand)"),
    ),
    k(
        "localforward",
        Value::Forward(Forward::Local),
        Inert(FORWARDING),
    ),
    k(
        "loglevel",
        Choice(&[
            "quiet", "fatal", "error", "info", "verbose", "debug", "debug1", "debug2", "debug3",
        ]),
        Inert(LOGGING),
    ),
    k("logverbose", Many, Inert(LOGGING)),
    k(
        "macs",
        One,
        Honoured("the MACs offered (`+ - ^`, wildcards), restricted to those sshfleet implements"),
    ),
    k(
        "match",
        Structure,
        Honoured(
            "starts a block: all, host, originalhost, user, localuser, exec, final, canonical (with `!`); host names compared lower-cased",
        ),
    ),
    k(
        "nohostauthenticationforlocalhost",
        Choice(FLAG),
        Refused {
            accepts: NO,
            why: "sshfleet always checks the host key, of localhost too",
        },
    ),
    k(
        "numberofpasswordprompts",
        Int,
        Honoured(
            "`0`: no password is sent (password and keyboard-interactive), as ssh asks for none; otherwise sshfleet sends the one password it was given once per method",
        ),
    ),
    later("obscurekeystroketiming", "9.5", One, Inert(SESSION)),
    k(
        "passwordauthentication",
        Choice(FLAG),
        Honoured("whether the password may be sent through the `password` method"),
    ),
    k(
        "permitlocalcommand",
        Choice(FLAG),
        Inert("sshfleet never runs a LocalCommand"),
    ),
    k(
        "permitremoteopen",
        Value::Check(check_permit_remote_open),
        Inert(FORWARDING),
    ),
    k(
        "pkcs11provider",
        One,
        Refused {
            accepts: NONE,
            why: "sshfleet cannot use PKCS#11 keys; remove PKCS11Provider for these hosts or load the key into ssh-agent",
        },
    ),
    k("port", One, Honoured("the port connected to")),
    k(
        "preferredauthentications",
        One,
        Honoured(
            "the methods sshfleet may use (publickey, password, keyboard-interactive); a list that puts a password method before publickey is refused, since sshfleet always tries keys first",
        ),
    ),
    k(
        "protocol",
        Anything,
        Ignored("OpenSSH reads and ignores it (only protocol 2 exists)"),
    ),
    k("protocolkeepalives", Time, Inert(TIMING)),
    k(
        "proxycommand",
        Rest,
        Honoured(
            "the route: a command whose stdin and stdout carry SSH (`%h %k %n %p %r %%`); for the host, and for the first jump host from its own configuration",
        ),
    ),
    k(
        "proxyjump",
        Rest,
        Honoured(
            "the route through jump hosts; the first jump host's own ProxyJump or ProxyCommand is followed, as `ssh -W` does",
        ),
    ),
    k(
        "proxyusefdpass",
        Choice(FLAG),
        Refused {
            accepts: NO,
            why: "sshfleet talks SSH over the ProxyCommand's stdin and stdout and cannot take a passed descriptor",
        },
    ),
    k(
        "pubkeyacceptedalgorithms",
        One,
        Honoured("the signature algorithms keys may use (`+ - ^`, wildcards)"),
    ),
    k(
        "pubkeyacceptedkeytypes",
        One,
        Alias("pubkeyacceptedalgorithms"),
    ),
    k(
        "pubkeyauthentication",
        Choice(&["yes", "no", "true", "false", "unbound", "host-bound"]),
        Honoured("`no`: neither key files nor the agent are used"),
    ),
    later(
        "refuseconnection",
        "10.0",
        Choice(FLAG),
        Refused {
            accepts: NO,
            why: "RefuseConnection: OpenSSH refuses to connect to this host, and so does sshfleet",
        },
    ),
    k(
        "rekeylimit",
        Value::Check(check_rekey_limit),
        Inert(
            "when keys are renegotiated within a connection; it changes no host, user, key or algorithm",
        ),
    ),
    k("remotecommand", Rest, Inert(SESSION)),
    k(
        "remoteforward",
        Value::Forward(Forward::Remote),
        Inert(FORWARDING),
    ),
    k(
        "requesttty",
        Choice(&["yes", "no", "true", "false", "force", "auto"]),
        Inert(SESSION),
    ),
    k(
        "requiredrsasize",
        Int,
        Refused {
            accepts: &["1024"],
            why: "sshfleet cannot enforce a minimum RSA key size other than OpenSSH's default, 1024",
        },
    ),
    k(
        "revokedhostkeys",
        One,
        Honoured(
            "a file of revoked host keys (plain public keys; a binary KRL is refused at connection); a missing file fails the connection, as in OpenSSH",
        ),
    ),
    k("rhostsauthentication", Anything, Ignored(DEPRECATED)),
    k("rhostsrsaauthentication", Anything, Ignored(UNSUPPORTED)),
    k("rsaauthentication", Anything, Ignored(UNSUPPORTED)),
    k(
        "securitykeyprovider",
        One,
        Inert(
            "sshfleet cannot use FIDO security keys: such an identity fails to load and is reported as skipped",
        ),
    ),
    k("sendenv", Many, Inert(SESSION)),
    k("serveralivecountmax", Int, Inert(TIMING)),
    k("serveraliveinterval", Time, Inert(TIMING)),
    k(
        "sessiontype",
        Choice(&["none", "subsystem", "default"]),
        Inert(SESSION),
    ),
    k("setenv", Value::Check(check_setenv), Inert(SESSION)),
    k("setuptimeout", Time, Inert(TIMING)),
    k(
        "skeyauthentication",
        Choice(FLAG),
        Alias("kbdinteractiveauthentication"),
    ),
    k("smartcarddevice", One, Alias("pkcs11provider")),
    k("stdinnull", Choice(FLAG), Inert(SESSION)),
    k(
        "streamlocalbindmask",
        Value::Check(check_mask),
        Inert(FORWARDING),
    ),
    k("streamlocalbindunlink", Choice(FLAG), Inert(FORWARDING)),
    k(
        "stricthostkeychecking",
        Choice(&["yes", "no", "off", "ask", "accept-new", "true", "false"]),
        Honoured(
            "`yes`/`ask`: unknown keys refused; `accept-new`: recorded; `no`/`off`: read as accept-new (a changed key is still refused), said when read",
        ),
    ),
    k(
        "syslogfacility",
        Choice(&[
            "daemon", "user", "auth", "authpriv", "local0", "local1", "local2", "local3", "local4",
            "local5", "local6", "local7",
        ]),
        Inert(LOGGING),
    ),
    later(
        "tag",
        "9.4",
        One,
        Inert("sshfleet refuses `Match tagged`, so a tag selects nothing"),
    ),
    k("tcpkeepalive", Choice(FLAG), Inert(TIMING)),
    k(
        "tisauthentication",
        Choice(FLAG),
        Alias("kbdinteractiveauthentication"),
    ),
    k(
        "tunnel",
        Choice(&["yes", "no", "true", "false", "point-to-point", "ethernet"]),
        Inert(FORWARDING),
    ),
    k(
        "tunneldevice",
        Value::Check(check_tun_device),
        Inert(FORWARDING),
    ),
    k(
        "updatehostkeys",
        Choice(YES_NO_ASK),
        Refused {
            accepts: NO,
            why: "sshfleet never records the additional host keys a server announces; set UpdateHostKeys no (or leave it unset) for these hosts",
        },
    ),
    k("useblacklistedkeys", Anything, Ignored(DEPRECATED)),
    k("useprivilegedport", Anything, Ignored(DEPRECATED)),
    k("user", One, Honoured("the user logged in as")),
    k(
        "userknownhostsfile",
        Many,
        Honoured(
            "the known_hosts files read; new keys are recorded in the first; `~`, `${VAR}` and tokens expanded",
        ),
    ),
    k("userknownhostsfile2", Anything, Ignored(DEPRECATED)),
    k("useroaming", Anything, Ignored(DEPRECATED)),
    k("usersh", Anything, Ignored(DEPRECATED)),
    k(
        "verifyhostkeydns",
        Choice(YES_NO_ASK),
        Refused {
            accepts: NO,
            why: "sshfleet does not look host keys up in DNS (SSHFP)",
        },
    ),
    k(
        "visualhostkey",
        Choice(FLAG),
        Inert("how the host key is shown"),
    ),
    later("warnweakcrypto", "10.1", Choice(FLAG), Inert(LOGGING)),
    k("xauthlocation", One, Inert(FORWARDING)),
];

/// The row for `name` (lower-case).
pub(crate) fn find(name: &str) -> Option<&'static Keyword> {
    KEYWORDS.iter().find(|k| k.name == name)
}

/// The keyword `name` is read as: itself, or the one it is an alias of.
pub(crate) fn canonical(name: &str) -> &str {
    match find(name).map(|k| k.class) {
        Some(Class::Alias(of)) => of,
        _ => name,
    }
}

/// Whether `value` is accepted by a refused-unless-default keyword.
pub(crate) fn accepted(accepts: &[&str], args: &[String]) -> bool {
    match args {
        [value] => accepts.iter().any(|a| a.eq_ignore_ascii_case(value)),
        _ => false,
    }
}
