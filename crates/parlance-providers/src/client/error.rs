//! The client's errors: why it could not be built ([`ClientError`]), why a connection could
//! not be opened ([`ConnectError`]), and every transport failure mapped to a
//! [`ProviderError`] ([`transport_error`]) — never with the URL, which may carry a key.

use std::error::Error;

use parlance_core::{FailureKind, ProviderError};

/// A boxed error, as the pooled client's connector reports them.
pub(crate) type BoxError = Box<dyn Error + Send + Sync>;

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No root certificate to trust: none on the platform and none given.
    #[error(
        "no trusted root certificates: none found in the system store, SSL_CERT_FILE or SSL_CERT_DIR"
    )]
    NoRoots,
    /// A given root certificate could not be read or used.
    #[error("invalid root certificate: {0}")]
    BadRoot(String),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}

/// Why the connector gave up on a connection of its own accord.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    /// The connect bound passed (DNS, TCP, tunnel and TLS handshake together).
    #[error("connect timed out")]
    Timeout,
    /// The URL's scheme is neither `http` nor `https`.
    #[error("unsupported URL scheme (only http and https are)")]
    Scheme,
    /// The proxy's scheme is not `http` (HTTPS and SOCKS proxies are not supported).
    #[error("unsupported proxy scheme (only http:// proxies are)")]
    ProxyScheme,
    /// The host is not a name a certificate can carry.
    #[error("invalid TLS server name")]
    ServerName,
}

/// A transport failure → [`ProviderError`]: a timeout (the connect bound, or the kernel's) is
/// a retryable timeout; anything else a retryable connect failure, "unreachable" when no
/// connection was made. The text is the innermost cause (the useful part of the chain).
pub(crate) fn transport_error(e: &(dyn Error + 'static)) -> ProviderError {
    if chain(e).any(is_timeout) {
        ProviderError::transient(FailureKind::Timeout, "upstream did not answer in time")
    } else if is_connect(e) {
        ProviderError::transient(
            FailureKind::Connect,
            format!("upstream unreachable: {}", innermost(e)),
        )
    } else {
        ProviderError::transient(
            FailureKind::Connect,
            format!("upstream connection failed: {}", innermost(e)),
        )
    }
}

/// A request that could not be built (a header value that is not one): reported as
/// reqwest reported it, a connection failure with the reason.
pub(crate) fn request_error(e: &http::Error) -> ProviderError {
    ProviderError::transient(
        FailureKind::Connect,
        format!("upstream connection failed: {}", innermost(e)),
    )
}

fn is_connect(e: &(dyn Error + 'static)) -> bool {
    e.downcast_ref::<hyper_util::client::legacy::Error>().is_some_and(|e| e.is_connect())
}

fn is_timeout(e: &(dyn Error + 'static)) -> bool {
    matches!(e.downcast_ref::<ConnectError>(), Some(ConnectError::Timeout))
        || e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::TimedOut)
}

fn chain<'a>(e: &'a (dyn Error + 'static)) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(Some(e), |e: &&'a (dyn Error + 'static)| (*e).source())
}

fn innermost(e: &(dyn Error + 'static)) -> String {
    chain(e).last().map(ToString::to_string).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_anywhere_in_the_chain_are_timeouts() {
        assert_eq!(transport_error(&ConnectError::Timeout).kind, FailureKind::Timeout);
        let e = std::io::Error::from(std::io::ErrorKind::TimedOut);
        assert_eq!(transport_error(&e).kind, FailureKind::Timeout);
    }

    #[test]
    fn other_failures_name_their_innermost_cause() {
        let p = transport_error(&ConnectError::Scheme);
        assert_eq!(p.kind, FailureKind::Connect);
        assert_eq!(
            p.message,
            "upstream connection failed: unsupported URL scheme (only http and https are)"
        );
        let bad = http::Request::post("http://x/").header("k", "a\nb").body(()).unwrap_err();
        assert_eq!(
            request_error(&bad).message,
            "upstream connection failed: failed to parse header value"
        );
    }
}
