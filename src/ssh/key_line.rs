//! A public key written as text (`TYPE BASE64 [COMMENT]`), read as
//! OpenSSH 9.2's `sshkey_read` reads it wherever ssh reads one: the key of
//! a known_hosts line and every line of a `RevokedHostKeys` file. The
//! type field is looked up in OpenSSH's key type table ([`KEY_TYPES`])
//! by its full name, case and all (the signature-only names
//! `rsa-sha2-256` and `webauthn-sk-ecdsa-sha2-nistp256@openssh.com`
//! included; short names such as `ED25519` are not read, which `ssh`
//! shows by refusing them); the blob must then be a key of that type (and
//! of that curve, for ECDSA). Fields are cut at spaces and tabs only.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The family a key type belongs to: `sshkey_read` requires the blob's
/// family to be the field's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Rsa,
    Dsa,
    Ecdsa,
    EcdsaSk,
    Ed25519,
    Ed25519Sk,
}

/// One row of OpenSSH 9.2's key type table (sshkey.c `keyimpls`).
#[derive(Debug)]
pub(crate) struct KeyType {
    pub name: &'static str,
    family: Family,
    cert: bool,
    /// A signature algorithm's name, never a blob's own type name.
    sigonly: bool,
    /// The ECDSA curve the name names (`sshkey_ecdsa_nid_from_name`).
    curve: Option<u16>,
}

const fn t(
    name: &'static str,
    family: Family,
    cert: bool,
    sigonly: bool,
    curve: Option<u16>,
) -> KeyType {
    KeyType {
        name,
        family,
        cert,
        sigonly,
        curve,
    }
}

/// OpenSSH 9.2's key types, in its table's order (the first match wins),
/// as Debian builds it (no XMSS).
pub(crate) const KEY_TYPES: &[KeyType] = {
    use Family::*;
    &[
        t("ssh-ed25519", Ed25519, false, false, None),
        t(
            "ssh-ed25519-cert-v01@openssh.com",
            Ed25519,
            true,
            false,
            None,
        ),
        t("sk-ssh-ed25519@openssh.com", Ed25519Sk, false, false, None),
        t(
            "sk-ssh-ed25519-cert-v01@openssh.com",
            Ed25519Sk,
            true,
            false,
            None,
        ),
        t("ecdsa-sha2-nistp256", Ecdsa, false, false, Some(256)),
        t(
            "ecdsa-sha2-nistp256-cert-v01@openssh.com",
            Ecdsa,
            true,
            false,
            Some(256),
        ),
        t("ecdsa-sha2-nistp384", Ecdsa, false, false, Some(384)),
        t(
            "ecdsa-sha2-nistp384-cert-v01@openssh.com",
            Ecdsa,
            true,
            false,
            Some(384),
        ),
        t("ecdsa-sha2-nistp521", Ecdsa, false, false, Some(521)),
        t(
            "ecdsa-sha2-nistp521-cert-v01@openssh.com",
            Ecdsa,
            true,
            false,
            Some(521),
        ),
        t(
            "sk-ecdsa-sha2-nistp256@openssh.com",
            EcdsaSk,
            false,
            false,
            Some(256),
        ),
        t(
            "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
            EcdsaSk,
            false,
            true,
            Some(256),
        ),
        t(
            "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
            EcdsaSk,
            true,
            false,
            Some(256),
        ),
        t("ssh-dss", Dsa, false, false, None),
        t("ssh-dss-cert-v01@openssh.com", Dsa, true, false, None),
        t("ssh-rsa", Rsa, false, false, None),
        t("rsa-sha2-256", Rsa, false, true, None),
        t("rsa-sha2-512", Rsa, false, true, None),
        t("ssh-rsa-cert-v01@openssh.com", Rsa, true, false, None),
        t("rsa-sha2-256-cert-v01@openssh.com", Rsa, true, true, None),
        t("rsa-sha2-512-cert-v01@openssh.com", Rsa, true, true, None),
    ]
};

/// The type a key field names, as `sshkey_read` takes it: by full name.
fn type_from_name(field: &str) -> Option<&'static KeyType> {
    KEY_TYPES.iter().find(|k| k.name == field)
}

/// The field separators of `sshkey_read` (and hostfile.c): these only.
const SEPARATORS: [char; 2] = [' ', '\t'];

/// Bytes `b64_pton` skips inside a base64 field (C `isspace` that does not
/// end the field).
const BASE64_SKIPPED: [char; 4] = ['\n', '\u{0b}', '\u{0c}', '\r'];

/// Why `sshkey_read` refuses a key, as OpenSSH's error names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeyLineError {
    #[error("invalid format (no key after the type)")]
    NoKey,
    #[error("invalid format (`{0}` is no key type OpenSSH knows)")]
    UnknownType(String),
    #[error("invalid format (the key is not base64)")]
    NotBase64,
    #[error("invalid format (the key blob cannot be read)")]
    BadBlob,
    #[error("key type mismatch (the field says {field}, the key is {blob})")]
    TypeMismatch { field: String, blob: String },
}

/// Read a key from `text` (which starts at the type field) as
/// `sshkey_read` does: `Ok` with the key as `TYPE BASE64` in its canonical
/// spelling (the blob's own type name, its base64 with nothing skipped)
/// and the rest of the text after the blank that follows the key (its
/// comment).
pub(crate) fn read(text: &str) -> Result<(String, &str), KeyLineError> {
    // "Decode type": the type field must be followed by a separator.
    let Some(end) = text.find(SEPARATORS) else {
        return Err(KeyLineError::NoKey);
    };
    let field = &text[..end];
    let named = type_from_name(field).ok_or_else(|| KeyLineError::UnknownType(field.into()))?;
    let rest = text[end..].trim_start_matches(SEPARATORS);
    if rest.is_empty() {
        return Err(KeyLineError::NoKey);
    }
    let blob_end = rest.find(SEPARATORS).unwrap_or(rest.len());
    let mut encoded = rest[..blob_end].to_string();
    encoded.retain(|c| !BASE64_SKIPPED.contains(&c));
    let blob = STANDARD
        .decode(encoded.as_bytes())
        .map_err(|_| KeyLineError::NotBase64)?;
    let blob_type = blob_type_name(&blob).ok_or(KeyLineError::BadBlob)?;
    let own = KEY_TYPES
        .iter()
        .find(|k| !k.sigonly && k.name == blob_type)
        .ok_or(KeyLineError::BadBlob)?;
    let mismatch = || KeyLineError::TypeMismatch {
        field: field.to_string(),
        blob: blob_type.to_string(),
    };
    if own.family != named.family || own.cert != named.cert {
        return Err(mismatch());
    }
    // The curve of a plain or certificate ECDSA key must be the one its
    // field names (`ECDSA` names none); security-key ECDSA is one curve.
    if own.family == Family::Ecdsa && named.curve != own.curve {
        return Err(mismatch());
    }
    let comment = rest[blob_end..].trim_start_matches(SEPARATORS);
    Ok((format!("{} {}", own.name, STANDARD.encode(&blob)), comment))
}

/// The type name a key blob starts with (an SSH `string`).
fn blob_type_name(blob: &[u8]) -> Option<&str> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    std::str::from_utf8(blob.get(4..4usize.checked_add(len)?)?).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Every key type `ssh -Q key` lists is a row (by full name), and
    /// every row a type `ssh -Q key` or `ssh -Q sig` lists: the table
    /// follows the installed OpenSSH.
    #[test]
    fn the_key_type_table_is_the_installed_ssh_s() {
        let Ok(out) = std::process::Command::new("ssh")
            .args(["-Q", "key"])
            .output()
        else {
            return;
        };
        let listed = String::from_utf8_lossy(&out.stdout).to_string();
        let sigs = std::process::Command::new("ssh")
            .args(["-Q", "sig"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
            .unwrap_or_default();
        for name in listed.lines() {
            assert!(
                KEY_TYPES.iter().any(|k| k.name == name),
                "`ssh -Q key` lists {name}, which is no row of KEY_TYPES"
            );
        }
        for row in KEY_TYPES {
            let names: Vec<&str> = listed.lines().chain(sigs.lines()).collect();
            assert!(
                names.contains(&row.name) || row.name.ends_with("-cert-v01@openssh.com"),
                "{} is no key or signature type of the installed ssh",
                row.name
            );
        }
    }

    #[test]
    fn type_names_are_read_as_sshkey_type_from_name_reads_them() {
        let key = "AAAAC3NzaC1lZDI1NTE5AAAAIDrL1PKbCscZ/knHtYrqBIrnOI0JPt0ZjrV08OkF99K8";
        let canonical = format!("ssh-ed25519 {key}");
        let (read_key, _) = read(&format!("ssh-ed25519 {key}")).unwrap();
        assert_eq!(read_key, canonical);
        // What the installed ssh 9.2 reads in a RevokedHostKeys file, and
        // what it refuses ("invalid format", "elliptic curve does not
        // match", "key type does not match").
        let rsa = "AAAAB3NzaC1yc2EAAAADAQABAAABAQDFlCJjhqIBnyzeAbAXtEFB7qqIBpKyWIljGij/8dQsD9X0yJNWvO3uNn3taw/Ofye1R0ro1C5XtY8KWg0scA2uM3r15KElbZUsKNX9DJ7RDDXb5OsgLCfWaupFhy2PZivcSVSewwTymf9KJ8WwtFtSHNnHri6ib/oixSzs1oDKt3udHKRKc+FmSOz9zyAalXJpKaV3GCONTvFBa8axbCpl25RQrfC81M0b7+2+lm2BYzkuPoWvWFlq840yaIdvSBbyqmoo9IhRSeMKI7RtbODLb8nX7pQmDR+ccF27Q1Rr3WddzuVk73CyXa5e+EiC23v1i0KMc5swS3dQxk8xv5Nb";
        let ec = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFx3F4A/IqP7AWwcqvvpIBeDRE2gh7owIF1mKta4O24b53Na5c6tfw+1ePUfXctT5GLXIuzcQTrwhmie70GPMF4=";
        for field in ["rsa-sha2-256", "rsa-sha2-512", "ssh-rsa"] {
            let (read_key, _) = read(&format!("{field} {rsa}")).unwrap();
            assert_eq!(read_key, format!("ssh-rsa {rsa}"), "{field}");
        }
        let (read_key, _) = read(&format!("ecdsa-sha2-nistp256 {ec}")).unwrap();
        assert_eq!(read_key, format!("ecdsa-sha2-nistp256 {ec}"));
        for text in [
            format!("RSA {rsa}"),
            format!("ECDSA {ec}"),
            format!("ecdsa-sha2-nistp384 {ec}"),
            format!("webauthn-sk-ecdsa-sha2-nistp256@openssh.com {ec}"),
        ] {
            assert!(read(&text).is_err(), "{text}");
        }
        for field in [
            "ED25519",
            "ed25519",
            "SSH-ED25519",
            "ED25519-CERT",
            "ssh-ed25519-cert-v01@openssh.com",
            "ssh-rsa",
            "ed25519-sk",
            "ecdsa",
        ] {
            assert!(read(&format!("{field} {key}")).is_err(), "{field}");
        }
        for text in [
            format!("ssh-ed25519\t{key}"),
            format!("ssh-ed25519 \t {key}\tcomment"),
            format!("ssh-ed25519 {key}\r"),
            format!("ssh-ed25519 {}\r\n{}", &key[..20], &key[20..]),
        ] {
            assert_eq!(read(&text).unwrap().0, canonical, "{text:?}");
        }
        for text in [
            "ssh-ed25519".to_string(),
            format!("ssh-ed25519\u{a0}{key}"),
            "ssh-ed25519 \t".to_string(),
            format!("ssh-ed25519 {}", &key[..key.len() - 1]),
        ] {
            assert!(read(&text).is_err(), "{text:?}");
        }
    }
}
