//! The web interface's languages: English, French and Spanish, from the Fluent catalogs in
//! `locales/` (compiled in by `fluent-templates`). A signed-in page speaks the user's language
//! setting when it is one of these; the sign-in pages, and a user whose setting is another,
//! the first of them the browser asks for (`Accept-Language`, negotiated by `fluent-langneg`);
//! English when none is.
//!
//! Dates are written in the page's language too ([`Tr::time`], from chrono's locales), and
//! what the workflows declare comes from the catalogs beside them (`pages::Titles`).
//! Error pages get theirs from [`page_lang`]. Still in English (issue 17): the workflows page,
//! and most reasons of refusals (the engine's field problems but "is required", the case
//! form's, API errors).

use std::borrow::Cow;
use std::collections::HashMap;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderValue;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

use crate::mail::catalog::{Catalog, Words};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./src/http/ui/locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: pages are HTML, their direction set.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language the web interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Fr, Lang::Es];

    /// Its BCP 47 tag, as `<html lang>` and the catalogs' folders name it.
    pub const fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Es => "es",
        }
    }

    /// Its name in itself, as a list of languages to choose from shows it.
    pub const fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Es => "Español",
        }
    }

    fn id(self) -> LanguageIdentifier {
        // The three tags are valid identifiers; the fallback is English's.
        self.tag().parse().unwrap_or_default()
    }

    /// The language a tag names (`fr`, `fr-BE`, `es-419`), if it is one of these.
    pub fn of_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|lang| lang.tag() == primary)
    }

    /// The first of these languages `accept` (an `Accept-Language` header) asks for, if any.
    pub fn negotiated(accept: &str) -> Option<Lang> {
        let requested = fluent_langneg::accepted_languages::parse(accept);
        let available: Vec<LanguageIdentifier> = Lang::ALL.iter().map(|l| l.id()).collect();
        let chosen = fluent_langneg::negotiate_languages(
            &requested,
            &available,
            None,
            fluent_langneg::NegotiationStrategy::Filtering,
        );
        chosen.first().and_then(|id| Lang::of_tag(&id.to_string()))
    }

    /// The language of a page for a user whose setting is `setting` (None: not signed in).
    pub fn for_request(req: &HttpRequest, setting: Option<&str>) -> Lang {
        Lang::chosen(setting, Lang::accepted(req))
    }

    /// The request's `Accept-Language`, if it sent one.
    pub fn accepted(req: &HttpRequest) -> Option<&str> {
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
    }

    /// The setting when it is one of these languages, else the first of them `accept` asks for
    /// (negotiated only then), else English.
    pub fn chosen(setting: Option<&str>, accept: Option<&str>) -> Lang {
        setting
            .and_then(Lang::of_tag)
            .or_else(|| accept.and_then(Lang::negotiated))
            .unwrap_or(Lang::En)
    }
}

/// The language of the page being answered, as far as it is known.
enum PageLang {
    /// What the browser asked for (its `Accept-Language`), negotiated only if an error page
    /// needs it: most requests never do.
    Asked(Option<HeaderValue>),
    /// The signed-in user's.
    Chosen(Lang),
}

tokio::task_local! {
    /// The language of the page being answered, for an error page (which actix makes without
    /// the request): the browser's, kept for every `/ui` request by [`speaking_the_browsers`],
    /// then the signed-in user's once the session is known ([`speak`]).
    static PAGE_LANG: std::cell::RefCell<PageLang>;
}

/// Runs `answer` (a `/ui` request's) with its page language first the browser's, `accept`
/// (the request's `Accept-Language`, taken before the request goes on: a clone of the request
/// would stop its routing).
pub async fn speaking_the_browsers<F: std::future::Future>(accept: Option<HeaderValue>, answer: F) -> F::Output {
    PAGE_LANG
        .scope(std::cell::RefCell::new(PageLang::Asked(accept)), answer)
        .await
}

/// The page being answered speaks `lang` (its session's), error pages included.
pub fn speak(lang: Lang) {
    let _ = PAGE_LANG.try_with(|page| page.replace(PageLang::Chosen(lang)));
}

/// The language of the page being answered; English outside a `/ui` request.
pub fn page_lang() -> Lang {
    PAGE_LANG
        .try_with(|page| match &*page.borrow() {
            PageLang::Chosen(lang) => *lang,
            PageLang::Asked(accept) => Lang::chosen(None, accept.as_ref().and_then(|v| v.to_str().ok())),
        })
        .unwrap_or(Lang::En)
}

/// The words of a page in one language: what templates call for each text (`tr.t("key")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn lang(&self) -> &'static str {
        self.0.tag()
    }

    /// The catalog of emails in this page's language, for what pages and emails both say (a
    /// reminder's sentence, a role, a kind of grant, what the workflows declare): Vigil's own
    /// when it sends mail (with the texts an operator added), else the compiled-in one.
    pub fn mail<'a>(&self, state: &'a crate::http::AppState) -> Words<'a> {
        static BUILT_IN: std::sync::LazyLock<Catalog> = std::sync::LazyLock::new(Catalog::default);
        state
            .mailer
            .as_ref()
            .map_or(&*BUILT_IN, |m| &*m.catalog)
            .words(self.lang())
    }

    /// The text of `key`.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.0.id(), key)
    }

    /// The text of `key`, if the catalog has one.
    pub fn try_t(&self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.0.id(), key)
    }

    /// The text of `key` with its arguments (`{ $name }` in the catalog).
    pub fn with(&self, key: &str, args: &[(&'static str, FluentValue<'_>)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| (Cow::Borrowed(*name), value.clone()))
            .collect();
        LOCALES.lookup_with_args(&self.0.id(), key, &args)
    }

    /// The text of `key` with text arguments, as a refusal's type gives them.
    pub fn with_texts(&self, key: &str, args: Vec<(&'static str, String)>) -> String {
        let args: Vec<(&'static str, FluentValue<'_>)> =
            args.into_iter().map(|(name, value)| (name, value.into())).collect();
        self.with(key, &args)
    }

    /// The text of `key` with one text argument.
    pub fn arg(&self, key: &str, name: &'static str, value: &str) -> String {
        self.with(key, &[(name, FluentValue::from(value))])
    }

    /// The text of `key` with one number argument `n` (plurals are the catalog's).
    pub fn count(&self, key: &str, n: i64) -> String {
        self.with(key, &[("n", FluentValue::from(n))])
    }

    /// The conventions of dates in this language (month names), from chrono's locales.
    fn locale(&self) -> chrono::Locale {
        match self.0 {
            Lang::En => chrono::Locale::en_GB,
            Lang::Fr => chrono::Locale::fr_FR,
            Lang::Es => chrono::Locale::es_ES,
        }
    }

    /// A moment on `zone`'s clock, the one format of every page: "4 Dec 2026 09:00 EAT",
    /// "4 déc. 2026 09:00 EAT".
    pub fn time(&self, at: DateTime<Utc>, zone: Tz) -> String {
        at.with_timezone(&zone)
            .format_localized("%-d %b %Y %H:%M %Z", self.locale())
            .to_string()
    }

    /// The day of a moment on `zone`'s clock: "4 Dec 2026".
    pub fn date(&self, at: DateTime<Utc>, zone: Tz) -> String {
        self.day(at.with_timezone(&zone).date_naive())
    }

    /// A day: "4 Dec 2026".
    pub fn day(&self, day: NaiveDate) -> String {
        day.format_localized("%-d %b %Y", self.locale()).to_string()
    }

    /// A day in full: "Friday 4 December 2026", "vendredi 4 décembre 2026".
    pub fn long_day(&self, day: NaiveDate) -> String {
        day.format_localized("%A %-d %B %Y", self.locale()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of a catalog file, in order: every line that starts a message (`key = …`).
    fn keys_of(ftl: &str) -> Vec<&str> {
        ftl.lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|line| line.split_once(" =").map(|(key, _)| key.trim()))
            .collect()
    }

    const CATALOGS: [(&str, &str); 3] = [
        ("en", include_str!("locales/en/ui.ftl")),
        ("fr", include_str!("locales/fr/ui.ftl")),
        ("es", include_str!("locales/es/ui.ftl")),
    ];

    #[test]
    fn every_language_has_every_key_and_no_other() {
        let english = keys_of(CATALOGS[0].1);
        assert!(english.len() > 20, "{english:?}");
        for (tag, ftl) in CATALOGS {
            let keys = keys_of(ftl);
            let missing: Vec<&&str> = english.iter().filter(|k| !keys.contains(k)).collect();
            let extra: Vec<&&str> = keys.iter().filter(|k| !english.contains(k)).collect();
            assert!(missing.is_empty(), "{tag} lacks {missing:?}");
            assert!(extra.is_empty(), "{tag} has keys English does not: {extra:?}");
            // Each is a message Fluent reads, not the fallback's "unknown" text.
            // (Every argument a message of the catalog takes given, as pages give them: `n` a
            // number, the others text.)
            let lang = Lang::of_tag(tag).unwrap().id();
            let args: HashMap<Cow<'static, str>, FluentValue<'_>> = ftl
                .split("{ $")
                .skip(1)
                .filter_map(|rest| rest.split([' ', '}']).next())
                .map(|name| {
                    let value = if name == "n" {
                        FluentValue::from(2)
                    } else {
                        FluentValue::from("x")
                    };
                    (Cow::Owned(name.to_owned()), value)
                })
                .collect();
            for key in &keys {
                let text = LOCALES.try_lookup_with_args(&lang, key, &args);
                assert!(text.is_some(), "{tag} {key} does not read as a message");
            }
        }
    }

    #[test]
    fn every_key_a_template_or_the_code_asks_for_is_in_the_catalog() {
        let english = keys_of(CATALOGS[0].1);
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/ui");
        let mut asked = Vec::new();
        for entry in walk(std::path::Path::new(dir)) {
            let text = std::fs::read_to_string(&entry).unwrap();
            for marker in ["tr.t(\"", "tr.with(\"", "tr.count(\"", "tr.arg(\""] {
                for (at, _) in text.match_indices(marker) {
                    let key = text[at + marker.len()..].split('"').next().unwrap().to_owned();
                    asked.push((entry.display().to_string(), key));
                }
            }
        }
        assert!(asked.len() > 20, "{asked:?}");
        // The keys the code makes from a vocabulary: each risk's name and badge, each theme's.
        for risk in crate::domain::Risk::ALL {
            for key in [
                format!("risk-{}", risk.as_str()),
                format!("case-risk-{}", risk.as_str()),
            ] {
                asked.push(("the risks".into(), key));
            }
        }
        for (_, key, _) in crate::http::ui::pages::CONFIDENTIAL {
            asked.push(("the confidential fields".into(), key.to_owned()));
        }
        for dimension in crate::domain::ReportDimension::ALL {
            asked.push((
                "the report dimensions".into(),
                format!("dimension-{}", dimension.as_str()),
            ));
        }
        for denied in crate::domain::Denied::samples() {
            asked.push(("the refusals".into(), denied.key().to_owned()));
        }
        for problem in crate::cases::Problem::samples() {
            asked.push(("the problems of fields".into(), problem.key().to_owned()));
        }
        for recipient in crate::workflow::RECIPIENTS {
            asked.push(("the recipients of reminders".into(), format!("recipient-{recipient}")));
        }
        for kind in ["text", "date", "datetime", "bool", "enum", "integer", "list", "user"] {
            asked.push(("the types of fields".into(), format!("workflows-type-{kind}")));
        }
        for act in crate::domain::AdminAct::ALL {
            asked.push(("the administrative acts".into(), format!("act-{}", act.as_str())));
        }
        for kind in crate::domain::ScheduledKind::ALL {
            asked.push(("the kinds of scheduled items".into(), format!("kind-{}", kind.as_str())));
        }
        for report in crate::domain::ReportName::ALL {
            asked.push(("the reports".into(), format!("report-{}", report.as_str())));
        }
        for theme in crate::domain::THEMES {
            asked.push(("the themes".into(), format!("theme-{theme}")));
        }
        for (file, key) in asked {
            assert!(
                english.contains(&key.as_str()),
                "{file} asks for {key}, which en/ui.ftl lacks"
            );
        }
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else if path.extension().is_some_and(|e| e == "rs" || e == "html") && !path.ends_with("i18n.rs") {
                found.push(path);
            }
        }
        found
    }

    #[test]
    fn the_language_is_the_setting_else_the_browsers_else_english() {
        assert_eq!(Lang::negotiated("fr-BE,fr;q=0.9,en;q=0.8"), Some(Lang::Fr));
        assert_eq!(Lang::negotiated("de-DE,es;q=0.7"), Some(Lang::Es));
        assert_eq!(Lang::negotiated("de-DE"), None);
        assert_eq!(Lang::of_tag("es-419"), Some(Lang::Es));
        assert_eq!(Tr(Lang::Fr).t("nav-needs-me"), "À traiter");
        assert_eq!(
            Tr(Lang::Es).count("sign-in-too-many", 1),
            "Demasiados intentos fallidos desde aquí. Vuelva a intentarlo en un minuto."
        );
        let at: DateTime<Utc> = "2026-12-04T06:30:00Z".parse().unwrap();
        let nairobi = chrono_tz::Africa::Nairobi;
        assert_eq!(Tr(Lang::En).time(at, nairobi), "4 Dec 2026 09:30 EAT");
        assert_eq!(Tr(Lang::Fr).time(at, nairobi), "4 déc. 2026 09:30 EAT");
        assert_eq!(Tr(Lang::Es).date(at, nairobi), "4 dic 2026");
        assert_eq!(Tr(Lang::Fr).long_day(at.date_naive()), "vendredi 4 décembre 2026");
        assert_eq!(Tr(Lang::Es).long_day(at.date_naive()), "viernes 4 diciembre 2026");
        assert_eq!(
            Tr(Lang::En).count("sign-in-too-many", 5),
            "Too many failed attempts from here. Try again in 5 minutes."
        );
    }
}
