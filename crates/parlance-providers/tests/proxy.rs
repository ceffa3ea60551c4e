//! Proxies: `https://` upstreams go through an HTTP proxy's `CONNECT` tunnel (TLS and ALPN end
//! to end inside it), plain `http://` ones through it as a forward proxy (with its
//! credentials), and `NO_PROXY` hosts bypass it — configured explicitly, and read from the
//! environment in a child process (environment variables are process-wide).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::process::Command;

use parlance_providers::{HttpClient, Proxies};
use support::proxy::CountingProxy;
use support::*;

#[tokio::test]
async fn https_goes_through_the_connect_tunnel() {
    let fake = tls_fake().await;
    let proxy = CountingProxy::start().await;
    let client = trusting(&fake).proxies(Proxies::new("", &proxy.url, "")).build().unwrap();
    let provider = openai(&fake.url(), &client);
    assert_eq!(plain(&*provider).await.unwrap(), "echo: hello over TLS");
    assert_eq!(streamed(&*provider).await.unwrap(), "echo: hello over TLS");
    assert_eq!(proxy.connect_count(), 1, "one tunnel, kept in the pool");
    assert_eq!(fake.last_request().unwrap().version, http::Version::HTTP_2);
}

#[tokio::test]
async fn no_proxy_hosts_bypass_it() {
    let fake = tls_fake().await;
    let proxy = CountingProxy::start().await;
    let rules = Proxies::new(&proxy.url, &proxy.url, "localhost,127.0.0.1");
    let provider = openai(&fake.url(), &trusting(&fake).proxies(rules).build().unwrap());
    assert_eq!(plain(&*provider).await.unwrap(), "echo: hello over TLS");
    assert_eq!((proxy.connect_count(), proxy.forward_count()), (0, 0));
}

#[tokio::test]
async fn plain_http_goes_through_a_forward_proxy_with_its_credentials() {
    let fake = plain_fake().await;
    let proxy = CountingProxy::start().await;
    let with_auth = proxy.url.replace("http://", "http://u:p@");
    let client = HttpClient::builder().proxies(Proxies::new(&with_auth, "", "")).build().unwrap();
    assert_eq!(plain(&*openai(&fake.url(), &client)).await.unwrap(), "echo: hello over TLS");
    assert_eq!(proxy.connect_count(), 0);
    assert_eq!(*proxy.forwards.lock().unwrap(), vec![Some("Basic dTpw".to_string())]);
    assert_eq!(fake.last_request().unwrap().path, "/v1/chat/completions");
}

#[tokio::test]
async fn a_dead_proxy_is_an_unreachable_upstream() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let fake = tls_fake().await;
    let rules = Proxies::new("", &format!("http://{closed}"), "");
    let provider = openai(&fake.url(), &trusting(&fake).proxies(rules).build().unwrap());
    let e = plain(&*provider).await.unwrap_err();
    assert_eq!(e.kind, parlance_core::FailureKind::Connect);
    assert!(e.message.starts_with("upstream unreachable: "), "{}", e.message);
}

/// The child's half of [`the_environment_picks_the_proxy_and_the_roots`]: the sidecar's own
/// client (`http_client()`, everything from the environment) calls `PARLANCE_TEST_UPSTREAM`.
#[tokio::test]
#[ignore = "run by the_environment_picks_the_proxy_and_the_roots in a child process"]
async fn child_calls_with_the_environment() {
    let url = std::env::var("PARLANCE_TEST_UPSTREAM").unwrap();
    let client = parlance_providers::http_client().unwrap();
    assert_eq!(plain(&*openai(&url, &client)).await.unwrap(), "echo: hello over TLS");
}

/// Runs the child test with exactly these proxy and certificate variables set.
fn child(vars: &[(&str, &str)]) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_calls_with_the_environment", "--ignored", "--test-threads=1"]);
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUEST_METHOD",
    ] {
        cmd.env_remove(name);
    }
    cmd.envs(vars.iter().copied());
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("1 passed"), "{vars:?}:\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_picks_the_proxy_and_the_roots() {
    let fake = tls_fake().await;
    let proxy = CountingProxy::start().await;
    let dir = std::env::temp_dir().join(format!("parlance-proxy-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, fake.ca_pem().unwrap()).unwrap();
    let (url, ca) = (fake.url(), ca.to_str().unwrap().to_string());
    let base = [("PARLANCE_TEST_UPSTREAM", url.as_str()), ("SSL_CERT_FILE", ca.as_str())];
    let run = |extra: &[(&'static str, &str)]| {
        let vars: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
        tokio::task::block_in_place(|| child(&vars));
    };
    run(&[("HTTPS_PROXY", proxy.url.as_str())]);
    assert_eq!(proxy.connect_count(), 1, "HTTPS_PROXY");
    run(&[("https_proxy", proxy.url.as_str())]);
    assert_eq!(proxy.connect_count(), 2, "https_proxy");
    run(&[("HTTPS_PROXY", proxy.url.as_str()), ("NO_PROXY", "127.0.0.1")]);
    run(&[("https_proxy", proxy.url.as_str()), ("no_proxy", "localhost,127.0.0.0/8")]);
    assert_eq!(proxy.connect_count(), 2, "NO_PROXY bypasses the proxy");
    run(&[]);
    assert_eq!(proxy.connect_count(), 2, "no proxy variable: direct");
    assert_eq!(fake.request_count(), 5, "SSL_CERT_FILE's CA trusted every time");
    let _ = std::fs::remove_dir_all(&dir);
}
