//! `echo`: 64 connections doing 64-byte round trips over loopback, against
//! an echo server on our event loop and one on a tokio current-thread
//! runtime. Both servers run on a thread of their own in the runner's
//! process; the client is the same code for both.
//!
//! # Layout
//!
//! - [`client`]: the closed-loop mio client.
//! - [`server`]: the running-server handle and the thread CPU clock.
//! - [`ours_server`]: the echo server on `event-loop`.
//! - [`tokio_server`]: the echo server on tokio.

mod client;
mod ours_server;
mod server;
mod tokio_server;

use std::time::Duration;

use anyhow::{Context, bail};

use self::client::{CLIENT_THREADS, Load, MESSAGE};
use crate::runner::util::median;
use crate::runner::{Comparison, ExtraRow, Impl, Provenance, Sample, Skip, Target};

/// Connections.
const CLIENTS: usize = 64;
/// Round trips per connection.
const ROUND_TRIPS: usize = 10_000;
/// Round trips per connection in a `--quick` run.
const ROUND_TRIPS_QUICK: usize = 1_000;

/// The echo comparison.
#[derive(Debug, Default)]
pub(crate) struct Echo {
    /// Per measurement: impl, server thread CPU / wall, client thread CPU / wall.
    busy: Vec<(&'static str, f64, f64)>,
}

impl Echo {
    /// The load of case `<clients>x<round trips>`.
    fn load(case: &str) -> anyhow::Result<Load> {
        let (clients, round_trips) = case
            .split_once('x')
            .and_then(|(c, r)| Some((c.parse().ok()?, r.parse().ok()?)))
            .with_context(|| format!("bad echo case {case:?}"))?;
        Ok(Load {
            clients,
            round_trips,
        })
    }
}

impl Comparison for Echo {
    fn crate_name(&self) -> &'static str {
        "event-loop"
    }

    fn bench(&self) -> &'static str {
        "echo"
    }

    fn describe(&self) -> String {
        format!(
            "TCP echo over loopback: {CLIENTS} connections x {ROUND_TRIPS} round trips each \
             ({ROUND_TRIPS_QUICK} with --quick; the case is <connections>x<round trips>) of a \
             {MESSAGE}-byte message, one message in flight per connection. The client is the same \
             for both servers: {CLIENT_THREADS} threads on bare mio sharing the connections, \
             TCP_NODELAY — twice the server's threads, so that the single-threaded server is the \
             side that runs out. Throughput = round trips / time from the first send to the last \
             reply. Each server runs on one thread of its own in the runner's process with \
             TCP_NODELAY on accepted sockets. ours: {}. tokio: a current-thread runtime \
             (enable_io), a task per connection doing read into a 4 KiB buffer then write_all, as \
             in tokio's echo example. cpu_per_req: the server thread's CPU time \
             (CLOCK_THREAD_CPUTIME_ID, from its start to its stop, accepting included) per round trip. \
             The notes give the CPU time of the server thread and of the client threads (summed) over \
             the run's wall time, to show which side was busy.",
            ours_server::DESCRIPTION
        )
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        let round_trips = if quick {
            ROUND_TRIPS_QUICK
        } else {
            ROUND_TRIPS
        };
        vec![format!("{CLIENTS}x{round_trips}")]
    }

    fn targets(&self) -> Vec<Target> {
        vec![
            Target::at_least("tokio", "throughput", 1.0),
            Target::at_most("tokio", "cpu_per_req", 1.0),
        ]
    }

    fn prepare(
        &mut self,
        _quick: bool,
        _prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.busy.clear();
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: ours_server::DESCRIPTION.into(),
                },
                Impl {
                    name: "tokio",
                    config: "tokio current-thread runtime, task per connection".into(),
                },
            ],
            Vec::new(),
        ))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        _prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let load = Self::load(case)?;
        let (name, run, server_cpu) = serve_and_load(imp, load)?;
        let wall = run.wall.as_secs_f64();
        self.busy.push((
            name,
            server_cpu.as_secs_f64() / wall,
            run.cpu.as_secs_f64() / wall,
        ));
        let round_trips = (load.clients * load.round_trips) as f64;
        Ok(vec![
            Sample::new("throughput", round_trips / wall, "ops/s"),
            // The server thread's CPU clock (CLOCK_THREAD_CPUTIME_ID, ns) over its
            // whole life, accepting the connections included, per round trip.
            Sample::new(
                "cpu_per_req",
                server_cpu.as_secs_f64() * 1e6 / round_trips,
                "us",
            ),
        ])
    }

    fn extra(&mut self, _quick: bool, prov: &mut Provenance) -> anyhow::Result<Vec<ExtraRow>> {
        let per_impl: Vec<String> = ["ours", "tokio"]
            .iter()
            .map(|imp| {
                let of = |pick: fn(&(&str, f64, f64)) -> f64| {
                    let v: Vec<f64> = self.busy.iter().filter(|b| b.0 == *imp).map(pick).collect();
                    100.0 * median(&v)
                };
                format!(
                    "{imp}: server thread {:.0}%, client threads {:.0}%",
                    of(|b| b.1),
                    of(|b| b.2)
                )
            })
            .collect();
        prov.note(format!(
            "echo: thread CPU time / wall time of the run (median over rounds) — {}",
            per_impl.join(", ")
        ));
        Ok(Vec::new())
    }
}

/// Starts server `imp`, runs the client against it, stops the server
/// whatever the client's fate, and returns both sides' figures.
fn serve_and_load(
    imp: &str,
    load: Load,
) -> anyhow::Result<(&'static str, client::ClientRun, Duration)> {
    let (name, server) = match imp {
        "ours" => ("ours", ours_server::start()?),
        "tokio" => ("tokio", tokio_server::start()?),
        other => bail!("no echo server named {other:?}"),
    };
    let run = client::run(server.addr, load);
    let server_cpu = server.stop()?;
    Ok((name, run?, server_cpu))
}

/// `benches __child event-loop echo <impl> <clients>x<round trips>`: one
/// run in a process of its own, for looking at it from outside, e.g.
/// `strace -c -f` (the client's syscalls are the same for both servers, so
/// the difference between two such counts is the servers' difference).
pub(crate) fn child(args: &[String]) -> anyhow::Result<()> {
    let imp = args.first().context("missing <impl>")?;
    let load = Echo::load(args.get(1).context("missing <clients>x<round trips>")?)?;
    let (_, run, server_cpu) = serve_and_load(imp, load)?;
    let round_trips = (load.clients * load.round_trips) as f64;
    println!(
        "round_trips {round_trips} throughput {:.0} server_cpu_s {:.3} client_cpu_s {:.3}",
        round_trips / run.wall.as_secs_f64(),
        server_cpu.as_secs_f64(),
        run.cpu.as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_servers_echo_a_small_load() {
        assert_eq!(
            Echo::load("64x1000").unwrap(),
            Load {
                clients: 64,
                round_trips: 1000
            }
        );
        assert!(Echo::load("64").is_err());
        let mut cmp = Echo::default();
        let mut prov = Provenance::default();
        let (impls, skips) = cmp.prepare(true, &mut prov).unwrap();
        assert!(skips.is_empty());
        for imp in impls {
            let samples = cmp.measure("8x50", imp.name, &mut prov).unwrap();
            assert!(samples[0].value > 0.0, "{}: {samples:?}", imp.name);
            assert_eq!(samples[1].metric, "cpu_per_req");
            assert!(samples[1].value > 0.0, "{}: {samples:?}", imp.name);
        }
        cmp.extra(true, &mut prov).unwrap();
        assert!(
            prov.notes[0].starts_with("echo: thread CPU"),
            "{:?}",
            prov.notes
        );
    }
}
