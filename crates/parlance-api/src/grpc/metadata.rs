//! `GetMetadata`: what `GET /v1.0/metadata` reports (spec §5.3), as protobuf.

use parlance_proto::runtime as pb;

use crate::sidecar::{RUNTIME_VERSION, Sidecar};

/// The metadata response: app id, runtime version, components and extended attributes
/// (always including `daprRuntimeVersion`).
pub fn response(s: &Sidecar) -> pb::GetMetadataResponse {
    let view = s.metadata();
    let registered_components = view
        .components
        .into_iter()
        .map(|(name, r#type, version)| pb::RegisteredComponents {
            name,
            r#type,
            version,
            capabilities: Vec::new(),
        })
        .collect();
    pb::GetMetadataResponse {
        id: view.id,
        registered_components,
        extended_metadata: view.extended,
        runtime_version: RUNTIME_VERSION.into(),
        enabled_features: Vec::new(),
    }
}
