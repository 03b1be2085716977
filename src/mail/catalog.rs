//! The words of Vigil's emails, per language, in Fluent: `workflows/messages/LANG.ftl` holds
//! the words around every reminder (`email-…`), the sentence each reminder's message key
//! stands for (`reminder-…`, the key's dots written as dashes), and the sign-in, token and
//! four-eyes emails. English is complete (checked by `vigil workflows check` and the tests
//! below); another language may lack texts, which then fall back to English.
//!
//! English, French and Spanish are compiled in, so a deployment without the folder still writes
//! proper emails; a file found on disk overrides their texts one by one and may add a language.

use std::collections::BTreeMap;
use std::path::Path;

use fluent_templates::LanguageIdentifier;
use fluent_templates::fluent_bundle::concurrent::FluentBundle;
use fluent_templates::fluent_bundle::{FluentArgs, FluentResource, FluentValue};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
}

const BUILT_IN: [(&str, &str); 3] = [
    ("en", include_str!("../../workflows/messages/en.ftl")),
    ("es", include_str!("../../workflows/messages/es.ftl")),
    ("fr", include_str!("../../workflows/messages/fr.ftl")),
];

/// One text's arguments: `{ $name }` in the catalog.
pub type Args<'a> = [(&'static str, FluentValue<'a>)];

/// Every language's texts.
pub struct Catalog {
    languages: BTreeMap<String, FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("languages", &self.languages.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for Catalog {
    /// The compiled-in English, Spanish and French (the tests prove each parses).
    fn default() -> Self {
        let mut catalog = Self {
            languages: BTreeMap::new(),
        };
        for (code, text) in BUILT_IN {
            // A built-in file that did not parse would leave its language to English.
            let _ = catalog.add(code, text);
        }
        catalog
    }
}

impl Catalog {
    /// The compiled-in languages, overridden text by text and extended by `dir/*.ftl` when
    /// `dir` exists.
    pub fn load(dir: &Path) -> Result<Self, CatalogError> {
        let mut catalog = Self::default();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(catalog);
        };
        let mut paths: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
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
                    "the file name is not a language code such as en.ftl or fr.ftl".into()
                ));
            }
            let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
            catalog.add(&code, &text).map_err(bad)?;
        }
        Ok(catalog)
    }

    /// Adds `text` (a Fluent file) to language `code`, its texts replacing those it names.
    fn add(&mut self, code: &str, text: &str) -> Result<(), String> {
        let resource = FluentResource::try_new(text.to_owned()).map_err(|(_, errors)| {
            let first = &errors[0];
            let line = text[..first.pos.start.min(text.len())].lines().count().max(1);
            format!("line {line}: {first} ({} errors in all)", errors.len())
        })?;
        let id: LanguageIdentifier = code.parse().map_err(|_| format!("{code} is not a language code"))?;
        let bundle = self.languages.entry(code.to_owned()).or_insert_with(|| {
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Emails are plain text as well as HTML: no Unicode isolation marks around arguments.
            bundle.set_use_isolating(false);
            bundle
        });
        bundle.add_resource_overriding(resource);
        Ok(())
    }

    /// The language codes with texts.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.languages.keys().map(String::as_str)
    }

    /// The words of emails to a reader of `language`.
    pub fn words<'c>(&'c self, language: &'c str) -> Words<'c> {
        Words {
            catalog: self,
            language,
        }
    }

    /// The words of emails to a reader whose language setting is `setting`: English when they
    /// chose none (their browser's language is not known by email).
    pub fn words_for<'c>(&'c self, setting: Option<&'c str>) -> Words<'c> {
        self.words(setting.unwrap_or(FALLBACK))
    }

    /// Text `id` (`message` or `message.attribute`) in `language`, if that language has it.
    fn lookup(&self, language: &str, id: &str, args: &Args<'_>) -> Option<String> {
        let bundle = self.languages.get(language)?;
        let (name, attribute) = match id.split_once('.') {
            Some((name, attribute)) => (name, Some(attribute)),
            None => (id, None),
        };
        let message = bundle.get_message(name)?;
        let pattern = match attribute {
            Some(attribute) => message.get_attribute(attribute)?.value(),
            None => message.value()?,
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }

    /// The message keys among `keys` with no English text.
    pub fn missing_in_english<'a>(&self, keys: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        keys.into_iter()
            .filter(|key| self.lookup("en", &reminder_id(key), &[]).is_none())
            .collect()
    }
}

/// The Fluent id of a reminder's message key: `trial.hearing_tomorrow` is
/// `reminder-trial-hearing_tomorrow` (keys are lowercase identifiers joined by dots, which
/// Fluent ids may not hold; no identifier holds a dash, so the spelling is one to one).
fn reminder_id(key: &str) -> String {
    format!("reminder-{}", key.replace('.', "-"))
}

/// The language every text falls back to, and emails are in for a reader who chose none.
pub const FALLBACK: &str = "en";

/// The words of emails in one reader's language, falling back to English text by text.
#[derive(Debug, Clone, Copy)]
pub struct Words<'c> {
    catalog: &'c Catalog,
    language: &'c str,
}

impl Words<'_> {
    /// Text `id` with its arguments in the reader's language, else in English, if either has it.
    fn find(&self, id: &str, args: &Args<'_>) -> Option<String> {
        [self.language, FALLBACK]
            .iter()
            .find_map(|language| self.catalog.lookup(language, id, args))
    }

    /// Text `id` (`message` or `message.attribute`) with its arguments; else its English
    /// text; else the id itself, so that a gap shows rather than an empty line.
    pub fn with(&self, id: &str, args: &Args<'_>) -> String {
        self.find(id, args).unwrap_or_else(|| id.to_owned())
    }

    /// Text `id`, which takes no argument.
    pub fn t(&self, id: &str) -> String {
        self.with(id, &[])
    }

    /// Text `id` in the reader's language when that language has it, else `declared` (what a
    /// workflow declares itself, in English: the workflows' titles are not in the catalog's
    /// English).
    pub fn or(&self, id: &str, declared: impl FnOnce() -> String) -> String {
        self.catalog.lookup(self.language, id, &[]).unwrap_or_else(declared)
    }

    /// A procedure's title for this reader: the catalog's `wf-WORKFLOW`, else `declared`
    /// (also when the workflow's name is unknown, empty).
    pub fn procedure(&self, workflow: &str, declared: &str) -> String {
        let id = format!("wf-{workflow}");
        self.or(&id, || declared.to_owned())
    }

    /// A step's title for this reader: the catalog's `wf-WORKFLOW-state-STEP`, else `declared`.
    pub fn step(&self, workflow: &str, step: &str, declared: &str) -> String {
        let id = format!("wf-{workflow}-state-{step}");
        self.or(&id, || declared.to_owned())
    }

    /// What the reminder with message `key` says; a key with no text is read as a sentence.
    pub fn reminder(&self, key: &str) -> String {
        self.find(&reminder_id(key), &[]).unwrap_or_else(|| describe(key))
    }
}

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

    /// The ids of a Fluent file, with `message.attribute` for each attribute.
    fn ids_of(ftl: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut message = String::new();
        for line in ftl.lines() {
            if line.starts_with(|c: char| c.is_ascii_lowercase()) {
                if let Some((id, _)) = line.split_once(" =") {
                    message = id.trim().to_owned();
                    ids.push(message.clone());
                }
            } else if let Some((name, _)) = line.trim_start().strip_prefix('.').and_then(|a| a.split_once(" =")) {
                ids.push(format!("{message}.{}", name.trim()));
            }
        }
        ids
    }

    #[test]
    fn the_compiled_in_languages_parse_and_fall_back_to_english() {
        for (code, text) in BUILT_IN {
            assert!(
                FluentResource::try_new(text.to_owned()).is_ok(),
                "{code}.ftl does not parse"
            );
        }
        let catalog = Catalog::default();
        assert_eq!(catalog.languages().collect::<Vec<_>>(), ["en", "es", "fr"]);
        assert_eq!(
            catalog.words("es").reminder("trial.hearing_tomorrow"),
            "Audiencia mañana"
        );
        assert_eq!(catalog.words("fr").t("email-case"), "Dossier");
        assert_eq!(catalog.words("de").t("email-case"), "Case");
        assert_eq!(
            catalog.words("fr").reminder("trial.hearing_tomorrow"),
            "Audience demain"
        );
        assert_eq!(
            catalog.words("de").reminder("trial.hearing_tomorrow"),
            "Hearing tomorrow"
        );
        assert_eq!(catalog.words("fr").reminder("trial.not_written_yet"), "Not written yet");
        assert_eq!(catalog.words("fr").t("no-such-text"), "no-such-text");
        assert_eq!(
            catalog
                .words("es")
                .with("sign-in-link.lifetime", &[("minutes", FluentValue::from(15))]),
            "El enlace sirve una vez, durante 15 minutos. Si no lo pidió, ignore este correo."
        );
        assert_eq!(describe("trial.hearing_in_7_days"), "Hearing in 7 days");
    }

    #[test]
    fn files_on_disk_override_text_by_text_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("fr.ftl"),
            "reminder-trial-hearing_tomorrow = Audience : demain\n",
        )
        .unwrap();
        let catalog = Catalog::load(dir.path()).unwrap();
        assert_eq!(
            catalog.words("fr").reminder("trial.hearing_tomorrow"),
            "Audience : demain"
        );
        // The other French texts stay.
        assert_eq!(catalog.words("fr").t("email-case"), "Dossier");

        std::fs::write(dir.path().join("de.ftl"), "email-case = Fall\n\nemail-due = { $\n").unwrap();
        let error = Catalog::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("de.ftl") && error.contains("line 3"), "{error}");
    }

    #[test]
    fn every_shipped_language_has_every_english_text_and_no_other() {
        let english = ids_of(BUILT_IN[0].1);
        assert!(english.len() > 60, "{english:?}");
        let catalog = Catalog::default();
        for (code, text) in BUILT_IN {
            let ids = ids_of(text);
            let missing: Vec<&String> = english.iter().filter(|k| !ids.contains(k)).collect();
            // The workflows' own words (`wf-…`) have their English in the workflows: the web
            // interface's tests check those.
            let extra: Vec<&String> = ids
                .iter()
                .filter(|k| !english.contains(k) && !k.starts_with("wf-"))
                .collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{code}: lacks {missing:?}, has more {extra:?}"
            );
            // Each reads in its own language with every argument given.
            let args: Vec<(&'static str, FluentValue<'_>)> = [
                "minutes",
                "requester",
                "kind",
                "grant",
                "approver",
                "decider",
                "email",
                "role",
                "delegation",
                "reference",
                "reason",
                "seq",
            ]
            .into_iter()
            .map(|name| {
                (
                    name,
                    FluentValue::from(if matches!(name, "minutes" | "seq") { "15" } else { "x" }),
                )
            })
            .collect();
            for id in &ids {
                assert!(catalog.lookup(code, id, &args).is_some(), "{code}: {id} does not read");
            }
        }
    }

    #[test]
    fn every_text_the_code_asks_for_is_in_english() {
        let english = ids_of(BUILT_IN[0].1);
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut asked = Vec::new();
        // Every string of the code (not its tests) that reads like one of the catalog's ids.
        let sections = [
            "email-",
            "sign-in-link",
            "token-link",
            "four-eyes-",
            "grant-",
            "approver-",
            "role-",
            "erasure-",
        ];
        for path in [
            "mail/message.rs",
            "reminders/digest.rs",
            "cases/grants.rs",
            "cases/erasure.rs",
        ] {
            let text = std::fs::read_to_string(dir.join(path)).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            for literal in code.split('"').skip(1).step_by(2) {
                let id = literal.trim_start_matches("{id}");
                let looks_like_id = id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_' || c == '.');
                if looks_like_id && sections.iter().any(|section| id.starts_with(section)) {
                    asked.push((path, id.to_owned()));
                }
            }
        }
        assert!(asked.len() > 15, "{asked:?}");
        for (file, id) in asked {
            assert!(english.contains(&id), "{file} asks for {id}, which en.ftl lacks");
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
