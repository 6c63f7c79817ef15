//! What the receiver benchmarks share: starting a `fanout serve` on a free loopback port, and
//! sending one OTLP/HTTP export on a keep-alive connection the way exporters do.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};

/// `fanout serve --quiet` over OTLP/HTTP only, writing into `db` (a file or a URL); its later
/// stderr (the summary on exit) is shown when `echo`.
pub fn start_serve(db: &OsStr, echo: bool) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .arg("--db")
        .arg(db)
        .args(["serve", "--quiet", "--http", "127.0.0.1:0", "--grpc", "off"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fanout serve");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    std::thread::spawn(move || {
        if echo {
            std::io::copy(&mut stderr, &mut std::io::stderr())
        } else {
            std::io::copy(&mut stderr, &mut std::io::sink())
        }
    });
    (child, addr)
}

/// What the receiver answered one export.
pub struct Reply {
    pub status: u16,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    pub body: Vec<u8>,
}

/// Sends one export of `content_type` on `stream` and reads the answer from `reader` (a clone
/// of the stream).
pub fn export(
    stream: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
    content_type: &str,
    body: &[u8],
) -> Reply {
    let head = format!(
        "POST /v1/traces HTTP/1.1\r\nHost: bench\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let (mut len, mut retry_after) = (0usize, None);
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let l = line.trim_end().to_ascii_lowercase();
        if l.is_empty() {
            break;
        }
        if let Some(v) = l.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        if let Some(v) = l.strip_prefix("retry-after:") {
            retry_after = v.trim().parse().ok();
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    Reply {
        status,
        retry_after,
        body,
    }
}
