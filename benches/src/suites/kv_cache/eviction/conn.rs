//! A blocking RESP connection for the timed parts of the bench: it writes
//! a batch of encoded commands at once and hands back replies one by one,
//! framed by the stress tool's [`reply_len`], without an allocation per
//! reply. Every read has a timeout, so a server that stops answering ends
//! the measurement with an error instead of hanging it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, bail};

use crate::stress::resp::reply_len;
use crate::suites::kv_cache::servers::Resp;

/// How long a reply may take before the run is abandoned (a `DEL` of a
/// large value on a slow server takes seconds, never this long).
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// One connection: commands are appended to a batch, sent, and their
/// replies read in order.
pub(crate) struct Conn {
    stream: TcpStream,
    /// Commands encoded and not yet sent.
    out: Vec<u8>,
    /// Bytes read: `inbuf[head..tail]` is not yet handed out.
    inbuf: Vec<u8>,
    head: usize,
    tail: usize,
}

impl Conn {
    /// Connects to `addr`, Nagle off.
    pub(crate) fn connect(addr: SocketAddr) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
        Ok(Conn {
            stream,
            out: Vec::with_capacity(64 * 1024),
            inbuf: vec![0; 64 * 1024],
            head: 0,
            tail: 0,
        })
    }

    /// Appends one command to the batch.
    pub(crate) fn push(&mut self, args: &[&[u8]]) {
        Resp::encode(&mut self.out, args);
    }

    /// Sends the batch.
    pub(crate) fn send(&mut self) -> anyhow::Result<()> {
        self.stream
            .write_all(&self.out)
            .context("sending commands")?;
        self.out.clear();
        Ok(())
    }

    /// The next whole reply, its type byte first.
    pub(crate) fn reply(&mut self) -> anyhow::Result<&[u8]> {
        loop {
            if let Some(len) = reply_len(&self.inbuf[self.head..self.tail], 0)? {
                let start = self.head;
                self.head += len;
                return Ok(&self.inbuf[start..start + len]);
            }
            // Keep the partial reply at the front; grow for a big one.
            self.inbuf.copy_within(self.head..self.tail, 0);
            self.tail -= self.head;
            self.head = 0;
            if self.tail == self.inbuf.len() {
                self.inbuf.resize(self.inbuf.len() * 2, 0);
            }
            let n = self
                .stream
                .read(&mut self.inbuf[self.tail..])
                .context("waiting for a reply")?;
            if n == 0 {
                bail!("the server closed the connection");
            }
            self.tail += n;
        }
    }

    /// Reads a `+OK`, or fails with the server's error text.
    pub(crate) fn expect_ok(&mut self, what: &str) -> anyhow::Result<()> {
        match self.reply()? {
            b"+OK\r\n" => Ok(()),
            other => bail!("{what}: {}", text(other)),
        }
    }

    /// Reads an integer reply (`DEL`'s count, `DBSIZE`).
    pub(crate) fn integer(&mut self, what: &str) -> anyhow::Result<i64> {
        let reply = self.reply()?;
        reply
            .strip_prefix(b":")
            .and_then(|r| std::str::from_utf8(r).ok())
            .and_then(|r| r.trim_end().parse().ok())
            .with_context(|| format!("{what}: {}", text(reply)))
    }

    /// Sends one command and returns its integer reply.
    pub(crate) fn call_integer(&mut self, args: &[&[u8]]) -> anyhow::Result<i64> {
        self.push(args);
        self.send()?;
        let what = String::from_utf8_lossy(args[0]).into_owned();
        self.integer(&what)
    }
}

/// A reply as a line for an error message (`-OOM command not allowed ...`).
pub(crate) fn text(reply: &[u8]) -> String {
    String::from_utf8_lossy(reply)
        .trim_end()
        .chars()
        .take(300)
        .collect()
}
