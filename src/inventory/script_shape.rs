//! The shape ansible-core 2.19's script inventory plugin requires of a
//! script's JSON (`detect_profile_name`, `_parse_group`, `add_group`,
//! `add_host`, `_populate_host_vars` in its source): one row per check,
//! so what Ansible refuses is refused here (exit 5, naming the script and
//! the place) and what it accepts is read as it reads it, and which of a
//! script's values Ansible trusts as templates.

use serde_yaml::Value;

/// Each place of a script's output that ansible-core checks, in the order
/// it checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    /// `--list` prints one JSON object.
    ListObject,
    /// `_meta`, where present, is an object.
    Meta,
    /// `_meta.profile`, where present, is the text `inventory_legacy`.
    MetaProfile,
    /// `_meta.hostvars` is an object (required once `_meta` is there).
    MetaHostvars,
    /// A group's name is not empty.
    GroupName,
    /// A group's `hosts` (or the group itself, when not an object) is a list.
    GroupHosts,
    /// Each host of a group is a non-empty text.
    HostName,
    /// A group's `vars` is an object.
    GroupVars,
    /// A group's `children` is something Python iterates: a list, an
    /// object (its keys) or a text (each character a group).
    GroupChildren,
    /// Each child of a group is a non-empty text.
    ChildName,
    /// A host's variables (`_meta.hostvars.HOST`, or what `--host HOST`
    /// prints when not blank) are an object.
    HostVars,
}

impl Check {
    #[cfg(test)]
    pub(super) const ALL: [Check; 11] = [
        Check::ListObject,
        Check::Meta,
        Check::MetaProfile,
        Check::MetaHostvars,
        Check::GroupName,
        Check::GroupHosts,
        Check::HostName,
        Check::GroupVars,
        Check::GroupChildren,
        Check::ChildName,
        Check::HostVars,
    ];

    /// What ansible-core requires at this place.
    pub(super) fn requires(self) -> &'static str {
        match self {
            Check::ListObject => "a JSON object",
            Check::Meta => "an object",
            Check::MetaProfile => "the text `inventory_legacy` (the one inventory profile)",
            Check::MetaHostvars => "an object (it must be there when `_meta` is)",
            Check::GroupName => "a name that is not empty",
            Check::GroupHosts => "a list of host names",
            Check::HostName => "a host name (text, not empty)",
            Check::GroupVars => "an object",
            Check::GroupChildren => {
                "a list of group names (or an object or text, which Python iterates)"
            }
            Check::ChildName => "a group name (text, not empty)",
            Check::HostVars => "an object",
        }
    }

    /// The refusal of `got` at `place`.
    pub(super) fn refuse(self, place: &str, got: Option<&Value>) -> String {
        let got = got.map_or("missing", |v| super::vars::kind(v));
        format!(
            "`{place}` is {got}, where ansible-core 2.19 requires {} (it refuses the script)",
            self.requires()
        )
    }
}

/// A host or group name: text that is not empty; an `__ansible_unsafe`
/// text is its text (Ansible's decoder unwraps it before `add_host`).
pub(super) fn name(value: &Value) -> Option<&str> {
    let text = match value {
        Value::String(s) => s.as_str(),
        Value::Tagged(t) if t.tag == "unsafe" => t.value.as_str()?,
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// `for child in data['children']`: the items of a list, the keys of an
/// object, the characters of a text; `None` where Python cannot iterate
/// (null, numbers, booleans) or sshfleet does not (a vault value).
pub(super) fn python_iter(value: &Value) -> Option<Vec<Value>> {
    match value {
        Value::Sequence(items) => Some(items.clone()),
        Value::Mapping(map) => Some(map.keys().cloned().collect()),
        Value::String(s) => Some(s.chars().map(|c| Value::from(c.to_string())).collect()),
        Value::Tagged(t) if t.tag == "unsafe" => python_iter(&t.value),
        _ => None,
    }
}

/// A value Ansible does not trust as a template: every text in it
/// `!unsafe`, so it is never rendered. Ansible 2.19's inventory decoder
/// trusts only `GROUP.vars.*` and `_meta.hostvars.HOST.*` (and all of
/// `--host`); the variables of a group written as a host's (`{"esa01":
/// {"ansible_host": "..."}}`) are none of these.
pub(super) fn untrusted(value: &Value) -> Value {
    match value {
        Value::String(_) => Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
            tag: serde_yaml::value::Tag::new("unsafe"),
            value: value.clone(),
        })),
        Value::Sequence(items) => Value::Sequence(items.iter().map(untrusted).collect()),
        Value::Mapping(map) => {
            Value::Mapping(map.iter().map(|(k, v)| (k.clone(), untrusted(v))).collect())
        }
        other => other.clone(),
    }
}
