// The seed's User model, as typed columns.
use serde::{Deserialize, Serialize};

#[derive(BuildAmpDomain, Serialize, Deserialize)]
#[table(name = "users", indexes = ["created_at DESC"])]
pub struct User {
    pub id: String,

    #[migration(default = "''", not_null = true)]
    pub email: String, // Safe default for NOT NULL columns

    pub display_name: String,

    #[migration(unique = true)]
    pub username: String, // Unique per tenant

    pub status: UserStatus,

    #[migration(ignore)]
    pub computed_field: String, // Never reaches the database
}

#[derive(Serialize, Deserialize)]
pub enum UserStatus {
    Active,
    Suspended,
    Deleted,
}
