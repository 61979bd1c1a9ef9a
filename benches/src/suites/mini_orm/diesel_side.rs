//! The Diesel side, written the way Diesel's guides write it: `table!`,
//! `Queryable`/`Selectable`/`Identifiable`/`Associations`/`Insertable`
//! derives, `load`, `left_join`, `insert_into(..).values(&vec)`,
//! `belonging_to` + `grouped_by`.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{Side, Workload};

mod schema {
    diesel::table! {
        users (id) {
            id -> BigInt,
            name -> Text,
            hair_color -> Nullable<Text>,
        }
    }
    diesel::table! {
        posts (id) {
            id -> BigInt,
            user_id -> BigInt,
            title -> Text,
            body -> Nullable<Text>,
        }
    }
    diesel::table! {
        comments (id) {
            id -> BigInt,
            post_id -> BigInt,
            text -> Text,
        }
    }
    diesel::joinable!(posts -> users (user_id));
    diesel::joinable!(comments -> posts (post_id));
    diesel::allow_tables_to_appear_in_same_query!(users, posts, comments);
}

use schema::{posts, users};

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct User {
    id: i64,
    name: String,
    hair_color: Option<String>,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug, Clone, PartialEq)]
#[diesel(belongs_to(User), table_name = posts, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct Post {
    id: i64,
    user_id: i64,
    title: String,
    body: Option<String>,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug, Clone, PartialEq)]
#[diesel(belongs_to(Post), table_name = schema::comments, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct Comment {
    id: i64,
    post_id: i64,
    text: String,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub(crate) struct NewUser {
    name: String,
    hair_color: Option<String>,
}

/// A user with their posts, each with its comments.
type UserTree = (User, Vec<(Post, Vec<Comment>)>);

pub(crate) struct DieselSide {
    conn: SqliteConnection,
    new_users: Vec<NewUser>,
}

fn open() -> anyhow::Result<SqliteConnection> {
    let mut conn = SqliteConnection::establish(":memory:")?;
    conn.batch_execute("PRAGMA foreign_keys = ON")?;
    Ok(conn)
}

impl DieselSide {
    pub(crate) fn open() -> anyhow::Result<DieselSide> {
        Ok(DieselSide {
            conn: open()?,
            new_users: Vec::new(),
        })
    }
}

impl Side for DieselSide {
    fn reset(&mut self, script: &str) -> anyhow::Result<()> {
        self.conn = open()?;
        self.conn.batch_execute(script)?;
        self.new_users.clear();
        Ok(())
    }

    fn run(&mut self, w: Workload, n: usize) -> anyhow::Result<usize> {
        let conn = &mut self.conn;
        Ok(match w {
            Workload::Trivial => users::table
                .select(User::as_select())
                .load::<User>(conn)?
                .len(),
            Workload::Medium => users::table
                .left_join(posts::table)
                .filter(users::hair_color.eq("black"))
                .select((User::as_select(), Option::<Post>::as_select()))
                .load::<(User, Option<Post>)>(conn)?
                .len(),
            Workload::Insert => {
                if self.new_users.len() != n {
                    self.new_users = (0..n)
                        .map(|i| NewUser {
                            name: format!("User {i}"),
                            hair_color: Some("hair_color".into()),
                        })
                        .collect();
                }
                diesel::insert_into(users::table)
                    .values(&self.new_users)
                    .execute(conn)?
            }
            Workload::Associations => {
                let users = users::table.select(User::as_select()).load::<User>(conn)?;
                let posts = Post::belonging_to(&users)
                    .select(Post::as_select())
                    .load::<Post>(conn)?;
                let comments = Comment::belonging_to(&posts)
                    .select(Comment::as_select())
                    .load::<Comment>(conn)?;
                let comments = comments.grouped_by(&posts);
                let posts_and_comments = posts.into_iter().zip(comments).grouped_by(&users);
                let tree: Vec<UserTree> = users.into_iter().zip(posts_and_comments).collect();
                tree.iter()
                    .map(|(_, ps)| 1 + ps.iter().map(|(_, cs)| 1 + cs.len()).sum::<usize>())
                    .sum()
            }
        })
    }

    fn cleanup(&mut self, w: Workload) -> anyhow::Result<()> {
        if w == Workload::Insert {
            diesel::delete(users::table).execute(&mut self.conn)?;
        }
        Ok(())
    }
}
