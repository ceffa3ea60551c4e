//! The upstream client over HTTPS, against the fake's TLS mode (a certificate generated at
//! start-up): trusted, a component's plain and streamed calls succeed over HTTP/2 (ALPN);
//! untrusted, the call fails as an unreachable upstream, before any request is sent; a dropped
//! h2 stream is reset (the upstream call is cancelled).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use parlance_core::FailureKind;
use parlance_providers::{HttpClient, Proxies};
use support::*;

#[tokio::test]
async fn an_openai_component_calls_a_tls_upstream_over_h2() {
    let fake = tls_fake().await;
    let provider = openai(&fake.url(), &trusting(&fake).build().unwrap());
    assert_eq!(plain(&*provider).await.unwrap(), "echo: hello over TLS");
    assert_eq!(streamed(&*provider).await.unwrap(), "echo: hello over TLS");
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r.version, http::Version::HTTP_2, "ALPN chose h2");
        assert_eq!(r.header("user-agent"), Some(concat!("parlance/", env!("CARGO_PKG_VERSION"))));
    }
    assert_eq!(requests[1].header("accept"), Some("text/event-stream"));
}

#[tokio::test]
async fn plain_http_stays_http1() {
    let fake = plain_fake().await;
    let client = HttpClient::builder().proxies(Proxies::none()).build().unwrap();
    assert_eq!(plain(&*openai(&fake.url(), &client)).await.unwrap(), "echo: hello over TLS");
    assert_eq!(fake.last_request().unwrap().version, http::Version::HTTP_11);
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_clear_connect_error() {
    let fake = tls_fake().await;
    let stranger = tls_fake().await;
    // Trusts another fake's CA only, and then the platform's roots: neither issued this one.
    for client in [
        trusting(&stranger).build().unwrap(),
        HttpClient::builder().proxies(Proxies::none()).build().unwrap(),
    ] {
        let provider = openai(&fake.url(), &client);
        for e in [plain(&*provider).await.unwrap_err(), streamed(&*provider).await.unwrap_err()] {
            assert_eq!(e.kind, FailureKind::Connect, "{e:?}");
            assert!(e.retryable);
            // UnknownIssuer; BadSignature for the other fake's CA, which has the same name.
            let why = e.message.strip_prefix("upstream unreachable: invalid peer certificate: ");
            assert!(matches!(why, Some("UnknownIssuer" | "BadSignature")), "{}", e.message);
            assert!(!e.message.contains("127.0.0.1"), "no URL in the error: {}", e.message);
        }
    }
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn a_refused_connection_is_unreachable_and_a_bad_url_fails_each_call() {
    let client = HttpClient::builder().proxies(Proxies::none()).build().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let e = plain(&*openai(&format!("https://{closed}"), &client)).await.unwrap_err();
    assert_eq!(e.kind, FailureKind::Connect);
    assert!(e.message.starts_with("upstream unreachable: "), "{}", e.message);
    let bad = openai("https://exa mple.com", &client);
    for _ in 0..2 {
        let e = plain(&*bad).await.unwrap_err();
        assert_eq!(e.kind, FailureKind::Connect);
        assert!(
            e.message.starts_with("upstream connection failed: invalid upstream URL"),
            "{}",
            e.message
        );
    }
}

#[tokio::test]
async fn the_connect_bound_is_a_timeout() {
    // A listener that never completes a TLS handshake: TCP connects, nothing answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let client = HttpClient::builder()
        .proxies(Proxies::none())
        .connect_timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    let e = plain(&*openai(&format!("https://{addr}"), &client)).await.unwrap_err();
    assert_eq!(e.kind, FailureKind::Timeout, "{e:?}");
    assert_eq!(e.message, "upstream did not answer in time");
    drop(silent);
}

#[tokio::test]
async fn dropping_a_stream_over_h2_resets_it_and_the_connection_serves_on() {
    let fake = tls_fake().await;
    let provider = openai(&fake.url(), &trusting(&fake).build().unwrap());
    fake.push_fault(parlance_fake::Fault::Pace {
        deltas: 64,
        every: std::time::Duration::from_millis(20),
    });
    let ctx = parlance_core::CallContext::default();
    let mut stream = provider.converse_stream(&hello(), &ctx).await.unwrap();
    futures::StreamExt::next(&mut stream).await.unwrap().unwrap();
    drop(stream);
    let stats = fake.stream_stats().pop().unwrap();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), stats.ended()).await;
    assert_eq!(ended.unwrap(), parlance_fake::StreamState::ClientClosed);
    assert!(stats.events_written() < 40, "{} events written", stats.events_written());
    assert_eq!(plain(&*provider).await.unwrap(), "echo: hello over TLS");
    assert_eq!(fake.last_request().unwrap().version, http::Version::HTTP_2);
}
