//! Rebuilds when a migration is added or changed: they are embedded in the binary
//! (`diesel_migrations::embed_migrations!`), and cargo does not otherwise notice a new folder.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
