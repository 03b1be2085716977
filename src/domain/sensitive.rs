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

/// Serialised as the value itself, for the few places that hand it to its owner (a response to
/// an authorised reader, a sealed payload). Serialising is an explicit act, unlike `Debug`.
impl<T: serde::Serialize> serde::Serialize for Sensitive<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self)
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

    #[test]
    fn serde_sees_through_the_wrapper_and_debug_does_not() {
        let parsed: Sensitive<serde_json::Value> = serde_json::from_str(r#"{"defender_name":"Ana"}"#).unwrap();
        assert_eq!(format!("{parsed:?}"), "[redacted]");
        assert_eq!(serde_json::to_string(&parsed).unwrap(), r#"{"defender_name":"Ana"}"#);
    }
}
