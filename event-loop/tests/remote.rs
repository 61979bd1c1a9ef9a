//! The cross-thread handle: closures run on the loop thread, stop works.

use std::thread;
use std::time::Duration;

use event_loop::{Error, EventLoop};

#[test]
fn closures_from_many_threads_all_run_on_the_loop_in_per_sender_order() {
    let mut ev: EventLoop<Vec<(usize, usize)>> = EventLoop::new().unwrap();
    let handle = ev.handle();
    let loop_thread = thread::current().id();
    let senders: Vec<_> = (0..4)
        .map(|t| {
            let handle = handle.clone();
            thread::spawn(move || {
                for i in 0..1000 {
                    handle
                        .run(move |_, log: &mut Vec<(usize, usize)>| log.push((t, i)))
                        .unwrap();
                }
            })
        })
        .collect();
    let stopper = {
        let handle = handle.clone();
        thread::spawn(move || {
            for s in senders {
                s.join().unwrap();
            }
            // Runs after every closure sent above: the queue is FIFO.
            handle
                .run(move |ev, _| {
                    assert_eq!(thread::current().id(), loop_thread);
                    ev.stop();
                })
                .unwrap();
        })
    };
    let mut log = Vec::new();
    ev.run(&mut log).unwrap();
    stopper.join().unwrap();
    assert_eq!(log.len(), 4000);
    for t in 0..4 {
        let mine: Vec<usize> = log.iter().filter(|e| e.0 == t).map(|e| e.1).collect();
        assert_eq!(mine, (0..1000).collect::<Vec<_>>());
    }
}

#[test]
fn stop_from_another_thread_wakes_a_sleeping_loop() {
    let mut ev: EventLoop<()> = EventLoop::new().unwrap();
    let handle = ev.handle();
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        handle.stop().unwrap();
    });
    // No events and no timers: only the waker can end this.
    ev.run(&mut ()).unwrap();
    t.join().unwrap();
}

#[test]
fn a_handle_outliving_its_loop_reports_it_gone() {
    let ev: EventLoop<()> = EventLoop::new().unwrap();
    let handle = ev.handle();
    drop(ev);
    assert!(matches!(handle.run(|_, _| {}), Err(Error::LoopGone)));
    assert!(matches!(handle.stop(), Err(Error::LoopGone)));
}

#[test]
fn the_handle_is_send_and_sync_whatever_the_state() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    // The state itself may be neither Send nor Sync: it never leaves the
    // loop thread; only closures (which must be Send) cross.
    assert_send_sync::<event_loop::LoopHandle<std::rc::Rc<std::cell::Cell<u8>>>>();
}
