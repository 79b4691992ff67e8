#[buildamp_domain]
#[table(storage = "jsonb")]
pub struct Note {
    pub id: String,
    #[migration(rename_from = "title", index = true, not_null = true)]
    pub heading: String,
    pub body: String,
    pub priority: String,
    #[migration(default = "false")]
    pub pinned: bool,
}
