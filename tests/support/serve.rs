//! Shared by the receiver tests: a receiver on free loopback ports over a temporary database,
//! and a minimal HTTP/1.1 client on a plain TCP stream (so tests control every byte sent).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fanout::serve::{Limits, Receiver, ReceiverEvent, ServeConfig, TraceLine};
use fanout::store::Store;

pub const PYDANTIC_PB: &str = "python__pydantic_ai__lost_update.otlp.pb";
pub const PYDANTIC_JSONL: &str = "python__pydantic_ai__lost_update.otlp.jsonl";

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A running receiver, its database and what it reported.
pub struct Running {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub receiver: Option<Receiver>,
    pub http: SocketAddr,
    pub grpc: SocketAddr,
    pub lines: Arc<Mutex<Vec<TraceLine>>>,
}

pub fn start(limits: Limits, token: Option<&str>) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db");
    start_in(dir, db, limits, token)
}

/// A receiver writing into `db` (a file path or a `postgres://` URL).
pub fn start_at(db: &str, limits: Limits, token: Option<&str>) -> Running {
    start_in(
        tempfile::tempdir().unwrap(),
        PathBuf::from(db),
        limits,
        token,
    )
}

fn start_in(dir: tempfile::TempDir, db: PathBuf, limits: Limits, token: Option<&str>) -> Running {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    let receiver = Receiver::start(
        ServeConfig {
            db: db.clone(),
            http: Some("127.0.0.1:0".parse().unwrap()),
            grpc: Some("127.0.0.1:0".parse().unwrap()),
            token: token.map(str::to_owned),
            follow: None,
            limits,
            catalog: Default::default(),
        },
        Box::new(move |e| {
            if let ReceiverEvent::Analyzed(line) = e {
                sink.lock().unwrap().push(line);
            }
        }),
    )
    .expect("receiver starts");
    let bound = receiver.bound();
    Running {
        dir,
        db,
        http: bound.http.unwrap(),
        grpc: bound.grpc.unwrap(),
        receiver: Some(receiver),
        lines,
    }
}

impl Running {
    /// (spans, traces) committed so far, read by another connection.
    pub fn counts(&self) -> (u64, u64) {
        Store::open_read_only(&self.db).unwrap().counts().unwrap()
    }

    pub fn stop(&mut self) -> fanout::serve::Stats {
        self.receiver
            .take()
            .unwrap()
            .shutdown()
            .expect("clean shutdown")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(r) = self.receiver.take() {
            let _ = r.shutdown();
        }
    }
}

/// An HTTP response: status, headers (lower-case names) and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// Sends one POST and reads the answer.
pub fn post(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut stream = connect(addr);
    write_head(&mut stream, path, headers, body.len());
    stream.write_all(body).unwrap();
    read_reply(&mut stream)
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s
}

pub fn write_head(stream: &mut TcpStream, path: &str, headers: &[(&str, &str)], len: usize) {
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {len}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
}

pub fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').unwrap();
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

pub fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

pub const PROTO: (&str, &str) = ("Content-Type", "application/x-protobuf");
pub const JSON: (&str, &str) = ("Content-Type", "application/json");
