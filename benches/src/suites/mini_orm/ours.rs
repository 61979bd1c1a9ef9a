//! The mini-orm side: models from `#[derive(Model)]`, the query builder.

use mini_orm::{BelongsTo, Db, GroupedBy, Model, group_by_key};

use super::{Side, Workload, tree_size};

#[derive(Model, Debug, Clone)]
pub(crate) struct User {
    id: i64,
    name: String,
    hair_color: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[orm(belongs_to(User, foreign_key = "user_id"))]
pub(crate) struct Post {
    id: i64,
    user_id: i64,
    title: String,
    body: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[orm(belongs_to(Post, foreign_key = "post_id"))]
pub(crate) struct Comment {
    id: i64,
    post_id: i64,
    text: String,
}

/// A user with their posts, each with its comments.
type UserTree = (User, Vec<(Post, Vec<Comment>)>);

pub(crate) struct Ours {
    db: Db,
    /// Rows for `insert`, built outside the timer (as every side does).
    new_users: Vec<User>,
    /// On a server (MySQL), the connection is kept and the seed script
    /// drops and recreates the tables; on SQLite each reset opens a fresh
    /// in-memory database.
    server: bool,
}

impl Ours {
    pub(crate) fn open() -> anyhow::Result<Ours> {
        Ok(Ours {
            db: Db::open_in_memory()?,
            new_users: Vec::new(),
            server: false,
        })
    }

    /// mini-orm on the database `url` names (`mysql://...`).
    pub(crate) fn connect(url: &str) -> anyhow::Result<Ours> {
        Ok(Ours {
            db: Db::connect(url)?,
            new_users: Vec::new(),
            server: true,
        })
    }
}

impl Side for Ours {
    fn reset(&mut self, script: &str) -> anyhow::Result<()> {
        if !self.server {
            self.db = Db::open_in_memory()?;
        }
        self.db.execute_batch(script)?;
        self.new_users.clear();
        Ok(())
    }

    fn run(&mut self, w: Workload, n: usize) -> anyhow::Result<usize> {
        let db = &self.db;
        Ok(match w {
            Workload::Trivial => User::query().all(db)?.len(),
            Workload::Medium => User::query()
                .filter(User::HAIR_COLOR.eq("black"))
                .left_join::<Post>(Post::USER_ID.eq_col(User::ID))
                .all(db)?
                .len(),
            Workload::Insert => {
                if self.new_users.len() != n {
                    self.new_users = (0..n)
                        .map(|i| User {
                            id: 0,
                            name: format!("User {i}"),
                            hair_color: Some("hair_color".into()),
                        })
                        .collect();
                }
                db.insert_many(&mut self.new_users)?
            }
            Workload::Associations => {
                let users = User::query().all(db)?;
                let posts = Post::belonging_to(&users).all(db)?;
                let comments = Comment::belonging_to(&posts).all(db)?.grouped_by(&posts);
                let posts_by_user =
                    group_by_key(posts.into_iter().zip(comments), &users, |(p, _)| {
                        Some(p.user_id)
                    });
                let tree: Vec<UserTree> = users.into_iter().zip(posts_by_user).collect();
                tree_size(tree)
            }
        })
    }

    fn cleanup(&mut self, w: Workload) -> anyhow::Result<()> {
        if w == Workload::Insert {
            User::query().delete(&self.db)?;
        }
        Ok(())
    }
}
