pub enum PersonStatus {
    Active,
    Suspended,
}

#[buildamp_domain]
#[table(name = "people")]
pub struct Person {
    pub id: String,
    pub display_name: String,
    pub email: String,
    pub age: i64,
    pub status: PersonStatus,
    #[migration(default = "'nowhere'")]
    pub city: Option<String>,
    #[migration(default = "''")]
    pub nickname: String,
    #[migration(default = "'0'")]
    pub score: String,
}
