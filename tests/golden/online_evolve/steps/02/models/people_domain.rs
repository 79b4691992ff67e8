pub enum PersonStatus {
    Active,
    Suspended,
    Deleted,
}

#[buildamp_domain]
#[table(name = "people")]
pub struct Person {
    pub id: String,
    #[migration(rename_from = "name")]
    pub display_name: String,
    #[migration(index = true)]
    pub email: String,
    pub age: i64,
    #[migration(deprecated)]
    pub legacy: String,
    #[migration(enum_migration = "add_values")]
    pub status: PersonStatus,
    #[migration(index = true)]
    pub city: Option<String>,
    pub nickname: Option<String>,
    #[migration(default = "0")]
    pub score: i32,
}

#[buildamp_domain]
pub struct Tag {
    pub id: String,
    pub name: String,
    #[migration(backfill = "LOWER(TRIM(name))", unique = true)]
    pub normalized_name: String,
}
