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
    /// The first OpenSSH release whose `ssh` reads it ("1.2.2": the
    /// oldest release tagged; "Debian": Debian's patches only). sshfleet
    /// reads every row, also where the installed `ssh` is older: a
    /// configuration written for a newer `ssh` is read as that `ssh`
    /// reads it. The table's tests compare it with the installed `ssh`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub since: &'static str,
    pub value: Value,
    pub class: Class,
}

const fn k(name: &'static str, since: &'static str, value: Value, class: Class) -> Keyword {
    Keyword {
        name,
        since,
        value,
        class,
    }
}

use super::values::Value;
pub(crate) use super::values::check_value;

/// The OpenSSH release the table was last compared with (its
/// `readconf.c` keyword list): sshfleet reads every keyword that release
/// reads. Raise it only after classifying what the new release added.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const CHECKED_AGAINST: &str = "10.5";

mod table;
pub(crate) use table::KEYWORDS;

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
        // A number is compared as OpenSSH reads it (`01024` is 1024).
        [value] => accepts.iter().any(|a| {
            a.eq_ignore_ascii_case(value)
                || super::cnum::strtonum(value, 0, i32::MAX.into())
                    .is_some_and(|n| a.parse::<i64>() == Ok(n))
        }),
        _ => false,
    }
}
