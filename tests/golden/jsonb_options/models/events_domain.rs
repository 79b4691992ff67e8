#[derive(BuildAmpDomain)]
#[table(storage = "jsonb", indexes = ["kind, created_at DESC"])]
pub struct Event {
    pub id: String,
    #[migration(index = true, not_null = true)]
    pub kind: String,
    #[migration(index = true)]
    pub sequence: i64,
    #[migration(unique = true)]
    pub dedupe_key: String,
    pub payload: serde_json::Value,
}
