use serde::{Deserialize, Serialize};

/// A user's public profile.
#[derive(BuildAmpDomain, Serialize, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: String,
    /// Shown on the profile page.
    #[serde(default)]
    #[migration(default = "'anonymous'")]
    #[migration(index = true)]
    pub display_name: String,
    #[migration(not_null = false)]
    pub bio: String,
    #[migration(default = "NULL")]
    pub profile_image: Option<String>,
    #[migration(default = "0")]
    pub score: i32,
    #[migration(ignore)]
    pub cached_rank: u32,
    #[migration(ignore = true)]
    pub computed: String,
}
