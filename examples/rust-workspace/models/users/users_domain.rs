// models/users/users_domain.rs
#[derive(BuildAmpDomain)]
#[table(name = "users", indexes = ["created_at DESC"])]
pub struct User {
    pub id: String,
    #[migration(default = "''", not_null = true)]
    pub email: String,
    #[migration(unique = true)]      // unique per tenant (host)
    pub username: String,
    pub status: UserStatus,          // unit-only enum -> CREATE TYPE ... AS ENUM
    #[migration(ignore)]
    pub computed_field: String,      // never reaches the database
}
pub enum UserStatus { Active, Suspended, Deleted }
