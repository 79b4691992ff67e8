use std::collections::HashMap;

/// Not a table: no id. Stored as JSONB where used.
pub struct Address {
    pub street: String,
    pub city: String,
}

#[buildamp_domain]
pub struct Everything {
    pub id: UserId,
    pub a_string: String,
    pub a_str: &'static str,
    pub tiny: i8,
    pub small: i16,
    pub byte: u8,
    pub medium: i32,
    pub medium_unsigned: u16,
    pub big: i64,
    pub big_unsigned: u32,
    pub huge: u64,
    pub enormous: i128,
    pub ratio: f32,
    pub precise: f64,
    pub flag: bool,
    pub blob: Vec<u8>,
    pub tags: Vec<String>,
    pub attributes: HashMap<String, String>,
    pub ordered: std::collections::BTreeMap<String, i64>,
    pub raw: serde_json::Value,
    pub address: Address,
    pub maybe_address: Option<Address>,
    pub at: chrono::DateTime<chrono::Utc>,
    pub local: chrono::NaiveDateTime,
    pub day: chrono::NaiveDate,
    pub uid: uuid::Uuid,
    pub price: Money,
    pub when: When,
    pub nickname: Option<String>,
    pub maybe_count: Option<i32>,
    #[migration(sql_type = "varchar(40)")]
    pub code: String,
    #[migration(sql_type = "inet")]
    pub login: Option<String>,
}
