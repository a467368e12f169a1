//! `sshfleet report html` in a real browser: headless Chromium opens the
//! page made from a report whose hosts carry markup, and what it rendered
//! (`--dump-dom`, after the page's own script ran) is checked: the names
//! shown as text, the counts, the filter of the link's `#status=`, no
//! script from the data run (it would set the title), and no request made
//! (a listener on loopback that the markup points at sees nothing, where
//! a control page without the page's policy does reach it).
//!
//! Without Chromium the test says so and passes, unless
//! SSHFLEET_REQUIRE_BROWSER=1 (CI sets it, and installs Debian's `chromium`).
//! SSHFLEET_CHROMIUM names another browser binary.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The browser, or None (the caller skips) when none is installed.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SSHFLEET_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| dirs.iter().map(move |dir| dir.join(name)))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("SSHFLEET_REQUIRE_BROWSER").is_none(),
            "SSHFLEET_REQUIRE_BROWSER is set and no chromium is installed (apt-get install chromium)"
        );
        eprintln!(
            "skipped: the HTML report's browser test needs Chromium (apt-get install chromium); CI always runs it"
        );
    }
    found
}

/// Connections accepted on a loopback port, each answered 404.
struct Listener {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Listener {
    fn start() -> Listener {
        let socket = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = socket.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        std::thread::spawn(move || {
            for stream in socket.incoming() {
                let Ok(mut stream) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = stream.read(&mut [0; 2048]);
                let _ = stream.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            }
        });
        Listener { port, hits }
    }
}

/// The DOM of `url` after its scripts ran, as headless Chromium dumps it.
fn dump_dom(browser: &Path, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            // Names resolve nowhere: the browser's own traffic stays off the
            // network, and only the loopback listener can be reached.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{browser:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A serialised DOM read as a reader's browser shows it: the elements (by
/// tag name, in order) and the text, entities decoded. Attribute values
/// (quoted) and the bodies of `script` and `style` are not text.
fn parse(dom: &str) -> (Vec<String>, String) {
    let (mut elements, mut text) = (Vec::new(), String::new());
    let mut rest = dom;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        rest = &rest[open + 1..];
        let mut quote = None;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let name = rest[..end]
            .split(char::is_whitespace)
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        rest = rest.get(end + 1..).unwrap_or("");
        if !name.starts_with(['/', '!']) {
            if name == "script" || name == "style" {
                let close = format!("</{name}>");
                rest = rest.find(&close).map_or("", |at| &rest[at..]);
            }
            elements.push(name);
        }
    }
    text.push_str(rest);
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    (elements, text)
}

fn host(name: &str, status: &str, start_ms: u64) -> serde_json::Value {
    serde_json::json!({
        "name": name, "status": status, "duration_ms": 2500, "facts": {},
        "findings": [], "actions": [], "error": null,
        "steps": [
            {"name": "connect", "start_ms": start_ms, "duration_ms": 400, "result": "ok"},
            {"name": "version", "start_ms": start_ms + 400, "duration_ms": 2100, "result": "ok"}
        ]
    })
}

#[test]
fn the_page_renders_hostile_names_as_text_runs_no_data_and_requests_nothing() {
    let Some(browser) = chromium() else { return };
    let listener = Listener::start();
    let port = listener.port;
    let hostile = [
        "<script>document.title='PWNED'</script>".to_string(),
        "<img src=x onerror=\"document.title='PWNED'\">".to_string(),
        format!("<img src=\"http://127.0.0.1:{port}/img\">\"quoted\" & 'single'"),
        format!("<link rel=stylesheet href=\"http://127.0.0.1:{port}/css\">"),
    ];
    let mut hosts: Vec<serde_json::Value> = hostile
        .iter()
        .enumerate()
        .map(|(i, name)| host(name, if i < 2 { "failed" } else { "ok" }, i as u64 * 300))
        .collect();
    hosts[0]["error"] =
        format!("step `version`: said <iframe src=\"http://127.0.0.1:{port}/frame\">").into();
    hosts[1]["findings"] = serde_json::json!([{
        "id": "ecs-token-403", "severity": "critical",
        "evidence": "<b>Critical</b>: ECS: Failed to regenerate token.",
        "message": "ecupdate force renews the certificate <script>document.title='PWNED'</script>"
    }]);
    hosts.push(host("esa05.example.com", "changed", 900));
    let report = serde_json::json!({
        "sshfleet_version": "0.1.0", "playbook": "esa-ecupdate",
        "inventory": [format!("<img src=\"http://127.0.0.1:{port}/inventory\">.yaml")],
        "limit": "'emea' \"<b>\"", "extra_vars": {"update_timeout": "5s"},
        "check_mode": false,
        "started_at": "2026-12-07T06:00:00Z", "finished_at": "2026-12-07T06:00:04Z",
        "interrupted": false,
        "summary": {"ok": 2, "changed": 1, "failed": 2, "unreachable": 0, "skipped": 0},
        "hosts": hosts
    });
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("hostile.json");
    let page = dir.path().join("hostile.html");
    std::fs::write(&json, report.to_string()).unwrap();
    let made = Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .args(["report", "html"])
        .arg(&json)
        .arg("--out")
        .arg(&page)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");

    let dom = dump_dom(
        &browser,
        &format!("file://{}#status=failed", page.display()),
    );
    // The page's own script ran (its hash is in the policy)...
    assert!(dom.contains("data-ready=\"1\""), "{dom}");
    // ...and nothing from the data did: the title is the page's, and the
    // only script and no image, link or frame are elements.
    assert!(
        dom.contains("<title>sshfleet report: esa-ecupdate (2026-12-07 06:00:00 UTC)</title>"),
        "{dom}"
    );
    let (elements, text) = parse(&dom);
    assert_eq!(elements.iter().filter(|e| *e == "script").count(), 1);
    for element in ["img", "link", "iframe", "b"] {
        assert!(!elements.iter().any(|e| e == element), "{element} in {dom}");
    }
    assert!(
        elements.iter().filter(|e| *e == "tr").count() > 5,
        "{elements:?}"
    );
    // Every name reads as it is, as text.
    for name in &hostile {
        assert!(text.contains(name.as_str()), "{name} not shown in {text}");
    }
    assert!(text.contains("'emea' \"<b>\""), "{text}");
    // The counts, and the view the link asked for.
    for (id, n) in [
        ("all", 5),
        ("ok", 2),
        ("changed", 1),
        ("failed", 2),
        ("unreachable", 0),
    ] {
        assert!(
            dom.contains(&format!("id=\"n-{id}\">{n}<")),
            "n-{id} in {dom}"
        );
    }
    assert!(text.contains("showing 2 of 5 hosts"), "{text}");
    assert!(
        text.contains("ecupdate force renews the certificate"),
        "{text}"
    );

    // No request reached the listener; a page without the policy does.
    assert_eq!(listener.hits.load(Ordering::SeqCst), 0);
    let control = dir.path().join("control.html");
    std::fs::write(
        &control,
        format!("<!DOCTYPE html><title>c</title><img src=\"http://127.0.0.1:{port}/control\">"),
    )
    .unwrap();
    dump_dom(&browser, &format!("file://{}", control.display()));
    assert!(
        listener.hits.load(Ordering::SeqCst) > 0,
        "the control page's request was not seen: the check above proves nothing"
    );
}
