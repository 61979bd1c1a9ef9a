//! Echo over real TCP sockets, with std blocking clients.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;

use event_loop::{BufferedConn, EventLoop};
use mio::net::TcpListener;

/// Start an echo server on its own thread; returns its address and a handle.
fn echo_server() -> (
    std::net::SocketAddr,
    event_loop::LoopHandle<usize>,
    thread::JoinHandle<usize>,
) {
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let join = thread::spawn(move || {
        let mut ev: EventLoop<usize> = EventLoop::new().unwrap();
        ev.listen(listener, |ev, accepted, stream, _| {
            *accepted += 1;
            let echo = |_: &mut EventLoop<usize>, _: &mut usize, conn: &mut BufferedConn| {
                let input = conn.input_mut().split();
                conn.write(&input);
            };
            ev.add_conn(stream, echo).unwrap();
        })
        .unwrap();
        tx.send(ev.handle()).unwrap();
        let mut accepted = 0;
        ev.run(&mut accepted).unwrap();
        accepted
    });
    (addr, rx.recv().unwrap(), join)
}

#[test]
fn echoes_lines_and_closes_after_peer_eof() {
    let (addr, handle, join) = echo_server();
    let mut client = TcpStream::connect(addr).unwrap();
    for i in 0..100 {
        let line = format!("line {i}\n");
        client.write_all(line.as_bytes()).unwrap();
        let mut back = vec![0; line.len()];
        client.read_exact(&mut back).unwrap();
        assert_eq!(back, line.as_bytes());
    }
    client.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert!(
        rest.is_empty(),
        "server closed after EOF with nothing pending"
    );
    handle.stop().unwrap();
    assert_eq!(join.join().unwrap(), 1);
}
