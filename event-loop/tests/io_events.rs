//! Raw I/O registrations over Unix socketpairs: callbacks, removal from
//! inside callbacks, activation, priorities, interest changes.

use std::io::{Read, Write};
use std::time::Duration;

use event_loop::{Builder, EventLoop, Interest, IoId, Ready};
use mio::net::UnixStream;

fn pair() -> (UnixStream, UnixStream) {
    UnixStream::pair().unwrap()
}

/// Run turns until `done` or a bounded number of turns passed.
fn turn_until<S: 'static>(ev: &mut EventLoop<S>, s: &mut S, done: impl Fn(&S) -> bool) {
    for _ in 0..200 {
        if done(s) {
            return;
        }
        ev.run_once(s, Some(Duration::from_millis(20))).unwrap();
    }
    panic!("condition not reached in 200 turns");
}

#[test]
fn owned_source_callback_reads_what_was_written() {
    let (a, mut b) = pair();
    let mut ev: EventLoop<Vec<u8>> = EventLoop::new().unwrap();
    ev.register_owned(a, Interest::READABLE, |_, got, a, _| {
        let mut buf = [0u8; 64];
        while let Ok(n) = a.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
    })
    .unwrap();
    b.write_all(b"ping").unwrap();
    let mut got = Vec::new();
    turn_until(&mut ev, &mut got, |g| g.len() == 4);
    assert_eq!(got, b"ping");
}

/// State for the removal tests: the two ids and who ran.
#[derive(Default)]
struct Two {
    ids: Vec<IoId>,
    ran: Vec<usize>,
}

#[test]
fn a_callback_removing_another_ready_event_prevents_its_callback_in_the_same_turn() {
    let (a, mut a_peer) = pair();
    let (b, mut b_peer) = pair();
    let mut ev: EventLoop<Two> = EventLoop::new().unwrap();
    let mut two = Two::default();
    for (n, source) in [a, b].into_iter().enumerate() {
        let id = ev
            .register_owned(
                source,
                Interest::READABLE,
                move |ev, two: &mut Two, _, event| {
                    two.ran.push(n);
                    // Remove every other event, then ourselves.
                    for &other in two.ids.clone().iter() {
                        if other != event.id {
                            let _ = ev.remove(other);
                        }
                    }
                    ev.remove(event.id).unwrap();
                },
            )
            .unwrap();
        two.ids.push(id);
    }
    a_peer.write_all(b"x").unwrap();
    b_peer.write_all(b"x").unwrap();
    std::thread::sleep(Duration::from_millis(10));
    ev.run_once(&mut two, Some(Duration::from_millis(100)))
        .unwrap();
    assert_eq!(
        two.ran.len(),
        1,
        "the second callback must not run: {:?}",
        two.ran
    );
    assert_eq!(ev.io_len(), 0);
    for id in two.ids {
        assert!(!ev.contains(id));
    }
}

#[test]
fn removing_the_current_event_from_its_callback_and_registering_a_new_one_reuses_the_slot_safely() {
    let (a, mut a_peer) = pair();
    let mut ev: EventLoop<Vec<&'static str>> = EventLoop::new().unwrap();
    let first = ev
        .register_owned(a, Interest::READABLE, |ev, log, _, event| {
            log.push("first");
            ev.remove(event.id).unwrap();
            // The freed slot is reused at once, with a new generation.
            let (c, _c_peer) = UnixStream::pair().unwrap();
            let id = ev
                .register_owned(c, Interest::READABLE, |_, log: &mut Vec<&str>, _, _| {
                    log.push("new")
                })
                .unwrap();
            assert_eq!(id.index(), event.id.index());
            assert_ne!(id, event.id);
            std::mem::forget(_c_peer);
        })
        .unwrap();
    a_peer.write_all(b"x").unwrap();
    let mut log = Vec::new();
    turn_until(&mut ev, &mut log, |l| !l.is_empty());
    assert!(!ev.contains(first));
    assert_eq!(
        ev.remove(first).unwrap_err().to_string(),
        format!("unknown or removed event {first}")
    );
    assert_eq!(log, ["first"]);
    assert_eq!(ev.io_len(), 1);
}

#[test]
fn activate_runs_a_callback_next_turn_without_io() {
    let (a, _peer) = pair();
    let mut ev: EventLoop<Vec<Ready>> = EventLoop::new().unwrap();
    let id = ev
        .register_owned(a, Interest::READABLE, |_, log, _, event| {
            log.push(event.ready)
        })
        .unwrap();
    ev.activate(id, Ready::WRITABLE);
    let mut log = Vec::new();
    // A zero-wait turn must not block even though the socket is idle.
    ev.run_once(&mut log, None).unwrap();
    assert_eq!(log, [Ready::WRITABLE]);
}

#[test]
fn lower_priority_numbers_run_first_within_a_turn() {
    let mut ev: EventLoop<Vec<u8>> = Builder::default().priorities(3).build().unwrap();
    let mut peers = Vec::new();
    let mut ids = Vec::new();
    for priority in [2u8, 1, 0, 2, 0] {
        let (a, peer) = pair();
        peers.push(peer);
        let id = ev
            .register_owned(a, Interest::READABLE, move |_, log, _, _| {
                log.push(priority)
            })
            .unwrap();
        ev.set_priority(id, priority).unwrap();
        ids.push(id);
    }
    assert!(ev.set_priority(ids[0], 3).is_err());
    for id in &ids {
        ev.activate(*id, Ready::READABLE);
    }
    let mut log = Vec::new();
    ev.run_once(&mut log, Some(Duration::ZERO)).unwrap();
    assert_eq!(log, [0, 0, 1, 2, 2]);
}

#[test]
fn set_interest_to_writable_reports_writability() {
    let (a, _peer) = pair();
    let mut ev: EventLoop<Vec<bool>> = EventLoop::new().unwrap();
    let id = ev
        .register_owned(a, Interest::READABLE, |_, log, _, event| {
            log.push(event.is_writable())
        })
        .unwrap();
    ev.set_interest(id, Interest::WRITABLE).unwrap();
    let mut log = Vec::new();
    turn_until(&mut ev, &mut log, |l| !l.is_empty());
    assert_eq!(log, [true]);
}

#[test]
fn borrowed_sources_live_in_the_state_and_deregister_cleanly() {
    struct State {
        sock: UnixStream,
        id: Option<IoId>,
        got: usize,
    }
    let (a, mut peer) = pair();
    let mut ev: EventLoop<State> = EventLoop::new().unwrap();
    let mut state = State {
        sock: a,
        id: None,
        got: 0,
    };
    let id = ev
        .register(
            &mut state.sock,
            Interest::READABLE,
            |ev, st: &mut State, event| {
                let mut buf = [0u8; 16];
                while let Ok(n) = st.sock.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    st.got += n;
                }
                if st.got >= 3 {
                    ev.deregister(&mut st.sock, event.id).unwrap();
                }
            },
        )
        .unwrap();
    state.id = Some(id);
    peer.write_all(b"abc").unwrap();
    turn_until(&mut ev, &mut state, |s| s.got == 3);
    assert!(!ev.contains(id));
    assert_eq!(ev.io_len(), 0);
}

#[test]
fn an_owned_event_changes_its_own_interest_through_the_source_it_was_given() {
    let (a, mut peer) = pair();
    let mut ev: EventLoop<Vec<bool>> = EventLoop::new().unwrap();
    ev.register_owned(a, Interest::READABLE, |ev, log, sock, event| {
        log.push(event.is_writable());
        if log.len() == 1 {
            // `set_interest` cannot reach a running event's source ...
            assert!(matches!(
                ev.set_interest(event.id, Interest::WRITABLE),
                Err(event_loop::Error::Running(_))
            ));
            // ... but the callback holds it.
            ev.reregister(sock, event.id, Interest::WRITABLE).unwrap();
        }
    })
    .unwrap();
    peer.write_all(b"x").unwrap();
    let mut log = Vec::new();
    turn_until(&mut ev, &mut log, |l| l.len() >= 2);
    assert_eq!(log[..2], [false, true]);
}

/// State for the function-callback test: sources indexed by the argument.
struct Socks {
    socks: Vec<UnixStream>,
    got: Vec<(u64, u8)>,
}

fn on_sock(ev: &mut EventLoop<Socks>, st: &mut Socks, event: event_loop::IoEvent, arg: u64) {
    let mut b = [0u8; 1];
    while let Ok(1) = st.socks[arg as usize].read(&mut b) {
        st.got.push((arg, b[0]));
    }
    if st.got.len() == 2 {
        ev.remove(event.id).unwrap(); // removing itself works here too
    }
}

#[test]
fn function_callbacks_get_their_argument_and_can_remove_themselves() {
    let (a, mut a_peer) = pair();
    let (b, mut b_peer) = pair();
    let mut ev: EventLoop<Socks> = EventLoop::new().unwrap();
    let mut st = Socks {
        socks: vec![a, b],
        got: Vec::new(),
    };
    let id_a = ev
        .register_fn(&mut st.socks[0], Interest::READABLE, on_sock, 0)
        .unwrap();
    ev.register_fn(&mut st.socks[1], Interest::READABLE, on_sock, 1)
        .unwrap();
    assert!(matches!(
        ev.set_interest(id_a, Interest::WRITABLE),
        Err(event_loop::Error::SourceNotOwned(_))
    ));
    a_peer.write_all(b"A").unwrap();
    turn_until(&mut ev, &mut st, |s| s.got.len() == 1);
    b_peer.write_all(b"B").unwrap();
    turn_until(&mut ev, &mut st, |s| s.got.len() == 2);
    assert_eq!(st.got, [(0, b'A'), (1, b'B')]);
    assert_eq!(ev.io_len(), 1);
    assert!(ev.contains(id_a));
}
