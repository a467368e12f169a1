//! Python values Jinja2 computes and minijinja computes differently: each
//! template renders as ansible-core 2.19.14 renders it (`Some`), or is
//! refused (`None`) where sshfleet does not hold Python's value.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::template::Templar;

/// `(template, Ansible's text or None for refused)`, each checked with
/// `ansible -m debug` under ansible-core 2.19.14.
const CASES: &[(&str, Option<&str>)] = &[
    // Tuples: Python's `(1, 2)` is not `[1, 2]` (False, printed `(1, 2)`).
    ("{{ 'mgmt' if (1, 2) == [1, 2] else 'prod' }}", None),
    ("{{ ('a', 'b') ~ '' }}", None),
    ("{{ 'a' ~ ((1,) in [[1]]) }}", None),
    ("{{ '%s' % ((1, 2),) }}", None),
    ("{{ () ~ '' }}", None),
    // ... but `%`'s own arguments are a tuple sshfleet reads exactly.
    ("{{ '%s-%s' % (1, 2) }}", Some("1-2")),
    ("{{ '%s' % (3,) }}", Some("3")),
    ("{{ '%s' % ([1, 2],) }}", Some("[1, 2]")),
    // Integers: exact in Python, refused beyond 64 bits, never a float.
    ("{{ 'u' ~ (nbig - 10) }}", None),
    ("{{ 'u' ~ (-3037000500 * 3037000500) }}", None),
    ("{{ 'u%d' % (nbig - 10) }}", None),
    ("{{ 'u' ~ (9223372036854775807 + 1) }}", None),
    ("{{ 'u' ~ -(nbig - 8) }}", None),
    ("{{ 'u' ~ (nbig - 8) }}", Some("u-9223372036854775808")),
    (
        "{{ 'u' ~ (-9223372036854775807 - 1) }}",
        Some("u-9223372036854775808"),
    ),
    (
        "{{ 'u' ~ (-(3) * 2) ~ (5 - 7) ~ ('a' + 'b') ~ ([1] + [2]) ~ ('x' * 2) }}",
        Some("u-6-2ab[1, 2]xx"),
    ),
    (
        "{{ 'u' ~ (1.5 * 2) ~ (True + 1) ~ [1, 2][-1] ~ 'abc'[:-1] }}",
        Some("u3.022ab"),
    ),
    ("{{ 'u' ~ (-9223372036854775807 - 1) % -1 }}", Some("u0")),
    ("{{ 'u' ~ (-9223372036854775807 - 1) // -1 }}", None),
    ("{{ 'u' ~ (-9223372036854775807 - 1) % 7 }}", Some("u6")),
    // Python's casing.
    (
        "{{ 'ǆemo' | capitalize }}-{{ 'ﬁx' | capitalize }}-{{ 'straße' | upper }}",
        Some("ǅemo-Fix-STRASSE"),
    ),
    (
        "{{ 'ΣΑΣ' | lower }}{{ 'aΣ' | lower }}{{ 'Σ.' | lower }}",
        Some("σαςaςσ."),
    ),
];

#[test]
fn python_values_render_as_ansible_or_are_refused() {
    for (template, want) in CASES {
        let text = format!("nbig: -9223372036854775800\nt: \"{template}\"");
        let vars: std::collections::BTreeMap<String, serde_yaml::Value> =
            serde_yaml::from_str(&text).unwrap();
        let templar = Templar::new("h", &[], &super::HostVars::from(&vars), None, None);
        match (templar.var("t"), want) {
            (Ok(Some(got)), Some(want)) => assert_eq!(got, *want, "{template}"),
            (Err(_), None) => {}
            (got, _) => panic!("{template}: {got:?}, Ansible {want:?}"),
        }
    }
}
