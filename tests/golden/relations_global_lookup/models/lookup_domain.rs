use buildamp::framework::*;

#[derive(BuildAmpDomain)]
#[table(tenant = false)]
pub struct Country {
    pub id: DatabaseId<AutoIncrement<i32>>,
    #[migration(unique = "global")]
    pub code: String,
    pub name: String,
}

#[derive(BuildAmpDomain)]
pub struct Customer {
    pub id: DatabaseId<String>,
    #[migration(references = "countries.code", on_delete = "restrict")]
    pub country_code: String,
}

#[derive(BuildAmpDomain)]
#[table(tenant = false)]
pub struct AuditEntry {
    pub id: DatabaseId<AutoIncrement<i64>>,
    #[migration(references = "Customer", on_delete = "cascade")]
    pub customer_id: String,
}
