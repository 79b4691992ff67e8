pub enum PersonStatus {
    Active,
    Suspended,
}

#[buildamp_domain]
#[table(name = "people")]
pub struct Person {
    pub id: String,
    #[migration(rename_from = "name")]
    pub display_name: String,
    pub email: String,
    #[migration(sql_type = "VARCHAR(50)", default = "''")]
    pub code: String,
    pub age: i64,
    pub status: PersonStatus,
    #[migration(default = "'nowhere'")]
    pub city: Option<String>,
    #[migration(default = "''")]
    pub nickname: String,
    #[migration(convert_from = "INTEGER", convert_sql = "CAST(%s AS TEXT)", default = "'0'")]
    pub score: String,
}

#[buildamp_domain]
#[table(rename_from = "tags")]
pub struct Label {
    pub id: String,
    pub name: String,
    #[migration(backfill = "LOWER(TRIM(name))", unique = true)]
    pub normalized_name: String,
}
