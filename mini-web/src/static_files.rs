//! Serving files from a directory: `Content-Type` by extension, `ETag` with
//! `If-None-Match` (304), single `Range` requests (206/416), and no way out
//! of the directory. Mirrors tower-http's `ServeDir` (which axum users mount)
//! and gin's `router.Static`.
//!
//! ```no_run
//! use mini_web::{Router, router::get, static_files::serve_dir};
//! let app: Router = Router::new().route("/static/{*path}", get(serve_dir("./public")));
//! ```
//!
//! Path traversal is refused twice: lexically (a `..`, `.`, backslash, NUL or
//! empty segment in the decoded path → 404), then physically (the resolved
//! file must lie under the canonical root, so a symlink cannot lead out).
//! Files up to [`BUFFER_UP_TO`] are read whole (one read, and the gzip layer
//! can compress them in place); larger ones are streamed in 64 KiB chunks
//! as the client takes them ([`BodyStream::from_reader`]), so serving a
//! 1 GB file to ten clients holds a few chunks each, not ten gigabytes.
//! `sendfile(2)` would save the copy through user space; it is not used
//! (tokio has no portable zero-copy path, and nothing measured here yet
//! says the copy matters next to the rest of a request).

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use crate::Request;
use crate::extract::percent_decode;
use crate::handler::BoxFuture;
use crate::http::StatusCode;
use crate::response::Response;
use crate::stream::BodyStream;

/// Files (or ranges) up to this size are read whole; larger ones stream.
pub const BUFFER_UP_TO: u64 = 64 * 1024;

/// A handler serving files under `root`; mount it on a route ending in `{*path}`.
pub fn serve_dir(
    root: impl Into<PathBuf>,
) -> impl Fn(Request) -> BoxFuture + Clone + Send + Sync + 'static {
    let root = Arc::new(root.into());
    move |req: Request| {
        let root = root.clone();
        Box::pin(async move { serve(&root, &req).await })
    }
}

fn not_found() -> Response {
    Response::text(StatusCode::NOT_FOUND, "not found")
}

/// The file's path under `root` for the captured `raw` path, or `None` if it
/// would leave `root`.
pub fn resolve(root: &Path, raw: &str) -> Option<PathBuf> {
    let decoded = percent_decode(raw)?;
    let mut path = root.to_path_buf();
    for segment in decoded.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.contains(['\\', '\0'])
        {
            return None;
        }
        // A segment must stay one normal component (no `C:` or root on any platform).
        let mut comps = Path::new(segment).components();
        if !matches!(
            (comps.next(), comps.next()),
            (Some(Component::Normal(_)), None)
        ) {
            return None;
        }
        path.push(segment);
    }
    Some(path)
}

async fn serve(root: &Path, req: &Request) -> Response {
    let raw = req.params().last().map(|(_, v)| v).unwrap_or("");
    let Some(path) = resolve(root, raw) else {
        return not_found();
    };
    // Physical check: symlinks must not lead outside the root.
    let (Ok(real_root), Ok(real)) = (
        tokio::fs::canonicalize(root).await,
        tokio::fs::canonicalize(&path).await,
    ) else {
        return not_found();
    };
    if !real.starts_with(&real_root) {
        return not_found();
    }
    let Ok(meta) = tokio::fs::metadata(&real).await else {
        return not_found();
    };
    if !meta.is_file() {
        return not_found();
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let etag = format!("\"{:x}-{:x}\"", meta.len(), mtime);
    if let Some(inm) = req.header_str("if-none-match")
        && inm
            .split(',')
            .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
    {
        return Response::new(StatusCode::NOT_MODIFIED).with_header("etag", etag);
    }
    let len = meta.len();
    let mut res = Response::new(StatusCode::OK)
        .with_header("content-type", content_type(&real))
        .with_header("etag", etag)
        .with_header("accept-ranges", "bytes");
    let (start, end) = match req.header_str("range").map(|r| parse_range(r, len)) {
        Some(Range::Satisfiable(start, end)) => {
            res.status = StatusCode::PARTIAL_CONTENT;
            res.set_header("content-range", format!("bytes {start}-{end}/{len}"));
            (start, end + 1)
        }
        Some(Range::Unsatisfiable) => {
            return Response::new(StatusCode::RANGE_NOT_SATISFIABLE)
                .with_header("content-range", format!("bytes */{len}"));
        }
        Some(Range::Ignored) | None => (0, len),
    };
    match body_of(&real, start, end - start).await {
        Ok(Body::Whole(bytes)) => res.body = bytes,
        Ok(Body::Stream(stream)) => res.stream = Some(stream),
        Err(_) => return not_found(),
    }
    res
}

/// A file's bytes, in hand or to stream.
enum Body {
    Whole(bytes::Bytes),
    Stream(BodyStream),
}

/// Bytes `start..start + n` of the file at `path`.
async fn body_of(path: &Path, start: u64, n: u64) -> std::io::Result<Body> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut file = tokio::fs::File::open(path).await?;
    if start > 0 {
        file.seek(std::io::SeekFrom::Start(start)).await?;
    }
    if n > BUFFER_UP_TO {
        return Ok(Body::Stream(BodyStream::from_reader(file, n)));
    }
    let mut buf = Vec::with_capacity(n as usize);
    file.take(n).read_to_end(&mut buf).await?;
    Ok(Body::Whole(buf.into()))
}

/// How a `Range` header applies to a representation of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Range {
    /// Serve bytes `start..=end`.
    Satisfiable(u64, u64),
    /// The range lies outside the representation: 416.
    Unsatisfiable,
    /// Not a single byte range we serve (several ranges, other units, syntax): send it all (RFC 9110 §14.2 allows ignoring).
    Ignored,
}

/// Parses `bytes=a-b`, `bytes=a-`, `bytes=-n` (RFC 9110 §14.1.2).
pub fn parse_range(header: &str, len: u64) -> Range {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Range::Ignored;
    };
    if spec.contains(',') {
        return Range::Ignored;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Range::Ignored;
    };
    let num = |s: &str| -> Option<u64> { if s.is_empty() { None } else { s.parse().ok() } };
    let (start, end) = match (num(a), num(b)) {
        (Some(start), Some(end)) if start <= end => (start, end.min(len.saturating_sub(1))),
        (Some(start), None) if b.is_empty() => (start, len.saturating_sub(1)),
        (None, Some(suffix)) if a.is_empty() && suffix > 0 => {
            (len.saturating_sub(suffix), len.saturating_sub(1))
        }
        _ => return Range::Ignored,
    };
    if len == 0 || start >= len {
        Range::Unsatisfiable
    } else {
        Range::Satisfiable(start, end)
    }
}

/// `Content-Type` from the file extension (the common web types).
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-4", 10), Range::Satisfiable(0, 4));
        assert_eq!(parse_range("bytes=5-", 10), Range::Satisfiable(5, 9));
        assert_eq!(parse_range("bytes=-3", 10), Range::Satisfiable(7, 9));
        assert_eq!(parse_range("bytes=8-100", 10), Range::Satisfiable(8, 9));
        assert_eq!(parse_range("bytes=10-", 10), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,3-4", 10), Range::Ignored);
        assert_eq!(parse_range("items=0-1", 10), Range::Ignored);
        assert_eq!(parse_range("bytes=4-2", 10), Range::Ignored);
    }

    #[test]
    fn traversal_is_refused_lexically() {
        let root = Path::new("/srv/www");
        assert_eq!(
            resolve(root, "css/site.css"),
            Some(PathBuf::from("/srv/www/css/site.css"))
        );
        for bad in [
            "../etc/passwd",
            "a/../../etc/passwd",
            "%2e%2e/etc/passwd",
            "a/%2E%2E/b",
            "./a",
            "a//b",
            "a\\..\\b",
            "a%00b",
            "%2fetc",
        ] {
            assert_eq!(resolve(root, bad), None, "{bad}");
        }
    }
}
