//! A small CRUD API over shared state: todos as JSON, under `/api`, with
//! logging, request ids, CORS and panic recovery.
//!
//! ```text
//! cargo run -p mini-web --example rest -- --port 8080
//! curl -v -H 'content-type: application/json' -d '{"title":"write notes"}' http://127.0.0.1:8080/api/todos
//! curl -v http://127.0.0.1:8080/api/todos
//! curl -v -X PUT -H 'content-type: application/json' -d '{"title":"write notes","done":true}' http://127.0.0.1:8080/api/todos/1
//! curl -v -X DELETE http://127.0.0.1:8080/api/todos/1
//! curl -v http://127.0.0.1:8080/api/todos/abc      # 400: path parameter `id`: cannot parse "abc" as u64
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use clap::Parser;
use mini_web::extract::{Json, Path, Query, State};
use mini_web::http::StatusCode;
use mini_web::middleware::{Cors, catch_panic, cors, logging, request_id};
use mini_web::router::get;
use mini_web::{IntoResponse, Response, Router, Server, runtime};
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(about = "mini-web rest: a todo CRUD API under /api")]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Worker threads: 1 = tokio current-thread runtime, more = multi-thread.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

#[derive(Clone, Serialize)]
struct Todo {
    id: u64,
    title: String,
    done: bool,
}

#[derive(Deserialize)]
struct NewTodo {
    title: String,
    #[serde(default)]
    done: bool,
}

#[derive(Deserialize)]
struct ListQuery {
    done: Option<bool>,
}

/// The shared state: a std `Mutex`, not tokio's, because no `.await`
/// happens while it is held.
#[derive(Clone, Default)]
struct Db {
    todos: Arc<Mutex<BTreeMap<u64, Todo>>>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

/// What the API answers when something is missing or the lock is poisoned.
enum ApiError {
    NotFound(u64),
    Poisoned,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::NotFound(id) => {
                (StatusCode::NOT_FOUND, format!("no todo {id}")).into_response()
            }
            ApiError::Poisoned => {
                (StatusCode::INTERNAL_SERVER_ERROR, "state lock poisoned").into_response()
            }
        }
    }
}

type Todos<'a> = std::sync::MutexGuard<'a, BTreeMap<u64, Todo>>;

fn lock(db: &Db) -> Result<Todos<'_>, ApiError> {
    db.todos.lock().map_err(|_| ApiError::Poisoned)
}

async fn list(
    State(db): State<Db>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<Todo>>, ApiError> {
    let todos = lock(&db)?;
    Ok(Json(
        todos
            .values()
            .filter(|t| q.done.is_none_or(|d| t.done == d))
            .cloned()
            .collect(),
    ))
}

async fn create(
    State(db): State<Db>,
    Json(new): Json<NewTodo>,
) -> Result<(StatusCode, Json<Todo>), ApiError> {
    let id = db.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    let todo = Todo {
        id,
        title: new.title,
        done: new.done,
    };
    lock(&db)?.insert(id, todo.clone());
    Ok((StatusCode::CREATED, Json(todo)))
}

async fn show(State(db): State<Db>, Path(id): Path<u64>) -> Result<Json<Todo>, ApiError> {
    lock(&db)?
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or(ApiError::NotFound(id))
}

async fn update(
    State(db): State<Db>,
    Path(id): Path<u64>,
    Json(new): Json<NewTodo>,
) -> Result<Json<Todo>, ApiError> {
    let mut todos = lock(&db)?;
    let todo = todos.get_mut(&id).ok_or(ApiError::NotFound(id))?;
    todo.title = new.title;
    todo.done = new.done;
    Ok(Json(todo.clone()))
}

async fn remove(State(db): State<Db>, Path(id): Path<u64>) -> Result<StatusCode, ApiError> {
    lock(&db)?
        .remove(&id)
        .map(|_| StatusCode::NO_CONTENT)
        .ok_or(ApiError::NotFound(id))
}

fn app() -> Router<Db> {
    Router::with_state(Db::default())
        .route("/", get(|| async { "todo API: try GET /api/todos" }))
        .group("/api", |api| {
            api.route("/todos", get(list).post(create))
                .route("/todos/{id}", get(show).put(update).delete(remove))
        })
        // CORS at the root: a preflight OPTIONS matches no route, so only
        // layers that also wrap the 404/405 answers can see it.
        .layer(cors(Cors::permissive()))
        .layer(request_id())
        .layer(logging())
        .layer(catch_panic())
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    runtime(args.threads)?.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
        println!(
            "mini-web rest on http://127.0.0.1:{}; try: curl -v http://127.0.0.1:{}/api/todos",
            args.port, args.port
        );
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        Server::new()
            .serve_with_shutdown(listener, app(), ctrl_c)
            .await?;
        Ok(())
    })
}
