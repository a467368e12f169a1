//! One identity file as ssh loads it: its public half (the file itself,
//! `FILE.pub`, or what an OpenSSH-format private key keeps in the clear),
//! its private half if it can be read without a passphrase, and whether
//! ssh would refuse to use it (`sshkey_perm_ok`). Read through the one
//! bounded reader, off the runtime's worker threads.

use std::path::Path;

use crate::ssh::transport::ConnectError;

/// What one identity file (and its `FILE.pub`) gave.
pub(super) struct Identity {
    /// Its public half: the file itself if it is a public key, else
    /// `FILE.pub`.
    pub(super) public: Option<russh::keys::PublicKey>,
    pub(super) private: Result<russh::keys::PrivateKey, ConnectError>,
    /// The file itself is a public key (an `IdentityFile` may name one).
    pub(super) is_public: bool,
    pub(super) exists: bool,
    /// The file (or `FILE.pub`) is not one sshfleet reads (a FIFO, a
    /// device, too large): an error even for an ssh_config identity.
    pub(super) refused: bool,
}

/// Read the identity at `path` through the one bounded reader
/// (`support::bounds`), off the runtime's worker threads: a worker blocked
/// in a read stalls the timers and the signal watcher of the whole run.
pub(super) async fn read_identity(path: &Path, named_by: &'static str) -> Identity {
    let owned = path.to_path_buf();
    let read = tokio::task::spawn_blocking(move || read_identity_now(&owned, named_by)).await;
    read.unwrap_or_else(|e| Identity {
        public: None,
        private: Err(ConnectError::KeyFile {
            path: path.to_path_buf(),
            message: format!("reading it failed: {e}"),
        }),
        is_public: false,
        exists: true,
        refused: true,
    })
}

/// OpenSSH's `sshkey_perm_ok`: a private key file owned by this user that
/// group or others may read is not used ("UNPROTECTED PRIVATE KEY FILE!",
/// "Permissions 0644 for FILE are too open"); the reason, if so.
pub(super) fn too_open(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    // What is not a regular file is refused by the reader, saying so.
    if !meta.is_file() {
        return None;
    }
    let mode = meta.mode() & 0o7777;
    (meta.uid() == nix::unistd::getuid().as_raw() && mode & 0o077 != 0).then(|| {
        format!(
            "UNPROTECTED PRIVATE KEY FILE: permissions {mode:04o} are too open (group or others may read it), so ssh ignores this key, and so does sshfleet; chmod 600 it"
        )
    })
}

fn read_identity_now(path: &Path, named_by: &str) -> Identity {
    let refusal = |file: &Path, e: &std::io::Error| ConnectError::KeyFile {
        path: file.to_path_buf(),
        message: match file == path {
            true => format!("{e} (named by {named_by})"),
            false => format!(
                "{e} (the public half beside {}, named by {named_by})",
                path.display()
            ),
        },
    };
    let text = crate::support::bounds::read_input(path);
    let refused_io = |e: &std::io::Error| e.kind() == std::io::ErrorKind::InvalidInput;
    if let Err(e) = &text
        && refused_io(e)
    {
        return Identity {
            public: None,
            private: Err(refusal(path, e)),
            is_public: false,
            exists: true,
            refused: true,
        };
    }
    let exists = !matches!(&text, Err(e) if e.kind() == std::io::ErrorKind::NotFound);
    let own_public = text.as_deref().ok().and_then(parse_public_key);
    let is_public = own_public.is_some();
    let public = match own_public {
        Some(key) => Some(key),
        None => {
            let mut pub_path = path.as_os_str().to_owned();
            pub_path.push(".pub");
            let pub_path = std::path::PathBuf::from(pub_path);
            match crate::support::bounds::read_input(&pub_path) {
                Ok(text) => parse_public_key(&text),
                Err(e) if refused_io(&e) => {
                    return Identity {
                        public: None,
                        private: Err(refusal(&pub_path, &e)),
                        is_public,
                        exists,
                        refused: true,
                    };
                }
                // As OpenSSH's `sshkey_load_public`: without `FILE.pub`,
                // the public half an OpenSSH-format private key stores in
                // the clear, read without its passphrase (so an encrypted
                // key whose private half is in the agent is used through
                // the agent, ssh's "explicit agent").
                Err(_) => text.as_deref().ok().and_then(public_of_private),
            }
        }
    };
    let private = match text {
        Ok(text) => {
            russh::keys::decode_secret_key(&text, None).map_err(|e| ConnectError::KeyFile {
                path: path.to_path_buf(),
                message: match e {
                    russh::keys::Error::KeyIsEncrypted => {
                        "it is encrypted; load it into ssh-agent instead".to_string()
                    }
                    other => other.to_string(),
                },
            })
        }
        Err(e) => Err(ConnectError::KeyFile {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    };
    Identity {
        public,
        private,
        is_public,
        exists,
        refused: false,
    }
}

/// The public key an OpenSSH-format private key file holds unencrypted
/// (also when the private part is encrypted).
fn public_of_private(text: &str) -> Option<russh::keys::PublicKey> {
    russh::keys::PrivateKey::from_openssh(text)
        .ok()
        .map(|key| key.public_key().clone())
}

/// A public key file's key, as `russh::keys::load_public_key` parses one:
/// the first line that is not blank or a comment, `ALGORITHM BASE64
/// [COMMENT]` or a bare base64 blob.
fn parse_public_key(text: &str) -> Option<russh::keys::PublicKey> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let Some((_, rest)) = line.split_once(char::is_whitespace) else {
        return russh::keys::parse_public_key_base64(line).ok();
    };
    let rest = rest.trim_start();
    let (key, comment) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let mut key = russh::keys::parse_public_key_base64(key).ok()?;
    key.set_comment(comment.trim_start());
    Some(key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// An identity that is a FIFO or a device is refused at once, naming
    /// the file and who named it, for ssh_config's IdentityFile too (which
    /// otherwise skips a key it cannot use).
    #[cfg(unix)]
    #[test]
    fn identities_that_are_not_regular_files_are_refused_naming_who_named_them() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("id");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        for (path, by) in [
            (fifo.as_path(), "ssh_config IdentityFile"),
            (Path::new("/dev/zero"), "ansible_ssh_private_key_file"),
        ] {
            let identity = read_identity_now(path, by);
            assert!(identity.refused);
            let e = identity.private.err().unwrap().to_string();
            assert!(e.contains(&path.display().to_string()), "{e}");
            assert!(e.contains("not a regular file") && e.contains(by), "{e}");
        }
        let missing = read_identity_now(&dir.path().join("none"), "ssh_config IdentityFile");
        assert!(!missing.refused && !missing.exists);
    }

    /// ssh's `sshkey_perm_ok`: a key file of this user's that group or
    /// others may read is skipped, one only its owner reads is used.
    #[test]
    fn private_keys_others_may_read_are_skipped_as_ssh_skips_them() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("id");
        std::fs::write(&key, "x").unwrap();
        for (mode, skipped) in [
            (0o600, false),
            (0o400, false),
            (0o644, true),
            (0o640, true),
            (0o604, true),
        ] {
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
            let why = too_open(&key);
            assert_eq!(why.is_some(), skipped, "{mode:o}");
            if let Some(why) = why {
                assert!(
                    why.contains("UNPROTECTED PRIVATE KEY FILE")
                        && why.contains(&format!("{mode:04o}")),
                    "{why}"
                );
            }
        }
    }
}
