//! Leaves every layer may use: secrets and their one mask, taint (values derived from secrets, never quoted), the terminal
//! sanitiser, input bounds and the environment variables that set them, file writing, the run lock, process limits.

pub(crate) mod bounds;
pub(crate) mod child;
pub(crate) mod env;
pub(crate) mod escape;
pub(crate) mod limits;
pub(crate) mod lock;
pub(crate) mod outputs;
pub(crate) mod sanitize;
pub(crate) mod secrets;
pub(crate) mod taint;
pub(crate) mod yaml_lines;
