//! The reports page: a report's form, its table and a bar chart drawn on the server (SVG, no
//! script), over the same `reports::run` as the API; and its CSV.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{Nav, Pick, picks, risk_picks, theme_picks};
use crate::cases::CaseError;
use crate::domain::{ReportDimension, ReportName};
use crate::http::AppState;
use crate::http::cases::run;
use crate::http::ui::i18n::Tr;
use crate::http::ui::session::Session;
use crate::http::ui::{WebError, page};
use crate::reports::annual::{self, Annual, Figure};
use crate::reports::{self, Report};

/// One row of the table (and bar of the chart when it is of the first dimension alone).
pub struct Row {
    pub labels: Vec<String>,
    pub count: String,
    pub suppressed: bool,
}

/// A bar of the chart: its label, its length in the drawing's units, and what it shows.
pub struct Bar {
    pub label: String,
    pub y: u32,
    pub width: u32,
    pub text: String,
    pub suppressed: bool,
}

#[derive(Template)]
#[template(path = "reports.html", config = "src/http/ui/askama.toml")]
struct ReportsPage {
    nav: Nav,
    reports: Vec<Pick>,
    first: Vec<Pick>,
    second: Vec<Pick>,
    risks: Vec<Pick>,
    themes: Vec<Pick>,
    from: String,
    to: String,
    country: String,
    errors: Vec<String>,
    columns: Vec<String>,
    rows: Vec<Row>,
    bars: Vec<Bar>,
    chart_height: u32,
    min_count: u64,
    csv: String,
}

/// The query the form sends: the API's parameters, `by` given as two fields, empty ones dropped.
fn parameters(query: &BTreeMap<String, String>) -> (String, BTreeMap<String, String>) {
    let report = query.get("report").cloned().unwrap_or_else(|| "cases".into());
    let mut parameters: BTreeMap<String, String> = query
        .iter()
        .filter(|(key, value)| !value.is_empty() && !matches!(key.as_str(), "report" | "by1" | "by2"))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let by: Vec<&str> = ["by1", "by2"]
        .iter()
        .filter_map(|key| query.get(*key).map(String::as_str).filter(|v| !v.is_empty()))
        .collect();
    if !by.is_empty() {
        parameters.insert("by".into(), by.join(","));
    } else if query.is_empty() {
        parameters.insert("by".into(), "country".into());
    }
    (report, parameters)
}

fn dimension_picks(tr: Tr, chosen: &str) -> Vec<Pick> {
    let mut all = vec![("", tr.t("reports-none"))];
    all.extend(
        ReportDimension::ALL
            .iter()
            .map(|d| (d.as_str(), dimension_name(tr, *d))),
    );
    picks(all, &[chosen])
}

/// A dimension's name in the page's language: "Country", "Pays".
fn dimension_name(tr: Tr, dimension: ReportDimension) -> String {
    tr.t(&format!("dimension-{}", dimension.as_str()))
}

/// A dimension's value as a person reads it: a workflow's title, a theme's or a risk's name;
/// else the code.
fn label(titles: super::Titles<'_>, dimension: &str, value: &str) -> String {
    let tr = titles.tr;
    match dimension {
        "workflow" => titles.workflow(value),
        "theme" => super::theme_label(tr, value),
        "risk" if value.parse::<crate::domain::Risk>().is_ok() => super::risk_label(tr, value),
        _ => value.to_owned(),
    }
}

/// The bars of the first dimension's cells (the totals over the second), longest 400 units.
fn bars(titles: super::Titles<'_>, report: &Report) -> Vec<Bar> {
    let Some(first) = report.by.first() else {
        return Vec::new();
    };
    let cells: Vec<_> = report
        .cells
        .iter()
        .filter(|c| c.values.len() == 1 && c.values.contains_key(first.as_str()))
        .collect();
    let most = cells.iter().filter_map(|c| c.count).max().unwrap_or(1).max(1);
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| Bar {
            label: label(
                titles,
                first.as_str(),
                c.values.get(first.as_str()).map_or("", String::as_str),
            ),
            y: u32::try_from(i).unwrap_or(0) * 24,
            width: c
                .count
                .map_or(0, |n| u32::try_from(n * 400 / most).unwrap_or(400).max(1)),
            text: c
                .count
                .map_or_else(|| titles.tr.t("reports-suppressed"), |n| n.to_string()),
            suppressed: c.count.is_none(),
        })
        .collect()
}

/// A report to show, or why it cannot be run as the form says it: each field and its problem
/// (never the value sent); any other failure is the error page.
fn shown_or_said<T>(outcome: Result<T, CaseError>, tr: Tr) -> Result<(Option<T>, Vec<String>), WebError> {
    match outcome {
        Ok(shown) => Ok((Some(shown), Vec::new())),
        Err(CaseError::Invalid(issues)) => Ok((
            None,
            issues
                .iter()
                .map(|i| crate::http::ui::forms::issues_in_words(std::slice::from_ref(i), tr))
                .collect(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Runs the report `name` with `parameters` as the signed-in person.
async fn report_for(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    name: String,
    parameters: BTreeMap<String, String>,
) -> Result<Report, CaseError> {
    let settings = state.reports.clone();
    run(state, session.caller.clone(), req, None, move |conn, ctx| {
        reports::run(conn, ctx, &settings, &name, &parameters)
    })
    .await
}

/// `GET /ui/reports`: the form, and the report it asks for.
pub async fn reports_page(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<BTreeMap<String, String>>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let query = query.into_inner();
    let (name, parameters) = parameters(&query);
    let (report, errors) = shown_or_said(
        report_for(&state, &session, &req, name.clone(), parameters.clone()).await,
        session.tr,
    )?;
    let tr = session.tr;
    let titles = super::Titles::new(&state, tr);
    let get = |key: &str| query.get(key).cloned().unwrap_or_default();
    let chosen_by: Vec<String> = parameters
        .get("by")
        .map(|by| by.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    let mut csv_query: Vec<String> = parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
    csv_query.insert(0, format!("report={name}"));
    let (columns, rows, bars, min_count) = match &report {
        Some(report) => {
            let columns: Vec<String> = report.by.iter().map(|d| dimension_name(tr, *d)).collect();
            let rows = report
                .cells
                .iter()
                .map(|cell| Row {
                    labels: report
                        .by
                        .iter()
                        .map(|d| {
                            cell.values
                                .get(d.as_str())
                                .map_or_else(|| tr.t("reports-total"), |v| label(titles, d.as_str(), v))
                        })
                        .collect(),
                    count: cell.count.map_or_else(|| tr.t("reports-suppressed"), |n| n.to_string()),
                    suppressed: cell.count.is_none(),
                })
                .collect();
            (columns, rows, bars(titles, report), report.min_count)
        }
        None => (Vec::new(), Vec::new(), Vec::new(), state.reports.min_count),
    };
    let chart_height = u32::try_from(bars.len()).unwrap_or(0) * 24 + 8;
    let template = ReportsPage {
        nav: Nav::load(&state, &session, &req).await?,
        reports: picks(
            ReportName::ALL
                .iter()
                .map(|r| (r.as_str(), tr.t(&format!("report-{}", r.as_str())))),
            &[&name],
        ),
        first: dimension_picks(tr, chosen_by.first().map_or("", String::as_str)),
        second: dimension_picks(tr, chosen_by.get(1).map_or("", String::as_str)),
        risks: risk_picks(tr, &[&get("risk")]),
        themes: theme_picks(tr, &[&get("theme")]),
        from: get("from"),
        to: get("to"),
        country: get("country"),
        errors,
        columns,
        rows,
        bars,
        chart_height,
        min_count,
        csv: format!("/ui/reports.csv?{}", csv_query.join("&")),
    };
    page(status_of(report.is_some()), &template)
}

/// `GET /ui/reports.csv`: the same report as a CSV file.
pub async fn reports_csv(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<BTreeMap<String, String>>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let (name, parameters) = parameters(&query.into_inner());
    let report = report_for(&state, &session, &req, name, parameters).await?;
    Ok(csv_download("vigil-report.csv", reports::to_csv(&report))?)
}

/// A CSV file to download (RFC 4180 with a header row), never cached.
fn csv_download(name: &str, text: std::io::Result<String>) -> Result<HttpResponse, CaseError> {
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8; header=present")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .insert_header(("Cache-Control", "no-store"))
        .body(text.map_err(CaseError::Write)?))
}

/// A report page is 200 with its table, 422 with the form saying why there is none.
fn status_of(shown: bool) -> StatusCode {
    if shown {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A figure of the annual table as shown.
pub struct Shown {
    pub text: String,
    pub suppressed: bool,
}

impl Shown {
    fn of(figure: &Figure, tr: Tr) -> Self {
        match figure {
            Figure::Count(n) => Self {
                text: n.to_string(),
                suppressed: false,
            },
            Figure::Suppressed => Self {
                text: tr.t("reports-suppressed"),
                suppressed: true,
            },
        }
    }
}

pub struct AnnualRow {
    pub name: String,
    pub total: bool,
    pub figures: Vec<Shown>,
}

pub struct OutcomeRow {
    pub workflow: String,
    pub outcome: String,
    pub figure: Shown,
}

#[derive(Template)]
#[template(path = "annual.html", config = "src/http/ui/askama.toml")]
struct AnnualPage {
    nav: Nav,
    year: String,
    years: Vec<i32>,
    errors: Vec<String>,
    columns: Vec<String>,
    rows: Vec<AnnualRow>,
    outcomes: Vec<OutcomeRow>,
    min_count: u64,
}

/// Runs the annual table for the `year` of `query` as the signed-in person.
async fn annual_for(
    state: &AppState,
    session: &Session,
    req: &HttpRequest,
    query: &BTreeMap<String, String>,
) -> Result<Annual, CaseError> {
    let settings = state.reports.clone();
    let year = query.get("year").cloned();
    run(state, session.caller.clone(), req, None, move |conn, ctx| {
        let names = crate::store::users::delegation_names(conn)?;
        annual::annual(conn, ctx, &settings, year.as_deref(), &names)
    })
    .await
}

/// `GET /ui/reports/annual?year=YYYY`: the annual-report table, in one click from the reports
/// page.
pub async fn annual_page(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<BTreeMap<String, String>>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let query = query.into_inner();
    let this_year = chrono::Datelike::year(&chrono::Utc::now());
    let (annual, errors) = shown_or_said(annual_for(&state, &session, &req, &query).await, session.tr)?;
    let tr = session.tr;
    let titles = super::Titles::new(&state, tr);
    // The form's frame; a table fills it in when there is one.
    let empty = AnnualPage {
        nav: Nav::load(&state, &session, &req).await?,
        year: String::new(),
        years: (this_year - 4..=this_year).rev().collect(),
        errors,
        columns: Vec::new(),
        rows: Vec::new(),
        outcomes: Vec::new(),
        min_count: state.reports.min_count,
    };
    let template = match &annual {
        Some(annual) => AnnualPage {
            year: annual.year.to_string(),
            columns: annual
                .workflows
                .iter()
                .map(|w| titles.workflow(w))
                .chain(std::iter::once(tr.t("annual-all-procedures")))
                .collect(),
            rows: annual
                .rows
                .iter()
                .map(|row| AnnualRow {
                    name: match row.delegation {
                        Some(_) => row.name.clone(),
                        None => tr.t("annual-all-delegations"),
                    },
                    total: row.delegation.is_none(),
                    figures: row.figures.iter().map(|f| Shown::of(f, tr)).collect(),
                })
                .collect(),
            outcomes: annual
                .outcomes
                .iter()
                .map(|o| OutcomeRow {
                    workflow: titles.workflow(&o.workflow),
                    outcome: match o.outcome.as_str() {
                        "open" => tr.t("reports-open"),
                        outcome => titles.named(&o.workflow).choice("outcome", outcome),
                    },
                    figure: Shown::of(&o.figure, tr),
                })
                .collect(),
            min_count: annual.min_count,
            ..empty
        },
        None => empty,
    };
    page(status_of(annual.is_some()), &template)
}

/// `GET /ui/reports/annual.csv?year=YYYY`: the same table as a CSV file.
pub async fn annual_csv(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<BTreeMap<String, String>>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    let annual = annual_for(&state, &session, &req, &query.into_inner()).await?;
    Ok(csv_download(
        &format!("vigil-annual-{}.csv", annual.year),
        annual::to_csv(&annual),
    )?)
}
