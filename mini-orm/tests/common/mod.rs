//! Models shared by the integration tests: a small blog schema.
#![allow(dead_code)]

use mini_orm::{Db, Model};

#[derive(Model, Debug, Clone, PartialEq)]
pub(crate) struct User {
    pub(crate) id: i64,
    #[orm(unique)]
    pub(crate) name: String,
    #[orm(default = "0")]
    pub(crate) age: i64,
    #[orm(column = "hair")]
    pub(crate) hair_color: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(belongs_to(User, foreign_key = "user_id"))]
pub(crate) struct Post {
    pub(crate) id: i64,
    #[orm(index)]
    pub(crate) user_id: i64,
    pub(crate) title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(belongs_to(Post, foreign_key = "post_id"))]
pub(crate) struct Comment {
    pub(crate) id: i64,
    pub(crate) post_id: i64,
    pub(crate) text: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub(crate) struct Tag {
    pub(crate) id: i64,
    pub(crate) label: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(
    table = "post_tags",
    belongs_to(Post, foreign_key = "post_id"),
    belongs_to(Tag, foreign_key = "tag_id")
)]
pub(crate) struct PostTag {
    pub(crate) id: i64,
    pub(crate) post_id: i64,
    pub(crate) tag_id: i64,
}

pub(crate) fn user(name: &str, age: i64, hair: Option<&str>) -> User {
    User {
        id: 0,
        name: name.into(),
        age,
        hair_color: hair.map(str::to_owned),
    }
}

/// An in-memory database with the blog tables. Posts and comments get
/// foreign keys through raw SQL (the derive has no references attribute).
pub(crate) fn blog_db() -> Db {
    let db = Db::open_in_memory().expect("open");
    db.create_table::<User>().expect("users");
    db.execute_batch(
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), title TEXT NOT NULL);
         CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts(id), text TEXT NOT NULL);",
    )
    .expect("posts/comments");
    db.create_table::<Tag>().expect("tags");
    db.create_table::<PostTag>().expect("post_tags");
    db
}
