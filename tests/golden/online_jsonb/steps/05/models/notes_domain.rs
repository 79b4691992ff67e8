#[buildamp_domain]
#[table(storage = "jsonb")]
pub struct Note {
    pub id: String,
    #[migration(index = true)]
    pub heading: String,
    pub body: String,
    pub priority: i64,
    pub pinned: bool,
}
