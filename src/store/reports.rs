//! The reports' counts: cases (or cases with a procedure) grouped by up to two dimensions, with
//! their totals (GROUPING SETS), each split by whether it matches each filter and by where in the
//! period it falls, so that disclosure control can see what a report differing by one value
//! would reveal (`reports::disclosure`). Plain columns only: nothing sealed is read.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz};

use super::StoreError;
use crate::domain::{DelegationCode, ReportDimension, ReportName};

/// What to count.
#[derive(Debug, Clone)]
pub struct Spec {
    pub report: ReportName,
    /// The period: from its first month's start, to its last month's end (exclusive).
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The end of the first month and the start of the last (equal to `to` and `from` for a
    /// period of one month).
    pub first_month_end: DateTime<Utc>,
    pub last_month_start: DateTime<Utc>,
    /// The caller's scope: one delegation (a head of delegation's), or every one.
    pub scope: Option<DelegationCode>,
    /// The grouping dimensions, at most two.
    pub by: Vec<ReportDimension>,
    /// One value for each filtered dimension.
    pub filters: Vec<(ReportDimension, String)>,
    /// The country-to-region table: countries, and their regions in the same order.
    pub regions: (Vec<String>, Vec<String>),
}

/// One cell of a report, or a total: its values (None where it is the total over that
/// dimension: always for a dimension the report does not group by), the cases it counts, and
/// its slices: for each filter (in `Spec::filters` order) the cases that filter leaves out of
/// the cell, then, over a period of more than one month, the cases that are in the cell only
/// through the first month and only through the last. A report one value or one month wider or
/// narrower differs from this one by exactly a slice; disclosure control checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub values: [Option<String>; 2],
    pub count: u64,
    pub slices: Vec<u64>,
}

/// A row the statement returns: the finest values, and its counts (what they are depends on the
/// mode, see [`Mode`]).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
struct Row {
    #[diesel(sql_type = Nullable<Text>)]
    d1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    d2: Option<String>,
    #[diesel(sql_type = Integer)]
    mask: i32,
    #[diesel(sql_type = Integer)]
    edge: i32,
    /// `FirstRows`: the level of totalling the row is a cell of (see [`levels`]).
    #[diesel(sql_type = Integer)]
    level: i32,
    #[diesel(sql_type = Array<BigInt>)]
    counts: Vec<i64>,
}

enum Bind {
    Text(String),
    Time(DateTime<Utc>),
    Texts(Vec<String>),
}

/// The statement's text and its binds, in order.
struct Statement {
    text: String,
    binds: Vec<Bind>,
}

impl Statement {
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }
}

/// The column a dimension is, in the rows counted.
fn column(dimension: ReportDimension, date: &str) -> String {
    match dimension {
        ReportDimension::Delegation => "c.delegation".into(),
        ReportDimension::Country => "c.country::text".into(),
        ReportDimension::Region => "coalesce(r.region, 'unknown')".into(),
        ReportDimension::Theme => "t.theme".into(),
        ReportDimension::Risk => "c.risk".into(),
        ReportDimension::Workflow => "p.workflow".into(),
        ReportDimension::State => "p.state".into(),
        ReportDimension::Outcome => format!(
            "coalesce(p.plain_data ->> '{}', 'open')",
            crate::workflow::REPORTED_OUTCOME
        ),
        ReportDimension::Month => format!("to_char({date} AT TIME ZONE 'UTC', 'YYYY-MM')"),
        ReportDimension::Year => format!("to_char({date} AT TIME ZONE 'UTC', 'YYYY')"),
    }
}

/// How the cases are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Each row is one case in one finest cell (the cases report: a case has one value of every
    /// dimension, and each of its themes once): `count(*)` of the finest cells, split by the
    /// filters a row meets (`mask`) and where in the period it falls (`edge`); every total is a
    /// sum of them. With `themes` false, a theme dimension is left out (NULL) and the themes
    /// not unnested, for the totals over themes (a case counted once, not once per theme).
    Finest { themes: bool },
    /// A case may be in a cell through several rows (the procedures report: two procedures of
    /// one case in one cell, or in two cells of one total), and through rows that meet
    /// different filters or fall in different months. The rows are grouped by case and cell,
    /// for every level of totalling at once (GROUPING SETS of the case's id with each level's
    /// dimensions), and each (case, cell) says what its rows together do: whether one meets
    /// every filter, one every filter but each one, one every filter outside the first month,
    /// outside the last. Counting those groups counts each case once per cell, with its slices.
    FirstRows,
}

/// The levels of totalling for `dims` grouping dimensions, as which of the two are totalled:
/// the cells first, the grand total last.
fn levels(dims: usize) -> Vec<[bool; 2]> {
    (0..1u8 << dims)
        .map(|t| [dims == 0 || t & 1 == 1, dims < 2 || t & 2 == 2])
        .collect()
}

/// The slices a report needs: one per filter, and the two edge months over a longer period.
fn slices(spec: &Spec) -> usize {
    spec.filters.len() + if edges(spec) { 2 } else { 0 }
}

fn edges(spec: &Spec) -> bool {
    spec.first_month_end < spec.to
}

fn statement(spec: &Spec, mode: Mode) -> Statement {
    let mut sql = Statement {
        text: String::new(),
        binds: Vec::new(),
    };
    let procedures = spec.report == ReportName::Procedures;
    let date = if procedures { "p.created_at" } else { "c.created_at" };
    let grouped_by_theme = spec.by.contains(&ReportDimension::Theme) && mode != Mode::Finest { themes: false };
    let flags: Vec<String> = spec
        .filters
        .iter()
        .map(|(dimension, value)| {
            let value = sql.bind(Bind::Text(value.clone()));
            match dimension {
                // A case is on a theme when the theme is one of its own.
                ReportDimension::Theme => format!("({value} = ANY(c.themes))"),
                other => format!("({} = {value})", column(*other, date)),
            }
        })
        .collect();
    let mask = if flags.is_empty() {
        "0".to_owned()
    } else {
        flags
            .iter()
            .enumerate()
            .map(|(bit, flag)| format!("(CASE WHEN coalesce({flag}, false) THEN {} ELSE 0 END)", 1 << bit))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let grouping_column = |dimension: Option<&ReportDimension>| match dimension {
        Some(ReportDimension::Theme) if !grouped_by_theme => "NULL::text".to_owned(),
        Some(dimension) => column(*dimension, date),
        None => "NULL::text".to_owned(),
    };
    let (d1, d2) = (grouping_column(spec.by.first()), grouping_column(spec.by.get(1)));
    let (from, to) = (sql.bind(Bind::Time(spec.from)), sql.bind(Bind::Time(spec.to)));
    let (first_end, last_start) = (
        sql.bind(Bind::Time(spec.first_month_end)),
        sql.bind(Bind::Time(spec.last_month_start)),
    );
    let (countries, regions) = (
        sql.bind(Bind::Texts(spec.regions.0.clone())),
        sql.bind(Bind::Texts(spec.regions.1.clone())),
    );
    let scope = match &spec.scope {
        Some(delegation) => format!(" AND c.delegation = {}", sql.bind(Bind::Text(delegation.to_string()))),
        None => String::new(),
    };
    let joins = format!(
        "{}{} LEFT JOIN unnest({countries}::text[], {regions}::text[]) AS r(country, region) ON r.country = c.country::text",
        if procedures {
            " JOIN procedures p ON p.delegation = c.delegation AND p.case_id = c.id"
        } else {
            ""
        },
        if grouped_by_theme {
            " CROSS JOIN LATERAL unnest(c.themes) AS t(theme)"
        } else {
            ""
        },
    );
    let rows = format!(
        "SELECT c.id, {d1} AS d1, {d2} AS d2, {mask} AS mask,
                CASE WHEN {date} < {first_end} THEN 1 WHEN {date} >= {last_start} THEN 2 ELSE 0 END AS edge
         FROM cases c{joins}
         WHERE {date} >= {from} AND {date} < {to}{scope}"
    );
    sql.text = match mode {
        Mode::Finest { .. } => format!(
            "SELECT d1, d2, mask, edge, 0 AS level, ARRAY[count(*)] AS counts FROM ({rows}) counted GROUP BY d1, d2, mask, edge"
        ),
        Mode::FirstRows => first_rows(spec, &rows),
    };
    sql
}

/// The `FirstRows` statement over `rows`: one output row per cell of every level, its `counts`
/// the cases it counts and its slices (see [`Mode::FirstRows`]).
fn first_rows(spec: &Spec, rows: &str) -> String {
    let all = (1i32 << spec.filters.len()) - 1;
    let dims = spec.by.len();
    let sets: Vec<String> = levels(dims)
        .into_iter()
        .map(|totalled| {
            let kept = ["d1", "d2"]
                .into_iter()
                .zip(totalled)
                .filter(|(_, t)| !t)
                .map(|(d, _)| d);
            format!("({})", std::iter::once("id").chain(kept).collect::<Vec<_>>().join(", "))
        })
        .collect();
    // The level's index in `levels`: a bit for each dimension totalled.
    let level = match dims {
        0 => "0",
        1 => "GROUPING(d1)",
        _ => "GROUPING(d1) + 2 * GROUPING(d2)",
    };
    let mut flags = vec![format!("bool_or(mask = {all}) AS every")];
    let mut counts = vec!["count(*) FILTER (WHERE every)".to_owned()];
    for bit in 0..spec.filters.len() {
        flags.push(format!("bool_or((mask | {}) = {all}) AS but{bit}", 1 << bit));
        counts.push(format!("count(*) FILTER (WHERE NOT every AND but{bit})"));
    }
    if edges(spec) {
        flags.push(format!("bool_or(mask = {all} AND edge <> 1) AS after_first"));
        flags.push(format!("bool_or(mask = {all} AND edge <> 2) AS before_last"));
        counts.push("count(*) FILTER (WHERE every AND NOT after_first)".to_owned());
        counts.push("count(*) FILTER (WHERE every AND NOT before_last)".to_owned());
    }
    let (d1, d2) = match dims {
        0 => ("NULL::text", "NULL::text"),
        1 => ("d1", "NULL::text"),
        _ => ("d1", "d2"),
    };
    format!(
        "SELECT d1, d2, 0 AS mask, 0 AS edge, level, ARRAY[{}] AS counts FROM (
             SELECT {d1} AS d1, {d2} AS d2, {level} AS level, {} FROM ({rows}) counted
             GROUP BY GROUPING SETS ({})
         ) per_case GROUP BY d1, d2, level",
        counts.join(", "),
        flags.join(", "),
        sets.join(", ")
    )
}

/// The memory each sort and hash of a report's statement may use before it spills to disk
/// (PostgreSQL's default is 4 MB): a report sorts every row of its period; over 1,000,000
/// cases the default sends that sort to temporary files (BENCHMARKS.md `reports`). Set for the
/// report's own transaction only; a statement may use a few times this.
const REPORT_WORK_MEM: &str = "64MB";

/// Counts what `spec` asks for: every cell and every total over one or both dimensions.
/// Runs in the caller's transaction (its memory setting ends with it).
pub fn count(conn: &mut PgConnection, spec: &Spec) -> Result<Vec<Cell>, StoreError> {
    diesel::sql_query(format!("SET LOCAL work_mem = '{REPORT_WORK_MEM}'")).execute(conn)?;
    let levels = levels(spec.by.len());
    if spec.report == ReportName::Procedures {
        let rows = load(conn, spec, Mode::FirstRows)?;
        return Ok(add_up(
            spec,
            &levels,
            rows.iter().map(|row| {
                let level = usize::try_from(row.level).unwrap_or(usize::MAX);
                (level, row, counted(&row.counts))
            }),
        ));
    }
    // A finest row counts at every level wanted.
    let at_every = |wanted: &[[bool; 2]], rows: &[Row]| {
        add_up(
            spec,
            wanted,
            rows.iter()
                .flat_map(|row| (0..wanted.len()).map(move |level| (level, row, split(spec, row)))),
        )
    };
    // The place of the theme among the grouping dimensions, if it is one of them: the totals
    // that keep it come from the (case, theme) rows, those over it from the cases.
    let Some(theme) = spec.by.iter().position(|d| *d == ReportDimension::Theme) else {
        return Ok(at_every(&levels, &load(conn, spec, Mode::Finest { themes: true })?));
    };
    let keeping = |keep: bool| -> Vec<[bool; 2]> {
        levels
            .iter()
            .copied()
            .filter(|totalled| totalled[theme] != keep)
            .collect()
    };
    let (with_themes, over_themes) = (keeping(true), keeping(false));
    let mut cells = at_every(&with_themes, &load(conn, spec, Mode::Finest { themes: true })?);
    cells.extend(at_every(
        &over_themes,
        &load(conn, spec, Mode::Finest { themes: false })?,
    ));
    Ok(cells)
}

/// A `Finest` row's count and slices: it counts in its cell when it meets every filter, and
/// in the slice of the one filter it does not meet, else; in the edge month it falls in.
fn split(spec: &Spec, row: &Row) -> (u64, Vec<u64>) {
    let all = (1i32 << spec.filters.len()) - 1;
    let n = row.counts.first().map_or(0, |n| u64::try_from(*n).unwrap_or(0));
    let mut slices = vec![0; slices(spec)];
    let filters = spec.filters.len();
    if row.mask == all {
        if edges(spec) && (row.edge == 1 || row.edge == 2) {
            slices[filters + usize::try_from(row.edge - 1).unwrap_or(0)] = n;
        }
        return (n, slices);
    }
    for (bit, slice) in slices.iter_mut().enumerate().take(filters) {
        if row.mask == all & !(1 << bit) {
            *slice = n;
        }
    }
    (0, slices)
}

/// A `FirstRows` row's counts: the count, then the slices.
fn counted(counts: &[i64]) -> (u64, Vec<u64>) {
    let mut values = counts.iter().map(|n| u64::try_from(*n).unwrap_or(0));
    let count = values.next().unwrap_or(0);
    (count, values.collect())
}

/// The cells of `levels`, each the sum of what the rows count at that level (a row given
/// with the index of its level in `levels`).
fn add_up<'r>(
    spec: &Spec,
    levels: &[[bool; 2]],
    rows: impl Iterator<Item = (usize, &'r Row, (u64, Vec<u64>))>,
) -> Vec<Cell> {
    /// A cell's level and values; its count and slices.
    type Sums = std::collections::BTreeMap<(usize, [Option<String>; 2]), (u64, Vec<u64>)>;
    let width = slices(spec);
    let mut sums = Sums::new();
    for (level, row, (count, slices)) in rows {
        let Some(totalled) = levels.get(level) else {
            continue;
        };
        let values = [
            (!totalled[0]).then(|| row.d1.clone()).flatten(),
            (!totalled[1]).then(|| row.d2.clone()).flatten(),
        ];
        let sum = sums.entry((level, values)).or_insert_with(|| (0, vec![0; width]));
        sum.0 += count;
        for (total, slice) in sum.1.iter_mut().zip(slices) {
            *total += slice;
        }
    }
    sums.into_iter()
        .map(|((_, values), (count, slices))| Cell { values, count, slices })
        .collect()
}

fn load(conn: &mut PgConnection, spec: &Spec, mode: Mode) -> Result<Vec<Row>, StoreError> {
    let Statement { text, binds } = statement(spec, mode);
    let mut query = diesel::sql_query(text).into_boxed();
    for bind in binds {
        query = match bind {
            Bind::Text(value) => query.bind::<Text, _>(value),
            Bind::Time(value) => query.bind::<Timestamptz, _>(value),
            Bind::Texts(values) => query.bind::<Array<Text>, _>(values),
        };
    }
    Ok(query.load(conn)?)
}

/// Records that `user` ran `report` with `parameters` (never its figures).
pub fn record_run(
    conn: &mut PgConnection,
    user: crate::domain::UserId,
    report: ReportName,
    parameters: &serde_json::Value,
    request_id: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    use super::schema::report_runs;
    diesel::insert_into(report_runs::table)
        .values((
            report_runs::at.eq(at),
            report_runs::user_id.eq(user),
            report_runs::report.eq(report.as_str()),
            report_runs::parameters.eq(parameters),
            report_runs::request_id.eq(request_id),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(filters: usize, months: u32) -> Spec {
        let from = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 1, 0, 0, 0).unwrap();
        let month = |n: u32| from.checked_add_months(chrono::Months::new(n)).unwrap();
        Spec {
            report: ReportName::Cases,
            from,
            to: month(months),
            first_month_end: month(1),
            last_month_start: month(months - 1),
            scope: None,
            by: vec![ReportDimension::Country, ReportDimension::Risk],
            filters: (0..filters)
                .map(|_| (ReportDimension::Theme, "MEDIA".to_owned()))
                .collect(),
            regions: (Vec::new(), Vec::new()),
        }
    }

    fn row(d1: &str, d2: &str, mask: i32, edge: i32, n: i64) -> Row {
        Row {
            d1: Some(d1.into()),
            d2: Some(d2.into()),
            mask,
            edge,
            level: 0,
            counts: vec![n],
        }
    }

    fn find<'c>(cells: &'c [Cell], d1: Option<&str>, d2: Option<&str>) -> &'c Cell {
        cells
            .iter()
            .find(|c| c.values[0].as_deref() == d1 && c.values[1].as_deref() == d2)
            .unwrap_or_else(|| panic!("no cell {d1:?} {d2:?} in {cells:?}"))
    }

    #[test]
    fn levels_go_from_the_cells_to_the_grand_total() {
        assert_eq!(levels(0), [[true, true]]);
        assert_eq!(levels(1), [[false, true], [true, true]]);
        assert_eq!(levels(2), [[false, false], [true, false], [false, true], [true, true]]);
    }

    #[test]
    fn finest_rows_add_up_to_every_total_with_their_slices() {
        // One filter, several months: a row that misses the filter counts in its slice only.
        let spec = spec(1, 12);
        let rows = [
            row("KE", "high", 1, 1, 3),
            row("KE", "low", 1, 0, 2),
            row("UG", "high", 1, 2, 4),
            row("UG", "high", 0, 0, 1),
        ];
        let levels = levels(2);
        let spec = &spec;
        let cells = add_up(
            spec,
            &levels,
            rows.iter()
                .flat_map(|r| (0..levels.len()).map(move |level| (level, r, split(spec, r)))),
        );
        let ke = find(&cells, Some("KE"), None);
        assert_eq!((ke.count, ke.slices.clone()), (5, vec![0, 3, 0]));
        let high = find(&cells, None, Some("high"));
        assert_eq!((high.count, high.slices.clone()), (7, vec![1, 3, 4]));
        let total = find(&cells, None, None);
        assert_eq!((total.count, total.slices.clone()), (9, vec![1, 3, 4]));
        assert_eq!(cells.len(), 3 + 2 + 2 + 1);
    }

    #[test]
    fn first_rows_counts_are_the_count_then_the_slices() {
        assert_eq!(counted(&[4, 1, 2, 0]), (4, vec![1, 2, 0]));
    }

    #[test]
    fn the_first_rows_statement_groups_each_level_by_case() {
        let mut spec = spec(1, 12);
        spec.report = ReportName::Procedures;
        let text = statement(&spec, Mode::FirstRows).text;
        assert!(
            text.contains("GROUPING SETS ((id, d1, d2), (id, d2), (id, d1), (id))"),
            "{text}"
        );
        assert!(text.contains("GROUPING(d1) + 2 * GROUPING(d2) AS level"), "{text}");
        assert!(text.contains("bool_or((mask | 1) = 1) AS but0"), "{text}");
        assert!(
            text.contains("bool_or(mask = 1 AND edge <> 1) AS after_first"),
            "{text}"
        );
    }
}
