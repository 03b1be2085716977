//! A response body written by blocking work as it goes: what it writes is sent, a chunk at a
//! time, through a small bounded channel to the response, so memory holds a few chunks whatever
//! the body's size. A reader that stops reading for longer than the deadline, or goes away,
//! makes the next write fail, and the work stops and gives back its database connection.

use std::io::{self, Write};
use std::time::Duration;

use actix_web::web::Bytes;
use tokio::sync::mpsc;

/// How many chunks wait between the writer and the reader.
const CHUNKS_IN_FLIGHT: usize = 4;

/// The writing end, for blocking work (it waits on the runtime's `handle`).
pub struct ChunkSender {
    chunks: mpsc::Sender<Result<Bytes, io::Error>>,
    handle: tokio::runtime::Handle,
    deadline: Duration,
}

/// A sender and the stream it feeds (a response body); a chunk the reader does not take within
/// `deadline` fails the write.
pub fn channel(
    handle: tokio::runtime::Handle,
    deadline: Duration,
) -> (
    ChunkSender,
    impl futures_util::Stream<Item = Result<Bytes, io::Error>> + 'static,
) {
    let (chunks, mut receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let sender = ChunkSender {
        chunks,
        handle,
        deadline,
    };
    (sender, futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx)))
}

impl ChunkSender {
    /// Ends the body with an error: the response is cut off, and the client sees it was.
    pub fn fail(self, why: &str) {
        let error = io::Error::other(why.to_owned());
        let _ = self
            .handle
            .block_on(tokio::time::timeout(self.deadline, self.chunks.send(Err(error))));
    }
}

impl Write for ChunkSender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let sent = self.handle.block_on(tokio::time::timeout(
            self.deadline,
            self.chunks.send(Ok(Bytes::copy_from_slice(buf))),
        ));
        match sent {
            Ok(Ok(())) => Ok(buf.len()),
            Ok(Err(_)) => Err(io::Error::new(io::ErrorKind::BrokenPipe, "the client went away")),
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn what_is_written_arrives_in_order_and_a_reader_gone_fails_the_writer() {
        let (mut sender, mut stream) = channel(tokio::runtime::Handle::current(), Duration::from_secs(5));
        let writer = tokio::task::spawn_blocking(move || {
            for i in 0..20u8 {
                sender.write_all(&[i; 1000]).unwrap();
            }
        });
        let mut got = Vec::new();
        while let Some(chunk) = stream.next().await {
            got.extend_from_slice(&chunk.unwrap());
        }
        writer.await.unwrap();
        assert_eq!(got.len(), 20_000);
        assert!(
            got.chunks(1000)
                .enumerate()
                .all(|(i, c)| c.iter().all(|b| *b as usize == i))
        );

        let (mut sender, stream) = channel(tokio::runtime::Handle::current(), Duration::from_secs(5));
        drop(stream);
        let failed = tokio::task::spawn_blocking(move || sender.write_all(b"x"))
            .await
            .unwrap();
        assert_eq!(failed.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_that_stops_reading_fails_the_writer_at_the_deadline() {
        let (mut sender, _stream) = channel(tokio::runtime::Handle::current(), Duration::from_millis(200));
        let failed =
            tokio::task::spawn_blocking(move || (0..CHUNKS_IN_FLIGHT + 1).try_for_each(|_| sender.write_all(b"chunk")))
                .await
                .unwrap();
        assert_eq!(failed.unwrap_err().kind(), io::ErrorKind::TimedOut);
    }
}
