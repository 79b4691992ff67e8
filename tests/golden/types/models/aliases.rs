pub type UserId = String;
pub type Money = rust_decimal::Decimal;
pub type When = chrono::DateTime<chrono::Utc>;
