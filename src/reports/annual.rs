//! The annual-report table: a year's procedures report laid out as the EU annual report on
//! human rights and democracy uses it, in one request: a row per delegation (and one for all
//! of them), a column per workflow (a dialogue, a démarche, a trial observed, a referral to the
//! protection mechanism, an EUSR review) and one for all procedures; and the year's outcomes
//! per workflow. Both are ordinary runs of the procedures report ([`super::run`]): scoped,
//! recorded, and under the same disclosure control, so the table shows nothing the report
//! would not.

use std::collections::BTreeMap;

use chrono::Datelike;

use super::{Report, ReportCell, Settings, run};
use crate::cases::{CaseError, Context};
use crate::domain::{ReportDimension, ReportName};
use crate::store::Conn as PgConnection;

/// A figure as the table shows it: a count, or suppressed (why is in the report it came from).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Count(u64),
    Suppressed,
}

impl Figure {
    fn of(cell: Option<&ReportCell>) -> Self {
        match cell {
            // No case at all: nobody to protect.
            None => Self::Count(0),
            Some(cell) => cell.count.map_or(Self::Suppressed, Self::Count),
        }
    }
}

/// A row: a delegation (code and name), or all of them (`delegation` None).
#[derive(Debug, Clone)]
pub struct Row {
    pub delegation: Option<String>,
    pub name: String,
    /// One figure per column, in [`Annual::workflows`] order, then all procedures.
    pub figures: Vec<Figure>,
}

/// An outcome's figure: cases with a procedure of `workflow` started in the year and closed with
/// `outcome` (`open`: not closed yet).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub workflow: String,
    pub outcome: String,
    pub figure: Figure,
}

#[derive(Debug, Clone)]
pub struct Annual {
    pub year: i32,
    /// The workflows, one column each, in the registry's order.
    pub workflows: Vec<String>,
    pub rows: Vec<Row>,
    pub outcomes: Vec<Outcome>,
    pub min_count: u64,
}

/// The year `text` names (`YYYY`), or this one.
fn year(ctx: &Context<'_>, text: Option<&str>) -> Result<i32, CaseError> {
    match text {
        None => Ok(ctx.now.year()),
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|year| text.len() == 4 && (2000..=9998).contains(year))
            .ok_or_else(|| crate::cases::CaseError::invalid("year", crate::cases::Problem::Year)),
    }
}

/// The cells of `report` by their values.
fn by_values(report: &Report) -> BTreeMap<Vec<(String, String)>, &ReportCell> {
    report
        .cells
        .iter()
        .map(|cell| (cell.values.clone().into_iter().collect(), cell))
        .collect()
}

fn key(pairs: &[(ReportDimension, &str)]) -> Vec<(String, String)> {
    let mut key: Vec<(String, String)> = pairs
        .iter()
        .map(|(d, v)| (d.as_str().to_owned(), (*v).to_owned()))
        .collect();
    key.sort();
    key
}

/// The annual table for `year` (`YYYY`, this year when None), as `ctx.caller`; `names` gives
/// each delegation's name by its code.
pub fn annual(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    settings: &Settings,
    year_text: Option<&str>,
    names: &BTreeMap<String, String>,
) -> Result<Annual, CaseError> {
    let year = year(ctx, year_text)?;
    let period = |by: &str| -> BTreeMap<String, String> {
        [
            ("from".to_owned(), format!("{year:04}-01")),
            ("to".to_owned(), format!("{year:04}-12")),
            ("by".to_owned(), by.to_owned()),
        ]
        .into()
    };
    let procedures = ReportName::Procedures.as_str();
    let table = run(conn, ctx, settings, procedures, &period("delegation,workflow"))?;
    let outcomes = run(conn, ctx, settings, procedures, &period("workflow,outcome"))?;
    let workflows: Vec<String> = ctx.registry.iter().map(|w| w.name().to_owned()).collect();
    let cells = by_values(&table);
    let figures = |delegation: Option<&str>| -> Vec<Figure> {
        let mut figures: Vec<Figure> = workflows
            .iter()
            .map(|workflow| {
                let mut pairs = vec![(ReportDimension::Workflow, workflow.as_str())];
                pairs.extend(delegation.map(|d| (ReportDimension::Delegation, d)));
                Figure::of(cells.get(&key(&pairs)).copied())
            })
            .collect();
        let all: Vec<_> = delegation
            .map(|d| (ReportDimension::Delegation, d))
            .into_iter()
            .collect();
        figures.push(Figure::of(cells.get(&key(&all)).copied()));
        figures
    };
    let mut delegations: Vec<&str> = table
        .cells
        .iter()
        .filter(|cell| cell.values.len() == 1)
        .filter_map(|cell| cell.values.get(ReportDimension::Delegation.as_str()))
        .map(String::as_str)
        .collect();
    let name_of = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());
    delegations.sort_by_key(|code| name_of(code));
    let mut rows: Vec<Row> = delegations
        .into_iter()
        .map(|code| Row {
            delegation: Some(code.to_owned()),
            name: name_of(code),
            figures: figures(Some(code)),
        })
        .collect();
    rows.push(Row {
        delegation: None,
        name: "All delegations".to_owned(),
        figures: figures(None),
    });
    let outcomes = outcomes
        .cells
        .iter()
        .filter(|cell| cell.values.len() == 2)
        .filter_map(|cell| {
            Some(Outcome {
                workflow: cell.values.get(ReportDimension::Workflow.as_str())?.clone(),
                outcome: cell.values.get(ReportDimension::Outcome.as_str())?.clone(),
                figure: Figure::of(Some(cell)),
            })
        })
        .collect();
    Ok(Annual {
        year,
        workflows,
        rows,
        outcomes,
        min_count: settings.min_count,
    })
}

/// The table as CSV: `delegation`, a column per workflow, `all_procedures`; a suppressed figure
/// is `suppressed`.
pub fn to_csv(annual: &Annual) -> std::io::Result<String> {
    let header = std::iter::once("delegation".to_owned())
        .chain(annual.workflows.iter().cloned())
        .chain(std::iter::once("all_procedures".to_owned()))
        .collect();
    let rows = annual.rows.iter().map(|row| {
        std::iter::once(row.delegation.clone().unwrap_or_else(|| "Total".to_owned()))
            .chain(row.figures.iter().map(|figure| match figure {
                Figure::Count(n) => n.to_string(),
                Figure::Suppressed => "suppressed".to_owned(),
            }))
            .collect()
    });
    super::csv_text(header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_cell_is_zero_and_a_suppressed_one_stays_suppressed() {
        assert_eq!(Figure::of(None), Figure::Count(0));
        let cell = ReportCell {
            values: BTreeMap::new(),
            count: None,
            suppressed: Some(super::super::Suppressed::Small),
        };
        assert_eq!(Figure::of(Some(&cell)), Figure::Suppressed);
    }

    #[test]
    fn csv_has_a_column_per_workflow_and_a_total_row() {
        let annual = Annual {
            year: 2026,
            workflows: vec!["demarche".into(), "trial_observation".into()],
            rows: vec![
                Row {
                    delegation: Some("KE".into()),
                    name: "Kenya".into(),
                    figures: vec![Figure::Count(7), Figure::Suppressed, Figure::Count(9)],
                },
                Row {
                    delegation: None,
                    name: "All delegations".into(),
                    figures: vec![Figure::Count(7), Figure::Count(0), Figure::Count(9)],
                },
            ],
            outcomes: Vec::new(),
            min_count: 5,
        };
        assert_eq!(
            to_csv(&annual).unwrap(),
            "delegation,demarche,trial_observation,all_procedures\r\nKE,7,suppressed,9\r\nTotal,7,0,9\r\n"
        );
    }
}
