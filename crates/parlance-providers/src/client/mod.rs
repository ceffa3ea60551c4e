//! parlance's upstream HTTP client: hyper-util's pooled client on a connector of our own
//! (TCP, then an optional proxy, then rustls), with the sidecar's policy fixed in one place.
//!
//! The policy, unchanged from the reqwest client this replaced:
//! - no redirects are followed: no LLM API answers a `POST` with one, and following it would
//!   send the prompt (and, to the same host, the key) somewhere the operator did not configure;
//!   a 3xx reaches the provider's error mapping like any other status;
//! - no retries of our own: the resiliency policy decides what is retried (hyper alone re-sends
//!   a request that never left because the pooled connection it was given had just closed);
//! - connecting (DNS, TCP, the proxy tunnel and the TLS handshake together) is bounded by 10 s;
//!   idle connections are kept 90 s, at most 256 per host; TCP_NODELAY and keep-alive probes;
//! - `User-Agent: parlance/<version>` and `Accept: */*` unless the request set its own;
//! - over TLS, HTTP/2 or HTTP/1.1 is chosen by ALPN; plain `http://` is HTTP/1.1;
//! - `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (either case) are honoured
//!   ([`Proxies::from_env`]).

mod connect;
mod error;
mod proxy;
mod tls;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, PROXY_AUTHORIZATION, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::client::legacy;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use parlance_core::ProviderError;
use rustls::pki_types::CertificateDer;

pub use error::ClientError;
pub(crate) use error::{request_error, transport_error};
pub use proxy::Proxies;

use connect::Connector;

/// A request body: always whole (every provider serialises its JSON before sending).
pub(crate) type Body = Full<Bytes>;

/// `parlance/<version>`, sent unless a request names its own agent.
const AGENT: HeaderValue =
    HeaderValue::from_static(concat!("parlance/", env!("CARGO_PKG_VERSION")));
/// `*/*`, sent unless a request names what it accepts (as reqwest did).
const ANY: HeaderValue = HeaderValue::from_static("*/*");

/// How long connecting may take by default: DNS, TCP, proxy tunnel and TLS handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an idle pooled connection is kept.
const POOL_IDLE: Duration = Duration::from_secs(90);
/// Most idle connections kept per host.
const POOL_MAX_IDLE_PER_HOST: usize = 256;

/// The pooled upstream client every component shares. Cloning it is cheap and shares the pool.
#[derive(Clone)]
pub struct HttpClient {
    client: legacy::Client<Connector, Body>,
    shared: Arc<Shared>,
}

/// What every request gets besides its own headers.
struct Shared {
    /// Headers added to every request that does not set them (tests: the fake's flavour).
    headers: HeaderMap,
    /// The proxies, kept to add `Proxy-Authorization` to plain-HTTP requests sent through
    /// a forward proxy with credentials (`None` when no such proxy is configured).
    forward_auth: Option<Proxies>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

impl HttpClient {
    /// The sidecar's client: platform roots, proxies from the environment, default bounds.
    pub fn new() -> Result<HttpClient, ClientError> {
        HttpClient::builder().build()
    }

    /// A builder starting from the sidecar's defaults.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder {
            roots: Vec::new(),
            platform_roots: true,
            proxies: None,
            headers: HeaderMap::new(),
            connect_timeout: CONNECT_TIMEOUT,
        }
    }

    /// Sends `request` and waits for the response head; the body is left to the caller.
    pub(crate) async fn send(
        &self,
        mut request: Request<Body>,
    ) -> Result<Response<Incoming>, ProviderError> {
        self.decorate(&mut request);
        self.client.request(request).await.map_err(|e| transport_error(&e))
    }

    /// The headers every request carries unless it set them itself.
    fn decorate(&self, request: &mut Request<Body>) {
        let forward_auth = match &self.shared.forward_auth {
            Some(p) if request.uri().scheme_str() == Some("http") => p.forward_auth(request.uri()),
            _ => None,
        };
        let headers = request.headers_mut();
        headers.entry(USER_AGENT).or_insert(AGENT);
        headers.entry(ACCEPT).or_insert(ANY);
        for (name, value) in &self.shared.headers {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        if let Some(auth) = forward_auth {
            headers.insert(PROXY_AUTHORIZATION, auth);
        }
    }
}

/// Builds an [`HttpClient`]; every setting starts at the sidecar's default.
#[derive(Debug)]
pub struct HttpClientBuilder {
    roots: Vec<CertificateDer<'static>>,
    platform_roots: bool,
    proxies: Option<Proxies>,
    headers: HeaderMap,
    connect_timeout: Duration,
}

impl HttpClientBuilder {
    /// Trusts the certificates in `pem` too (one or more `CERTIFICATE` blocks), e.g. a
    /// private CA or a test upstream's generated one.
    pub fn add_root_pem(mut self, pem: &[u8]) -> Result<HttpClientBuilder, ClientError> {
        self.roots.extend(tls::parse_pem(pem)?);
        Ok(self)
    }

    /// Whether the platform's roots are trusted (default `true`): the system store, or the
    /// files named by `SSL_CERT_FILE` / `SSL_CERT_DIR`.
    pub fn platform_roots(mut self, trust: bool) -> HttpClientBuilder {
        self.platform_roots = trust;
        self
    }

    /// Uses these proxies instead of the environment's.
    pub fn proxies(mut self, proxies: Proxies) -> HttpClientBuilder {
        self.proxies = Some(proxies);
        self
    }

    /// Adds a header to every request that does not set it.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> HttpClientBuilder {
        self.headers.insert(name, value);
        self
    }

    /// Bounds connecting (DNS, TCP, proxy tunnel, TLS handshake); default 10 s.
    pub fn connect_timeout(mut self, bound: Duration) -> HttpClientBuilder {
        self.connect_timeout = bound;
        self
    }

    /// Loads the roots and builds the client (no network I/O).
    pub fn build(self) -> Result<HttpClient, ClientError> {
        let tls = tls::client_config(self.roots, self.platform_roots)?;
        let proxies = self.proxies.unwrap_or_else(Proxies::from_env);
        let forward_auth = proxies.has_forward_auth().then(|| proxies.clone());
        let connector = Connector::new(tls, proxies, self.connect_timeout);
        let client = legacy::Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE)
            .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
            .build(connector);
        Ok(HttpClient { client, shared: Arc::new(Shared { headers: self.headers, forward_auth }) })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A client for unit tests: no platform roots read, no proxy.
    pub(crate) fn client() -> HttpClient {
        HttpClient::builder().platform_roots(false).proxies(Proxies::none()).build().unwrap()
    }

    #[test]
    fn requests_get_the_agent_and_defaults_unless_they_set_their_own() {
        let flavour = HeaderName::from_static("x-fake-flavour");
        let c = HttpClient::builder()
            .platform_roots(false)
            .proxies(Proxies::none())
            .default_header(flavour.clone(), HeaderValue::from_static("deepseek"))
            .build()
            .unwrap();
        let mut plain = Request::post("http://127.0.0.1:9/").body(Body::default()).unwrap();
        c.decorate(&mut plain);
        assert_eq!(plain.headers()[USER_AGENT], concat!("parlance/", env!("CARGO_PKG_VERSION")));
        assert_eq!(plain.headers()[ACCEPT], "*/*");
        assert_eq!(plain.headers()[&flavour], "deepseek");
        assert!(plain.headers().get(PROXY_AUTHORIZATION).is_none());
        let mut own = Request::post("http://127.0.0.1:9/")
            .header(ACCEPT, "text/event-stream")
            .body(Body::default())
            .unwrap();
        c.decorate(&mut own);
        assert_eq!(own.headers()[ACCEPT], "text/event-stream");
    }

    #[test]
    fn plain_http_through_a_forward_proxy_carries_its_credentials() {
        let c = HttpClient::builder()
            .platform_roots(false)
            .proxies(Proxies::new("http://u:p@127.0.0.1:9", "", "localhost"))
            .build()
            .unwrap();
        let mut r = Request::post("http://api.example/v1").body(Body::default()).unwrap();
        c.decorate(&mut r);
        assert_eq!(r.headers()[PROXY_AUTHORIZATION], "Basic dTpw");
        let mut bypass = Request::post("http://localhost/v1").body(Body::default()).unwrap();
        c.decorate(&mut bypass);
        assert!(bypass.headers().get(PROXY_AUTHORIZATION).is_none());
    }
}
