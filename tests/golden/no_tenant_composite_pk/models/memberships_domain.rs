#[derive(BuildAmpDomain)]
#[table(name = "group_memberships", tenant = false, primary_key = ["group_id", "user_id"])]
pub struct Membership {
    pub group_id: String,
    pub user_id: String,
    pub role: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[buildamp_domain]
#[table(tenant = false)]
pub struct Category {
    pub id: i64,
    #[migration(unique = true)]
    pub name: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
