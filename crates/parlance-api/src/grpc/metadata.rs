//! `GetMetadata`: what `GET /v1.0/metadata` reports (spec §5.3), as protobuf.

use parlance_proto::runtime as pb;

use crate::sidecar::{RUNTIME_VERSION, Sidecar};

/// The metadata response: app id, runtime version, components and extended attributes
/// (always including `daprRuntimeVersion`).
pub fn response(s: &Sidecar) -> pb::GetMetadataResponse {
    let registered_components = s
        .service
        .components()
        .map(|c| pb::RegisteredComponents {
            name: c.name.clone(),
            r#type: c.type_name.clone(),
            version: c.version.clone(),
            capabilities: Vec::new(),
        })
        .collect();
    let mut extended_metadata = s.info.extended.read().map(|m| m.clone()).unwrap_or_default();
    extended_metadata.insert("daprRuntimeVersion".into(), RUNTIME_VERSION.into());
    pb::GetMetadataResponse {
        id: s.info.app_id.clone(),
        registered_components,
        extended_metadata,
        runtime_version: RUNTIME_VERSION.into(),
        enabled_features: Vec::new(),
    }
}
