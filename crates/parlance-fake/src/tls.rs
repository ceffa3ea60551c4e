//! HTTPS for the fake: a test CA and a certificate for `localhost` and `127.0.0.1` signed by
//! it, generated at start-up (nothing is written unless the caller writes [`Tls::ca_pem`]),
//! served by rustls with ALPN offering `h2` then `http/1.1`.

use std::io;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The names the served certificate carries.
const NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

/// A generated certificate chain and the acceptor serving it.
#[derive(Clone)]
pub(crate) struct Tls {
    /// Performs the server side of each handshake.
    pub acceptor: TlsAcceptor,
    /// The test CA's certificate, PEM: what a client must trust.
    pub ca_pem: String,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

/// A fresh CA, a leaf certificate signed by it, and an acceptor for the leaf.
pub(crate) fn generate() -> io::Result<Tls> {
    let ca_key = KeyPair::generate().map_err(other)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(other)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "parlance-fake test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).map_err(other)?;
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().map_err(other)?;
    let mut leaf = CertificateParams::new(NAMES.map(String::from).to_vec()).map_err(other)?;
    leaf.distinguished_name.push(DnType::CommonName, "parlance-fake");
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(other)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(other)?
        .with_no_client_auth()
        .with_single_cert(vec![leaf_cert.der().clone()], key)
        .map_err(other)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(config)), ca_pem: ca_cert.pem() })
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("TLS set-up: {e}"))
}
