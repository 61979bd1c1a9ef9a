//! The raw rusqlite side: hand-written SQL, `prepare_cached`, columns read
//! by index — what an ORM on SQLite cannot beat.

use std::collections::HashMap;

use rusqlite::{Connection, params_from_iter};

use super::{Side, Workload, tree_size};

#[allow(dead_code)] // fields are read back to prove the rows were mapped
pub(crate) struct User {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) hair_color: Option<String>,
}

#[allow(dead_code)]
pub(crate) struct Post {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    pub(crate) title: String,
    pub(crate) body: Option<String>,
}

#[allow(dead_code)]
pub(crate) struct Comment {
    pub(crate) id: i64,
    pub(crate) post_id: i64,
    pub(crate) text: String,
}

/// A user with their posts, each with its comments.
pub(crate) type UserTree = (User, Vec<(Post, Vec<Comment>)>);

pub(crate) struct Raw {
    conn: Connection,
    new_users: Vec<(String, Option<String>)>,
    /// The multi-row INSERT for the current `n`, built once per case.
    insert_sql: String,
}

fn open() -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

fn user(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(at)?,
        name: r.get(at + 1)?,
        hair_color: r.get(at + 2)?,
    })
}

fn post(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Post> {
    Ok(Post {
        id: r.get(at)?,
        user_id: r.get(at + 1)?,
        title: r.get(at + 2)?,
        body: r.get(at + 3)?,
    })
}

pub(crate) fn in_list(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        s.push_str(if i == 0 { "?" } else { ", ?" });
    }
    s
}

/// The `n` rows of `insert` and the multi-row INSERT binding them, built
/// once per case outside the timer.
pub(crate) fn insert_rows(n: usize) -> (Vec<(String, Option<String>)>, String) {
    let users = (0..n)
        .map(|i| (format!("User {i}"), Some("hair_color".to_owned())))
        .collect();
    let rows = vec!["(?, ?)"; n].join(", ");
    (
        users,
        format!("INSERT INTO users (name, hair_color) VALUES {rows}"),
    )
}

/// Users with their posts with their comments, grouped by hand (the raw
/// sides' `grouped_by`).
pub(crate) fn build_tree(
    users: Vec<User>,
    posts: Vec<Post>,
    comments: Vec<Comment>,
    user_ids: &[i64],
    post_ids: &[i64],
) -> Vec<UserTree> {
    let comments = group(comments, post_ids, |c| c.post_id);
    let posts_by_user = group(
        posts.into_iter().zip(comments).collect(),
        user_ids,
        |(p, _)| p.user_id,
    );
    users.into_iter().zip(posts_by_user).collect()
}

/// Groups `children` under `parents` by id, aligned with `parents`.
pub(crate) fn group<C>(
    children: Vec<C>,
    parent_ids: &[i64],
    key: impl Fn(&C) -> i64,
) -> Vec<Vec<C>> {
    let slot: HashMap<i64, usize> = parent_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let mut out: Vec<Vec<C>> = (0..parent_ids.len()).map(|_| Vec::new()).collect();
    for c in children {
        if let Some(&i) = slot.get(&key(&c)) {
            out[i].push(c);
        }
    }
    out
}

impl Raw {
    pub(crate) fn open() -> anyhow::Result<Raw> {
        Ok(Raw {
            conn: open()?,
            new_users: Vec::new(),
            insert_sql: String::new(),
        })
    }
}

impl Side for Raw {
    fn reset(&mut self, script: &str) -> anyhow::Result<()> {
        self.conn = open()?;
        self.conn.execute_batch(script)?;
        self.new_users.clear();
        Ok(())
    }

    fn run(&mut self, w: Workload, n: usize) -> anyhow::Result<usize> {
        let conn = &self.conn;
        Ok(match w {
            Workload::Trivial => {
                let mut stmt = conn.prepare_cached("SELECT id, name, hair_color FROM users")?;
                let rows = stmt
                    .query_map([], |r| user(r, 0))?
                    .collect::<rusqlite::Result<Vec<User>>>()?;
                rows.len()
            }
            Workload::Medium => {
                let mut stmt = conn.prepare_cached(
                    "SELECT users.id, users.name, users.hair_color, posts.id, posts.user_id, posts.title, posts.body \
                     FROM users LEFT JOIN posts ON posts.user_id = users.id WHERE users.hair_color = ?",
                )?;
                let rows = stmt
                    .query_map(["black"], |r| {
                        let p = if r.get_ref(3)?.data_type() == rusqlite::types::Type::Null {
                            None
                        } else {
                            Some(post(r, 3)?)
                        };
                        Ok((user(r, 0)?, p))
                    })?
                    .collect::<rusqlite::Result<Vec<(User, Option<Post>)>>>()?;
                rows.len()
            }
            Workload::Insert => {
                if self.new_users.len() != n {
                    (self.new_users, self.insert_sql) = insert_rows(n);
                }
                let mut stmt = conn.prepare_cached(&self.insert_sql)?;
                let params = self.new_users.iter().flat_map(|(name, hair)| {
                    [name as &dyn rusqlite::ToSql, hair as &dyn rusqlite::ToSql]
                });
                stmt.execute(params_from_iter(params))?
            }
            Workload::Associations => {
                let users = {
                    let mut stmt = conn.prepare_cached("SELECT id, name, hair_color FROM users")?;
                    stmt.query_map([], |r| user(r, 0))?
                        .collect::<rusqlite::Result<Vec<User>>>()?
                };
                let user_ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let posts = {
                    let sql = format!(
                        "SELECT id, user_id, title, body FROM posts WHERE user_id IN ({})",
                        in_list(user_ids.len())
                    );
                    let mut stmt = conn.prepare_cached(&sql)?;
                    stmt.query_map(params_from_iter(&user_ids), |r| post(r, 0))?
                        .collect::<rusqlite::Result<Vec<Post>>>()?
                };
                let post_ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
                let comments = {
                    let sql = format!(
                        "SELECT id, post_id, text FROM comments WHERE post_id IN ({})",
                        in_list(post_ids.len())
                    );
                    let mut stmt = conn.prepare_cached(&sql)?;
                    stmt.query_map(params_from_iter(&post_ids), |r| {
                        Ok(Comment {
                            id: r.get(0)?,
                            post_id: r.get(1)?,
                            text: r.get(2)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<Comment>>>()?
                };
                tree_size(build_tree(users, posts, comments, &user_ids, &post_ids))
            }
        })
    }

    fn cleanup(&mut self, w: Workload) -> anyhow::Result<()> {
        if w == Workload::Insert {
            self.conn.execute("DELETE FROM users", [])?;
        }
        Ok(())
    }
}
