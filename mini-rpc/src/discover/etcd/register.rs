//! Keeps one key registered on a lease for as long as the task runs.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{Etcd, EtcdError};

/// Grants a lease, puts `key = value` on it, and renews it every `ttl / 3`
/// (so two renewals can be lost before it expires). When etcd says the
/// lease is gone — it expired while etcd or the network was down — starts
/// over with a new lease. The current lease id is kept in `lease`, for a
/// clean deregistration to revoke.
pub(super) async fn keep_registered(
    etcd: Etcd,
    key: String,
    value: String,
    ttl: Duration,
    lease: Arc<Mutex<Option<i64>>>,
) {
    let every = (ttl / 3).max(Duration::from_millis(100));
    loop {
        let id = match register(&etcd, &key, &value, ttl).await {
            Ok(id) => id,
            Err(e) => {
                tracing::warn!(%key, error = %e, "etcd registration failed; will retry");
                tokio::time::sleep(every).await;
                continue;
            }
        };
        *lease.lock().unwrap_or_else(PoisonError::into_inner) = Some(id);
        tracing::info!(%key, lease = id, "registered in etcd");
        loop {
            tokio::time::sleep(every).await;
            match etcd.keep_alive(id).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(%key, lease = id, "lease lost; registering again");
                    break;
                }
                // etcd unreachable: keep renewing the same lease; if it
                // expired meanwhile, etcd says so once it is back.
                Err(e) => tracing::warn!(%key, error = %e, "lease keep-alive failed; will retry"),
            }
        }
    }
}

async fn register(etcd: &Etcd, key: &str, value: &str, ttl: Duration) -> Result<i64, EtcdError> {
    let id = etcd.grant(ttl).await?;
    etcd.put(key, value, Some(id)).await?;
    Ok(id)
}
