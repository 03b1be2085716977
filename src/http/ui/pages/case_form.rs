//! Opening a case, and editing one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::{Map, Value};

use super::{Nav, Pick, Titles, parse_id, risk_picks, theme_picks};
use crate::cases::{self, CaseError, OpenCaseRequest, OpenProcedureRequest};
use crate::domain::CaseId;
use crate::domain::Sensitive;
use crate::http::AppState;
use crate::http::cases::run;
use crate::http::ui::forms::Submitted;
use crate::http::ui::kept::{KeptForm, session_or_keep};
use crate::http::ui::session::Session;
use crate::http::ui::{WebError, page, see_other};

/// The confidential fields the form offers, sealed with the case, with the catalog key of
/// their label; only the name is required.
pub(in crate::http::ui) const CONFIDENTIAL: [(&str, &str, bool); 5] = [
    ("defender_name", "conf-defender_name", true),
    ("organisation", "conf-organisation", false),
    ("location", "conf-location", false),
    ("contact", "conf-contact", false),
    ("narrative", "conf-narrative", false),
];

pub struct Typed {
    pub name: String,
    pub label: String,
    pub required: bool,
    pub long: bool,
    pub value: String,
    pub error: Option<String>,
}

/// The case an edit form changes, and the version it was read at.
pub struct Editing {
    pub id: CaseId,
    pub reference: String,
    pub version: i64,
}

/// The form that opens a case, or edits one (`editing`).
#[derive(Template)]
#[template(path = "case_form.html", config = "src/http/ui/askama.toml")]
struct CaseFormPage {
    nav: Nav,
    editing: Option<Editing>,
    country: String,
    country_error: Option<String>,
    themes: Vec<Pick>,
    themes_error: Option<String>,
    risks: Vec<Pick>,
    risk_error: Option<String>,
    workflows: Vec<Pick>,
    workflow_error: Option<String>,
    confidential: Vec<Typed>,
    error: Option<String>,
}

fn case_form(
    state: &AppState,
    nav: Nav,
    session: &Session,
    editing: Option<Editing>,
    form: &Submitted,
    issues: &[cases::FieldIssue],
    error: Option<String>,
) -> CaseFormPage {
    let problem = |field: &str| {
        let found: Vec<String> = issues
            .iter()
            .filter(|i| i.field == field)
            .map(|i| crate::http::ui::forms::problem_in_words(&i.problem, session.tr))
            .collect();
        (!found.is_empty()).then(|| found.join("; "))
    };
    CaseFormPage {
        nav,
        editing,
        country: form.text("country").to_owned(),
        country_error: problem("country"),
        themes: theme_picks(session.tr, &form.all("themes")),
        themes_error: problem("themes"),
        risks: risk_picks(session.tr, &[form.get("risk").unwrap_or("medium")]),
        risk_error: problem("risk"),
        workflows: Titles::new(state, session.tr).picks(&[form.text("workflow")]),
        workflow_error: problem("procedure.workflow"),
        confidential: CONFIDENTIAL
            .iter()
            .map(|(name, label, required)| Typed {
                name: (*name).to_owned(),
                label: session.tr.t(label),
                required: *required,
                long: *name == "narrative",
                value: form.get(name).unwrap_or_default().to_owned(),
                error: problem(&format!("confidential.{name}")),
            })
            .collect(),
        error,
    }
}

/// `GET /ui/cases/new`.
pub async fn new_case(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let nav = Nav::load(&state, &session, &req).await?;
    page(
        StatusCode::OK,
        &case_form(&state, nav, &session, None, &Submitted::default(), &[], None),
    )
}

/// `POST /ui/cases`: opens the case with its first procedure; on a refusal the form comes back
/// filled in, each problem beside its field.
pub async fn open_case(
    state: web::Data<AppState>,
    session: Option<Session>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    let session = session_or_keep(&state, &req, session, &form, KeptForm::OpenCase).await?;
    session.check(&form)?;
    let confidential: Map<String, Value> = CONFIDENTIAL
        .iter()
        .filter_map(|(name, _, _)| {
            let value = form.text(name);
            (!value.is_empty()).then(|| ((*name).to_owned(), Value::String(value.to_owned())))
        })
        .collect();
    let request = OpenCaseRequest {
        delegation: None,
        country: form.text("country").to_uppercase(),
        themes: form.all("themes").into_iter().map(str::to_owned).collect(),
        risk: form.text("risk").to_owned(),
        owner: None,
        confidential: Sensitive::new(confidential),
        procedure: OpenProcedureRequest {
            workflow: form.text("workflow").to_owned(),
            data: Sensitive::new(Map::new()),
        },
    };
    let outcome = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::open_case(conn, ctx, request)
    })
    .await;
    let (status, issues, message) = match outcome {
        Ok(opened) => {
            tracing::info!(case.id = %opened.id, case.reference = %opened.reference, "case opened");
            return Ok(see_other(&format!("/ui/cases/{}", opened.id)));
        }
        Err(CaseError::Invalid(issues)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            issues,
            session.tr.t("case-look-again"),
        ),
        Err(CaseError::Refused(refusal)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            session.tr.arg(
                "case-refused",
                "why",
                &crate::http::ui::forms::refusal_in_words(
                    &refusal,
                    &Titles::new(&state, session.tr).named(form.text("workflow")),
                ),
            ),
        ),
        Err(CaseError::Forbidden(why)) => (
            StatusCode::FORBIDDEN,
            Vec::new(),
            crate::http::ui::forms::denied_in_words(&why, session.tr),
        ),
        Err(e) => return Err(e.into()),
    };
    let nav = Nav::load(&state, &session, &req).await?;
    page(
        status,
        &case_form(&state, nav, &session, None, &form, &issues, Some(message)),
    )
}

/// The form that opens a case, or edits case `editing`, with a kept form's entries and
/// `message` above (`crate::http::ui::kept`).
pub(super) async fn kept_case_form(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    editing: Option<CaseId>,
    typed: Submitted,
    message: String,
) -> Result<HttpResponse, WebError> {
    let editing = editing.map(|id| Editing {
        id,
        reference: typed.text("reference").to_owned(),
        version: typed.text("version").parse().unwrap_or_default(),
    });
    page(
        StatusCode::OK,
        &case_form(
            state,
            Nav::load(state, session, req).await?,
            session,
            editing,
            &typed,
            &[],
            Some(message),
        ),
    )
}

/// `GET /ui/cases/{id}/edit`: the case's metadata and confidential data in a form. Showing the
/// data is a read, on record like any other.
pub async fn edit_case(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let id = parse_id(&id)?;
    let view = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::read_case(conn, ctx, id)
    })
    .await?;
    let mut pairs = vec![
        ("country".to_owned(), view.country.clone()),
        ("risk".to_owned(), view.risk.to_string()),
    ];
    pairs.extend(view.themes.iter().map(|t| ("themes".to_owned(), t.clone())));
    if let Value::Object(confidential) = view.confidential.expose() {
        for (name, _, _) in CONFIDENTIAL {
            if let Some(Value::String(value)) = confidential.get(name) {
                pairs.push((name.to_owned(), value.clone()));
            }
        }
    }
    let editing = Editing {
        id,
        reference: view.reference.into_string(),
        version: view.version,
    };
    page(
        StatusCode::OK,
        &case_form(
            &state,
            Nav::load(&state, &session, &req).await?,
            &session,
            Some(editing),
            &Submitted::from_pairs(pairs),
            &[],
            None,
        ),
    )
}

/// `POST /ui/cases/{id}/edit`: changes the case if nobody changed it since the form was shown.
/// Confidential fields left empty are removed (the defender's name cannot be); keys the form
/// does not show, set through the API, are kept.
pub async fn update_case(
    state: web::Data<AppState>,
    session: Option<Session>,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    let id = parse_id(&id)?;
    let session = session_or_keep(&state, &req, session, &form, KeptForm::EditCase(id)).await?;
    session.check(&form)?;
    let version: i64 = form
        .text("version")
        .parse()
        .map_err(|_| crate::http::error::ApiError::BadRequest("the form lacks the case's version".into()))?;
    let confidential: Map<String, Value> = CONFIDENTIAL
        .iter()
        .map(|(name, _, _)| {
            let value = form.text(name);
            let value = if value.is_empty() && *name != "defender_name" {
                Value::Null
            } else {
                Value::String(value.to_owned())
            };
            ((*name).to_owned(), value)
        })
        .collect();
    let patch = cases::CasePatch {
        country: Some(form.text("country").to_uppercase()),
        themes: Some(form.all("themes").into_iter().map(str::to_owned).collect()),
        risk: Some(form.text("risk").to_owned()),
        owner: None,
        confidential: Some(Sensitive::new(confidential)),
    };
    let outcome = run(&state, session.caller.clone(), &req, None, move |conn, ctx| {
        cases::patch_case(conn, ctx, id, version, patch)
    })
    .await;
    let (status, version, issues, message) = match outcome {
        Ok(_) => return Ok(see_other(&format!("/ui/cases/{id}"))),
        Err(CaseError::Invalid(issues)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            version,
            issues,
            session.tr.t("case-look-again"),
        ),
        Err(CaseError::StaleCase { current_version }) => (
            StatusCode::CONFLICT,
            current_version,
            Vec::new(),
            session.tr.t("form-stale"),
        ),
        Err(CaseError::Forbidden(why)) => (
            StatusCode::FORBIDDEN,
            version,
            Vec::new(),
            crate::http::ui::forms::denied_in_words(&why, session.tr),
        ),
        Err(e) => return Err(e.into()),
    };
    let nav = Nav::load(&state, &session, &req).await?;
    page(
        status,
        &case_form(
            &state,
            nav,
            &session,
            Some(Editing {
                id,
                reference: form.text("reference").to_owned(),
                version,
            }),
            &form,
            &issues,
            Some(message),
        ),
    )
}
