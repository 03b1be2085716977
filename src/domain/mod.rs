//! Pure domain types: no I/O, no clock, no database. Time is always an argument.

mod role;
mod sensitive;

pub use role::Role;
pub use sensitive::Sensitive;
