//! State shared by both doors: the service, what the metadata endpoint reports, readiness and
//! the API token.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use parlance_core::{ApiError, ApiVersion, CallContext, ErrorCode};
use parlance_pipeline::{CacheMode, CallOptions, ConversationService, KeyRing};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The Dapr runtime version parlance answers to, with its own version as build metadata.
pub const RUNTIME_VERSION: &str = concat!("1.18.0+parlance.", env!("CARGO_PKG_VERSION"));

/// What `GET /v1.0/metadata` and gRPC `GetMetadata` report besides the components.
#[derive(Debug, Default)]
pub struct SidecarInfo {
    /// `--app-id`.
    pub app_id: String,
    /// Attributes set with `PUT /v1.0/metadata/{key}`.
    pub extended: RwLock<BTreeMap<String, String>>,
}

/// Readiness, as the two health endpoints report it.
#[derive(Debug, Default)]
pub struct Health {
    ready: AtomicBool,
}

impl Health {
    /// Marks the sidecar ready (components loaded, servers listening) or not (shutting down).
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    /// Whether it is ready.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct Sidecar {
    /// The conversation service.
    pub service: Arc<ConversationService>,
    /// Metadata endpoint facts.
    pub info: Arc<SidecarInfo>,
    /// Readiness.
    pub health: Arc<Health>,
    /// `DAPR_API_TOKEN`, when set.
    pub api_token: Option<Arc<str>>,
    /// `--max-body-size`, in bytes.
    pub max_body: usize,
    /// The global concurrency limit (`--max-concurrent-requests`); `None` means unlimited.
    pub admission: Option<Arc<Semaphore>>,
    /// Build the HTTP app with the key gates even while no key or token is configured (they
    /// let everything through then): a reload about to add the first keys swaps such an app
    /// in before the keys go live, so no request slips between the two.
    pub gates: bool,
    /// Where the Responses door keeps stored responses: in memory (default [`Limits`]), or
    /// Redis with `--responses-store`. Held here so that a reload, which rebuilds the HTTP
    /// app, keeps them.
    ///
    /// [`Limits`]: crate::responses::store::Limits
    pub responses: crate::responses::store::Backend,
}

impl Sidecar {
    /// A sidecar over `service` with default settings (ready, no token, 4 MiB bodies).
    pub fn new(service: ConversationService) -> Sidecar {
        let health = Arc::new(Health::default());
        health.set_ready(true);
        Sidecar {
            service: Arc::new(service),
            info: Arc::new(SidecarInfo::default()),
            health,
            api_token: None,
            max_body: 4 << 20,
            admission: None,
            gates: false,
            responses: crate::responses::store::Backend::memory(Default::default()),
        }
    }

    /// The API keys in force now ([`crate::keys`]); `None` when none is configured. A
    /// reload may change them: the HTTP app is rebuilt after one ([`crate::conn::App`]).
    pub fn keys(&self) -> Option<Arc<KeyRing>> {
        self.service.keys()
    }

    /// Admits one conversation request, or sheds it at once when the limit is reached: a
    /// fast 503 / `UNAVAILABLE` is better than an unbounded queue in a sidecar.
    pub fn admit(&self) -> Result<Option<OwnedSemaphorePermit>, ApiError> {
        let Some(sem) = &self.admission else { return Ok(None) };
        sem.clone().try_acquire_owned().map(Some).map_err(|_| {
            self.service.telemetry().shed();
            ApiError::new(ErrorCode::Overloaded, "too many requests in flight; try again later")
        })
    }
}

/// What both doors report as sidecar metadata (spec §5.3).
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataView {
    /// `--app-id`.
    pub id: String,
    /// `(name, type, version)` of every component, in load order.
    pub components: Vec<(String, String, String)>,
    /// Extended attributes, always including `daprRuntimeVersion`.
    pub extended: BTreeMap<String, String>,
}

impl Sidecar {
    /// The metadata both `GET /v1.0/metadata` and gRPC `GetMetadata` answer with.
    pub fn metadata(&self) -> MetadataView {
        let live = self.service.live();
        let components = live
            .components()
            .map(|c| (c.name.clone(), c.type_name.clone(), c.version.clone()))
            .collect();
        let mut extended = self.info.extended.read().map(|m| m.clone()).unwrap_or_default();
        extended.insert("daprRuntimeVersion".into(), RUNTIME_VERSION.into());
        MetadataView { id: self.info.app_id.clone(), components, extended }
    }
}

/// Per-request options from the transport's headers/metadata, the same for both doors:
/// `Cache-Control` (`no-store` bypasses the cache, `no-cache` refreshes it) and `traceparent`.
pub fn call_options(
    api: ApiVersion,
    cache_control: Option<&str>,
    traceparent: Option<&str>,
) -> CallOptions {
    let mut cache = CacheMode::Normal;
    for d in cache_control.unwrap_or("").split(',').map(|d| d.trim().to_ascii_lowercase()) {
        match d.as_str() {
            "no-store" => cache = CacheMode::Bypass,
            "no-cache" if cache == CacheMode::Normal => cache = CacheMode::Refresh,
            _ => {}
        }
    }
    let ctx =
        CallContext { traceparent: traceparent.map(str::to_string), ..CallContext::default() };
    CallOptions { api, cache, ctx, principal: None }
}
