// models/comments/comments_domain.rs: the seed's Comment, stored as a JSONB document.
// (A real project would also derive serde's Serialize/Deserialize; this example
// has no registry dependencies so it builds offline.)
#[derive(BuildAmpDomain)]
#[table(storage = "jsonb", indexes = ["author_id, created_at DESC"])]
pub struct Comment {
    pub id: String,
    pub text: String,
    /// Who wrote it; looked up per tenant.
    #[migration(index = true)]
    pub author_id: String,
    pub created_at: i64,
}
