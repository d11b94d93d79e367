//! A minimal HTTP/1.1 client over a loopback TCP socket, for the tests to
//! drive the emulator's control API without an async runtime.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value as Json;

/// Sends one request and returns the status and the body parsed as JSON
/// (`Null` when the body is empty or not JSON).
pub fn request(addr: &str, method: &str, path: &str, body: Option<&Json>) -> (u16, Json) {
    request_with_key(addr, method, path, None, body)
}

/// [`request`] with `Authorization: Bearer <key>` when `key` is given, as
/// the Backend API wants.
pub fn request_with_key(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&Json>,
) -> (u16, Json) {
    let mut stream = TcpStream::connect(addr).expect("connect to the emulator");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let authorization = key
        .map(|key| format!("Authorization: Bearer {key}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{authorization}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, serde_json::from_str(&body).unwrap_or(Json::Null))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
