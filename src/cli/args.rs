//! Checks of argument values, run by clap as it parses: a value of the wrong form is a usage
//! error (exit 2, naming its flag) before any database or key is opened. Each check is the one
//! the library applies itself, so the two cannot disagree.

use vigil::commands;
use vigil::crypto::PublicKey;

/// A value `check` accepts, as it was given.
fn checked(value: &str, check: impl FnOnce(&str) -> anyhow::Result<()>) -> Result<String, String> {
    check(value).map(|()| value.to_owned()).map_err(|e| e.to_string())
}

/// A delegation code, in capitals however it was typed (`eud_ke` is EUD_KE).
pub fn delegation(value: &str) -> Result<String, String> {
    checked(&value.to_ascii_uppercase(), commands::check_delegation_code)
}

pub fn country(value: &str) -> Result<String, String> {
    checked(value, commands::check_country)
}

pub fn time_zone(value: &str) -> Result<String, String> {
    checked(value, commands::check_time_zone)
}

/// A time zone, or `delegation` for the user's delegation's.
pub fn time_zone_or_delegation(value: &str) -> Result<String, String> {
    if value == "delegation" {
        return Ok(value.to_owned());
    }
    time_zone(value)
}

pub fn weekend(value: &str) -> Result<String, String> {
    checked(value, |value| commands::parse_weekend(value).map(drop))
}

pub fn language(value: &str) -> Result<String, String> {
    checked(value, commands::check_language)
}

pub fn language_or_browser(value: &str) -> Result<String, String> {
    if value == "browser" {
        return Ok(value.to_owned());
    }
    language(value)
}

pub fn recipient(value: &str) -> Result<String, String> {
    checked(value, |value| {
        vigil::cases::export_recipient(value).map_err(|_| anyhow::anyhow!("not one age X25519 recipient (age1…)"))
    })
}

pub fn public_key(value: &str) -> Result<PublicKey, String> {
    PublicKey::from_hex(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_takes_the_documented_form_and_refuses_another() {
        assert_eq!(delegation("EUD_KE").as_deref(), Ok("EUD_KE"));
        assert_eq!(delegation("eud_ke").as_deref(), Ok("EUD_KE"));
        assert!(delegation("eud-ke").is_err());
        assert!(country("KE").is_ok() && country("XX").is_err());
        assert!(time_zone("Africa/Nairobi").is_ok() && time_zone("Mars/Olympus").is_err());
        assert!(time_zone_or_delegation("delegation").is_ok() && time_zone_or_delegation("x").is_err());
        assert!(weekend("fri,sat").is_ok() && weekend("fri,someday").is_err());
        assert!(language("fr").is_ok() && language("French").is_err());
        // A recipient `age-keygen` made (its identity thrown away).
        let one = "age1xkylx3yysjrmdk55v9lhceq50m3znxktj96u2dm3kujkvqhd3sfslvp7u4";
        assert_eq!(recipient(one).as_deref(), Ok(one));
        assert!(recipient(&format!("{one},{one}")).is_err() && recipient("age1nope").is_err());
        let key = vigil::crypto::SigningKey::generate().unwrap().public();
        assert_eq!(public_key(&key.to_string()), Ok(key));
        assert!(public_key("not hex").is_err() && public_key(&"0".repeat(63)).is_err());
    }
}
