//! TODO
pub mod when;
