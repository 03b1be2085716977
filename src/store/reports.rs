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

/// A row of the cases report's statement: a finest cell, the filters its cases meet and where
/// in the period they fall, and how many they are.
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
    #[diesel(sql_type = BigInt)]
    count: i64,
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

/// The cases report's statement. Each row is one case in one finest cell (a case has one value
/// of every dimension, and each of its themes once): `count(*)` of the finest cells, split by
/// the filters a row meets (`mask`) and where in the period it falls (`edge`); every total is a
/// sum of them. With `themes` false, a theme dimension is left out (NULL) and the themes not
/// unnested, for the totals over themes (a case counted once, not once per theme).
fn finest(spec: &Spec, themes: bool) -> Statement {
    let mut sql = Statement {
        text: String::new(),
        binds: Vec::new(),
    };
    let rows = rows(spec, &mut sql, themes);
    sql.text =
        format!("SELECT d1, d2, mask, edge, count(*) AS count FROM ({rows}) counted GROUP BY d1, d2, mask, edge");
    sql
}

/// The cases report's rows: a case a row (a (case, theme) a row when `themes` and the report
/// groups by theme), the values of the grouping dimensions, which filters a row meets (`mask`,
/// a bit per filter) and where in the period it falls (`edge`: 1 the first month, 2 the last,
/// 0 between).
fn rows(spec: &Spec, sql: &mut Statement, themes: bool) -> String {
    let date = "c.created_at";
    let unnested = themes && spec.by.contains(&ReportDimension::Theme);
    let mask = mask(spec, sql, |_| true);
    let grouping_column = |dimension: Option<&ReportDimension>| match dimension {
        Some(ReportDimension::Theme) if unnested => "t.theme".to_owned(),
        Some(ReportDimension::Theme) | None => "NULL::text".to_owned(),
        Some(dimension) => column(*dimension, date),
    };
    let (d1, d2) = (grouping_column(spec.by.first()), grouping_column(spec.by.get(1)));
    let (from, to) = (sql.bind(Bind::Time(spec.from)), sql.bind(Bind::Time(spec.to)));
    let (first_end, last_start) = (
        sql.bind(Bind::Time(spec.first_month_end)),
        sql.bind(Bind::Time(spec.last_month_start)),
    );
    let regions = regions_join(spec, sql);
    let scope = match &spec.scope {
        Some(delegation) => format!(" AND c.delegation = {}", sql.bind(Bind::Text(delegation.to_string()))),
        None => String::new(),
    };
    let themes = if unnested {
        " CROSS JOIN LATERAL unnest(c.themes) AS t(theme)"
    } else {
        ""
    };
    format!(
        "SELECT {d1} AS d1, {d2} AS d2, {mask} AS mask,
                CASE WHEN {date} < {first_end} THEN 1 WHEN {date} >= {last_start} THEN 2 ELSE 0 END AS edge
         FROM cases c{regions}{themes}
         WHERE {date} >= {from} AND {date} < {to}{scope}"
    )
}

/// The expression of which of the filters `tested` keeps a case meets: a bit for each, at the
/// filter's place in `Spec::filters` (0 when none is tested); their values bound in order.
fn mask(spec: &Spec, sql: &mut Statement, tested: impl Fn(ReportDimension) -> bool) -> String {
    let flags: Vec<String> = spec
        .filters
        .iter()
        .enumerate()
        .filter(|(_, (dimension, _))| tested(*dimension))
        .map(|(bit, (dimension, value))| {
            let value = sql.bind(Bind::Text(value.clone()));
            let flag = match dimension {
                // A case is on a theme when the theme is one of its own.
                ReportDimension::Theme => format!("({value} = ANY(c.themes))"),
                other => format!("({} = {value})", column(*other, "c.created_at")),
            };
            format!("(CASE WHEN coalesce({flag}, false) THEN {} ELSE 0 END)", 1 << bit)
        })
        .collect();
    if flags.is_empty() {
        "0".to_owned()
    } else {
        flags.join(" + ")
    }
}

/// The join that gives each case its region, when the report groups or filters by region.
fn regions_join(spec: &Spec, sql: &mut Statement) -> String {
    let uses_regions = spec
        .by
        .iter()
        .chain(spec.filters.iter().map(|(d, _)| d))
        .any(|d| *d == ReportDimension::Region);
    if !uses_regions {
        return String::new();
    }
    let (countries, regions) = (
        sql.bind(Bind::Texts(spec.regions.0.clone())),
        sql.bind(Bind::Texts(spec.regions.1.clone())),
    );
    format!(
        " LEFT JOIN unnest({countries}::text[], {regions}::text[]) AS r(country, region) ON r.country = c.country::text"
    )
}

/// The procedures report's statement: the cases (of the caller's scope), grouped by the
/// values of the grouping dimensions that are the case's own, the case-level filters they meet
/// (`mask`), their themes when the report groups by theme, and their `figures` (what each of
/// their procedures is: migration 000027). A case is one row, so counting them counts each
/// once; what their procedures put them in, Vigil works out ([`PerCase`]).
fn by_figures(spec: &Spec) -> Statement {
    let mut sql = Statement {
        text: String::new(),
        binds: Vec::new(),
    };
    // The procedures' own filters are Vigil's to test, on each figure.
    let mask = mask(spec, &mut sql, |dimension| figure_part(dimension).is_none());
    let value = |dimension: Option<&ReportDimension>| match dimension {
        Some(d) if *d != ReportDimension::Theme && figure_part(*d).is_none() => column(*d, "c.created_at"),
        _ => "NULL::text".to_owned(),
    };
    let (d1, d2) = (value(spec.by.first()), value(spec.by.get(1)));
    let themes = if spec.by.contains(&ReportDimension::Theme) {
        "c.themes"
    } else {
        "NULL::text[]"
    };
    let regions = regions_join(spec, &mut sql);
    let scope = match &spec.scope {
        Some(delegation) => format!(" AND c.delegation = {}", sql.bind(Bind::Text(delegation.to_string()))),
        None => String::new(),
    };
    sql.text = format!(
        "SELECT {d1} AS d1, {d2} AS d2, {mask} AS mask, {themes} AS themes, c.figures, count(*) AS cases
         FROM cases c{regions}
         WHERE cardinality(c.figures) > 0{scope}
         GROUP BY 1, 2, 3, 4, 5"
    );
    sql
}

/// The parts of a procedure's figure (`<workflow>/<state>/<outcome>/<YYYY-MM>`), in order.
const FIGURE_PARTS: usize = 4;

/// Where a procedure-level dimension is in a figure, and how much of that part it is (the
/// year is the month's first four characters); None for a dimension of the case.
fn figure_part(dimension: ReportDimension) -> Option<(usize, Option<usize>)> {
    match dimension {
        ReportDimension::Workflow => Some((0, None)),
        ReportDimension::State => Some((1, None)),
        ReportDimension::Outcome => Some((2, None)),
        ReportDimension::Month => Some((3, None)),
        ReportDimension::Year => Some((3, Some(4))),
        ReportDimension::Delegation
        | ReportDimension::Country
        | ReportDimension::Region
        | ReportDimension::Theme
        | ReportDimension::Risk => None,
    }
}

/// A row of [`by_figures`].
#[derive(Debug, QueryableByName)]
struct FiguresRow {
    #[diesel(sql_type = Nullable<Text>)]
    d1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    d2: Option<String>,
    #[diesel(sql_type = Integer)]
    mask: i32,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    themes: Option<Vec<String>>,
    #[diesel(sql_type = Array<Text>)]
    figures: Vec<String>,
    #[diesel(sql_type = BigInt)]
    cases: i64,
}

impl FiguresRow {
    /// These cases' rows of the report: one per procedure in the period, its values, the
    /// filters it meets and where in the period it falls; alike ones once.
    fn per_case(&self, spec: &Spec) -> Result<PerCase, StoreError> {
        let (first, last) = (
            spec.from.format("%Y-%m").to_string(),
            spec.last_month_start.format("%Y-%m").to_string(),
        );
        let mut rows = Vec::new();
        for figure in &self.figures {
            let parts: Vec<&str> = figure.split('/').collect();
            let [_, _, _, month] = parts[..] else {
                return Err(StoreError::Decode(format!(
                    "a case's figure has {} parts, not {FIGURE_PARTS}",
                    parts.len()
                )));
            };
            if month < first.as_str() || month > last.as_str() {
                continue;
            }
            let part = |dimension: ReportDimension| {
                figure_part(dimension).map(|(at, length)| {
                    let part = parts[at];
                    length.map_or(part, |n| part.get(..n).unwrap_or(part))
                })
            };
            let mut mask = self.mask;
            for (bit, (dimension, value)) in spec.filters.iter().enumerate() {
                if part(*dimension) == Some(value.as_str()) {
                    mask |= 1 << bit;
                }
            }
            let case_values = [&self.d1, &self.d2];
            let values = [0, 1].map(|i| match spec.by.get(i).copied().and_then(part) {
                Some(value) => Some(value.to_owned()),
                None => case_values[i].clone(),
            });
            let edge = if month == first {
                1
            } else if month == last {
                2
            } else {
                0
            };
            let key = Key { values, mask, edge };
            if !rows.contains(&key) {
                rows.push(key);
            }
        }
        Ok(PerCase {
            rows,
            themes: self.themes.clone(),
            cases: u64::try_from(self.cases).unwrap_or(0),
        })
    }
}

/// A group of cases of the procedures report alike in what they count: the distinct rows each
/// has (a row: its two values, the filters it meets, where in the period it falls), their
/// themes when the report groups by theme, and how many such cases there are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PerCase {
    rows: Vec<Key>,
    themes: Option<Vec<String>>,
    cases: u64,
}

/// A row of a case: its two values (None where the report does not group, and for the theme,
/// which is the case's), the filters it meets and where in the period it falls (as `rows`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    values: [Option<String>; 2],
    mask: i32,
    edge: i32,
}

/// What one (case, cell)'s rows do together: whether one meets every filter; for each filter,
/// one meets every other; whether one meets every filter outside the first month, outside the
/// last.
#[derive(Debug, Clone, Default)]
struct Together {
    every: bool,
    but: Vec<bool>,
    after_first: bool,
    before_last: bool,
}

impl PerCase {
    /// Adds what these cases count at each level to `sums`: in each cell a case has a row in,
    /// once, with its slices.
    fn add_to(&self, spec: &Spec, levels: &[[bool; 2]], sums: &mut Sums) {
        let filters = spec.filters.len();
        let all = (1i32 << filters) - 1;
        let theme = spec.by.iter().position(|d| *d == ReportDimension::Theme);
        for (level, totalled) in levels.iter().enumerate() {
            let mut cells = std::collections::BTreeMap::<[Option<String>; 2], Together>::new();
            for row in &self.rows {
                // The theme is the case's: a row is in a cell for each of its themes, unless the
                // level totals over themes.
                let themes: Vec<Option<&String>> = match (theme, &self.themes) {
                    (Some(at), themes) if !totalled[at] => themes.iter().flatten().map(Some).collect(),
                    _ => vec![None],
                };
                for theme_value in themes {
                    let values = [0, 1].map(|i| match theme_value {
                        _ if totalled[i] => None,
                        Some(value) if theme == Some(i) => Some(value.clone()),
                        _ => row.values[i].clone(),
                    });
                    let together = cells.entry(values).or_insert_with(|| Together {
                        but: vec![false; filters],
                        ..Together::default()
                    });
                    let every = row.mask == all;
                    together.every |= every;
                    for (bit, but) in together.but.iter_mut().enumerate() {
                        *but |= (row.mask | 1 << bit) == all;
                    }
                    together.after_first |= every && row.edge != 1;
                    together.before_last |= every && row.edge != 2;
                }
            }
            for (values, together) in cells {
                let sum = sums
                    .entry((level, values))
                    .or_insert_with(|| (0, vec![0; slices(spec)]));
                if together.every {
                    sum.0 += self.cases;
                }
                for (slice, but) in sum.1.iter_mut().zip(&together.but) {
                    if !together.every && *but {
                        *slice += self.cases;
                    }
                }
                if edges(spec) && together.every {
                    if !together.after_first {
                        sum.1[filters] += self.cases;
                    }
                    if !together.before_last {
                        sum.1[filters + 1] += self.cases;
                    }
                }
            }
        }
    }
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

/// A cell's level and values; its count and slices.
type Sums = std::collections::BTreeMap<(usize, [Option<String>; 2]), (u64, Vec<u64>)>;

/// The memory each sort and hash of a report's statement may use before it spills to disk
/// (PostgreSQL's default is 4 MB): a report sorts every row of its period; over 1,000,000
/// cases the default sends that sort to temporary files (BENCHMARKS.md `reports`). Set for the
/// report's own transaction only; a statement may use a few times this.
const REPORT_WORK_MEM: &str = "64MB";

/// Counts what `spec` asks for: every cell and every total over one or both dimensions.
/// Runs in the caller's transaction (its memory setting ends with it), which should be one
/// snapshot: a report may take two statements.
pub fn count(conn: &mut PgConnection, spec: &Spec) -> Result<Vec<Cell>, StoreError> {
    diesel::sql_query(format!("SET LOCAL work_mem = '{REPORT_WORK_MEM}'")).execute(conn)?;
    let levels = levels(spec.by.len());
    if spec.report == ReportName::Procedures {
        let mut sums = Sums::new();
        for group in per_case(conn, spec)? {
            group.add_to(spec, &levels, &mut sums);
        }
        return Ok(cells(sums));
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
        return Ok(at_every(&levels, &load(conn, finest(spec, true))?));
    };
    let keeping = |keep: bool| -> Vec<[bool; 2]> {
        levels
            .iter()
            .copied()
            .filter(|totalled| totalled[theme] != keep)
            .collect()
    };
    let (with_themes, over_themes) = (keeping(true), keeping(false));
    let mut cells = at_every(&with_themes, &load(conn, finest(spec, true))?);
    cells.extend(at_every(&over_themes, &load(conn, finest(spec, false))?));
    Ok(cells)
}

/// The procedures report's cases, grouped by what they count.
fn per_case(conn: &mut PgConnection, spec: &Spec) -> Result<Vec<PerCase>, StoreError> {
    load::<FiguresRow>(conn, by_figures(spec))?
        .into_iter()
        .map(|row| row.per_case(spec))
        .collect()
}

/// A `Finest` row's count and slices: it counts in its cell when it meets every filter, and
/// in the slice of the one filter it does not meet, else; in the edge month it falls in.
fn split(spec: &Spec, row: &Row) -> (u64, Vec<u64>) {
    let all = (1i32 << spec.filters.len()) - 1;
    let n = u64::try_from(row.count).unwrap_or(0);
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

/// The cells of `levels`, each the sum of what the rows count at that level (a row given
/// with the index of its level in `levels`).
fn add_up<'r>(
    spec: &Spec,
    levels: &[[bool; 2]],
    rows: impl Iterator<Item = (usize, &'r Row, (u64, Vec<u64>))>,
) -> Vec<Cell> {
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
    cells(sums)
}

fn cells(sums: Sums) -> Vec<Cell> {
    sums.into_iter()
        .map(|((_, values), (count, slices))| Cell { values, count, slices })
        .collect()
}

fn load<R: QueryableByName<diesel::pg::Pg> + 'static>(
    conn: &mut PgConnection,
    Statement { text, binds }: Statement,
) -> Result<Vec<R>, StoreError> {
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
            count: n,
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

    fn key(d1: &str, d2: &str, mask: i32, edge: i32) -> Key {
        Key {
            values: [Some(d1.into()), Some(d2.into())],
            mask,
            edge,
        }
    }

    fn per_case(spec: &Spec, groups: &[PerCase]) -> Vec<Cell> {
        let mut sums = Sums::new();
        for group in groups {
            group.add_to(spec, &levels(spec.by.len()), &mut sums);
        }
        cells(sums)
    }

    #[test]
    fn a_cases_figures_become_its_rows_in_the_period_with_their_filters() {
        // January to December 2026; grouped by workflow and year; filtered on the outcome
        // (a procedure's) and the risk (the case's, already in the mask).
        let mut spec = spec(0, 12);
        spec.report = ReportName::Procedures;
        spec.by = vec![ReportDimension::Workflow, ReportDimension::Year];
        spec.filters = vec![
            (ReportDimension::Outcome, "granted".into()),
            (ReportDimension::Risk, "high".into()),
        ];
        let row = FiguresRow {
            d1: None,
            d2: None,
            mask: 2,
            themes: None,
            figures: vec![
                "protection_referral/closed/granted/2026-01".into(),
                "protection_referral/decided/granted/2026-01".into(),
                "demarche/delivered/open/2026-06".into(),
                "demarche/proposed/open/2025-12".into(),
                "trial_observation/closed/open/2026-12".into(),
            ],
            cases: 3,
        };
        let case = row.per_case(&spec).unwrap();
        let values = |workflow: &str| [Some(workflow.to_owned()), Some("2026".to_owned())];
        assert_eq!(
            case.rows,
            [
                Key {
                    values: values("protection_referral"),
                    mask: 3,
                    edge: 1
                },
                Key {
                    values: values("demarche"),
                    mask: 2,
                    edge: 0
                },
                Key {
                    values: values("trial_observation"),
                    mask: 2,
                    edge: 2
                },
            ],
            "the two referral figures are one row; December 2025 is outside"
        );
        assert_eq!(case.cases, 3);
        let broken = FiguresRow {
            figures: vec!["demarche/open/2026-01".into()],
            ..row
        };
        assert!(matches!(broken.per_case(&spec), Err(StoreError::Decode(_))));
    }

    #[test]
    fn the_procedures_statement_reads_one_row_per_case_and_the_cases_filters_only() {
        let mut spec = spec(0, 12);
        spec.report = ReportName::Procedures;
        spec.by = vec![ReportDimension::Country, ReportDimension::Outcome];
        spec.filters = vec![
            (ReportDimension::Workflow, "demarche".into()),
            (ReportDimension::Risk, "high".into()),
        ];
        let statement = by_figures(&spec);
        let text = &statement.text;
        assert!(!text.contains("procedures"), "{text}");
        assert!(
            text.contains("SELECT c.country::text AS d1, NULL::text AS d2"),
            "{text}"
        );
        assert!(
            text.contains("(c.risk = $1), false) THEN 2 ELSE 0 END) AS mask"),
            "{text}"
        );
        assert_eq!(statement.binds.len(), 1, "the workflow is Vigil's to test");
        assert!(!text.contains("unnest("), "no themes or regions to unnest: {text}");
    }

    #[test]
    fn a_case_counts_once_in_each_cell_it_has_a_row_in_with_its_slices() {
        let mut spec = spec(1, 12);
        spec.report = ReportName::Procedures;
        spec.by = vec![ReportDimension::Workflow, ReportDimension::Outcome];
        let groups = [
            // Two procedures in one cell, one meeting the filter: in the cell once, no slice.
            PerCase {
                rows: vec![key("demarche", "open", 1, 0), key("demarche", "open", 0, 0)],
                themes: None,
                cases: 3,
            },
            // Only the filter leaves this one out: in the filter's slice.
            PerCase {
                rows: vec![key("demarche", "open", 0, 0)],
                themes: None,
                cases: 2,
            },
            // In the cell through the first month only, and in another cell later.
            PerCase {
                rows: vec![key("demarche", "open", 1, 1), key("trial", "open", 1, 0)],
                themes: None,
                cases: 4,
            },
        ];
        let cells = per_case(&spec, &groups);
        let cell = find(&cells, Some("demarche"), Some("open"));
        assert_eq!((cell.count, cell.slices.clone()), (7, vec![2, 4, 0]));
        // Over the workflows the third group is in the cell through a later month too.
        let open = find(&cells, None, Some("open"));
        assert_eq!((open.count, open.slices.clone()), (7, vec![2, 0, 0]));
        let total = find(&cells, None, None);
        assert_eq!((total.count, total.slices.clone()), (7, vec![2, 0, 0]));
    }

    #[test]
    fn grouped_by_theme_a_case_is_in_each_of_its_themes_and_once_over_them() {
        let mut spec = spec(0, 1);
        spec.report = ReportName::Procedures;
        spec.by = vec![ReportDimension::Theme];
        let groups = [PerCase {
            rows: vec![Key {
                values: [None, None],
                mask: 0,
                edge: 0,
            }],
            themes: Some(vec!["MEDIA".into(), "LAND".into()]),
            cases: 5,
        }];
        let cells = per_case(&spec, &groups);
        assert_eq!(find(&cells, Some("MEDIA"), None).count, 5);
        assert_eq!(find(&cells, Some("LAND"), None).count, 5);
        assert_eq!(find(&cells, None, None).count, 5);
        assert_eq!(cells.len(), 3);
    }
}
