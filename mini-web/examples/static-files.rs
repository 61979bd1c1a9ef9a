//! Serves a directory under `/static/`, with ETag, Range and traversal checks.
//!
//! ```text
//! cargo run -p mini-web --example static-files -- --port 8080 --dir mini-web
//! curl -v http://127.0.0.1:8080/static/Cargo.toml
//! curl -v -H 'Range: bytes=0-9' http://127.0.0.1:8080/static/Cargo.toml
//! curl -v --path-as-is http://127.0.0.1:8080/static/../../etc/passwd    # 404
//! ```

use clap::Parser;
use mini_web::middleware::logging;
use mini_web::router::get;
use mini_web::static_files::serve_dir;
use mini_web::{Router, Server, runtime};

#[derive(Parser)]
#[command(about = "mini-web static-files: serve a directory under /static/")]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The directory to serve.
    #[arg(long, default_value = ".")]
    dir: std::path::PathBuf,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let app = Router::new()
        .route("/static/{*path}", get(serve_dir(args.dir.clone())))
        .layer(logging());
    runtime(1)?.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
        println!(
            "serving {} on http://127.0.0.1:{}/static/",
            args.dir.display(),
            args.port
        );
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        Server::new()
            .serve_with_shutdown(listener, app, ctrl_c)
            .await?;
        Ok(())
    })
}
