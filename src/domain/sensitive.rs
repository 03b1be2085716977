//! `Sensitive<T>`: the only place plaintext confidential values may live.

/// A confidential value (a defender's name, a narrative, a token). Its `Debug` prints
/// `[redacted]` and it has no `Display`, so it cannot slip into a log line, an email or an
/// error by formatting; reading it takes an explicit `expose`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The plaintext, for the few places that seal, compare or render it to its owner.
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let name = Sensitive::new("Ana Example".to_owned());
        assert_eq!(format!("{name:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&name)), "Some([redacted])");
        assert_eq!(name.expose(), "Ana Example");
    }
}
