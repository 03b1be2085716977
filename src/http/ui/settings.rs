//! A user's own settings, on `/ui/settings`: the language of their pages and emails (or their
//! browser's), their time zone (or their delegation's) and whether reminders come as a daily
//! digest (`cases::preferences`, as `vigil users set` changes them for the operator).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::forms::Submitted;
use super::i18n::Lang;
use super::pages::{Nav, Pick, picks};
use super::session::Session;
use super::{WebError, page, see_other};
use crate::cases::CaseError;
use crate::cases::preferences::{change_own_preferences, own_preferences};
use crate::http::AppState;
use crate::http::cases::run;
use crate::store::users::{PreferenceChanges, UserRow};

/// The value of the choice that follows the browser's language, or the delegation's zone.
const DEFAULT: &str = "";

#[derive(Template)]
#[template(path = "settings.html", config = "src/http/ui/askama.toml")]
struct SettingsPage {
    nav: Nav,
    /// The languages, each named in itself (`lang` the choice's own language, when it has one).
    languages: Vec<LanguagePick>,
    zones: Vec<Pick>,
    digest: bool,
    notice: Option<String>,
    error: Option<String>,
}

pub struct LanguagePick {
    pub value: String,
    pub label: String,
    pub lang: Option<&'static str>,
    pub selected: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsQuery {
    /// The settings were just saved (the page says it once).
    #[serde(default)]
    saved: bool,
}

/// `GET /ui/settings`: the signed-in user's settings.
pub async fn settings_page(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<SettingsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let notice = query.saved.then(|| session.tr.t("settings-saved"));
    show(&state, &session, &req, StatusCode::OK, notice, None).await
}

/// `POST /ui/settings`: `language` (a code, or empty for the browser's), `time_zone` (an IANA
/// name, or empty for the delegation's) and `digest` (present when ticked).
pub async fn save_settings(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    session.check(&form)?;
    let chosen = |name: &str| Some(form.text(name).trim().to_owned()).filter(|value| value != DEFAULT);
    let changes = PreferenceChanges {
        time_zone: Some(chosen("time_zone")),
        language: Some(chosen("language")),
        digest: Some(form.get("digest").is_some()),
    };
    let saved = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        change_own_preferences(conn, ctx, &changes)
    })
    .await;
    match saved {
        Ok(()) => Ok(see_other("/ui/settings?saved=true")),
        Err(CaseError::Invalid(_)) => {
            let why = session.tr.t("settings-invalid");
            show(
                &state,
                &session,
                &req,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(why),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn show(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let user = run(state, session.caller.clone(), req, None, own_preferences).await?;
    let office_zone = match user.delegation.clone() {
        Some(code) => state
            .db
            .run(move |conn| crate::store::users::delegation(conn, code.as_str()))
            .await?
            .map(|office| office.time_zone),
        None => None,
    };
    page(
        status,
        &SettingsPage {
            nav: Nav::load(state, session, req).await?,
            languages: languages(&user, session, Lang::accepted(req)),
            zones: zones(&user, session, office_zone.as_deref()),
            digest: user.digest,
            notice,
            error,
        },
    )
}

/// The browser's language (saying which it is now), then each language the pages speak, in
/// itself; a setting the pages do not speak (a language only emails have) is kept as a choice.
fn languages(user: &UserRow, session: &Session, accept: Option<&str>) -> Vec<LanguagePick> {
    let setting = user.language.as_deref().unwrap_or(DEFAULT);
    let browser = Lang::chosen(None, accept);
    let mut choices = vec![LanguagePick {
        value: DEFAULT.to_owned(),
        label: session
            .tr
            .arg("settings-language-browser", "now", browser.native_name()),
        lang: None,
        selected: setting == DEFAULT,
    }];
    choices.extend(Lang::ALL.iter().map(|lang| LanguagePick {
        value: lang.tag().to_owned(),
        label: lang.native_name().to_owned(),
        lang: Some(lang.tag()),
        selected: setting == lang.tag(),
    }));
    if !choices.iter().any(|choice| choice.selected) {
        choices.push(LanguagePick {
            value: setting.to_owned(),
            label: setting.to_owned(),
            lang: None,
            selected: true,
        });
    }
    choices
}

/// The delegation's zone (or UTC, for who has no delegation), then every IANA zone by name.
fn zones(user: &UserRow, session: &Session, office_zone: Option<&str>) -> Vec<Pick> {
    let default = match office_zone {
        Some(zone) => session.tr.arg("settings-time-zone-delegation", "zone", zone),
        None => session.tr.t("settings-time-zone-utc"),
    };
    let setting = user.time_zone.as_deref().unwrap_or(DEFAULT);
    picks(
        std::iter::once((DEFAULT, default)).chain(
            chrono_tz::TZ_VARIANTS
                .iter()
                .map(|zone| (zone.name(), zone.name().replace('_', " "))),
        ),
        &[setting],
    )
}
