use buildamp::framework::*;

pub struct Attachment {
    pub url: String,
    pub size: u32,
}

#[derive(BuildAmpDomain)]
pub struct Article {
    pub id: DatabaseId<Generated<String>>,
    pub author_id: Link<String>,
    pub body: RichContent,
    pub summary: DefaultComment,
    pub subtitle: DefaultEmpty,
    pub label: DefaultValue<String>,
    pub attachments: Vec<Attachment>,
    pub meta: JsonBlob<Attachment>,
    pub published_at: Timestamp,
}

#[derive(BuildAmpDomain)]
pub struct Counter {
    pub id: DatabaseId<AutoIncrement<i64>>,
    pub hits: i32,
}
