//! One module per subcommand that composes the layers below (`plan`,
//! `console`, `fleet`): no parsing (that is `cli`), no device knowledge.

#[cfg(feature = "sim")]
pub(crate) mod demo;
#[cfg(feature = "sim")]
pub(crate) mod playbook_test;
