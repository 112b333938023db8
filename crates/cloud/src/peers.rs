//! The server's accepted connections.
//!
//! - The per-client cap: each peer IP address may hold at most `max` connections to the
//!   server at once. A connection past the cap is closed as it is accepted, before any TLS
//!   or HTTP/2 work is spent on it; the client sees it closed (UNAVAILABLE). The count
//!   goes down when a connection ends, however it ends.
//! - Closing them all: once the shutdown grace period is over, cancelling the
//!   `close_all` token makes every connection's socket fail its next read or write (and
//!   wakes the connection to see it), so hyper ends the connection and drops the socket.
//!   tonic serves each connection on a task of its own, out of reach of the server task:
//!   without this an open connection would go on answering calls after shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_stream::{Stream, StreamExt};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::transport::server::{Connected, TcpConnectInfo};

/// Open connections per peer address, capped, and the token that closes them all.
#[derive(Clone)]
pub(crate) struct PeerLimit {
    max: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    close_all: CancellationToken,
}

impl PeerLimit {
    /// At most `max` connections per peer address; cancelling `close_all` closes every
    /// admitted connection.
    pub fn new(max: usize, close_all: CancellationToken) -> Self {
        Self {
            max,
            open: Arc::default(),
            close_all,
        }
    }

    /// The connections of `incoming` that are within the cap; the others are closed.
    pub fn admit(
        self,
        incoming: impl Stream<Item = io::Result<TcpStream>>,
    ) -> impl Stream<Item = io::Result<PeerConnection>> {
        incoming.filter_map(move |accepted| match accepted {
            Ok(stream) => {
                let ip = match stream.peer_addr() {
                    Ok(addr) => addr.ip(),
                    Err(e) => return Some(Err(e)),
                };
                match self.take(ip) {
                    Some(slot) => Some(Ok(PeerConnection {
                        stream,
                        _slot: slot,
                        closed: Box::pin(self.close_all.clone().cancelled_owned()),
                    })),
                    None => {
                        tracing::debug!(%ip, max = self.max, "connection refused: the peer holds as many connections as allowed");
                        None
                    }
                }
            }
            Err(e) => Some(Err(e)),
        })
    }

    /// A slot for one more connection from `ip`, if it holds fewer than the cap.
    fn take(&self, ip: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(ip).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Slot {
            limit: self.clone(),
            ip,
        })
    }
}

/// One admitted connection's place in the count, given back when dropped.
struct Slot {
    limit: PeerLimit,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.limit.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// An admitted connection: the TCP stream, holding its slot until it is dropped.
pub(crate) struct PeerConnection {
    stream: TcpStream,
    _slot: Slot,
    /// Ready once the server closes every connection.
    closed: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl PeerConnection {
    /// An error once the server has closed every connection. Polling registers the task
    /// to be woken when that happens, so a connection waiting on its socket sees it.
    fn check_open(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        match self.closed.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the server closed the connection at the end of its shutdown grace period",
            )),
            Poll::Pending => Ok(()),
        }
    }
}

impl Connected for PeerConnection {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.stream.connect_info()
    }
}

impl AsyncRead for PeerConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check_open(cx)?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for PeerConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check_open(cx)?;
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check_open(cx)?;
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check_open(cx)?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
