//! Pure domain types: no I/O, no clock, no database. Time is always an argument.

mod sensitive;

pub use sensitive::Sensitive;
