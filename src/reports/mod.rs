//! Reports for the EU annual report: counts of cases from plain metadata only (no case key is
//! opened, nothing sealed is read), scoped like every read, recorded (who, which report, which
//! parameters; never the figures), and protected by disclosure control ([`disclosure`]).
//!
//! Who sees what: a head of delegation their own delegation's figures; the EUSR office and
//! headquarters' analysts (`hq_analyst`) every delegation's; nobody else any.
//!
//! A filter takes one value. Two values would let a reader subtract one report from another
//! that differs by a value without disclosure control seeing the slice in between; with one,
//! the cells are checked against exactly that slice (the cases the filter leaves out).

pub mod annual;
pub mod disclosure;
mod regions;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::cases::{CaseError, Context, Problem};
use crate::domain::{DelegationCode, ReportDimension, ReportName, Risk, Role};
use crate::store::Conn as PgConnection;
use crate::store::reports::{self as counts, Spec};
use disclosure::{Counted, Key, Suppressed};
pub use regions::{Regions, RegionsError};

/// The smallest number of cases a figure may count (`VIGIL_REPORT_MIN_COUNT`), by default.
pub const DEFAULT_MIN_COUNT: u64 = 5;
/// The longest period a report covers, in months.
pub const MAX_MONTHS: u32 = 60;

/// What every report run needs besides its request.
#[derive(Debug, Clone)]
pub struct Settings {
    /// k: a figure counting 1 to k−1 cases is suppressed.
    pub min_count: u64,
    pub regions: Regions,
}

/// The query parameters a report takes besides its filters.
const PARAMETERS: &str = "from, to, by, format, delegation, country, region, theme, risk, workflow";
const FILTERS: [ReportDimension; 6] = [
    ReportDimension::Delegation,
    ReportDimension::Country,
    ReportDimension::Region,
    ReportDimension::Theme,
    ReportDimension::Risk,
    ReportDimension::Workflow,
];

/// A report's table.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub report: ReportName,
    /// The period, first and last month (`YYYY-MM`, UTC), both included.
    pub from: String,
    pub to: String,
    /// The grouping dimensions, in order.
    pub by: Vec<ReportDimension>,
    /// The filters, one value each.
    pub filters: BTreeMap<String, String>,
    /// k: figures counting 1 to k−1 cases are suppressed (and others with them).
    pub min_count: u64,
    /// What is counted: distinct cases.
    pub unit: &'static str,
    /// Every cell, its totals and the grand total: a dimension absent from `values` is the total
    /// over it.
    pub cells: Vec<ReportCell>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportCell {
    pub values: BTreeMap<String, String>,
    /// None when suppressed.
    pub count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
}

/// `YYYY-MM` as the first day of that month.
fn month(field: &str, text: &str) -> Result<NaiveDate, CaseError> {
    text.split_once('-')
        .filter(|(year, month)| year.len() == 4 && month.len() == 2)
        .and_then(|(year, month)| NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1))
        .ok_or_else(|| CaseError::invalid(field, Problem::Month))
}

fn next_month(date: NaiveDate) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(1)).unwrap_or(date)
}

fn start_of(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
}

/// The grouping dimensions `by` names (comma-separated, at most two, none twice).
fn grouping(report: ReportName, by: Option<&String>) -> Result<Vec<ReportDimension>, CaseError> {
    let Some(by) = by.filter(|by| !by.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut dimensions = Vec::new();
    for name in by.split(',') {
        let dimension: ReportDimension = name
            .parse()
            .map_err(|e: crate::domain::NotInVocabulary| CaseError::invalid("by", Problem::NotInVocabulary(e)))?;
        if dimensions.contains(&dimension) {
            return Err(CaseError::invalid("by", Problem::DimensionTwice));
        }
        if report == ReportName::Cases
            && matches!(
                dimension,
                ReportDimension::Workflow | ReportDimension::State | ReportDimension::Outcome
            )
        {
            return Err(CaseError::invalid("by", Problem::ProceduresOnly));
        }
        dimensions.push(dimension);
    }
    if dimensions.len() > 2 {
        return Err(CaseError::invalid("by", Problem::TooManyDimensions));
    }
    Ok(dimensions)
}

/// Whether `value` is one `dimension` can take.
fn valid_value(ctx: &Context<'_>, settings: &Settings, dimension: ReportDimension, value: &str) -> bool {
    match dimension {
        ReportDimension::Delegation => crate::commands::check_delegation_code(value).is_ok(),
        ReportDimension::Country => crate::domain::is_country(value),
        ReportDimension::Region => settings.regions.has_region(value),
        ReportDimension::Theme => crate::domain::is_theme(value),
        ReportDimension::Risk => value.parse::<Risk>().is_ok(),
        ReportDimension::Workflow => ctx.registry.iter().any(|w| w.name() == value),
        _ => false,
    }
}

/// Runs the report `name` with the query `parameters`, as `ctx.caller`, and records the run.
pub fn run(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    settings: &Settings,
    name: &str,
    parameters: &BTreeMap<String, String>,
) -> Result<Report, CaseError> {
    let report: ReportName = name.parse().map_err(|_| CaseError::NotFound)?;
    let scope = match ctx.caller.role {
        Role::HeadOfDelegation => Some(
            ctx.caller
                .delegation
                .clone()
                .ok_or_else(|| CaseError::Forbidden(crate::domain::Denied::HeadWithoutDelegation))?,
        ),
        Role::EusrReviewer | Role::HqAnalyst => None,
        _ => {
            return Err(CaseError::Forbidden(crate::domain::Denied::Reports));
        }
    };
    if parameters
        .keys()
        .any(|key| !PARAMETERS.split(", ").any(|known| known == key))
    {
        return Err(CaseError::invalid("query", Problem::Parameters(PARAMETERS)));
    }
    let by = grouping(report, parameters.get("by"))?;
    let mut filters: Vec<(ReportDimension, String)> = Vec::new();
    for dimension in FILTERS {
        let Some(value) = parameters.get(dimension.as_str()) else {
            continue;
        };
        if !valid_value(ctx, settings, dimension, value) {
            return Err(CaseError::invalid(
                dimension.as_str(),
                Problem::UnknownValue(dimension.as_str()),
            ));
        }
        if by.contains(&dimension) {
            return Err(CaseError::invalid(dimension.as_str(), Problem::FilterAndGrouping));
        }
        if report == ReportName::Cases && dimension == ReportDimension::Workflow {
            return Err(CaseError::invalid("workflow", Problem::ProceduresFilter));
        }
        if dimension == ReportDimension::Delegation && scope.is_some() {
            if scope.as_ref().map(DelegationCode::as_str) != Some(value.as_str()) {
                return Err(CaseError::Forbidden(crate::domain::Denied::OwnFigures));
            }
            // The scope is that filter already: no slice lies outside it for this reader.
            continue;
        }
        filters.push((dimension, value.clone()));
    }
    let today = ctx.now.date_naive();
    let from = match parameters.get("from") {
        Some(text) => month("from", text)?,
        None => NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
    };
    let to = match parameters.get("to") {
        Some(text) => month("to", text)?,
        None => NaiveDate::from_ymd_opt(from.year(), 12, 1).unwrap_or(from),
    };
    if to < from {
        return Err(CaseError::invalid("to", Problem::BeforeFrom));
    }
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
    if months > MAX_MONTHS as i32 {
        return Err(CaseError::invalid("to", Problem::PeriodTooLong { max: MAX_MONTHS }));
    }
    let spec = Spec {
        report,
        from: start_of(from),
        to: start_of(next_month(to)),
        first_month_end: start_of(next_month(from)),
        last_month_start: start_of(to),
        scope: scope.clone(),
        by: by.clone(),
        filters: filters.clone(),
        regions: settings.regions.columns(),
    };
    let recorded = serde_json::json!({
        "from": from.format("%Y-%m").to_string(),
        "to": to.format("%Y-%m").to_string(),
        "by": by,
        "filters": filters.iter().map(|(d, v)| (d.as_str(), v)).collect::<BTreeMap<_, _>>(),
        "scope": scope,
    });
    // One snapshot: a report may be counted in more than one statement.
    let counted = crate::store::snapshot(conn, |conn| {
        counts::record_run(conn, ctx.caller.user_id, report, &recorded, ctx.request_id, ctx.now)?;
        counts::count(conn, &spec)
    })?;
    let cells = tabulate(&by, counted);
    let shown = disclosure::protect(by.len(), &cells, settings.min_count);
    Ok(Report {
        report,
        from: from.format("%Y-%m").to_string(),
        to: to.format("%Y-%m").to_string(),
        by: by.clone(),
        filters: filters
            .iter()
            .map(|(d, v)| (d.as_str().to_owned(), v.clone()))
            .collect(),
        min_count: settings.min_count,
        unit: "cases",
        cells: shown
            .into_iter()
            .map(|cell| ReportCell {
                values: by
                    .iter()
                    .zip(&cell.key)
                    .filter_map(|(d, v)| Some((d.as_str().to_owned(), v.clone()?)))
                    .collect(),
                count: cell.count,
                suppressed: cell.suppressed,
            })
            .collect(),
    })
}

/// The counted cells by their key (a value per grouping dimension, None for a total over it).
fn tabulate(by: &[ReportDimension], counted: Vec<counts::Cell>) -> BTreeMap<Key, Counted> {
    counted
        .into_iter()
        .map(|cell| {
            let key: Key = cell.values.into_iter().take(by.len()).collect();
            (
                key,
                Counted {
                    count: cell.count,
                    slices: cell.slices,
                },
            )
        })
        .collect()
}

/// The report as CSV (RFC 4180: CRLF line ends, a header row, fields quoted when they need
/// it, written by the `csv` crate): one column per grouping dimension (`Total` for the total
/// over it), then `count` (empty when suppressed) and `suppressed`.
pub fn to_csv(report: &Report) -> std::io::Result<String> {
    let header: Vec<&str> = report
        .by
        .iter()
        .map(|d| d.as_str())
        .chain(["count", "suppressed"])
        .collect();
    let rows = report.cells.iter().map(|cell| {
        let mut row: Vec<String> = report
            .by
            .iter()
            .map(|d| cell.values.get(d.as_str()).map_or("Total", String::as_str).to_owned())
            .collect();
        row.push(cell.count.map(|n| n.to_string()).unwrap_or_default());
        row.push(cell.suppressed.map(|why| why.as_str().to_owned()).unwrap_or_default());
        row
    });
    csv_text(header.into_iter().map(str::to_owned).collect(), rows)
}

/// A header and rows as RFC 4180 text.
pub fn csv_text(header: Vec<String>, rows: impl IntoIterator<Item = Vec<String>>) -> std::io::Result<String> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for record in std::iter::once(header).chain(rows) {
        writer.write_record(&record)?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_header_row_crlf_and_quotes_what_needs_it() {
        let report = Report {
            report: ReportName::Cases,
            from: "2026-01".into(),
            to: "2026-12".into(),
            by: vec![ReportDimension::Region],
            filters: BTreeMap::new(),
            min_count: 5,
            unit: "cases",
            cells: vec![
                ReportCell {
                    values: [("region".to_owned(), "Africa, East".to_owned())].into(),
                    count: Some(12),
                    suppressed: None,
                },
                ReportCell {
                    values: BTreeMap::new(),
                    count: None,
                    suppressed: Some(Suppressed::Secondary),
                },
            ],
        };
        assert_eq!(
            to_csv(&report).unwrap(),
            "region,count,suppressed\r\n\"Africa, East\",12,\r\nTotal,,secondary\r\n"
        );
    }

    #[test]
    fn months_are_read_as_yyyy_mm_only() {
        assert_eq!(
            month("from", "2026-03").unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
        for bad in ["2026-13", "2026-3", "26-03", "2026/03", "March"] {
            assert!(month("from", bad).is_err(), "{bad}");
        }
    }
}
