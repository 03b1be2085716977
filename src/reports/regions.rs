//! The country-to-region table the reports group by: UN M49's regions, shipped with Vigil
//! (`m49-regions.csv`), or another table of the same two columns (`VIGIL_REGIONS_FILE`).

use std::collections::BTreeMap;

/// The table shipped with Vigil.
const M49: &str = include_str!("m49-regions.csv");

/// Each country's region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regions(BTreeMap<String, String>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionsError {
    #[error("line {0} is not `country,region` with a country code Vigil knows")]
    Line(usize),
    #[error("it names no region")]
    Empty,
}

impl Default for Regions {
    fn default() -> Self {
        // The shipped table is checked by a test.
        Self::parse(M49).unwrap_or(Self(BTreeMap::new()))
    }
}

impl Regions {
    /// Reads `country,region` lines after a header line `country,region`; `#` lines are comments.
    pub fn parse(text: &str) -> Result<Self, RegionsError> {
        let mut table = BTreeMap::new();
        let mut header = true;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if std::mem::take(&mut header) && line == "country,region" {
                continue;
            }
            let (country, region) = line
                .split_once(',')
                .map(|(c, r)| (c.trim(), r.trim()))
                .filter(|(c, r)| crate::domain::is_country(c) && !r.is_empty() && !r.contains(','))
                .ok_or(RegionsError::Line(number + 1))?;
            table.insert(country.to_owned(), region.to_owned());
        }
        if table.is_empty() {
            return Err(RegionsError::Empty);
        }
        Ok(Self(table))
    }

    /// Whether `region` is one of the table's, or `unknown` (a country it does not name).
    pub fn has_region(&self, region: &str) -> bool {
        region == "unknown" || self.0.values().any(|r| r == region)
    }

    /// The table as two columns, countries and their regions in the same order.
    pub fn columns(&self) -> (Vec<String>, Vec<String>) {
        self.0.iter().map(|(c, r)| (c.clone(), r.clone())).unzip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_places_every_country_in_one_of_m49s_five_regions() {
        let regions = Regions::parse(M49).unwrap();
        assert_eq!(regions.0.len(), 248, "all of ISO 3166-1 but Antarctica and Kosovo");
        assert_eq!(regions.0["KE"], "Africa");
        assert_eq!(regions.0["UA"], "Europe");
        assert_eq!(regions.0["MM"], "Asia");
        for region in regions.0.values() {
            assert!(["Africa", "Americas", "Asia", "Europe", "Oceania"].contains(&region.as_str()));
        }
        assert_eq!(Regions::default(), regions);
    }

    #[test]
    fn a_replacement_table_is_checked_line_by_line() {
        let table = Regions::parse("country,region\nKE,East Africa\nUG,East Africa\n").unwrap();
        assert!(table.has_region("East Africa") && table.has_region("unknown") && !table.has_region("Europe"));
        assert_eq!(
            Regions::parse("country,region\nXX,Nowhere\n"),
            Err(RegionsError::Line(2))
        );
        assert_eq!(Regions::parse("# nothing\n"), Err(RegionsError::Empty));
    }
}
