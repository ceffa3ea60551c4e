//! A tiny HTTP proxy for tests: `CONNECT host:port` tunnels and absolute-form forward
//! requests, each counted, on 127.0.0.1 only.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running proxy; dropping it stops accepting.
pub struct CountingProxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// `CONNECT` requests seen.
    pub connects: Arc<AtomicUsize>,
    /// Forward (absolute-form) requests seen, and their `Proxy-Authorization` values.
    pub forwards: Arc<std::sync::Mutex<Vec<Option<String>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CountingProxy {
    /// Binds a free port and serves.
    pub async fn start() -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connects = Arc::new(AtomicUsize::new(0));
        let forwards = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, f) = (connects.clone(), forwards.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, c.clone(), f.clone()));
            }
        });
        CountingProxy { url, connects, forwards, task }
    }

    /// `CONNECT`s so far.
    pub fn connect_count(&self) -> usize {
        self.connects.load(Ordering::SeqCst)
    }

    /// Forward requests so far.
    pub fn forward_count(&self) -> usize {
        self.forwards.lock().unwrap().len()
    }
}

async fn serve(
    mut client: TcpStream,
    connects: Arc<AtomicUsize>,
    forwards: Arc<std::sync::Mutex<Vec<Option<String>>>>,
) {
    let Some(head) = read_head(&mut client).await else { return };
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut words = text.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if method == "CONNECT" {
        connects.fetch_add(1, Ordering::SeqCst);
        let Ok(mut upstream) = TcpStream::connect(target).await else { return };
        if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_err() {
            return;
        }
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        return;
    }
    // Forward proxying: the request line names the origin; pass the bytes on unchanged.
    let auth = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("proxy-authorization: ").or(l.strip_prefix("Proxy-Authorization: "))
        })
        .map(str::to_string);
    forwards.lock().unwrap().push(auth);
    let Some(authority) = target.strip_prefix("http://").and_then(|t| t.split('/').next()) else {
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(authority).await else { return };
    if upstream.write_all(&head).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// The request head, up to and including the blank line (bytes after it stay unread).
async fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 || head.len() > 16 * 1024 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(head)
}
