#[buildamp_domain]
#[table(storage = "jsonb")]
pub struct Note {
    pub id: String,
    pub title: String,
    pub body: String,
    pub priority: String,
}
