//! The Diesel side, written the way Diesel's guides write it: `table!`,
//! `Queryable`/`Selectable`/`Identifiable`/`Associations`/`Insertable`
//! derives, `load`, `left_join`, `insert_into(..).values(&vec)`,
//! `belonging_to` + `grouped_by` — on SQLite and on MySQL, the same code.
//!
//! The workloads are written once, in a macro expanded for each connection
//! type (`impl_side!`), rather than as one generic function: Diesel's generic bounds for
//! these queries (`LoadQuery<'_, C, (User, Option<Post>)>` and the rest)
//! would be longer than the queries, and its `MultiConnection` enum would
//! add a dispatch its users do not pay.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{Side, Workload, tree_size};

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
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::mysql::Mysql))]
pub(crate) struct User {
    id: i64,
    name: String,
    hair_color: Option<String>,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug, Clone, PartialEq)]
#[diesel(belongs_to(User), table_name = posts, check_for_backend(diesel::sqlite::Sqlite, diesel::mysql::Mysql))]
pub(crate) struct Post {
    id: i64,
    user_id: i64,
    title: String,
    body: Option<String>,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug, Clone, PartialEq)]
#[diesel(belongs_to(Post), table_name = schema::comments, check_for_backend(diesel::sqlite::Sqlite, diesel::mysql::Mysql))]
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

/// Diesel on one connection of type `C` (SQLite or MySQL).
pub(crate) struct DieselSide<C> {
    conn: C,
    /// Where `conn` goes (`:memory:` for SQLite), to start afresh per case.
    url: String,
    new_users: Vec<NewUser>,
}

/// A new in-memory SQLite database (`_url` is always `:memory:`).
fn open_sqlite(_url: &str) -> anyhow::Result<SqliteConnection> {
    let mut conn = SqliteConnection::establish(":memory:")?;
    conn.batch_execute("PRAGMA foreign_keys = ON")?;
    Ok(conn)
}

/// A new connection to the MySQL database at `url`.
fn open_mysql(url: &str) -> anyhow::Result<MysqlConnection> {
    Ok(MysqlConnection::establish(url)?)
}

impl DieselSide<SqliteConnection> {
    pub(crate) fn open() -> anyhow::Result<Self> {
        let url = ":memory:".to_owned();
        Ok(DieselSide {
            conn: open_sqlite(&url)?,
            url,
            new_users: Vec::new(),
        })
    }
}

impl DieselSide<MysqlConnection> {
    pub(crate) fn connect(url: &str) -> anyhow::Result<Self> {
        Ok(DieselSide {
            conn: open_mysql(url)?,
            url: url.to_owned(),
            new_users: Vec::new(),
        })
    }
}

/// `n` rows for the insert workload, built once per size.
fn new_users(cache: &mut Vec<NewUser>, n: usize) -> &[NewUser] {
    if cache.len() != n {
        *cache = (0..n)
            .map(|i| NewUser {
                name: format!("User {i}"),
                hair_color: Some("hair_color".into()),
            })
            .collect();
    }
    cache
}

/// `impl Side for DieselSide<$conn>`, reopening with `$open` per case (a
/// fresh connection: nothing of the last case, such as prepared
/// statements, carries over; the seed script drops and recreates tables).
macro_rules! impl_side {
    ($conn:ty, $open:path) => {
        impl Side for DieselSide<$conn> {
            fn reset(&mut self, script: &str) -> anyhow::Result<()> {
                self.conn = $open(&self.url)?;
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
                    Workload::Insert => diesel::insert_into(users::table)
                        .values(new_users(&mut self.new_users, n))
                        .execute(conn)?,
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
                        let tree: Vec<UserTree> =
                            users.into_iter().zip(posts_and_comments).collect();
                        tree_size(tree)
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
    };
}

impl_side!(SqliteConnection, open_sqlite);
impl_side!(MysqlConnection, open_mysql);
