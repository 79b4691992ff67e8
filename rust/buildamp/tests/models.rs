//! Model files as users write them: the derive, the attribute, every option
//! position and every framework type must compile.

#[macro_use]
extern crate buildamp;

use buildamp::framework::*;
use buildamp::BuildAmpDomain;

pub struct Attachment {
    pub url: String,
    pub size: u32,
}

pub enum Status {
    Active,
    Suspended,
}

#[derive(BuildAmpDomain, Debug, Clone, PartialEq)]
#[table(name = "users", indexes = ["created_at DESC"], tenant = true)]
#[migration(validate = "SELECT COUNT(*) FROM users WHERE email IS NULL")]
pub struct User {
    pub id: DatabaseId<Generated<String>>,
    #[migration(default = "''", not_null = true)]
    #[migration(index = true)]
    pub email: String,
    /// Doc comments and other attributes mix with the options.
    #[migration(unique = "global")]
    pub username: String,
    #[migration(ignore)]
    pub computed: String,
}

#[derive(BuildAmpDomain)]
pub struct Everything {
    pub id: DatabaseId<AutoIncrement<i64>>,
    pub author: ForeignKey<User, String>,
    pub published_at: Timestamp,
    pub created: CreateTimestamp,
    pub updated: UpdateTimestamp,
    pub deleted_at: SoftDelete,
    pub tenant: MultiTenant,
    pub label: DefaultValue<String>,
    pub summary: DefaultComment,
    pub subtitle: DefaultEmpty,
    pub meta: JsonBlob<Vec<Attachment>>,
    pub homepage: Link<String>,
    pub body: RichContent,
    pub status: Status,
}

/// `#[buildamp_domain]` makes the options legal without the derive.
#[buildamp_domain]
#[table(tenant = false, primary_key = ["group_id", "user_id"])]
pub struct Membership {
    pub group_id: String,
    #[migration(index = true)]
    pub user_id: String,
}

/// ... and combines with the derive.
#[buildamp_domain]
#[derive(BuildAmpDomain)]
#[table(storage = "jsonb")]
pub struct Note {
    pub id: String,
    #[migration(rename_from = "title")]
    pub heading: String,
}

fn model_name<M: BuildAmpDomain>() -> &'static str {
    std::any::type_name::<M>()
}

#[test]
fn derived_models_implement_the_marker() {
    assert!(model_name::<User>().ends_with("User"));
    assert!(model_name::<Everything>().ends_with("Everything"));
    assert!(model_name::<Note>().ends_with("Note"));
}

#[test]
fn framework_types_are_the_plain_types() {
    let user = User {
        id: "u1".to_string(),
        email: String::new(),
        username: "ada".into(),
        computed: String::new(),
    };
    let row = Everything {
        id: 7,
        author: user.id.clone(),
        published_at: 1_700_000_000,
        created: std::time::SystemTime::now(),
        updated: None,
        deleted_at: None,
        tenant: "example.com".into(),
        label: String::new(),
        summary: String::new(),
        subtitle: String::new(),
        meta: vec![Attachment {
            url: "/a.png".into(),
            size: 1,
        }],
        homepage: "https://example.com".into(),
        body: "{}".into(),
        status: Status::Active,
    };
    let author: &String = &row.author;
    assert_eq!(author, "u1");
    assert_eq!(row.meta[0].size, 1);
    assert!(matches!(row.status, Status::Active));
    assert_eq!(user.clone(), user);
    let membership = Membership {
        group_id: "g".into(),
        user_id: "u".into(),
    };
    assert_eq!(membership.group_id.len() + membership.user_id.len(), 2);
}
