//! The client's TLS configuration: rustls, the roots reqwest trusted on this platform (the
//! system store, or `SSL_CERT_FILE` / `SSL_CERT_DIR`, read by `rustls-native-certs`) plus any
//! given ones, TLS 1.2 and 1.3, and ALPN offering `h2` then `http/1.1`.

use std::sync::Arc;

use rustls::client::ClientConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::error::ClientError;

/// The ALPN protocols offered, in order of preference.
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// The certificates of a PEM text (at least one).
pub(crate) fn parse_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, ClientError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ClientError::BadRoot(e.to_string()))?;
    if certs.is_empty() {
        return Err(ClientError::BadRoot("no CERTIFICATE block in the PEM text".into()));
    }
    Ok(certs)
}

/// The client configuration trusting `extra` and, when `platform`, the platform's roots.
pub(crate) fn client_config(
    extra: Vec<CertificateDer<'static>>,
    platform: bool,
) -> Result<Arc<ClientConfig>, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in extra {
        roots.add(cert).map_err(|e| ClientError::BadRoot(e.to_string()))?;
    }
    if platform {
        add_platform_roots(&mut roots)?;
    }
    // A process-wide provider wins (as with reqwest); else aws-lc-rs, reqwest's default.
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// Adds the platform's roots; finding none is an error only when no other root was given
/// (as rustls-platform-verifier, which reqwest used, decides on Linux).
fn add_platform_roots(roots: &mut rustls::RootCertStore) -> Result<(), ClientError> {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::warn!("could not load a CA root certificate: {e}");
    }
    let (_, ignored) = roots.add_parsable_certificates(found.certs);
    if ignored > 0 {
        tracing::warn!("{ignored} platform CA root certificates were ignored as invalid");
    }
    if roots.is_empty() { Err(ClientError::NoRoots) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_certificates_is_refused() {
        assert!(matches!(parse_pem(b"nothing here"), Err(ClientError::BadRoot(_))));
    }

    #[test]
    fn alpn_offers_h2_then_http1() {
        let config = client_config(Vec::new(), false).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    }
}
