//! Ansible Vault (format 1.1 and 1.2, AES256): `!vault |` values and
//! encrypted files, decrypted with the RustCrypto primitives Ansible's
//! format is made of: PBKDF2-HMAC-SHA256 (10 000 rounds) derives the AES
//! key, the HMAC key and the CTR counter; HMAC-SHA256 authenticates the
//! ciphertext before AES-256-CTR decrypts it; PKCS#7 padding is removed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use aes::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::support::secrets::Secret;

/// The vault passwords, each with its vault id label (`default` for
/// `--vault-password-file` and `--ask-vault-pass`): never printed (its
/// `Debug` says so). It remembers what it decrypted: a `!vault` value in
/// `group_vars/all` is read for every host, and each PBKDF2 derivation
/// costs 10 000 rounds.
#[derive(Clone)]
pub(crate) struct VaultSecret(Vec<(String, Secret)>, Arc<Mutex<HashMap<String, String>>>);

impl std::fmt::Debug for VaultSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultSecret(<redacted>)")
    }
}

impl VaultSecret {
    /// A password as typed (`--ask-vault-pass`), vault id `default`.
    pub(crate) fn new(password: String) -> VaultSecret {
        VaultSecret::with_labels(vec![("default".to_string(), password)])
    }

    /// Several passwords, each with its vault id label (`--vault-id
    /// label@source`), in the order given.
    pub(crate) fn with_labels(secrets: Vec<(String, String)>) -> VaultSecret {
        let secrets = secrets
            .into_iter()
            .map(|(label, password)| (label, Secret::new(password)))
            .collect();
        VaultSecret(secrets, Arc::default())
    }

    /// Each label and password, in order.
    pub(crate) fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(l, p)| (l.as_str(), p.expose()))
    }

    /// These passwords and then `other`'s.
    pub(crate) fn and(mut self, other: VaultSecret) -> VaultSecret {
        self.0.extend(other.0);
        self
    }

    /// The first line of a password file, as Ansible reads it (surrounding
    /// whitespace removed). An executable file is refused: Ansible would
    /// run it as a password script, which sshfleet does not.
    pub(crate) fn from_file(path: &Path) -> Result<VaultSecret, String> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            if let Ok(meta) = std::fs::metadata(path)
                && meta.is_file()
                && meta.permissions().mode() & 0o111 != 0
            {
                return Err(format!(
                    "{}: vault password scripts (executable password files) are not supported; remove the execute bit or use --ask-vault-pass",
                    path.display()
                ));
            }
        }
        let text = crate::support::bounds::read_input(path)
            .map_err(|e| format!("cannot read vault password file {}: {e}", path.display()))?;
        let password = text.trim().to_string();
        if password.is_empty() {
            return Err(format!("vault password file {} is empty", path.display()));
        }
        Ok(VaultSecret::new(password))
    }
}

/// Why a vault could not be opened. Never contains the secret or the
/// plaintext.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum VaultError {
    NoPassword,
    Format(String),
    WrongPassword,
    /// The vault names a vault id label no `--vault-id` gave, and no
    /// other password opens it.
    NoSuchLabel(String),
}

impl std::fmt::Display for VaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VaultError::NoPassword => f.write_str(
                "vault-encrypted data found but no vault password given (use --vault-password-file, --ask-vault-pass or ANSIBLE_VAULT_PASSWORD_FILE)",
            ),
            VaultError::Format(m) => write!(f, "malformed vault data: {m}"),
            VaultError::WrongPassword => {
                f.write_str("the vault password does not decrypt this data (HMAC mismatch)")
            }
            VaultError::NoSuchLabel(label) => write!(
                f,
                "this vault is for vault id `{label}`, which no --vault-id gave (--vault-id {label}@FILE), and no other vault password decrypts it"
            ),
        }
    }
}

/// Does this text start like a vault? Ansible's `is_encrypted_file` reads
/// the first 14 bytes: `$ANSIBLE_VAULT`, nothing before it.
pub(super) fn is_vault(text: &str) -> bool {
    text.starts_with(HEADER)
}

/// Whether the file at `path` is vault-encrypted as a whole (its text
/// starts with the vault header). Asked for every host and variable a file
/// set, so answered once per file from its first bytes: reading and
/// checking a whole file each time made a large file shared by a
/// hundred hosts cost seconds.
pub(super) fn is_vault_file(path: &std::path::Path) -> bool {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashMap<std::path::PathBuf, bool>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Mutex::default);
    if let Some(&known) = seen.lock().ok().as_ref().and_then(|s| s.get(path)) {
        return known;
    }
    let vault = crate::support::bounds::read_input_head(path, HEADER.len() as u64)
        .is_ok_and(|head| head == HEADER.as_bytes());
    if let Ok(mut seen) = seen.lock() {
        seen.insert(path.to_path_buf(), vault);
    }
    vault
}

const HEADER: &str = "$ANSIBLE_VAULT";

/// Python's `bytes.splitlines()`: `\n`, `\r\n`, `\r`; no final empty line.
fn bytes_splitlines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(i) = rest.find(['\n', '\r']) else {
            lines.push(rest);
            break;
        };
        lines.push(&rest[..i]);
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
    }
    lines
}

/// ansible-core's `parse_vaulttext_envelope`: the first line, stripped,
/// split at `;`, each field stripped; field 2 the cipher, field 3 (in any
/// version) the vault id; the version is not checked. The other lines are
/// joined as they are (a space or tab in them fails `unhexlify`).
fn envelope(text: &str) -> Result<(Option<String>, String), VaultError> {
    // `is_encrypted`: ASCII only, starting with the header.
    if !text.is_ascii() || !text.starts_with(HEADER) {
        return Err(VaultError::Format(
            "not vault data (ASCII starting with $ANSIBLE_VAULT)".to_string(),
        ));
    }
    let lines = bytes_splitlines(text);
    let header = lines.first().copied().unwrap_or_default();
    let fields: Vec<&str> = header
        .trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{b}')
        .split(';')
        .map(|f| f.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{b}'))
        .collect();
    let Some(&cipher) = fields.get(2) else {
        return Err(VaultError::Format(
            "the header needs $ANSIBLE_VAULT;VERSION;CIPHER".to_string(),
        ));
    };
    if cipher != "AES256" {
        return Err(VaultError::Format(format!(
            "cipher {cipher} is not supported (only AES256, as Ansible)"
        )));
    }
    let label = fields.get(3).map(|l| (*l).to_string());
    Ok((label, lines[1..].concat()))
}

/// Decrypt vault text with `secret`.
pub(super) fn decrypt(text: &str, secret: Option<&VaultSecret>) -> Result<String, VaultError> {
    let (label, hex_body) = envelope(text)?;
    let secret = secret.ok_or(VaultError::NoPassword)?;
    if let Some(plain) = secret.1.lock().ok().and_then(|c| c.get(text).cloned()) {
        return Ok(plain);
    }
    // As ansible-core: the passwords of the vault's label first, then the
    // others, in the order given.
    let mut order: Vec<&(String, Secret)> = secret
        .0
        .iter()
        .filter(|(l, _)| Some(l) == label.as_ref())
        .collect();
    order.extend(secret.0.iter().filter(|(l, _)| Some(l) != label.as_ref()));
    let mut result = Err(VaultError::WrongPassword);
    for (_, password) in order {
        result = decrypt_with(&hex_body, password.expose());
        if !matches!(result, Err(VaultError::WrongPassword)) {
            break;
        }
    }
    let plain = match (result, label) {
        (Err(VaultError::WrongPassword), Some(label))
            if !secret.0.iter().any(|(l, _)| *l == label) =>
        {
            return Err(VaultError::NoSuchLabel(label));
        }
        (result, _) => result?,
    };
    if let Ok(mut cache) = secret.1.lock() {
        cache.insert(text.to_string(), plain.clone());
    }
    Ok(plain)
}

/// The body (the lines after the header) decrypted with `secret`.
fn decrypt_with(hex_body: &str, password: &str) -> Result<String, VaultError> {
    let body =
        unhex(hex_body).ok_or_else(|| VaultError::Format("the body is not hex".to_string()))?;
    let body = String::from_utf8(body).map_err(|_| VaultError::Format("bad body".to_string()))?;
    let parts: Vec<&str> = body.split('\n').collect();
    let [salt, mac, ciphertext] = parts[..] else {
        return Err(VaultError::Format(
            "the body must be salt, HMAC and ciphertext".to_string(),
        ));
    };
    let bad = || VaultError::Format("salt, HMAC or ciphertext is not hex".to_string());
    let salt = unhex(salt).ok_or_else(bad)?;
    let mac = unhex(mac).ok_or_else(bad)?;
    let mut data = unhex(ciphertext).ok_or_else(bad)?;

    let mut derived = [0u8; 80];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, 10_000, &mut derived);
    let (key, rest) = derived.split_at(32);
    let (hmac_key, iv) = rest.split_at(32);

    let mut check = <Hmac<Sha256> as KeyInit>::new_from_slice(hmac_key)
        .map_err(|_| VaultError::Format("HMAC key".to_string()))?;
    check.update(&data);
    check
        .verify_slice(&mac)
        .map_err(|_| VaultError::WrongPassword)?;

    let mut cipher = ctr::Ctr128BE::<aes::Aes256>::new_from_slices(key, iv)
        .map_err(|_| VaultError::Format("key or counter length".to_string()))?;
    cipher.apply_keystream(&mut data);
    let pad = usize::from(
        *data
            .last()
            .ok_or_else(|| VaultError::Format("empty".to_string()))?,
    );
    // PKCS#7 as `cryptography`'s unpadder checks it: every pad byte.
    if pad == 0
        || pad > 16
        || pad > data.len()
        || data[data.len() - pad..]
            .iter()
            .any(|&b| usize::from(b) != pad)
    {
        return Err(VaultError::Format("bad padding".to_string()));
    }
    data.truncate(data.len() - pad);
    String::from_utf8(data)
        .map_err(|_| VaultError::Format("the plaintext is not UTF-8".to_string()))
}

/// `binascii.unhexlify`: even length, hex digits only (no blanks).
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Where a vault password comes from, as the command line and environment
/// say: `--vault-password-file`, else `ANSIBLE_VAULT_PASSWORD_FILE`.
pub(crate) fn password_file_from_env() -> Option<PathBuf> {
    std::env::var_os("ANSIBLE_VAULT_PASSWORD_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    // `ansible-vault encrypt_string --vault-password-file <(echo test-vault-password) 's3cret-pw'`
    const VAULT: &str = include_str!("../../tests/inventories/vault/secret.vault");

    #[test]
    fn decrypts_what_ansible_vault_encrypted() {
        let secret = VaultSecret::new("test-vault-password".to_string());
        assert_eq!(decrypt(VAULT, Some(&secret)).unwrap(), "s3cret-pw");
        let wrong = VaultSecret::new("nope".to_string());
        assert_eq!(decrypt(VAULT, Some(&wrong)), Err(VaultError::WrongPassword));
        assert_eq!(decrypt(VAULT, None), Err(VaultError::NoPassword));
        assert!(matches!(
            decrypt("$ANSIBLE_VAULT;1.0;AES\n00", Some(&secret)),
            Err(VaultError::Format(_))
        ));
        assert!(matches!(
            decrypt("$ANSIBLE_VAULT;1.1;AES256\nzz", Some(&secret)),
            Err(VaultError::Format(_))
        ));
        assert!(format!("{secret:?}").contains("redacted"));
        // Decrypted once, then remembered (a wrong password never is).
        assert_eq!(secret.1.lock().unwrap().len(), 1);
        assert_eq!(decrypt(VAULT, Some(&secret)).unwrap(), "s3cret-pw");
        assert!(wrong.1.lock().unwrap().is_empty());
    }

    /// ansible-core 2.19.14's `parse_vaulttext_envelope` and `_unhexlify`:
    /// header fields are stripped and the version is not checked; body
    /// lines are joined as they are, so a blank in them is "Vault format
    /// unhexlify error: Odd-length string" (or a non-hex digit).
    #[test]
    fn the_envelope_as_ansible_parses_it() {
        let secret = VaultSecret::new("test-vault-password".to_string());
        let (header, body) = VAULT.split_once('\n').unwrap();
        assert_eq!(header, "$ANSIBLE_VAULT;1.1;AES256");
        for text in [
            format!("$ANSIBLE_VAULT ; 1.1 ; AES256 \n{body}"),
            format!("$ANSIBLE_VAULT;9.9;AES256\n{body}"),
            format!("{header}\r{}", body.replace('\n', "\r\n")),
        ] {
            assert_eq!(
                decrypt(&text, Some(&secret)).unwrap(),
                "s3cret-pw",
                "{text}"
            );
        }
        for text in [
            format!("{header}\n{}", body.replace('\n', "  \n")),
            format!("{header}\n\t{}", body.replace('\n', "\n\t")),
            format!(" {VAULT}"),
            format!("{header}\n{body}\u{e9}"),
            "$ANSIBLE_VAULT;1.1\n00".to_string(),
            "$ANSIBLE_VAULT;1.1;AES\n00".to_string(),
        ] {
            let e = decrypt(&text, Some(&secret));
            assert!(matches!(e, Err(VaultError::Format(_))), "{text}: {e:?}");
        }
        assert!(!is_vault(&format!(" {VAULT}")));
    }

    #[test]
    fn password_files_as_ansible_reads_them() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        std::fs::write(&path, "  test-vault-password \n").unwrap();
        let secret = VaultSecret::from_file(&path).unwrap();
        assert_eq!(decrypt(VAULT, Some(&secret)).unwrap(), "s3cret-pw");
        std::fs::write(&path, "\n").unwrap();
        assert!(
            VaultSecret::from_file(&path)
                .unwrap_err()
                .contains("is empty")
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(
            VaultSecret::from_file(&path)
                .unwrap_err()
                .contains("password scripts")
        );
        let missing = VaultSecret::from_file(&dir.path().join("none")).unwrap_err();
        assert!(
            missing.contains("cannot read vault password file"),
            "{missing}"
        );
    }
}
