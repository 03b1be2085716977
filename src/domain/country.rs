//! ISO 3166-1 alpha-2 country codes, and the theme codes of the domain research.

/// Every officially assigned ISO 3166-1 alpha-2 code, plus `XK` (Kosovo, as the EU uses it).
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET \
FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR \
IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN \
MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR \
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

pub fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split_whitespace().any(|known| known == code)
}

/// The case themes (domain research, section 5), by their stable codes.
pub const THEMES: [&str; 17] = [
    "WHRD",
    "ENV_LAND",
    "INDIGENOUS",
    "MEDIA",
    "LGBTI",
    "LABOUR",
    "LAWYERS",
    "CHILD",
    "MINORITY_FORB",
    "DISABILITY",
    "ESCR",
    "ANTI_CORRUPTION",
    "DEMOCRACY",
    "DIGITAL",
    "TORTURE_DP",
    "MIGRANTS",
    "OTHER",
];

pub fn is_theme(code: &str) -> bool {
    THEMES.contains(&code)
}

/// A country, as the API describes it: one of the ISO codes [`is_country`] takes.
pub struct CountryCode;

impl utoipa::PartialSchema for CountryCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        code_list(
            "An ISO 3166-1 alpha-2 country code (and XK, Kosovo)",
            COUNTRIES.split_whitespace(),
        )
    }
}

impl utoipa::ToSchema for CountryCode {
    fn name() -> std::borrow::Cow<'static, str> {
        "Country".into()
    }
}

/// A theme, as the API describes it: one of [`THEMES`].
pub struct ThemeCode;

impl utoipa::PartialSchema for ThemeCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        code_list("A case theme's code", THEMES)
    }
}

impl utoipa::ToSchema for ThemeCode {
    fn name() -> std::borrow::Cow<'static, str> {
        "Theme".into()
    }
}

fn code_list<'a>(
    description: &str,
    codes: impl IntoIterator<Item = &'a str>,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some(description))
        .enum_values(Some(codes))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_iso_alpha_2() {
        assert_eq!(COUNTRIES.split_whitespace().count(), 250);
        for code in ["KE", "BY", "XK", "VE"] {
            assert!(is_country(code), "{code}");
        }
        for code in ["", "ke", "UK", "EU", "KEN", "ZZ"] {
            assert!(!is_country(code), "{code}");
        }
    }

    #[test]
    fn themes_are_the_research_codes() {
        assert!(is_theme("ENV_LAND") && is_theme("WHRD"));
        assert!(!is_theme("env_land") && !is_theme("CLIMATE"));
    }
}
