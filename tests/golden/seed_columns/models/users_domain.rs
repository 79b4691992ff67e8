#[derive(BuildAmpDomain)]
#[table(name = "users", indexes = ["email", "created_at DESC"])]
pub struct User {
    pub id: String,

    #[migration(default = "''", not_null = true)]
    pub email: String,  // Safe default for NOT NULL columns

    pub display_name: String,

    #[migration(index = true)]
    pub created_at: i64,  // Auto-generate index

    #[migration(unique = true)]
    pub username: String,  // Unique constraint

    #[migration(ignore)]
    pub computed_field: String,  // Don't create DB column
}

/// A comment on an item.
#[derive(Debug, Clone, BuildAmpDomain)]
pub struct ItemComment {
    pub id: String,
    pub text: String,
    pub author_id: String,
    #[migration(default = "0")]
    pub upvotes: i32,
}
