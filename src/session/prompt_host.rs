//! Is the appliance at the other end the one the inventory names? The
//! AsyncOS prompt shows the appliance's own host name (`docs/DEVICES.md`:
//! `esa01.example.com> `, `(Machine esa01.example.com)> `); a playbook's
//! prompt regex marks it with a `host` group. A name that is neither the
//! inventory name nor its `ansible_host` means mis-wired DNS or NAT: this
//! run would change another box.

use regex::Regex;

/// The host name the prompt line shows, when it names another machine
/// than every one of `expected` (compared without case; a short name
/// matches its fully qualified form).
pub(crate) fn other_host(prompt: &Regex, line: &str, expected: &[&str]) -> Option<String> {
    let shown = prompt
        .captures(line.trim_end())?
        .name("host")?
        .as_str()
        .trim();
    if shown.is_empty() || expected.iter().any(|name| same_host(shown, name)) {
        return None;
    }
    Some(shown.to_string())
}

fn same_host(a: &str, b: &str) -> bool {
    let short = |s: &str| s.split('.').next().unwrap_or(s).to_ascii_lowercase();
    a.eq_ignore_ascii_case(b) || (!a.contains('.') || !b.contains('.')) && short(a) == short(b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_prompt_naming_another_machine_is_told_apart() {
        let prompt = Regex::new(
            r"^(?:\(Cluster [^)]+\)|(?:\(Machine )?(?P<host>[A-Za-z0-9][A-Za-z0-9._-]*)\)?)> ?$",
        )
        .unwrap();
        let ours = ["esa01.example.com", "10.0.0.1"];
        assert_eq!(other_host(&prompt, "esa01.example.com> ", &ours), None);
        assert_eq!(other_host(&prompt, "ESA01> ", &ours), None);
        assert_eq!(
            other_host(&prompt, "(Machine esa01.example.com)> ", &ours),
            None
        );
        assert_eq!(other_host(&prompt, "(Cluster prod)> ", &ours), None);
        assert_eq!(
            other_host(&prompt, "esa07.example.com> ", &ours).as_deref(),
            Some("esa07.example.com")
        );
        assert_eq!(
            other_host(&prompt, "esa01.example.org> ", &ours).as_deref(),
            Some("esa01.example.org")
        );
    }
}
