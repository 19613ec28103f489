//! A connection's socket whose writes fail once they have made no progress
//! for a set time, so a client that stops reading its response cannot hold a
//! connection slot for ever.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// `inner`, with writes (and flushes) that fail with `TimedOut` after `limit`
/// without progress. Reads pass through.
pub struct SendDeadline<S> {
    inner: S,
    limit: Duration,
    /// Armed while a write is blocked: fires `limit` after the first blocked poll.
    timer: Option<Pin<Box<Sleep>>>,
    armed: bool,
}

impl<S> SendDeadline<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, limit: Duration) -> SendDeadline<S> {
        SendDeadline {
            inner,
            limit,
            timer: None,
            armed: false,
        }
    }

    /// Turns a write's outcome into a timeout when it has been blocked too long.
    fn watch<T>(&mut self, cx: &mut Context<'_>, outcome: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if outcome.is_ready() {
            self.armed = false;
            return outcome;
        }
        if !self.armed {
            self.armed = true;
            let deadline = Instant::now() + self.limit;
            match &mut self.timer {
                Some(timer) => timer.as_mut().reset(deadline),
                None => self.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
        // Armed implies a timer.
        match self.timer.as_mut().map(|t| t.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => {
                self.armed = false;
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "the client read nothing of the response for {} s",
                        self.limit.as_secs_f64()
                    ),
                )))
            }
            _ => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for SendDeadline<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for SendDeadline<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(cx, outcome)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, outcome)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, outcome)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.watch(cx, outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test(start_paused = true)]
    async fn a_write_nobody_reads_times_out_and_a_read_one_does_not() {
        let (client, server) = tokio::io::duplex(64);
        let mut sending = SendDeadline::new(server, Duration::from_secs(5));
        sending.write_all(&[0; 64]).await.unwrap();
        let blocked = sending.write_all(&[0; 64]).await.unwrap_err();
        assert_eq!(blocked.kind(), io::ErrorKind::TimedOut);
        assert!(blocked.to_string().contains("for 5 s"), "{blocked}");
        drop(client);
    }

    #[tokio::test(start_paused = true)]
    async fn progress_rearms_the_deadline() {
        use tokio::io::AsyncReadExt;
        let (mut client, server) = tokio::io::duplex(16);
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 16];
            let mut total = 0;
            // Reads 16 bytes every 3 s: never 5 s without progress.
            while total < 64 {
                tokio::time::sleep(Duration::from_secs(3)).await;
                total += client.read(&mut buf).await.unwrap();
            }
            total
        });
        let mut sending = SendDeadline::new(server, Duration::from_secs(5));
        sending.write_all(&[1; 64]).await.unwrap();
        assert_eq!(reader.await.unwrap(), 64);
    }
}
