//! A blog on mini-orm: migrations, inserts, a query, eager loading and a
//! transaction, on an in-memory SQLite database (no setup).
//!
//!     cargo run -p mini-orm --example blog
//!
//! Try next: `RUST_LOG=mini_orm=trace cargo run -p mini-orm --example blog`
//! to see every SQL statement, or pass a file path (`-- blog.db`) to keep the
//! database and open it with `sqlite3 blog.db`.

use anyhow::Context;
use mini_orm::{BelongsTo, Db, Error, GroupedBy, Migration, Migrator, Model, group_by_key};

// ANCHOR: models
#[derive(Model, Debug, Clone)]
struct User {
    id: i64,
    #[orm(unique)]
    name: String,
    hair_color: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[orm(belongs_to(User, foreign_key = "user_id"))]
struct Post {
    id: i64,
    user_id: i64,
    title: String,
    body: String,
}

#[derive(Model, Debug, Clone)]
#[orm(belongs_to(Post, foreign_key = "post_id"))]
struct Comment {
    id: i64,
    post_id: i64,
    text: String,
}

// ANCHOR_END: models

// ANCHOR: migrations
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "users",
        up: "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, hair_color TEXT)",
    },
    Migration {
        version: 2,
        name: "posts",
        up: "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), \
             title TEXT NOT NULL, body TEXT NOT NULL);
             CREATE INDEX idx_posts_user_id ON posts (user_id);",
    },
    Migration {
        version: 3,
        name: "comments",
        up: "CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts(id), text TEXT NOT NULL);
             CREATE INDEX idx_comments_post_id ON comments (post_id);",
    },
];
// ANCHOR_END: migrations

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let db = match std::env::args().nth(1) {
        Some(path) => Db::open(&path).with_context(|| format!("opening {path}"))?,
        None => Db::open_in_memory()?,
    };
    let applied = Migrator::new(MIGRATIONS)?.run(&db)?;
    println!("migrations applied: {applied:?}");

    // Users, then posts and comments in one transaction: all or nothing.
    let mut users = vec![
        User {
            id: 0,
            name: "ada".into(),
            hair_color: Some("black".into()),
        },
        User {
            id: 0,
            name: "grace".into(),
            hair_color: None,
        },
        User {
            id: 0,
            name: "linus".into(),
            hair_color: Some("black".into()),
        },
    ];
    db.transaction(|db| {
        for u in &mut users {
            db.insert(u)?;
        }
        for (i, u) in users.iter().enumerate() {
            for j in 0..=i {
                let mut p = Post {
                    id: 0,
                    user_id: u.id,
                    title: format!("{}'s post #{j}", u.name),
                    body: "...".into(),
                };
                db.insert(&mut p)?;
                let mut comments: Vec<Comment> = (0..2)
                    .map(|k| Comment {
                        id: 0,
                        post_id: p.id,
                        text: format!("comment {k}"),
                    })
                    .collect();
                db.insert_many(&mut comments)?;
            }
        }
        Ok::<_, Error>(())
    })?;

    // ANCHOR: failed_tx
    // A failing transaction leaves nothing behind.
    let failed = db.transaction(|db| {
        db.insert(&mut User {
            id: 0,
            name: "temp".into(),
            hair_color: None,
        })?;
        db.insert(&mut User {
            id: 0,
            name: "ada".into(),
            hair_color: None,
        }) // duplicate name
    });
    println!(
        "duplicate insert: {}",
        failed.err().map_or("ok?".into(), |e| e.to_string())
    );
    println!("users now: {}", User::query().count(&db)?);
    // ANCHOR_END: failed_tx

    // A typed query.
    let black = User::query()
        .filter(User::HAIR_COLOR.eq("black"))
        .order_by(User::NAME.asc())
        .all(&db)?;
    println!(
        "black hair: {:?}",
        black.iter().map(|u| &u.name).collect::<Vec<_>>()
    );

    // ANCHOR: eager
    // Eager loading: three queries for the whole tree, never one per user.
    let before = db.statements_run();
    let users = User::query().order_by(User::ID.asc()).all(&db)?;
    let posts = Post::belonging_to(&users).all(&db)?;
    let comments = Comment::belonging_to(&posts).all(&db)?.grouped_by(&posts);
    let tree = users.iter().zip(group_by_key(
        posts.into_iter().zip(comments),
        &users,
        |(p, _)| Some(p.user_id),
    ));
    for (user, posts) in tree {
        println!("{} ({} posts)", user.name, posts.len());
        for (post, comments) in posts {
            println!("  {} — {} comments", post.title, comments.len());
        }
    }
    println!("statements for the tree: {}", db.statements_run() - before);
    // ANCHOR_END: eager
    Ok(())
}
