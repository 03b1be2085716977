//! The one-time link to a new API token: emailed to its owner when an administrator adds them
//! or asks for another token for them, so that the token is only ever shown to its owner. The
//! address alone spends nothing (a mail scanner that follows links does not use it); the
//! button makes the token and shows it, once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::forms::Submitted;
use super::i18n::Tr;
use super::session::{check_paired, link_action, paired_page, signing_in};
use super::{WebError, page};
use crate::commands;
use crate::http::AppState;
use crate::http::error::ApiError;

/// Days a token got through a link lasts, as `vigil users add` gives by default.
const TOKEN_DAYS: u32 = 90;

#[derive(Template)]
#[template(path = "token_link.html", config = "src/http/ui/askama.toml")]
struct LinkPage {
    tr: Tr,
    csrf: String,
    action: String,
}

#[derive(Template)]
#[template(path = "token_shown.html", config = "src/http/ui/askama.toml")]
struct ShownPage {
    tr: Tr,
    token: String,
    expires: String,
}

/// `GET /ui/sign-in/token/{secret}`: a button that uses the link (under `/ui/sign-in`, whose
/// pairing cookie guards forms sent before there is a session).
pub async fn link_page(req: HttpRequest, secret: web::Path<String>) -> Result<HttpResponse, WebError> {
    let action = link_action("/ui/sign-in/token", &secret);
    let tr = signing_in(&req);
    paired_page(&req, StatusCode::OK, |csrf| LinkPage { tr, csrf, action })
}

/// `POST /ui/sign-in/token/{secret}`: spends the link and shows the new token, once.
pub async fn use_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    secret: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = Submitted::parse(&body);
    check_paired(&req, &form)?;
    let db = state.db.clone();
    let secret = secret.into_inner();
    let spent = web::block(move || commands::spend_token_link(&db, &secret, TOKEN_DAYS))
        .await
        .map_err(|e| WebError::Api(ApiError::Internal(Box::new(e))))?
        .map_err(|e| WebError::Api(ApiError::Internal(e.into())))?;
    match spent {
        Some(added) => {
            tracing::info!(user.id = %added.id, "an API token was taken through its one-time link");
            let tr = signing_in(&req);
            let shown = ShownPage {
                tr,
                token: added.token.into_inner(),
                expires: tr.day(added.expires_at.date_naive()),
            };
            page(StatusCode::OK, &shown)
        }
        None => Err(WebError::Api(ApiError::Forbidden(crate::domain::Denied::LinkSpent))),
    }
}
