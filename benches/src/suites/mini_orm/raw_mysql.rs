//! The raw `mysql` crate side: hand-written SQL through the driver's
//! statement cache, rows read as tuples — what an ORM on MySQL cannot beat.
//! Same rows and result sizes as the rusqlite side (`raw.rs`), whose row
//! types and grouping it shares.

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Value};

use super::raw::{Comment, Post, User, build_tree, in_list, insert_rows};
use super::{Side, Workload, tree_size};

pub(crate) struct RawMysql {
    conn: Conn,
    new_users: Vec<(String, Option<String>)>,
    /// The multi-row INSERT for the current `n`, built once per case.
    insert_sql: String,
}

impl RawMysql {
    pub(crate) fn open(url: &str) -> anyhow::Result<RawMysql> {
        // The same statement cache size mini-orm asks for.
        let opts = OptsBuilder::from_opts(Opts::from_url(url)?).stmt_cache_size(256);
        Ok(RawMysql {
            conn: Conn::new(opts)?,
            new_users: Vec::new(),
            insert_sql: String::new(),
        })
    }
}

/// Runs a multi-statement script, reading every result so an error in any
/// statement is reported (dropping the result would discard it).
pub(crate) fn run_script(conn: &mut Conn, script: &str) -> anyhow::Result<()> {
    let mut result = conn.query_iter(script)?;
    while let Some(set) = result.iter() {
        for row in set {
            row?;
        }
    }
    Ok(())
}

fn ids(values: &[i64]) -> mysql::Params {
    mysql::Params::Positional(values.iter().map(|&i| Value::from(i)).collect())
}

type JoinRow = (
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

impl Side for RawMysql {
    fn reset(&mut self, script: &str) -> anyhow::Result<()> {
        run_script(&mut self.conn, script)?;
        self.new_users.clear();
        Ok(())
    }

    fn run(&mut self, w: Workload, n: usize) -> anyhow::Result<usize> {
        let conn = &mut self.conn;
        Ok(match w {
            Workload::Trivial => conn
                .exec_map(
                    "SELECT id, name, hair_color FROM users",
                    (),
                    |(id, name, hair_color)| User {
                        id,
                        name,
                        hair_color,
                    },
                )?
                .len(),
            Workload::Medium => conn
                .exec_map(
                    "SELECT users.id, users.name, users.hair_color, posts.id, posts.user_id, posts.title, posts.body \
                     FROM users LEFT JOIN posts ON posts.user_id = users.id WHERE users.hair_color = ?",
                    ("black",),
                    |(id, name, hair_color, pid, user_id, title, body): JoinRow| {
                        let post = match (pid, user_id, title) {
                            (Some(id), Some(user_id), Some(title)) => Some(Post {
                                id,
                                user_id,
                                title,
                                body,
                            }),
                            _ => None,
                        };
                        (
                            User {
                                id,
                                name,
                                hair_color,
                            },
                            post,
                        )
                    },
                )?
                .len(),
            Workload::Insert => {
                if self.new_users.len() != n {
                    (self.new_users, self.insert_sql) = insert_rows(n);
                }
                // The driver binds owned values: the copy is part of its cost.
                let params: Vec<Value> = self
                    .new_users
                    .iter()
                    .flat_map(|(name, hair)| [Value::from(name.as_str()), Value::from(hair.as_deref())])
                    .collect();
                conn.exec_drop(&self.insert_sql, mysql::Params::Positional(params))?;
                usize::try_from(conn.affected_rows())?
            }
            Workload::Associations => {
                let users: Vec<User> = conn.exec_map(
                    "SELECT id, name, hair_color FROM users",
                    (),
                    |(id, name, hair_color)| User {
                        id,
                        name,
                        hair_color,
                    },
                )?;
                let user_ids: Vec<i64> = users.iter().map(|u| u.id).collect();
                let sql = format!(
                    "SELECT id, user_id, title, body FROM posts WHERE user_id IN ({})",
                    in_list(user_ids.len())
                );
                let posts: Vec<Post> =
                    conn.exec_map(sql, ids(&user_ids), |(id, user_id, title, body)| Post {
                        id,
                        user_id,
                        title,
                        body,
                    })?;
                let post_ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
                let sql = format!(
                    "SELECT id, post_id, text FROM comments WHERE post_id IN ({})",
                    in_list(post_ids.len())
                );
                let comments: Vec<Comment> =
                    conn.exec_map(sql, ids(&post_ids), |(id, post_id, text)| Comment {
                        id,
                        post_id,
                        text,
                    })?;
                tree_size(build_tree(users, posts, comments, &user_ids, &post_ids))
            }
        })
    }

    fn cleanup(&mut self, w: Workload) -> anyhow::Result<()> {
        if w == Workload::Insert {
            self.conn.exec_drop("DELETE FROM users", ())?;
        }
        Ok(())
    }
}
