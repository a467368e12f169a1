//! The minijinja environment every inventory template renders in: the
//! filters, tests and `str` methods of [`super::filters`], the functions
//! with Python's semantics that [`super::rewrite`] routes operators to,
//! Python's `str()` for output, and bounded work. Assembled here, above
//! both, so that neither needs the other.

use minijinja::Environment;

use super::jinja::{self, py_str};

/// A minijinja environment with exactly the tables' filters, tests and
/// functions, Python's `str()` for output, and bounded work.
pub(super) fn environment<'a>() -> Environment<'a> {
    let mut env = Environment::empty();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_fuel(Some(jinja::FUEL));
    env.set_formatter(|out, _state, value| {
        // A `{{ none }}` among text prints nothing in 2.19.
        if !value.is_none() {
            out.write_str(&py_str(value)?)?;
        }
        Ok(())
    });
    super::filters::register(&mut env);
    super::rewrite::register(&mut env);
    env.set_unknown_method_callback(super::filters::method);
    env
}
