use buildamp::framework::*;

#[derive(BuildAmpDomain)]
pub struct Category {
    pub id: DatabaseId<AutoIncrement<i64>>,
    pub name: String,
    #[migration(references = "categories", on_delete = "set null")]
    pub parent_id: Option<i64>,
}
