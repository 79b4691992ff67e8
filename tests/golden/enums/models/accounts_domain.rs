pub enum AccountStatus {
    Active,
    Suspended,
    Deleted,
}

pub enum Plan {
    Free,
    Paid { seats: u32 },
}

#[buildamp_domain]
pub struct Account {
    pub id: String,
    pub status: AccountStatus,
    #[migration(default = "'Active'")]
    pub previous_status: AccountStatus,
    pub plan: Plan,
    pub maybe_status: Option<AccountStatus>,
}

pub struct AuditEntry {
    pub id: i64,
    pub status: AccountStatus,
}
