pub enum PersonStatus {
    Active,
    Suspended,
}

#[buildamp_domain]
#[table(name = "people")]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    pub age: i32,
    pub legacy: String,
    pub status: PersonStatus,
    #[migration(index = true)]
    pub city: Option<String>,
}

pub struct Tag {
    pub id: String,
    pub name: String,
}
