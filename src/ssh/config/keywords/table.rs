//! The rows of the keyword table, sorted by name: see the parent module
//! for what each class means.

use super::super::values::{
    FLAG, Forward, Value, check_add_keys, check_canonical_domains, check_channel_timeout,
    check_escape_char, check_gss_kex, check_key_list, check_mask, check_obscure_keystroke_timing,
    check_permit_remote_open, check_positive, check_rekey_limit, check_send_env, check_setenv,
    check_tun_device,
};
use super::{Class, Keyword, k};
use Class::{Alias, Honoured, Ignored, Inert, Refused};
use Value::{Anything, Choice, Int, Many, One, Rest, Structure, Time};

const YES_NO_ASK: &[&str] = &["yes", "no", "ask", "true", "false"];
const NO: &[&str] = &["no", "false"];
const NONE: &[&str] = &["none"];

const IDENTITY_FILE: &str = "key files offered, accumulated; `~`, `~user`, `${VAR}` and tokens expanded in one pass; `none` (any case) is no file, yet keeps the default key files out, as in ssh";
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

/// The table: every keyword OpenSSH's client reads, up to the release
/// [`super::CHECKED_AGAINST`], with Debian's additions. Sorted by name.
pub(crate) const KEYWORDS: &[Keyword] = &[
    k(
        "addkeystoagent",
        "7.2",
        Value::Check(check_add_keys),
        Inert("sshfleet never adds keys to an agent"),
    ),
    k(
        "addressfamily",
        "3.7",
        Choice(&["any", "inet", "inet6"]),
        Honoured("the address family of the TCP connection (not of a ProxyCommand's)"),
    ),
    k("afstokenpassing", "1.2.2", Anything, Ignored(UNSUPPORTED)),
    k(
        "batchmode",
        "1.2.2",
        Choice(FLAG),
        Honoured(
            "`yes`: no password is sent (password and keyboard-interactive), as ssh cannot prompt for one; keys and the agent are still used",
        ),
    ),
    k(
        "bindaddress",
        "2.9.9",
        One,
        Refused {
            accepts: &[],
            why: "sshfleet does not bind the local end of its connections; remove BindAddress for these hosts",
        },
    ),
    k(
        "bindinterface",
        "7.7",
        One,
        Refused {
            accepts: &[],
            why: "sshfleet does not bind the local end of its connections; remove BindInterface for these hosts",
        },
    ),
    k(
        "canonicaldomains",
        "6.5",
        Value::Check(check_canonical_domains),
        Inert(CANONICAL),
    ),
    k(
        "canonicalizefallbacklocal",
        "6.5",
        Choice(FLAG),
        Inert(CANONICAL),
    ),
    k(
        "canonicalizehostname",
        "6.5",
        Choice(&["yes", "no", "always", "true", "false"]),
        Refused {
            accepts: NO,
            why: "hostname canonicalisation is not supported by sshfleet; remove it or set it to `no` for the appliances",
        },
    ),
    k("canonicalizemaxdots", "6.5", Int, Inert(CANONICAL)),
    k(
        "canonicalizepermittedcnames",
        "6.5",
        Value::Cnames,
        Inert(CANONICAL),
    ),
    k(
        "casignaturealgorithms",
        "7.9",
        One,
        Honoured(
            "which signature algorithms a certificate authority may have signed a host certificate with (`+ - ^`, wildcards); a certificate outside the list is checked as its plain key, as OpenSSH does",
        ),
    ),
    k(
        "certificatefile",
        "7.2",
        One,
        Refused {
            accepts: NONE,
            why: "sshfleet does not offer user certificates; remove CertificateFile for these hosts or log in with the plain key",
        },
    ),
    k(
        "challengeresponseauthentication",
        "2.5.0",
        Choice(FLAG),
        Alias("kbdinteractiveauthentication"),
    ),
    k(
        "channeltimeout",
        "9.6",
        Value::Check(check_channel_timeout),
        Inert(TIMING),
    ),
    k(
        "checkhostip",
        "1.2.2",
        Choice(FLAG),
        Refused {
            accepts: NO,
            why: "sshfleet does not check the host's IP address in known_hosts (OpenSSH's default since 8.5 is `no`)",
        },
    ),
    k("cipher", "1.2.2", Anything, Ignored(DEPRECATED)),
    k(
        "ciphers",
        "2.1.0",
        One,
        Honoured(
            "the ciphers offered (`+ - ^`, wildcards), restricted to those sshfleet implements",
        ),
    ),
    k(
        "clearallforwardings",
        "2.9.9",
        Choice(FLAG),
        Inert(FORWARDING),
    ),
    k(
        "compression",
        "1.2.2",
        Choice(&["yes", "no"]),
        Inert(
            "sshfleet offers no compression, which every server accepts; it changes no host, user, key or cipher decision",
        ),
    ),
    k("compressionlevel", "1.2.2", Anything, Ignored(UNSUPPORTED)),
    k(
        "connectionattempts",
        "1.2.2",
        Value::Check(check_positive),
        Inert(TIMING),
    ),
    k("connecttimeout", "3.7", Time, Inert(TIMING)),
    k(
        "controlmaster",
        "3.9",
        Choice(&["yes", "no", "true", "false", "auto", "ask", "autoask"]),
        Inert("sshfleet opens its own connections and never shares one through a control socket"),
    ),
    k(
        "controlpath",
        "3.9",
        One,
        Inert("sshfleet opens its own connections and never shares one through a control socket"),
    ),
    k(
        "controlpersist",
        "5.6",
        Value::FlagOrTime,
        Inert("sshfleet opens its own connections and never shares one through a control socket"),
    ),
    k(
        "dsaauthentication",
        "2.1.0",
        Choice(&["yes", "no", "true", "false", "unbound", "host-bound"]),
        Alias("pubkeyauthentication"),
    ),
    k(
        "dynamicforward",
        "2.9.9",
        Value::Forward(Forward::Dynamic),
        Inert(FORWARDING),
    ),
    k(
        "enableescapecommandline",
        "9.2",
        Choice(FLAG),
        Inert(SESSION),
    ),
    k("enablesshkeysign", "3.6", Choice(FLAG), Inert(HOSTBASED)),
    k(
        "escapechar",
        "1.2.2",
        Value::Check(check_escape_char),
        Inert(SESSION),
    ),
    k(
        "exitonforwardfailure",
        "4.4",
        Choice(FLAG),
        Inert(FORWARDING),
    ),
    k("fallbacktorsh", "1.2.2", Anything, Ignored(DEPRECATED)),
    k(
        "fingerprinthash",
        "6.8",
        // digest-openssl.c's names, compared case-insensitively.
        Choice(&["md5", "sha1", "sha256", "sha384", "sha512"]),
        Inert("how fingerprints are shown; sshfleet shows SHA256"),
    ),
    k(
        "forkafterauthentication",
        "8.7",
        Choice(FLAG),
        Refused {
            accepts: NO,
            why: "sshfleet does not fork into the background (ssh itself refuses it without a command)",
        },
    ),
    k("forwardagent", "1.2.2", One, Inert(FORWARDING)),
    k("forwardx11", "1.2.2", Choice(FLAG), Inert(FORWARDING)),
    k("forwardx11timeout", "5.6", Time, Inert(FORWARDING)),
    k("forwardx11trusted", "3.8", Choice(FLAG), Inert(FORWARDING)),
    k("gatewayports", "1.2.2", Choice(FLAG), Inert(FORWARDING)),
    k(
        "globalknownhostsfile",
        "1.2.2",
        Many,
        Honoured(
            "the system known_hosts files, read (never written); `~` expanded, `%` and `${VAR}` taken as written (as OpenSSH 9.2)",
        ),
    ),
    k(
        "globalknownhostsfile2",
        "2.1.0",
        Anything,
        Ignored(DEPRECATED),
    ),
    k("gssapiauthentication", "3.7", Choice(FLAG), Inert(GSSAPI)),
    k("gssapiclientidentity", "Debian", One, Inert(GSSAPI)),
    k(
        "gssapidelegatecredentials",
        "3.7",
        Choice(FLAG),
        Inert(GSSAPI),
    ),
    k(
        "gssapikexalgorithms",
        "Debian",
        Value::Check(check_gss_kex),
        Inert(GSSAPI),
    ),
    k(
        "gssapikeyexchange",
        "Debian",
        Choice(FLAG),
        Inert(
            "sshfleet has no GSSAPI key exchange: it always verifies the host key against known_hosts, which OpenSSH skips when GSSAPI key exchange succeeds",
        ),
    ),
    k(
        "gssapirenewalforcesrekey",
        "Debian",
        Choice(FLAG),
        Inert(GSSAPI),
    ),
    k("gssapiserveridentity", "Debian", One, Inert(GSSAPI)),
    k("gssapitrustdns", "Debian", Choice(FLAG), Inert(GSSAPI)),
    k(
        "hashknownhosts",
        "4.0",
        Choice(FLAG),
        Honoured("host keys recorded under accept-new are written with the name hashed"),
    ),
    k(
        "host",
        "1.2.2",
        Structure,
        Honoured(
            "starts a block: patterns, `*`, `?` (one byte, as every OpenSSH pattern), `!`, matched against the name as given",
        ),
    ),
    k(
        "hostbasedacceptedalgorithms",
        "8.7",
        Value::Check(check_key_list),
        Inert(HOSTBASED),
    ),
    k(
        "hostbasedauthentication",
        "2.9.9",
        Choice(FLAG),
        Inert(HOSTBASED),
    ),
    k(
        "hostbasedkeytypes",
        "6.8",
        Value::Check(check_key_list),
        Alias("hostbasedacceptedalgorithms"),
    ),
    k(
        "hostkeyalgorithms",
        "2.9.9",
        One,
        Honoured(
            "the host key types accepted and offered (`+ - ^`, wildcards), restricted to those sshfleet implements; the types known_hosts knows the host by go first, as in OpenSSH; a host whose server offers a type `ssh` would take and sshfleet cannot ask for there (a certificate type after a plain one) is refused, naming it",
        ),
    ),
    k(
        "hostkeyalias",
        "2.5.0",
        One,
        Honoured("the name host keys are looked up and recorded under"),
    ),
    k(
        "hostname",
        "1.2.2",
        One,
        Honoured(
            "the host connected to (`%h`): a name lower-cased (ASCII), a numeric address in its standard form (`127.1` is `127.0.0.1`), as ssh 9.2 after its first pass",
        ),
    ),
    k(
        "identitiesonly",
        "3.8.1",
        Choice(FLAG),
        Honoured(
            "only the identity files' keys are offered, the agent's only where they are the same key (a `.pub` identity whose private half is in the agent)",
        ),
    ),
    k(
        "identityagent",
        "7.3",
        One,
        Honoured(
            "the agent socket: `none`, `SSH_AUTH_SOCK`, `$VAR` or a path (`~`, `~user`, `${VAR}`, tokens)",
        ),
    ),
    k("identityfile", "1.2.2", One, Honoured(IDENTITY_FILE)),
    k("identityfile2", "2.1.0", One, Alias("identityfile")),
    k(
        "ignoreunknown",
        "6.3",
        One,
        Honoured(
            "unknown keywords matching these patterns are skipped, from the line it is read on; the first value obtained wins",
        ),
    ),
    k(
        "include",
        "7.3",
        Structure,
        Honoured(
            "reads files (globs expanded as OpenSSH's glob(3): bytes, a leading dot matched only literally, `\\` escapes, a dangling symbolic link skipped; relative paths under ~/.ssh or /etc/ssh) within the enclosing block",
        ),
    ),
    k(
        "ipqos",
        "5.7",
        Value::IpQos,
        Inert("the IP type of service of packets; it changes no host, user, key or algorithm"),
    ),
    k(
        "kbdinteractiveauthentication",
        "2.3.0",
        Choice(FLAG),
        Honoured("whether the password may be sent through keyboard-interactive"),
    ),
    k(
        "kbdinteractivedevices",
        "2.3.0",
        One,
        Inert(
            "sshfleet asks the server for no particular devices; the password is only sent to a prompt that asks for the login password (docs/SECURITY.md, I4)",
        ),
    ),
    k("keepalive", "1.2.2", Choice(FLAG), Alias("tcpkeepalive")),
    k(
        "kerberosauthentication",
        "1.2.2",
        Anything,
        Ignored(UNSUPPORTED),
    ),
    k(
        "kerberostgtpassing",
        "1.2.2",
        Anything,
        Ignored(UNSUPPORTED),
    ),
    k(
        "kexalgorithms",
        "5.7",
        One,
        Honoured(
            "the key exchange algorithms offered (`+ - ^`, wildcards), restricted to those sshfleet implements",
        ),
    ),
    k(
        "knownhostscommand",
        "8.5",
        Rest,
        Refused {
            accepts: NONE,
            why: "sshfleet does not run a KnownHostsCommand; put the keys in a known_hosts file (UserKnownHostsFile) for these hosts",
        },
    ),
    k(
        "localcommand",
        "4.3",
        Rest,
        Inert("sshfleet never runs a LocalCommand (it has no PermitLocalCommand)"),
    ),
    k(
        "localforward",
        "1.2.2",
        Value::Forward(Forward::Local),
        Inert(FORWARDING),
    ),
    k(
        "loglevel",
        "1.2.2",
        Choice(&[
            "quiet", "fatal", "error", "info", "verbose", "debug", "debug1", "debug2", "debug3",
            // Debian's `ssh` also reads the name it prints for `quiet`.
            "silent",
        ]),
        Inert(LOGGING),
    ),
    k("logverbose", "8.5", Many, Inert(LOGGING)),
    k(
        "macs",
        "2.5.0",
        One,
        Honoured("the MACs offered (`+ - ^`, wildcards), restricted to those sshfleet implements"),
    ),
    k(
        "match",
        "6.5",
        Structure,
        Honoured(
            "starts a block: all, host, originalhost, user, localuser, exec, final, canonical, tagged (with `!`; arguments cut as OpenSSH 9.2 cuts them: one `=` separates, as in `host=a` or `host = a`, a double quote groups, a single quote is a character); host names compared lower-cased. `localnetwork`, `version`, `sessiontype` and `command` are refused (exit 5)",
        ),
    ),
    k(
        "nohostauthenticationforlocalhost",
        "3.0",
        Choice(FLAG),
        Refused {
            accepts: NO,
            why: "sshfleet always checks the host key, of localhost too",
        },
    ),
    k(
        "numberofpasswordprompts",
        "1.2.2",
        Int,
        Honoured(
            "`0`: no password is sent (password and keyboard-interactive), as ssh asks for none; otherwise sshfleet sends the one password it was given once per method",
        ),
    ),
    k(
        "obscurekeystroketiming",
        "9.5",
        Value::Check(check_obscure_keystroke_timing),
        Inert(SESSION),
    ),
    k(
        "passwordauthentication",
        "1.2.2",
        Choice(FLAG),
        Honoured("whether the password may be sent through the `password` method"),
    ),
    k(
        "permitlocalcommand",
        "4.3",
        Choice(FLAG),
        Inert("sshfleet never runs a LocalCommand"),
    ),
    k(
        "permitremoteopen",
        "8.5",
        Value::Check(check_permit_remote_open),
        Inert(FORWARDING),
    ),
    k(
        "pkcs11provider",
        "5.4",
        One,
        Refused {
            accepts: NONE,
            why: "sshfleet cannot use PKCS#11 keys; remove PKCS11Provider for these hosts or load the key into ssh-agent",
        },
    ),
    k("port", "1.2.2", One, Honoured("the port connected to")),
    k(
        "preferredauthentications",
        "2.5.2",
        One,
        Honoured(
            "the methods sshfleet may use (publickey, password, keyboard-interactive); a list that puts a password method before publickey is refused, since sshfleet always tries keys first",
        ),
    ),
    k(
        "protocol",
        "2.1.0",
        Anything,
        Ignored("OpenSSH reads and ignores it (only protocol 2 exists)"),
    ),
    k("protocolkeepalives", "Debian", Time, Inert(TIMING)),
    k(
        "proxycommand",
        "1.2.2",
        Rest,
        Honoured(
            "the route: a command whose stdin and stdout carry SSH (`%h %k %n %p %r %%`); for the host, and for the first jump host from its own configuration",
        ),
    ),
    k(
        "proxyjump",
        "7.3",
        Rest,
        Honoured(
            "the route through jump hosts (`%h %k %n %p %r %%` expanded for the host it leads to, as ssh expands the command it makes of the list; a `%` left after expanding is refused); the first jump host's own ProxyJump or ProxyCommand is followed, as `ssh -W` does",
        ),
    ),
    k(
        "proxyusefdpass",
        "6.3",
        Choice(FLAG),
        Refused {
            accepts: NO,
            why: "sshfleet talks SSH over the ProxyCommand's stdin and stdout and cannot take a passed descriptor",
        },
    ),
    k(
        "pubkeyacceptedalgorithms",
        "8.5",
        One,
        Honoured("the signature algorithms keys may use (`+ - ^`, wildcards)"),
    ),
    k(
        "pubkeyacceptedkeytypes",
        "7.0",
        One,
        Alias("pubkeyacceptedalgorithms"),
    ),
    k(
        "pubkeyauthentication",
        "2.5.0",
        Choice(&["yes", "no", "true", "false", "unbound", "host-bound"]),
        Honoured("`no`: neither key files nor the agent are used"),
    ),
    k(
        "refuseconnection",
        "10.1",
        One,
        Refused {
            accepts: &[],
            why: "RefuseConnection: OpenSSH refuses to connect to a host it applies to, showing its value, and so does sshfleet",
        },
    ),
    k(
        "rekeylimit",
        "3.7",
        Value::Check(check_rekey_limit),
        Inert(
            "when keys are renegotiated within a connection; it changes no host, user, key or algorithm",
        ),
    ),
    k(
        "remotecommand",
        "7.6",
        Rest,
        Refused {
            accepts: &["none"],
            why: "ssh refuses a RemoteCommand with the command Ansible gives it on its command line (\"Cannot execute command-line and remote command\")",
        },
    ),
    k(
        "remoteforward",
        "1.2.2",
        Value::Forward(Forward::Remote),
        Inert(FORWARDING),
    ),
    k(
        "requesttty",
        "5.9",
        Choice(&["yes", "no", "true", "false", "force", "auto"]),
        Inert(SESSION),
    ),
    k(
        "requiredrsasize",
        "9.1",
        Int,
        Refused {
            accepts: &["1024"],
            why: "sshfleet cannot enforce a minimum RSA key size other than OpenSSH's default, 1024",
        },
    ),
    k(
        "revokedhostkeys",
        "6.8",
        One,
        Honoured(
            "a file of revoked host keys (public keys, each line read as ssh's `sshkey_read` reads it: a line ssh cannot read fails the connection; a binary KRL is refused at connection), opened as written (no `~`, tokens or `${VAR}`, as OpenSSH 9.2); `none` (any case) is no file; a missing file fails the connection, as in OpenSSH",
        ),
    ),
    k(
        "rhostsauthentication",
        "1.2.2",
        Anything,
        Ignored(DEPRECATED),
    ),
    k(
        "rhostsrsaauthentication",
        "1.2.2",
        Anything,
        Ignored(UNSUPPORTED),
    ),
    k("rsaauthentication", "1.2.2", Anything, Ignored(UNSUPPORTED)),
    k(
        "securitykeyprovider",
        "8.2",
        One,
        Inert(
            "sshfleet cannot use FIDO security keys: such an identity fails to load and is reported as skipped",
        ),
    ),
    k(
        "sendenv",
        "3.9",
        Value::Check(check_send_env),
        Inert(SESSION),
    ),
    k("serveralivecountmax", "3.8", Int, Inert(TIMING)),
    k("serveraliveinterval", "3.8", Time, Inert(TIMING)),
    k(
        "sessiontype",
        "8.7",
        Choice(&["none", "subsystem", "default"]),
        Refused {
            accepts: &["default"],
            why: "with `none` ssh opens no session and with `subsystem` it asks for the subsystem the command names: the command Ansible gives it never runs",
        },
    ),
    k("setenv", "7.8", Value::Check(check_setenv), Inert(SESSION)),
    k("setuptimeout", "Debian", Time, Inert(TIMING)),
    k(
        "skeyauthentication",
        "1.2.2",
        Choice(FLAG),
        Alias("kbdinteractiveauthentication"),
    ),
    k("smartcarddevice", "2.9.9", One, Alias("pkcs11provider")),
    k("stdinnull", "8.7", Choice(FLAG), Inert(SESSION)),
    k(
        "streamlocalbindmask",
        "6.7",
        Value::Check(check_mask),
        Inert(FORWARDING),
    ),
    k(
        "streamlocalbindunlink",
        "6.7",
        Choice(FLAG),
        Inert(FORWARDING),
    ),
    k(
        "stricthostkeychecking",
        "1.2.2",
        Choice(&["yes", "no", "off", "ask", "accept-new", "true", "false"]),
        Honoured(
            "`yes`/`ask`: unknown keys refused; `accept-new`: recorded; `no`/`off`: read as accept-new (a changed key is still refused), said when read",
        ),
    ),
    k(
        "syslogfacility",
        "7.6",
        Choice(&[
            "daemon", "user", "auth", "authpriv", "local0", "local1", "local2", "local3", "local4",
            "local5", "local6", "local7",
        ]),
        Inert(LOGGING),
    ),
    k(
        "tag",
        "9.4",
        One,
        Honoured(
            "the tag `Match tagged` tests (patterns, case-sensitive; an empty argument matches when no tag was obtained); the first value obtained wins",
        ),
    ),
    k("tcpkeepalive", "3.8", Choice(FLAG), Inert(TIMING)),
    k(
        "tisauthentication",
        "1.2.2",
        Choice(FLAG),
        Alias("kbdinteractiveauthentication"),
    ),
    k(
        "tunnel",
        "4.3",
        Choice(&["yes", "no", "true", "false", "point-to-point", "ethernet"]),
        Inert(FORWARDING),
    ),
    k(
        "tunneldevice",
        "4.3",
        Value::Check(check_tun_device),
        Inert(FORWARDING),
    ),
    k(
        "updatehostkeys",
        "6.8",
        Choice(YES_NO_ASK),
        Refused {
            accepts: NO,
            why: "sshfleet never records the additional host keys a server announces; set UpdateHostKeys no (or leave it unset) for these hosts",
        },
    ),
    k(
        "useblacklistedkeys",
        "Debian",
        Anything,
        Ignored(DEPRECATED),
    ),
    k("useprivilegedport", "1.2.2", Anything, Ignored(DEPRECATED)),
    k("user", "1.2.2", One, Honoured("the user logged in as")),
    k(
        "userknownhostsfile",
        "1.2.2",
        Many,
        Honoured(
            "the known_hosts files read; new keys are recorded in the first; `~`, `~user`, `${VAR}` and tokens expanded",
        ),
    ),
    k(
        "userknownhostsfile2",
        "2.1.0",
        Anything,
        Ignored(DEPRECATED),
    ),
    k("useroaming", "5.3", Anything, Ignored(DEPRECATED)),
    k("usersh", "1.2.2", Anything, Ignored(DEPRECATED)),
    k(
        "verifyhostkeydns",
        "3.7",
        Choice(YES_NO_ASK),
        Refused {
            accepts: NO,
            why: "sshfleet does not look host keys up in DNS (SSHFP)",
        },
    ),
    k(
        "versionaddendum",
        "10.0",
        Rest,
        Refused {
            accepts: NONE,
            why: "sshfleet sends its own version banner; remove VersionAddendum or set it to `none` for these hosts",
        },
    ),
    k(
        "visualhostkey",
        "5.1",
        Choice(FLAG),
        Inert("how the host key is shown"),
    ),
    k(
        "warnweakcrypto",
        "10.1",
        Choice(&["yes", "no", "true", "false", "no-pq-kex"]),
        Inert(
            "whether ssh warns of weak algorithms negotiated; sshfleet negotiates only those it implements and logs with its own options",
        ),
    ),
    k("xauthlocation", "2.1.1", One, Inert(FORWARDING)),
];
