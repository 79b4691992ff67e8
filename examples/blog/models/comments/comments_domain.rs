// The seed's Comment model, stored as a JSONB document (the seed's table shape).
use serde::{Deserialize, Serialize};

#[derive(BuildAmpDomain, Serialize, Deserialize)]
#[table(storage = "jsonb", indexes = ["author_id, created_at DESC"])]
pub struct Comment {
    pub id: String,
    pub text: String,
    /// Who wrote it; looked up per tenant.
    #[migration(index = true)]
    pub author_id: String,
    pub created_at: i64,
}
