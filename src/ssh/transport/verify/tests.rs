//! Host certificates as OpenSSH decides them: a certificate that does not
//! qualify (`CASignatureAlgorithms`, validity, principals) is checked as
//! its plain key, under strict checking and under accept-new; a revoked
//! CA is final.

use std::path::Path;

use russh::client::Handler as _;
use russh::keys::ssh_key::certificate::{Builder, CertType};
use russh::keys::{Algorithm, Certificate, PrivateKey};

use super::*;

const NAME: &str = "esa01.example.com";

fn key() -> PrivateKey {
    PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap()
}

/// A host certificate for `host` signed by `ca`, valid from `after` to
/// `before` (Unix seconds).
fn certificate(host: &PrivateKey, ca: &PrivateKey, after: u64, before: u64) -> Certificate {
    let mut builder = Builder::new(
        [7u8; 16],
        host.public_key().key_data().clone(),
        after,
        before,
    )
    .unwrap();
    builder.cert_type(CertType::Host).unwrap();
    builder.valid_principal(NAME).unwrap();
    builder.sign(ca).unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn verifier(known_hosts: &Path, policy: HostKeyPolicy, checks: HostKeyChecks) -> Verifier {
    Verifier {
        host: NAME.to_string(),
        alias: false,
        port: 22,
        known_hosts: known_hosts.to_path_buf(),
        known_hosts_also: Vec::new(),
        policy,
        known_hosts_lock: Arc::new(Mutex::new(())),
        known_hosts_cache: Arc::new(known_hosts::Cache::default()),
        verified: Arc::new(AtomicBool::new(false)),
        checks,
        plan: HostKeyPlan::default(),
        server_host_keys: Arc::new(Mutex::new(Some(Vec::new()))),
    }
}

fn strings(list: &str) -> Vec<String> {
    list.split(',').map(str::to_string).collect()
}

/// The server's list decides whether leaving a name out of russh's offer
/// changes the key: the attacker's finding (a certificate after a plain
/// type, a server with only the Ed25519 key and its certificate) is
/// refused; a server that offers what both take first is not.
#[test]
fn a_choice_other_than_ssh_s_is_refused_with_why() {
    let openssh = "rsa-sha2-512,ssh-ed25519-cert-v01@openssh.com,ssh-ed25519";
    let plan = HostKeyPlan {
        openssh: strings(openssh),
        russh: strings("rsa-sha2-512,ssh-ed25519"),
    };
    let cert_server = strings("ssh-ed25519-cert-v01@openssh.com,ssh-ed25519");
    let err = plan.check(Some(&cert_server)).unwrap_err();
    assert!(
        err.contains("ssh would take the server's ssh-ed25519-cert-v01@openssh.com"),
        "{err}"
    );
    assert!(err.contains("would take ssh-ed25519 instead"), "{err}");
    assert!(
        plan.check(Some(&strings(
            "rsa-sha2-512,ssh-ed25519-cert-v01@openssh.com"
        )))
        .is_ok()
    );
    assert!(plan.check(Some(&strings("ssh-ed25519"))).is_ok());
    assert!(plan.check(Some(&strings("ecdsa-sha2-nistp256"))).is_ok());
    assert!(plan.check(None).is_err());
    // A name sshfleet does not implement, which ssh takes.
    let plan = HostKeyPlan {
        openssh: strings("sk-ssh-ed25519@openssh.com,ssh-ed25519"),
        russh: strings("ssh-ed25519"),
    };
    let err = plan
        .check(Some(&strings("sk-ssh-ed25519@openssh.com,ssh-ed25519")))
        .unwrap_err();
    assert!(err.contains("does not implement"), "{err}");
}

fn checks() -> HostKeyChecks {
    HostKeyChecks {
        revoked_host_keys: None,
        ca_signature_algorithms: crate::ssh::algorithms::ca_signature_names(None),
        hash_known_hosts: false,
        nowhere_to_record: false,
    }
}

async fn check(v: &mut Verifier, cert: &Certificate) -> Result<(), String> {
    v.check_server_key(&PublicKeyOrCertificate::Certificate(cert.clone()))
        .await
        .map(|_| ())
        .map_err(|e| match e {
            HandlerError::HostKey(e) => e.to_string(),
            HandlerError::Ssh(e) => e.to_string(),
        })
}

#[tokio::test]
async fn certificates_that_do_not_qualify_fall_back_to_the_plain_key() {
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_hosts");
    let (host, ca) = (key(), key());
    let ca_line = format!(
        "@cert-authority {NAME} {}\n",
        ca.public_key().to_openssh().unwrap()
    );
    std::fs::write(&known, &ca_line).unwrap();
    let good = certificate(&host, &ca, now() - 60, now() + 3600);
    let expired = certificate(&host, &ca, now() - 7200, now() - 3600);

    // A valid certificate from the trusted CA is accepted.
    assert_eq!(
        check(
            &mut verifier(&known, HostKeyPolicy::Strict, checks()),
            &good
        )
        .await,
        Ok(())
    );

    // CASignatureAlgorithms without the CA's algorithm: the certificate
    // does not qualify; its plain key is unknown, so strict refuses...
    let only_rsa = HostKeyChecks {
        ca_signature_algorithms: vec!["rsa-sha2-512".to_string()],
        ..checks()
    };
    let err = check(
        &mut verifier(&known, HostKeyPolicy::Strict, only_rsa.clone()),
        &good,
    )
    .await
    .unwrap_err();
    assert!(err.contains("is not known"), "{err}");
    // ... and an expired one too.
    let err = check(
        &mut verifier(&known, HostKeyPolicy::Strict, checks()),
        &expired,
    )
    .await
    .unwrap_err();
    assert!(err.contains("is not known"), "{err}");

    // Under accept-new, OpenSSH records the plain key and connects.
    assert_eq!(
        check(
            &mut verifier(&known, HostKeyPolicy::AcceptNew, only_rsa),
            &good
        )
        .await,
        Ok(())
    );
    let text = std::fs::read_to_string(&known).unwrap();
    let plain = host.public_key().to_openssh().unwrap();
    let key_text = plain.split(' ').nth(1).unwrap();
    assert!(
        text.contains(&format!("{NAME} ssh-ed25519 {key_text}")),
        "{text}"
    );

    // Once the plain key is known, an expired certificate connects on it.
    assert_eq!(
        check(
            &mut verifier(&known, HostKeyPolicy::Strict, checks()),
            &expired
        )
        .await,
        Ok(())
    );
}

#[tokio::test]
async fn a_revoked_ca_is_final() {
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_hosts");
    let (host, ca) = (key(), key());
    std::fs::write(
        &known,
        format!(
            "@cert-authority {NAME} {}\n{NAME} {}\n",
            ca.public_key().to_openssh().unwrap(),
            host.public_key().to_openssh().unwrap()
        ),
    )
    .unwrap();
    let revoked = dir.path().join("revoked");
    std::fs::write(&revoked, ca.public_key().to_openssh().unwrap() + "\n").unwrap();
    let cert = certificate(&host, &ca, now() - 60, now() + 3600);
    let with_revoked = HostKeyChecks {
        revoked_host_keys: Some(revoked.clone()),
        ..checks()
    };
    // The plain key is known, but the CA that signed the certificate is
    // revoked: refused, as in OpenSSH.
    let err = check(
        &mut verifier(&known, HostKeyPolicy::AcceptNew, with_revoked),
        &cert,
    )
    .await
    .unwrap_err();
    assert!(err.contains("revoked"), "{err}");
}

/// OpenSSH 9.2 under accept-new: a HostKeyAlias with `* ? @ # [ ] |` or a
/// backslash is recorded as written; a host name with them is refused
/// ("Host key verification failed").
#[tokio::test]
async fn special_names_are_recorded_for_an_alias_only_as_openssh_9_2() {
    for name in ["a*b", "a?b", "a@b", "a#b", "a[b", "a]b", "a|b", "a\\b"] {
        for alias in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let known = dir.path().join("known_hosts");
            let mut v = verifier(&known, HostKeyPolicy::AcceptNew, checks());
            v.host = name.to_string();
            v.alias = alias;
            let host = key();
            let presented = PublicKeyOrCertificate::PublicKey {
                key: host.public_key().clone(),
                hash_alg: None,
            };
            let result = v.check_server_key(&presented).await;
            let text = std::fs::read_to_string(&known).unwrap_or_default();
            assert_eq!(result.is_ok(), alias, "{name} alias={alias}");
            assert_eq!(
                text.starts_with(&format!("{name} ")),
                alias,
                "{name}: {text}"
            );
        }
    }
}
