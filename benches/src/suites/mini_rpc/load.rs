//! The closed-loop load generator shared by the three echo clients: `c`
//! tasks each call, wait for the reply, and call again, for a fixed time
//! after a warm-up. Latencies go into an HDR histogram in microseconds.

use std::future::Future;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// The warm-up and the measured window of one run.
pub(crate) fn windows(quick: bool) -> (Duration, Duration) {
    if quick {
        (Duration::from_millis(100), Duration::from_millis(400))
    } else {
        (Duration::from_millis(300), Duration::from_secs(2))
    }
}

/// What one run measured.
pub(crate) struct LoadResult {
    /// Calls completed per second in the measured window.
    pub(crate) throughput: f64,
    /// Median latency, us.
    pub(crate) p50: f64,
    /// 99th percentile latency, us.
    pub(crate) p99: f64,
}

/// Runs `concurrency` loops of `call(task_index)` for `warmup + measure`,
/// counting only calls that start after the warm-up and end before the end.
pub(crate) async fn closed_loop<F, Fut>(
    concurrency: usize,
    warmup: Duration,
    measure: Duration,
    call: F,
) -> anyhow::Result<LoadResult>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let start = Instant::now();
    let from = start + warmup;
    let until = from + measure;
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..concurrency {
        let call = call.clone();
        tasks.spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            let mut calls = 0u64;
            loop {
                let t0 = Instant::now();
                if t0 >= until {
                    break;
                }
                call(task).await?;
                let t1 = Instant::now();
                if t0 >= from && t1 <= until {
                    calls += 1;
                    hist.saturating_record(t1.duration_since(t0).as_micros().max(1) as u64);
                }
            }
            anyhow::Ok((calls, hist))
        });
    }
    let mut total = 0u64;
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    while let Some(joined) = tasks.join_next().await {
        let (calls, h) = joined??;
        total += calls;
        hist.add(h)?;
    }
    Ok(LoadResult {
        throughput: total as f64 / measure.as_secs_f64(),
        p50: hist.value_at_quantile(0.50) as f64,
        p99: hist.value_at_quantile(0.99) as f64,
    })
}
