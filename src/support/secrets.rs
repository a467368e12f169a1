//! The one secret concept: what is secret, how a secret is held, and the
//! one mask that replaces it wherever sshfleet stores or shows text
//! (`inventory --list`, reports, transcripts, recordings, command output
//! in results, error messages).
//!
//! - A [`Secret`] is one value (a login password from the inventory, its
//!   environment variable or `--ask-pass`, a vault password): its `Debug`
//!   shows [`MASK`], it has no `Display`, and only [`Secret::expose`]
//!   gives the text, for authentication and decryption.
//! - [`is_secret_name`] is the one rule saying which variables hold
//!   secrets, for inventory variables and playbook variables (`-e`) alike.
//! - [`Secrets`] is one host's set of values to redact from text on its way
//!   out. Redaction is never applied to what the engine matches: prompts,
//!   `expect` patterns and captures read the text the host sent.
//!
//! An appliance may echo a password back split across packets (`hun`, then
//! `ter2`), or with terminal controls between its characters (`hun`, a
//! colour change, `ter2`): both are found and masked whole. Received text
//! that ends with the beginning of a secret is held back until the next
//! chunk says whether the secret is completed.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::escape::draws_as_nothing;

/// The text shown instead of a secret, everywhere.
pub(crate) const MASK: &str = "***";

/// Name fragments that mark a variable as secret (`ansible_password`,
/// `ansible_ssh_pass`, `ansible_become_pass`, `vault_esa_password`,
/// `key_passphrase`, `client_secret`, `api_token`, `proxy_credentials`).
const SECRET_WORDS: [&str; 4] = ["pass", "secret", "token", "credential"];

/// Whether a variable's name says its value is secret: it contains one of
/// [`SECRET_WORDS`] or ends in `key` (`api_key`, `apikey`; not
/// `ansible_ssh_private_key_file`, which names a file, nor
/// `ansible_host_key_checking`). Case does not matter. Names that say
/// where a secret is kept ([`SECRET_LOCATIONS`]) are not secrets: their
/// value is shown so an operator can see which variable is read.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if SECRET_LOCATIONS.contains(&name.as_str()) {
        return false;
    }
    SECRET_WORDS.iter().any(|word| name.contains(word)) || name.ends_with("key")
}

/// Variables whose value names where a secret is, never the secret:
/// `sshfleet_password_env` holds the name of the environment variable
/// that holds the password (errors quote it: `password from $ESA_PASSWORD`).
const SECRET_LOCATIONS: [&str; 1] = ["sshfleet_password_env"];

/// One secret value. Cloning shares it; `Debug` shows only the mask and
/// there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(Arc<str>);

impl Secret {
    /// The run knows it from now on: every text sshfleet shows or stores
    /// masks it ([`mask_known`]).
    pub(crate) fn new(text: String) -> Secret {
        remember(&text);
        Secret(text.into())
    }

    /// The secret itself: for authentication and decryption only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({MASK})")
    }
}

/// The shortest value the run searches for in every text it shows or
/// stores: a shorter one (a `token_ttl: 60`, a two-letter password) is
/// masked where it stands (its variable in `inventory --list`, its host's
/// transcript) but not everywhere, where it would mask port numbers and
/// words. Also the shortest transformed form of a secret redacted.
pub(crate) const MIN_SHOWN: usize = 4;

#[cfg(not(test))]
static KNOWN: std::sync::RwLock<Option<Arc<Secrets>>> = std::sync::RwLock::new(None);

/// Every secret the run has met so far: the one set masked in every text
/// sshfleet shows or stores (`sanitize`'s escapers call [`mask_known`],
/// so does every file writer). Process-wide in the product; per thread in
/// unit tests, which run side by side in one process.
fn with_known<T>(f: impl FnOnce(&mut Option<Arc<Secrets>>) -> T) -> T {
    #[cfg(not(test))]
    {
        let mut known = KNOWN
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut known)
    }
    #[cfg(test)]
    {
        thread_local! {
            static KNOWN: std::cell::RefCell<Option<Arc<Secrets>>> =
                const { std::cell::RefCell::new(None) };
        }
        KNOWN.with(|known| f(&mut known.borrow_mut()))
    }
}

/// The run knows `secret` from now on (a login password, a vault value,
/// the value of a secret-named variable, an environment password): every
/// text shown or stored masks it, whatever field or message quotes it.
/// Values shorter than [`MIN_SHOWN`] are left to the masks by field, and
/// to taint: whatever its length, no error quotes it (`super::taint`).
pub(crate) fn remember(secret: &str) {
    super::taint::taint(secret);
    if secret.chars().count() < MIN_SHOWN {
        return;
    }
    with_known(|known| {
        let known = known.get_or_insert_with(Arc::default);
        if !known.holds(secret) {
            Arc::make_mut(known).add(secret);
        }
    });
    // A secret that becomes a host name is shown as ssh connects to it,
    // lower-cased (ASCII only, as ssh lower-cases): that form is masked too.
    let lower = secret.to_ascii_lowercase();
    if lower != secret {
        remember_form(&lower);
    }
}

/// A transformed form of a secret the run knows (see [`Secrets::add_form`]).
pub(crate) fn remember_form(form: &str) {
    with_known(|known| {
        let known = known.get_or_insert_with(Arc::default);
        if !known.holds(form) {
            Arc::make_mut(known).add_form(form);
        }
    });
}

/// `message` with every text it quotes (between backticks or double
/// quotes) replaced by [`MASK`]: for an error about text that is or may be
/// secret (a vault-decrypted file, the value of a secret-named variable),
/// whatever its length, before the run could know it as a secret. The
/// error still says where and what is wrong, never the text.
pub(crate) fn mask_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = &rest[open..=open];
        let Some(len) = rest[open + 1..].find(quote) else {
            break;
        };
        out.push_str(&rest[..=open]);
        out.push_str(MASK);
        out.push_str(quote);
        rest = &rest[open + 1 + len + 1..];
    }
    // An unclosed quote: nothing after it is shown.
    match rest.find(['`', '"']) {
        Some(open) => {
            out.push_str(&rest[..=open]);
            out.push_str(MASK);
        }
        None => out.push_str(rest),
    }
    out
}

/// `text` with every secret the run knows masked.
pub(crate) fn mask_known(text: &str) -> Cow<'_, str> {
    match known().redact(text) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(masked) => Cow::Owned(masked),
    }
}

/// Every secret the run knows now, shared.
fn known() -> Arc<Secrets> {
    with_known(|known| known.get_or_insert_with(Arc::default).clone())
}

/// The most terminal-control characters tolerated between two characters
/// of a secret (a colour change is a handful; this bounds the search).
const MAX_GAP: usize = 64;

/// Secrets to keep out of everything sshfleet records or reports:
/// transcripts, recordings, command output, error messages.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    /// Every secret and every quoted form of it (`escape_debug`, the
    /// console's escaping) by first character (a match never skips
    /// anything before it: a run with thousands of hosts' passwords looks
    /// at a handful per position, not all), longest first: a secret that
    /// contains another is replaced whole.
    by_first: BTreeMap<char, Vec<String>>,
    /// How many forms.
    count: usize,
    /// The run's secrets ([`known`]), redacted here too: shared, not
    /// copied into each host's set.
    run: Option<Arc<Secrets>>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.count)
    }
}

/// How a secret matches text at one position.
enum Matched {
    /// Whole, ending at this byte offset.
    Whole(usize),
    /// The text ends inside it: the next chunk may complete it.
    Begun,
    No,
}

impl Secrets {
    /// Redact `secret` from now on, also as error messages quote it
    /// (escaped), and in the form the console's escaping gives it, so a
    /// text escaped before it meets redaction still has it masked (a
    /// match, never printed). Empty secrets are ignored.
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let json = serde_json::to_string(secret).unwrap_or_default();
        let forms = [
            secret.to_string(),
            secret.escape_debug().to_string(),
            secret.escape_default().to_string(),
            super::escape::unmasked(secret),
            // As a JSON string holds it (`--json`, the JSON log, a report).
            json.get(1..json.len().saturating_sub(1))
                .unwrap_or_default()
                .to_string(),
        ];
        self.add_forms(forms);
    }

    /// Redact `form` too: the secret as some transformation of text shows
    /// it (what a terminal screen leaves of a password with controls in
    /// it). A form shorter than [`MIN_SHOWN`] characters is ignored: it is
    /// no longer the secret, and masking it everywhere would mask
    /// ordinary text.
    pub(crate) fn add_form(&mut self, form: &str) {
        if form.chars().count() >= MIN_SHOWN {
            self.add_forms([form.to_string()]);
        }
    }

    fn add_forms(&mut self, forms: impl IntoIterator<Item = String>) {
        for form in forms {
            let Some(first) = form.chars().next() else {
                continue;
            };
            let bucket = self.by_first.entry(first).or_default();
            if bucket.contains(&form) {
                continue;
            }
            let at = bucket.partition_point(|s| s.len() >= form.len());
            self.count += 1;
            bucket.insert(at, form);
        }
    }

    /// Whether `form` is redacted here as it is.
    fn holds(&self, form: &str) -> bool {
        form.chars()
            .next()
            .and_then(|c| self.by_first.get(&c))
            .is_some_and(|bucket| bucket.iter().any(|s| s == form))
    }

    /// The forms that may start at `at` in `text`, longest first, the
    /// run's included.
    fn starting(&self, text: &str, at: usize) -> impl Iterator<Item = &str> {
        let first = text[at..].chars().next();
        fn bucket(set: &Secrets, first: Option<char>) -> Option<&Vec<String>> {
            first.and_then(|c| set.by_first.get(&c))
        }
        let own = bucket(self, first);
        let run = self.run.as_deref().and_then(|run| bucket(run, first));
        let mut forms: Vec<&str> = own
            .into_iter()
            .chain(run)
            .flatten()
            .map(String::as_str)
            .collect();
        if own.is_some() && run.is_some() {
            forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
        forms.into_iter()
    }

    /// These secrets and, from now on, every secret the run knows.
    pub(crate) fn with_run(mut self) -> Secrets {
        self.run = Some(known());
        self
    }

    /// Whether there is nothing to redact.
    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0 && self.run.as_ref().is_none_or(|run| run.is_empty())
    }

    /// `text` with every whole secret replaced by [`MASK`], terminal
    /// controls between its characters included.
    pub(crate) fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut at = 0;
        while at < text.len() {
            let whole =
                self.starting(text, at)
                    .find_map(|secret| match match_at(text, at, secret) {
                        Matched::Whole(end) => Some(end),
                        _ => None,
                    });
            match whole {
                Some(end) => {
                    let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    out.push_str(&text[copied..at]);
                    out.push_str(MASK);
                    copied = end;
                    at = end;
                }
                None => at += text[at..].chars().next().map_or(1, char::len_utf8),
            }
        }
        match out {
            None => Cow::Borrowed(text),
            Some(mut out) => {
                out.push_str(&text[copied..]);
                Cow::Owned(out)
            }
        }
    }

    /// `text` redacted, and every run of [`MIN_SHOWN`] characters or more
    /// of a secret (or a form of it) masked too: for a line a terminal
    /// redrew, where a piece of the secret the redraw went back over may
    /// stand apart from the rest.
    pub(crate) fn redact_runs<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let whole = self.redact(text);
        let forms: Vec<Vec<char>> = self
            .by_first
            .values()
            .chain(self.run.iter().flat_map(|run| run.by_first.values()))
            .flatten()
            .map(|form| form.chars().collect())
            .collect();
        // Compared as a terminal draws it: without the characters drawn as
        // nothing, which a masked run swallows with it.
        let all: Vec<char> = whole.chars().collect();
        let (chars, index): (Vec<char>, Vec<usize>) = all
            .iter()
            .enumerate()
            .filter(|(_, c)| !draws_as_nothing(**c))
            .map(|(i, c)| (*c, i))
            .unzip();
        let longest = |at: usize| {
            forms
                .iter()
                .map(|form| {
                    (0..form.len())
                        .map(|start| {
                            form[start..]
                                .iter()
                                .zip(&chars[at..])
                                .take_while(|(a, b)| a == b)
                                .count()
                        })
                        .max()
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0)
        };
        let mut out = String::with_capacity(whole.len());
        let mut at = 0;
        // The next character of `all` not copied or masked yet.
        let mut copied = 0;
        let mut changed = false;
        while at < chars.len() {
            let run = longest(at);
            if run >= MIN_SHOWN {
                out.extend(&all[copied..index[at]]);
                out.push_str(MASK);
                copied = index[at + run - 1] + 1;
                at += run;
                changed = true;
            } else {
                at += 1;
            }
        }
        out.extend(&all[copied..]);
        if changed { Cow::Owned(out) } else { whole }
    }

    /// Redact every string (and object key) in `json`, however deep;
    /// whether one changed.
    pub(crate) fn redact_json(&self, json: &mut serde_json::Value) -> bool {
        use serde_json::Value as J;
        match json {
            J::String(text) => self.redact_in_place(text),
            J::Array(items) => items
                .iter_mut()
                .fold(false, |changed, item| self.redact_json(item) | changed),
            J::Object(map) => {
                let mut changed = false;
                let entries = std::mem::take(map);
                for (key, mut item) in entries {
                    changed |= self.redact_json(&mut item);
                    let key = match self.redact(&key) {
                        Cow::Owned(clean) => {
                            changed = true;
                            clean
                        }
                        Cow::Borrowed(_) => key,
                    };
                    map.insert(key, item);
                }
                changed
            }
            J::Null | J::Bool(_) | J::Number(_) => false,
        }
    }

    /// Redact `text` in place; whether it changed.
    pub(crate) fn redact_in_place(&self, text: &mut String) -> bool {
        match self.redact(text) {
            Cow::Owned(clean) => {
                *text = clean;
                true
            }
            Cow::Borrowed(_) => false,
        }
    }

    /// The next chunk of a received stream, redacted: what can be kept now,
    /// with the end that may begin a secret held back in `held` (joined to
    /// the next chunk). Nothing is redacted past where a secret begins
    /// unfinished: a shorter secret inside it (a form a terminal shows of
    /// it) must not be masked before the whole has had its chance. Held
    /// text that nothing completes is kept redacted by [`Secrets::redact`].
    pub(crate) fn redact_streamed(&self, held: &mut String, chunk: &str) -> String {
        let mut joined = std::mem::take(held);
        joined.push_str(chunk);
        let (ready, begun) = self.redact_until_begun(&joined);
        *held = joined.split_off(begun);
        ready
    }

    /// `text` redacted up to the first place a secret begins without
    /// ending in it, and that place (`text.len()` if none).
    fn redact_until_begun(&self, text: &str) -> (String, usize) {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut at = 0;
        while at < text.len() {
            let mut found = Matched::No;
            for secret in self.starting(text, at) {
                found = match_at(text, at, secret);
                if !matches!(found, Matched::No) {
                    break;
                }
            }
            match found {
                Matched::Whole(end) => {
                    out.push_str(&text[copied..at]);
                    out.push_str(MASK);
                    copied = end;
                    at = end;
                }
                Matched::Begun => {
                    out.push_str(&text[copied..at]);
                    return (out, at);
                }
                Matched::No => at += text[at..].chars().next().map_or(1, char::len_utf8),
            }
        }
        out.push_str(&text[copied..]);
        (out, text.len())
    }
}

/// Whether `c` may stand between two characters of a secret a terminal
/// shows whole: a control, or a character drawn as nothing. A stored line
/// holding one is checked as drawn (`session::redraw`).
pub(crate) fn between_characters(c: char) -> bool {
    c.is_control() || draws_as_nothing(c)
}

/// How `secret` matches `text` from byte `at`: its characters in order,
/// with terminal controls allowed between them (never before the first).
/// A control that is part of the secret (a tab, an escape, a C1) matches
/// itself first; only if the rest does not match is it taken as one of
/// the controls allowed between two characters.
fn match_at(text: &str, at: usize, secret: &str) -> Matched {
    let want: Vec<char> = secret.chars().collect();
    let Some(&first) = want.first() else {
        return Matched::No;
    };
    match text[at..].chars().next() {
        None => Matched::No,
        Some(c) if c == first => {
            let mut budget = MAX_BRANCHES;
            match_rest(text, at + c.len_utf8(), &want[1..], &mut budget)
        }
        Some(_) => Matched::No,
    }
}

/// How many alternatives one match tries at most: a secret of many
/// controls met by a text of many controls cannot make redaction slow.
const MAX_BRANCHES: usize = 256;

/// How the rest of a secret, `want`, matches `text` from `pos`.
fn match_rest(text: &str, pos: usize, want: &[char], budget: &mut usize) -> Matched {
    let Some((&next, rest)) = want.split_first() else {
        return Matched::Whole(pos);
    };
    if *budget == 0 {
        return Matched::No;
    }
    *budget -= 1;
    let mut begun = false;
    // The secret's own character, as it is.
    match text[pos..].chars().next() {
        None => return Matched::Begun,
        Some(c) if c == next => match match_rest(text, pos + c.len_utf8(), rest, budget) {
            Matched::Whole(end) => return Matched::Whole(end),
            Matched::Begun => begun = true,
            Matched::No => {}
        },
        Some(_) => {}
    }
    // Or after terminal controls the host put between two characters.
    let found = match skip_controls(text, pos) {
        None => Matched::Begun,
        Some(after) if after == pos => Matched::No,
        Some(after) => match text[after..].chars().next() {
            None => Matched::Begun,
            Some(c) if c == next => match_rest(text, after + c.len_utf8(), rest, budget),
            Some(_) => Matched::No,
        },
    };
    match found {
        Matched::No if begun => Matched::Begun,
        other => other,
    }
}

/// The offset after the terminal controls starting at `pos` (escape and
/// control sequences, control characters other than a line feed, and the
/// characters a terminal draws as nothing: `Sek\u{200b}r1t` shows
/// `Sekr1t`), at most
/// [`MAX_GAP`] characters; `None` if the text ends inside them.
fn skip_controls(text: &str, mut pos: usize) -> Option<usize> {
    let mut skipped = 0;
    loop {
        let mut chars = text[pos..].chars();
        let Some(c) = chars.next() else {
            return if skipped > 0 { None } else { Some(pos) };
        };
        if skipped > MAX_GAP {
            return Some(pos);
        }
        let len = match c {
            '\u{1b}' => match chars.next() {
                None => return None,
                Some('[') => csi_len(chars)?.checked_add(2)?,
                Some(']') => osc_len(chars)?.checked_add(2)?,
                Some(c) if (' '..='~').contains(&c) => 2,
                Some(_) => 1,
            },
            '\u{9b}' => csi_len(chars)?.checked_add(c.len_utf8())?,
            '\n' => return Some(pos),
            c if c.is_control() || draws_as_nothing(c) => c.len_utf8(),
            _ => return Some(pos),
        };
        pos += len;
        skipped += 1;
    }
}

/// Bytes of a control sequence's parameters and final byte; `None` if the
/// text ends first. A character that cannot be in one ends it there.
fn csi_len(chars: std::str::Chars<'_>) -> Option<usize> {
    let mut len = 0;
    for c in chars.take(MAX_GAP) {
        len += c.len_utf8();
        match c {
            '\u{20}'..='\u{3f}' => {}
            _ => return Some(len),
        }
    }
    None
}

/// Bytes of an operating-system command up to BEL or ST; `None` if the
/// text ends first.
fn osc_len(chars: std::str::Chars<'_>) -> Option<usize> {
    let mut len = 0;
    let mut escape = false;
    for c in chars.take(MAX_GAP * 4) {
        len += c.len_utf8();
        match c {
            '\u{7}' | '\u{9c}' => return Some(len),
            '\\' if escape => return Some(len),
            _ => escape = c == '\u{1b}',
        }
    }
    None
}

/// A resolved connection field (docs/SECURITY.md I4) that may be
/// computed from a secret. Its tainted-ness is carried with the value
/// ([`FromSecret`]) from where it is computed, because the value is
/// transformed on the way (a port read as a number, `403` read as the
/// address `0.0.1.147`, a jump's `host:port` split) and the shown text
/// no longer matches any tainted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Address,
    Port,
    User,
    ProxyCommand,
    /// Every identity file of the connection, as one field: a file name
    /// holding a secret of any length (`/k/{{ pin }}`) is the secret.
    KeyFiles,
}

impl Field {
    /// The fields ssh's `%` tokens can carry into another value (`%h`,
    /// `%p`, `%r`; a ProxyCommand's own text): [`FromSecret::any`].
    const CARRIED: [Field; 4] = [
        Field::Address,
        Field::Port,
        Field::User,
        Field::ProxyCommand,
    ];
}

/// Which fields of one resolved connection (a host or a jump) were
/// computed from a secret: every sink prints [`MASK`]
/// for them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FromSecret {
    pub address: bool,
    pub port: bool,
    pub user: bool,
    pub proxy_command: bool,
    pub key_files: bool,
}

impl FromSecret {
    pub(crate) fn get(&self, field: Field) -> bool {
        match field {
            Field::Address => self.address,
            Field::Port => self.port,
            Field::User => self.user,
            Field::ProxyCommand => self.proxy_command,
            Field::KeyFiles => self.key_files,
        }
    }

    pub(crate) fn set(&mut self, field: Field, from_secret: bool) {
        let flag = match field {
            Field::Address => &mut self.address,
            Field::Port => &mut self.port,
            Field::User => &mut self.user,
            Field::ProxyCommand => &mut self.proxy_command,
            Field::KeyFiles => &mut self.key_files,
        };
        *flag |= from_secret;
    }

    /// Whether a field `%` tokens carry is from a secret (a key file is
    /// carried by none).
    pub(crate) fn any(&self) -> bool {
        Field::CARRIED.iter().any(|f| self.get(*f))
    }

    /// `value` as a sink shows `field`: the mask if it is from a secret.
    pub(crate) fn shown(&self, field: Field, value: impl std::fmt::Display) -> String {
        if self.get(field) {
            MASK.to_string()
        } else {
            value.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hunter2() -> Secrets {
        let mut secrets = Secrets::default();
        secrets.add("hunter2");
        secrets
    }

    #[test]
    fn quoted_text_is_masked_whatever_its_length() {
        assert_eq!(
            super::mask_quoted("`!!int \"ab\"`: bad, \"x\" and `y"),
            "`***`: bad, \"***\" and `***"
        );
        assert_eq!(super::mask_quoted("no quotes"), "no quotes");
    }

    #[test]
    fn a_secret_split_by_packets_or_escapes_is_masked_whole() {
        let secrets = hunter2();
        assert_eq!(secrets.redact("pw hunter2 é"), "pw *** é");
        assert_eq!(secrets.redact("pw hun\u{1b}[0mter2!"), "pw ***!");
        assert_eq!(secrets.redact("pw h\u{1b}]0;t\u{7}unter2"), "pw ***");
        assert_eq!(secrets.redact("pw hu\u{9b}1mn\rter2"), "pw ***");
        // A line break is no terminal trick: two lines are two texts.
        assert_eq!(secrets.redact("hun\nter2"), "hun\nter2");
        for (text, kept, held) in [
            ("esa01> hun", "esa01> ", "hun"),
            ("esa01> hun\u{1b}[", "esa01> ", "hun\u{1b}["),
            ("hunter2", "***", ""),
        ] {
            let mut holding = String::new();
            assert_eq!(secrets.redact_streamed(&mut holding, text), kept);
            assert_eq!(holding, held);
        }
        assert!(!format!("{secrets:?}").contains("hunter2"));
        let mut held = String::new();
        let mut kept = secrets.redact_streamed(&mut held, "pw hu");
        kept += &secrets.redact_streamed(&mut held, "n\u{1b}[1");
        kept += &secrets.redact_streamed(&mut held, "mter2 ok");
        assert_eq!((kept.as_str(), held.as_str()), ("pw *** ok", ""));
    }

    /// A secret that becomes a host name is shown lower-cased, as ssh
    /// connects to it: that form is masked too.
    /// A terminal draws the invisible characters as nothing, so
    /// `Sek\u{200b}r1t` shows the secret: masked whole, with them.
    #[test]
    fn a_secret_with_invisible_characters_between_its_parts_is_masked_whole() {
        let mut secrets = Secrets::default();
        secrets.add("Sekr1tPw42XY");
        for hidden in [
            '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{34f}',
        ] {
            let text = format!("7-Sek{hidden}r1t\u{2060}Pw4\u{feff}{hidden}2XY.");
            assert_eq!(secrets.redact(&text), "7-***.", "{text:?}");
            let mut held = String::new();
            let cut = text.find("r1t").unwrap();
            let mut out = secrets.redact_streamed(&mut held, &text[..cut]);
            out.push_str(&secrets.redact_streamed(&mut held, &text[cut..]));
            out.push_str(&secrets.redact(&held));
            assert_eq!(out, "7-***.", "{text:?}");
            // A redrawn piece of it too.
            let piece = format!("x Pw4{hidden}2XY y");
            assert_eq!(secrets.redact_runs(&piece), "x *** y", "{piece:?}");
        }
    }

    #[test]
    fn a_remembered_secret_is_masked_lower_cased_too() {
        remember("Zq9SecretHostValue");
        assert_eq!(
            mask_known("cannot connect to zq9secrethostvalue:22"),
            "cannot connect to ***:22"
        );
        assert_eq!(mask_known("Zq9SecretHostValue"), "***");
    }

    #[test]
    fn quoted_forms_of_a_secret_are_masked_too() {
        let mut secrets = Secrets::default();
        secrets.add("pa\"ss\\w");
        assert_eq!(secrets.redact(r#"said "pa\"ss\\w""#), "said \"***\"");
        assert_eq!(format!("{:?}", Secret::new("x".into())), "Secret(***)");
    }

    #[test]
    fn one_rule_names_secret_variables() {
        for name in [
            "ansible_password",
            "ansible_ssh_pass",
            "ansible_become_pass",
            "vault_esa_password",
            "proxy_password",
            "api_token",
            "API_KEY",
            "client_secret",
            "smtp_credentials",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "ansible_user",
            "ansible_host",
            "ansible_ssh_private_key_file",
            "ansible_host_key_checking",
            "update_timeout",
            // Names the environment variable that holds the password.
            "sshfleet_password_env",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
