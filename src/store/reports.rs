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

/// One group: its values (None: the total over that dimension), which filters it matches (a bit
/// per filter, in `Spec::filters` order), where in the period it falls (1: the first month, 2:
/// the last, 0: between), and how many cases.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Group {
    #[diesel(sql_type = Nullable<Text>)]
    pub d1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub d2: Option<String>,
    #[diesel(sql_type = Integer)]
    pub g1: i32,
    #[diesel(sql_type = Integer)]
    pub g2: i32,
    #[diesel(sql_type = Integer)]
    pub mask: i32,
    #[diesel(sql_type = Integer)]
    pub edge: i32,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
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
        ReportDimension::Outcome => "p.state".into(),
        ReportDimension::Month => format!("to_char({date} AT TIME ZONE 'UTC', 'YYYY-MM')"),
        ReportDimension::Year => format!("to_char({date} AT TIME ZONE 'UTC', 'YYYY')"),
    }
}

/// How the groups are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every total a `count(DISTINCT …)` of its own grouping set: exact whatever a case is in.
    GroupingSets,
    /// The finest groups only, with `count(*)`: exact when each row is one case in one group.
    /// With `themes` false, a theme dimension is left out (NULL) and the themes not unnested.
    Finest { themes: bool },
}

/// The cases report counts each case once per cell whatever its dimensions (a case has one
/// country, one risk, …, and each of its themes once), so its finest cells are a `count(*)`
/// and its totals their sums: over the unnested themes for the totals that keep the theme, over
/// the cases themselves for those that do not. The procedures report (a case may have several
/// procedures in one cell) counts distinct cases in every grouping set.
fn finest_counts_suffice(spec: &Spec) -> bool {
    spec.report == ReportName::Cases
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
    let simple = matches!(mode, Mode::Finest { .. });
    let sets = match spec.by.len() {
        _ if simple => "GROUP BY d1, d2, mask, edge".to_owned(),
        0 => "GROUP BY mask, edge".to_owned(),
        1 => "GROUP BY GROUPING SETS ((d1, mask, edge), (mask, edge))".to_owned(),
        _ => {
            "GROUP BY GROUPING SETS ((d1, d2, mask, edge), (d1, mask, edge), (d2, mask, edge), (mask, edge))".to_owned()
        }
    };
    let groupings = match spec.by.len() {
        _ if simple => "d1, d2, 0 AS g1, 0 AS g2",
        0 => "NULL::text AS d1, NULL::text AS d2, 1 AS g1, 1 AS g2",
        1 => "d1, NULL::text AS d2, GROUPING(d1) AS g1, 1 AS g2",
        _ => "d1, d2, GROUPING(d1) AS g1, GROUPING(d2) AS g2",
    };
    let counted = if simple { "count(*)" } else { "count(DISTINCT id)" };
    sql.text = format!(
        "SELECT {groupings}, mask, edge, {counted} AS count FROM (
             SELECT c.id, {d1} AS d1, {d2} AS d2, {mask} AS mask,
                    CASE WHEN {date} < {first_end} THEN 1 WHEN {date} >= {last_start} THEN 2 ELSE 0 END AS edge
             FROM cases c{joins}
             WHERE {date} >= {from} AND {date} < {to}{scope}
         ) counted {sets}"
    );
    sql
}

/// Counts what `spec` asks for: every cell and every total over one or both dimensions.
pub fn count(conn: &mut PgConnection, spec: &Spec) -> Result<Vec<Group>, StoreError> {
    let dims = spec.by.len();
    if !finest_counts_suffice(spec) {
        return load(conn, spec, Mode::GroupingSets);
    }
    // The place of the theme among the grouping dimensions, if it is one of them.
    let Some(theme) = spec.by.iter().position(|d| *d == ReportDimension::Theme) else {
        return Ok(with_totals(
            dims,
            load(conn, spec, Mode::Finest { themes: true })?,
            |_| true,
        ));
    };
    let mut groups = with_totals(dims, load(conn, spec, Mode::Finest { themes: true })?, |totalled| {
        !totalled[theme]
    });
    groups.extend(with_totals(
        dims,
        load(conn, spec, Mode::Finest { themes: false })?,
        |totalled| totalled[theme],
    ));
    Ok(groups)
}

/// The finest groups with the totals over them that `wanted` picks (by which of the two
/// dimensions each totals), added up as GROUPING SETS would have counted them (exact when each
/// case is in one finest group).
fn with_totals(dims: usize, finest: Vec<Group>, wanted: impl Fn([bool; 2]) -> bool) -> Vec<Group> {
    /// A group's place: its two values, whether each is a total, its filter mask and edge.
    type Place = (Option<String>, Option<String>, i32, i32, i32, i32);
    let mut sums: std::collections::BTreeMap<Place, i64> = std::collections::BTreeMap::new();
    for group in finest {
        // Each way of totalling: keep or total each of the (at most two) dimensions.
        for total in 0..(1 << dims) {
            let (g1, g2) = (total & 1, if dims < 2 { 1 } else { (total >> 1) & 1 });
            let g1 = if dims == 0 { 1 } else { g1 };
            if !wanted([g1 == 1, g2 == 1]) {
                continue;
            }
            let d1 = if g1 == 0 { group.d1.clone() } else { None };
            let d2 = if g2 == 0 { group.d2.clone() } else { None };
            *sums.entry((d1, d2, g1, g2, group.mask, group.edge)).or_default() += group.count;
        }
    }
    sums.into_iter()
        .map(|((d1, d2, g1, g2, mask, edge), count)| Group {
            d1,
            d2,
            g1,
            g2,
            mask,
            edge,
            count,
        })
        .collect()
}

fn load(conn: &mut PgConnection, spec: &Spec, mode: Mode) -> Result<Vec<Group>, StoreError> {
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

    fn finest(d1: &str, d2: &str, count: i64) -> Group {
        Group {
            d1: Some(d1.into()),
            d2: Some(d2.into()),
            g1: 0,
            g2: 0,
            mask: 0,
            edge: 0,
            count,
        }
    }

    #[test]
    fn totals_are_the_sums_grouping_sets_would_count() {
        let groups = with_totals(
            2,
            vec![finest("KE", "high", 3), finest("KE", "low", 2), finest("UG", "high", 4)],
            |_| true,
        );
        let count = |d1: Option<&str>, d2: Option<&str>| {
            groups
                .iter()
                .find(|g| g.d1.as_deref() == d1 && g.d2.as_deref() == d2)
                .map(|g| (g.count, g.g1, g.g2))
        };
        assert_eq!(count(Some("KE"), Some("low")), Some((2, 0, 0)));
        assert_eq!(count(Some("KE"), None), Some((5, 0, 1)));
        assert_eq!(count(None, Some("high")), Some((7, 1, 0)));
        assert_eq!(count(None, None), Some((9, 1, 1)));
        assert_eq!(groups.len(), 3 + 2 + 2 + 1);
        // One dimension: its cells and the total; none: the total alone.
        let one = with_totals(
            1,
            vec![Group {
                d2: None,
                ..finest("KE", "", 3)
            }],
            |_| true,
        );
        assert_eq!(one.len(), 2);
        assert!(one.iter().all(|g| g.g2 == 1));
        let none = with_totals(
            0,
            vec![Group {
                d1: None,
                d2: None,
                g1: 1,
                g2: 1,
                ..finest("", "", 3)
            }],
            |_| true,
        );
        assert_eq!(none.len(), 1);
        // Only the totals that keep the second dimension.
        let kept = with_totals(2, vec![finest("KE", "high", 3), finest("UG", "high", 4)], |t| !t[1]);
        assert_eq!(kept.len(), 3, "two cells and the total over the first: {kept:?}");
    }
}
