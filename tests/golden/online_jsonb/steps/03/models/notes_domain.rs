#[buildamp_domain]
#[table(storage = "jsonb")]
pub struct Note {
    pub id: String,
    #[migration(rename_from = "title", index = true, not_null = true)]
    pub heading: String,
    pub body: String,
    #[migration(convert_from = "TEXT", convert_sql = "CAST(%s AS BIGINT)", index = true)]
    pub priority: i64,
    #[migration(default = "false", unique = true)]
    pub pinned: bool,
}
