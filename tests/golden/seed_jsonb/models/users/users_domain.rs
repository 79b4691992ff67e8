// models/users/users_domain.rs
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
}
