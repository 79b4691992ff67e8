#[derive(BuildAmpDomain)]
#[migration(custom_sql = "custom/seed_settings.sql")]
#[migration(validate = "SELECT COUNT(*) FROM settings WHERE theme IS NULL")]
pub struct Setting {
    pub id: String,
    pub theme: String,
}
