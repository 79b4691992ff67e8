// models/comments/comments_domain.rs
pub struct Comment {
    pub id: String,
    pub text: String,
    pub author_id: String,
    pub created_at: i64,
}
