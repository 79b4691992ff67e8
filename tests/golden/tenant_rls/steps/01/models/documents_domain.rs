#[derive(BuildAmpDomain)]
pub struct Document {
    pub id: String,
    pub title: String,
    /// Unique per tenant: (host, slug).
    #[migration(unique = true)]
    pub slug: String,
    /// Unique across tenants: (external_ref) alone.
    #[migration(unique = "global")]
    pub external_ref: String,
    /// Looked up per tenant: (host, owner_id).
    #[migration(index = true)]
    pub owner_id: String,
}
