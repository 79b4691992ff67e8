#[buildamp_domain]
#[table(storage = "columns")]
pub struct Note {
    pub id: String,
    #[migration(index = true)]
    pub heading: String,
    pub body: String,
    #[migration(index = true)]
    pub priority: i64,
    #[migration(default = "false")]
    pub pinned: bool,
}
