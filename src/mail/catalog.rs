//! The words of reminder emails, per language: `workflows/messages/LANG.toml` holds the
//! words around every email (`[email]`) and the sentence each reminder's message key stands
//! for (`[reminders]`). English is complete (checked by `vigil workflows check`); another
//! language may lack texts, which then fall back to English.
//!
//! The English and French files are compiled in as well, so a deployment without the folder
//! still writes proper emails; files found on disk take precedence.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// The words around every email.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailText {
    pub case: String,
    pub procedure: String,
    pub step: String,
    pub due: String,
    pub open_case: String,
    pub footer: String,
    pub digest_subject: String,
    pub digest_intro: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Language {
    email: EmailText,
    #[serde(default)]
    reminders: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
}

const BUILT_IN: [(&str, &str); 3] = [
    ("en", include_str!("../../workflows/messages/en.toml")),
    ("es", include_str!("../../workflows/messages/es.toml")),
    ("fr", include_str!("../../workflows/messages/fr.toml")),
];

/// Every language's texts.
#[derive(Debug, Clone)]
pub struct Catalog {
    languages: BTreeMap<String, Language>,
}

impl Default for Catalog {
    /// The compiled-in English, Spanish and French.
    fn default() -> Self {
        let languages = BUILT_IN
            .iter()
            .filter_map(|(code, text)| Some(((*code).to_owned(), toml::from_str(text).ok()?)))
            .collect();
        Self { languages }
    }
}

impl Catalog {
    /// The compiled-in languages, overridden and extended by `dir/*.toml` when `dir` exists.
    pub fn load(dir: &Path) -> Result<Self, CatalogError> {
        let mut catalog = Self::default();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(catalog);
        };
        let mut paths: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let file = path.display().to_string();
            let bad = |reason: String| CatalogError::File {
                file: file.clone(),
                reason,
            };
            let code = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !((2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase())) {
                return Err(bad(
                    "the file name is not a language code such as en.toml or fr.toml".into()
                ));
            }
            let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
            let language: Language = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
            catalog.languages.insert(code, language);
        }
        Ok(catalog)
    }

    /// The language codes with a file.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.languages.keys().map(String::as_str)
    }

    /// The words around an email in `language`, or in English.
    pub fn email(&self, language: &str) -> &EmailText {
        self.languages
            .get(language)
            .or_else(|| self.languages.get("en"))
            .map(|l| &l.email)
            .unwrap_or_else(|| &FALLBACK.email)
    }

    /// What `key` says in `language`, else in English, else read from the key itself.
    pub fn reminder(&self, language: &str, key: &str) -> String {
        [language, "en"]
            .iter()
            .find_map(|code| self.languages.get(*code)?.reminders.get(key))
            .cloned()
            .unwrap_or_else(|| describe(key))
    }

    /// The message keys among `keys` with no English text.
    pub fn missing_in_english<'a>(&self, keys: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let english = self.languages.get("en");
        keys.into_iter()
            .filter(|key| english.is_none_or(|en| !en.reminders.contains_key(*key)))
            .collect()
    }
}

/// The English words, should the English file be missing and the compiled-in one unreadable
/// (a test proves it is readable).
static FALLBACK: std::sync::LazyLock<Language> = std::sync::LazyLock::new(|| Language {
    email: EmailText {
        case: "Case".into(),
        procedure: "Procedure".into(),
        step: "Step".into(),
        due: "Due".into(),
        open_case: "Open the case".into(),
        footer: String::new(),
        digest_subject: "Your reminders".into(),
        digest_intro: String::new(),
    },
    reminders: BTreeMap::new(),
});

/// `trial.hearing_in_7_days` → "Hearing in 7 days": a key with no text, read as a sentence.
pub fn describe(message: &str) -> String {
    let last = message.rsplit('.').next().unwrap_or(message).replace('_', " ");
    let mut chars = last.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_languages_parse_and_fall_back_to_english() {
        let catalog = Catalog::default();
        assert_eq!(catalog.languages().collect::<Vec<_>>(), ["en", "es", "fr"]);
        assert_eq!(catalog.reminder("es", "trial.hearing_tomorrow"), "Audiencia mañana");
        assert_eq!(catalog.email("fr").case, "Dossier");
        assert_eq!(catalog.email("de").case, "Case");
        assert_eq!(catalog.reminder("fr", "trial.hearing_tomorrow"), "Audience demain");
        assert_eq!(catalog.reminder("de", "trial.hearing_tomorrow"), "Hearing tomorrow");
        assert_eq!(catalog.reminder("fr", "trial.not_written_yet"), "Not written yet");
        assert_eq!(describe("trial.hearing_in_7_days"), "Hearing in 7 days");
    }

    #[test]
    fn files_on_disk_take_precedence_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let french = include_str!("../../workflows/messages/fr.toml").replace("Audience demain", "Audience : demain");
        std::fs::write(dir.path().join("fr.toml"), french).unwrap();
        let catalog = Catalog::load(dir.path()).unwrap();
        assert_eq!(catalog.reminder("fr", "trial.hearing_tomorrow"), "Audience : demain");

        std::fs::write(dir.path().join("de.toml"), "[email]\ncase = \"Fall\"\n").unwrap();
        let error = Catalog::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("de.toml") && error.contains("missing field"), "{error}");
    }

    #[test]
    fn every_shipped_language_has_every_english_text_and_no_other() {
        let catalog = Catalog::default();
        let english = &catalog.languages["en"];
        for (code, language) in &catalog.languages {
            let missing: Vec<&String> = english
                .reminders
                .keys()
                .filter(|k| !language.reminders.contains_key(*k))
                .collect();
            let extra: Vec<&String> = language
                .reminders
                .keys()
                .filter(|k| !english.reminders.contains_key(*k))
                .collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{code}: lacks {missing:?}, has more {extra:?}"
            );
        }
    }

    #[test]
    fn english_covers_every_message_key_of_the_shipped_workflows() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows");
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for line in text.lines() {
                if let Some(key) = line.strip_prefix("message = ") {
                    keys.push(key.trim_matches('"').to_owned());
                }
            }
        }
        assert!(keys.len() > 30);
        let catalog = Catalog::default();
        assert_eq!(
            catalog.missing_in_english(keys.iter().map(String::as_str)),
            Vec::<&str>::new()
        );
    }
}
