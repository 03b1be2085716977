//! Disclosure control for the reports' tables: no figure shown may tell fewer than `k` cases
//! apart, directly, from the totals shown beside it, or from a second report whose filters
//! differ from this one's by one value.
//!
//! The method, after the rules statistical offices apply to frequency tables (Eurostat's
//! handbook on statistical disclosure control, Hundepool et al. 2012, ch. 5; τ-ARGUS's
//! threshold rule and its "hypercube" secondary suppression):
//!
//! 1. **Primary suppression (threshold rule)**: a cell counting 1 to k−1 cases is suppressed.
//!    Zero is shown (a table of counts shows its empty cells).
//! 2. **Differencing by one filter value**: each cell comes with the counts a report differing
//!    by one value would let someone subtract: for every filter set, the cases of the cell that
//!    the filter leaves out (the report without that filter, minus this one), and for the period
//!    its first and its last month (the report a month shorter). A cell is suppressed when any
//!    of those counts is 1 to k−1, so the subtraction never gives a small number.
//! 3. **Secondary suppression**: along every line of the table (one dimension varying, the
//!    others fixed, with the line's total), a line with exactly one suppressed figure would give
//!    it away as total minus the others; the line's smallest figure above zero is suppressed
//!    too, and so on until no line has exactly one.
//!
//! Limits, as the literature states them for this heuristic: it ensures no suppressed figure
//! equals a sum or difference of shown ones along one line, not that the interval a linear
//! program could narrow it to is wide (τ-ARGUS's optimal methods ensure that, at a cost Vigil
//! does not pay); differencing is covered for reports that differ by one value of one filter,
//! or by a month at either end of the period, not for an attacker combining many reports; and
//! a theme's cells overlap (a case has several themes), which the line rule treats as if they
//! added up, suppressing more than needed, never less.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// A cell's place: the value of each grouping dimension, None for the total over it.
pub type Key = Vec<Option<String>>;

/// What was counted for one cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counted {
    /// Cases in the cell.
    pub count: u64,
    /// The counts a report differing by one value would reveal by subtraction (see the module).
    pub slices: Vec<u64>,
}

/// Why a figure is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Suppressed {
    /// It counts fewer than k cases.
    Small,
    /// A report differing by one value would give a count of fewer than k away.
    Differencing,
    /// It would give another suppressed figure away from the totals.
    Secondary,
}

impl Suppressed {
    /// The name it has in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Small => "small",
            Self::Differencing => "differencing",
            Self::Secondary => "secondary",
        }
    }
}

/// A cell as shown: its count, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub key: Key,
    pub count: Option<u64>,
    pub suppressed: Option<Suppressed>,
}

fn small(count: u64, k: u64) -> bool {
    count > 0 && count < k
}

/// Applies the three steps to a table of `dims` dimensions (its cells, margins and grand total
/// keyed as [`Key`]s of that length); returns every cell, in key order.
pub fn protect(dims: usize, cells: &BTreeMap<Key, Counted>, k: u64) -> Vec<Shown> {
    let mut suppressed: BTreeMap<&Key, Suppressed> = BTreeMap::new();
    for (key, counted) in cells {
        if small(counted.count, k) {
            suppressed.insert(key, Suppressed::Small);
        } else if counted.slices.iter().any(|slice| small(*slice, k)) {
            suppressed.insert(key, Suppressed::Differencing);
        }
    }
    let lines = lines(dims, cells);
    loop {
        let mut changed = false;
        for (margin, members) in &lines {
            let all: Vec<&Key> = members.iter().copied().chain(std::iter::once(*margin)).collect();
            let hidden = all.iter().filter(|key| suppressed.contains_key(**key)).count();
            if hidden != 1 {
                continue;
            }
            // The smallest shown figure above zero among the line's cells, else its total.
            let partner = members
                .iter()
                .filter(|key| !suppressed.contains_key(**key))
                .filter(|key| cells[**key].count > 0)
                .min_by_key(|key| (cells[**key].count, (**key).clone()))
                .copied()
                .or_else(|| (!suppressed.contains_key(*margin) && cells[*margin].count > 0).then_some(*margin));
            if let Some(partner) = partner {
                suppressed.insert(partner, Suppressed::Secondary);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    cells
        .iter()
        .map(|(key, counted)| {
            let why = suppressed.get(key).copied();
            Shown {
                key: key.clone(),
                count: why.is_none().then_some(counted.count),
                suppressed: why,
            }
        })
        .collect()
}

/// Every line of the table: a margin (a key with None in one place) and the cells that add up
/// to it (the same key with a value there).
fn lines(dims: usize, cells: &BTreeMap<Key, Counted>) -> Vec<(&Key, Vec<&Key>)> {
    let mut lines = Vec::new();
    for margin in cells.keys() {
        for varying in 0..dims {
            if margin[varying].is_some() {
                continue;
            }
            let members: Vec<&Key> = cells
                .keys()
                .filter(|key| {
                    key[varying].is_some() && (0..dims).filter(|d| *d != varying).all(|d| key[d] == margin[d])
                })
                .collect();
            if !members.is_empty() {
                lines.push((margin, members));
            }
        }
    }
    lines
}

/// The figures of `shown` that a reader could recompute exactly: a suppressed cell alone on a
/// line whose other figures are all shown. Used by the tests; empty after [`protect`].
pub fn recomputable(dims: usize, cells: &BTreeMap<Key, Counted>, shown: &[Shown]) -> BTreeSet<Key> {
    let hidden: BTreeSet<&Key> = shown.iter().filter(|s| s.count.is_none()).map(|s| &s.key).collect();
    let mut found = BTreeSet::new();
    for (margin, members) in lines(dims, cells) {
        let line: Vec<&Key> = members.into_iter().chain(std::iter::once(margin)).collect();
        let gone: Vec<&&Key> = line.iter().filter(|key| hidden.contains(**key)).collect();
        if let [only] = gone.as_slice() {
            found.insert((***only).clone());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(parts: &[Option<&str>]) -> Key {
        parts.iter().map(|p| p.map(str::to_owned)).collect()
    }

    fn counted(count: u64) -> Counted {
        Counted {
            count,
            slices: Vec::new(),
        }
    }

    /// A one-dimension table: `values` and their total.
    fn one_way(values: &[(&str, u64)]) -> BTreeMap<Key, Counted> {
        let mut cells: BTreeMap<Key, Counted> = values.iter().map(|(v, n)| (key(&[Some(v)]), counted(*n))).collect();
        cells.insert(key(&[None]), counted(values.iter().map(|(_, n)| n).sum()));
        cells
    }

    fn count_of(shown: &[Shown], at: &[Option<&str>]) -> Option<u64> {
        shown.iter().find(|s| s.key == key(at)).and_then(|s| s.count)
    }

    #[test]
    fn a_single_small_cell_is_not_given_away_by_the_total() {
        // A naive table: KE 12, UG 9, TZ 1 (one defender), total 22: TZ = 22 - 12 - 9.
        let cells = one_way(&[("KE", 12), ("UG", 9), ("TZ", 1)]);
        let shown = protect(1, &cells, 5);
        assert_eq!(count_of(&shown, &[Some("TZ")]), None);
        assert_eq!(
            count_of(&shown, &[Some("UG")]),
            None,
            "the smallest other cell goes too"
        );
        assert_eq!(count_of(&shown, &[Some("KE")]), Some(12));
        assert_eq!(count_of(&shown, &[None]), Some(22));
        assert!(recomputable(1, &cells, &shown).is_empty());
    }

    #[test]
    fn a_small_total_is_suppressed_and_so_is_what_would_give_it_away() {
        let cells = one_way(&[("KE", 3)]);
        let shown = protect(1, &cells, 5);
        assert_eq!(count_of(&shown, &[Some("KE")]), None);
        assert_eq!(count_of(&shown, &[None]), None);
        assert!(recomputable(1, &cells, &shown).is_empty());
    }

    #[test]
    fn a_report_differing_by_one_filter_value_cannot_be_subtracted() {
        // Filtered to theme LGBTI: KE counts 7, of which, without the filter, 9; the cases of KE
        // the filter leaves out are 2: the report without the filter minus this one gives 2.
        let mut cells = one_way(&[("KE", 7), ("UG", 20)]);
        cells.get_mut(&key(&[Some("KE")])).unwrap().slices = vec![2];
        cells.get_mut(&key(&[Some("UG")])).unwrap().slices = vec![30];
        let shown = protect(1, &cells, 5);
        let ke = shown.iter().find(|s| s.key == key(&[Some("KE")])).unwrap();
        assert_eq!(ke.suppressed, Some(Suppressed::Differencing));
        assert_eq!(count_of(&shown, &[Some("UG")]), None, "and the line rule protects it");
    }

    #[test]
    fn two_way_tables_have_no_line_with_one_suppressed_figure() {
        let mut cells = BTreeMap::new();
        let data = [
            ("KE", "MEDIA", 10),
            ("KE", "LGBTI", 2),
            ("UG", "MEDIA", 8),
            ("UG", "LGBTI", 6),
        ];
        for (c, t, n) in data {
            cells.insert(key(&[Some(c), Some(t)]), counted(n));
        }
        for c in ["KE", "UG"] {
            let n = data.iter().filter(|d| d.0 == c).map(|d| d.2).sum();
            cells.insert(key(&[Some(c), None]), counted(n));
        }
        for t in ["MEDIA", "LGBTI"] {
            let n = data.iter().filter(|d| d.1 == t).map(|d| d.2).sum();
            cells.insert(key(&[None, Some(t)]), counted(n));
        }
        cells.insert(key(&[None, None]), counted(26));
        let shown = protect(2, &cells, 5);
        assert_eq!(count_of(&shown, &[Some("KE"), Some("LGBTI")]), None);
        assert!(recomputable(2, &cells, &shown).is_empty(), "{shown:#?}");
        assert_eq!(count_of(&shown, &[None, None]), Some(26));
    }

    proptest! {
        #[test]
        fn no_suppressed_figure_is_ever_alone_on_its_line(
            data in proptest::collection::vec((0..4u8, 0..4u8, 0..12u64), 1..16),
            k in 2..6u64,
        ) {
            let mut cells: BTreeMap<Key, Counted> = BTreeMap::new();
            let mut add = |at: Key, n: u64| cells.entry(at).or_default().count += n;
            for (row, column, n) in &data {
                let (r, c) = (Some(format!("r{row}")), Some(format!("c{column}")));
                add(vec![r.clone(), c.clone()], *n);
                add(vec![r, None], *n);
                add(vec![None, c], *n);
                add(vec![None, None], *n);
            }
            let shown = protect(2, &cells, k);
            prop_assert!(recomputable(2, &cells, &shown).is_empty());
            for s in &shown {
                let n = cells[&s.key].count;
                // Every small figure is hidden, and every shown one is what was counted.
                prop_assert!(!(small(n, k) && s.count.is_some()));
                prop_assert!(s.count.is_none_or(|shown| shown == n));
            }
        }
    }
}
