//! Start-up (load → validate → build → bind), the hot-reload watcher ([`crate::reload`])
//! and graceful shutdown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parlance_api::conn::{App, Bounds, Transport};
use parlance_api::{Sidecar, SidecarInfo};
use parlance_config::{ConfigProblem, env_lookup};
use parlance_pipeline::cache::RedisConfig;
use parlance_pipeline::{Builder, Plan};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::cli::RunArgs;
use crate::reload::{self, Reloader};

/// Why start-up failed.
#[derive(Debug)]
pub enum StartError {
    /// The resources have problems (every one listed).
    Config(Vec<ConfigProblem>),
    /// A port could not be bound, or the HTTP client could not be built.
    Io(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Config(p) => write!(f, "{} problem(s) in the resources", p.len()),
            StartError::Io(e) => f.write_str(e),
        }
    }
}

/// Loads and validates the resources; no resources path means the built-in echo.
pub fn load_plan(paths: &[PathBuf]) -> Result<Plan, Vec<ConfigProblem>> {
    load_plan_with(paths, None).map(|(plan, _)| plan)
}

/// [`load_plan`], and the `state.redis` component `responses_store` names, validated with
/// the rest (`--responses-store`).
pub fn load_plan_with(
    paths: &[PathBuf],
    responses_store: Option<&str>,
) -> Result<(Plan, Option<RedisConfig>), Vec<ConfigProblem>> {
    let (resources, mut errors) = match paths.is_empty() {
        true if responses_store.is_none() => return Ok((parlance_pipeline::builtin_echo(), None)),
        true => (Default::default(), Vec::new()),
        false => parlance_config::load_partial(paths, &env_lookup),
    };
    let store = responses_store.map(|name| {
        let folder = paths.first().cloned().unwrap_or_default();
        parlance_pipeline::plan::responses_store(&resources, name, &folder)
    });
    let store = match store.transpose() {
        Ok(s) => s,
        Err(more) => {
            errors.extend(more);
            None
        }
    };
    let plan = match paths.is_empty() {
        true => Ok(parlance_pipeline::builtin_echo()),
        false => parlance_pipeline::plan(&resources, &env_lookup),
    };
    match plan {
        Ok(plan) if errors.is_empty() => return Ok((plan, store)),
        Ok(_) => {}
        Err(more) => errors.extend(more),
    }
    parlance_config::sort_by_file(&mut errors);
    Err(errors)
}

/// A running sidecar.
pub struct Running {
    /// Where the HTTP API listens.
    pub http_addrs: Vec<SocketAddr>,
    /// Where the gRPC API listens (same addresses, `--dapr-grpc-port`).
    pub grpc_addrs: Vec<SocketAddr>,
    /// Where `/metrics` is served, when metrics are enabled.
    pub metrics_addr: Option<SocketAddr>,
    /// The shared state (readiness, service).
    pub sidecar: Sidecar,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    grace: Duration,
}

impl Running {
    /// Stops accepting (health turns not-ready first), lets in-flight requests finish within
    /// the grace period, and returns when all servers are done or the grace period is over.
    pub async fn shutdown(self) {
        self.sidecar.health.set_ready(false);
        let _ = self.stop.send(true);
        let all = futures_join(self.tasks);
        if tokio::time::timeout(self.grace, all).await.is_err() {
            tracing::warn!(
                grace_s = self.grace.as_secs(),
                "in-flight requests did not finish within the grace period"
            );
        }
    }
}

async fn futures_join(tasks: Vec<JoinHandle<()>>) {
    for t in tasks {
        let _ = t.await;
    }
}

/// Starts the sidecar: validates everything first, then binds and serves.
pub async fn start(args: &RunArgs, api_token: Option<String>) -> Result<Running, StartError> {
    let started = Instant::now();
    let watch = !args.no_watch && !args.resources_path.is_empty();
    // Read before loading: a change made while loading is seen by the first poll.
    let loaded = watch.then(|| crate::reload::fingerprint(&args.resources_path));
    let (plan, responses_store) =
        load_plan_with(&args.resources_path, args.responses_store.as_deref())
            .map_err(StartError::Config)?;
    for w in &plan.warnings {
        tracing::warn!("{w}");
    }
    let client = parlance_providers::http_client()
        .map_err(|e| StartError::Io(format!("HTTP client: {e}")))?;
    let mut build = parlance_pipeline::BuildOptions::new(client);
    build.cache_max_bytes = args.cache_max_bytes as u64;
    let clock = parlance_pipeline::keys::Clock::from_env(&env_lookup);
    let mut builder = Builder::new(build, clock);
    let service = builder.service(plan);
    service.telemetry().config_loaded(false, true);
    let mut sidecar = Sidecar::new(service);
    sidecar.info = Arc::new(SidecarInfo { app_id: args.app_id.clone(), ..SidecarInfo::default() });
    sidecar.api_token = api_token.map(Arc::from);
    sidecar.max_body = args.max_body_size;
    if let Some(redis) = responses_store {
        use parlance_api::responses::{shared, store::Backend};
        let settings = shared::Settings {
            redis,
            ttl: args.responses_ttl,
            max_entry: args.responses_max_entry_size,
        };
        sidecar.responses = Backend::Redis(Arc::new(shared::Shared::connect(&settings)));
    }
    sidecar.admission = (args.max_concurrent_requests > 0)
        .then(|| Arc::new(tokio::sync::Semaphore::new(args.max_concurrent_requests)));
    sidecar.health.set_ready(false);
    let transport = Arc::new(transport(args));
    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    let mut http_addrs = Vec::new();
    // The routes are turned into services once (`with_state`), not for every connection;
    // a reload replaces them.
    let app = App::new(parlance_api::router(sidecar.clone()).with_state(()));
    for host in &args.dapr_listen_addresses {
        let listener = bind(host, args.dapr_http_port).await?;
        let addr = listener.local_addr().map_err(|e| StartError::Io(e.to_string()))?;
        http_addrs.push(addr);
        let serve = serve_http(listener, app.clone(), transport.clone(), stopped.clone());
        tasks.push(tokio::spawn(serve));
    }
    let mut grpc_addrs = Vec::new();
    for host in &args.dapr_listen_addresses {
        let listener = bind(host, args.dapr_grpc_port).await?;
        grpc_addrs.push(listener.local_addr().map_err(|e| StartError::Io(e.to_string()))?);
        let serve = serve_grpc(listener, sidecar.clone(), transport.clone(), stopped.clone());
        tasks.push(tokio::spawn(serve));
    }
    let mut metrics_addr = None;
    if args.enable_metrics {
        let host = args.dapr_listen_addresses.first().map(String::as_str).unwrap_or("127.0.0.1");
        let telemetry = sidecar.service.telemetry().clone();
        let (addr, task) = crate::metrics::serve(
            host,
            args.metrics_port,
            telemetry,
            transport.clone(),
            stopped.clone(),
        )
        .await
        .map_err(|e| {
            StartError::Io(format!(
                "cannot listen on {host}:{} for metrics: {e}",
                args.metrics_port
            ))
        })?;
        metrics_addr = Some(addr);
        tasks.push(task);
    }
    if let Some(loaded) = loaded {
        let paths = args.resources_path.clone();
        let reloader = Reloader { paths, builder, sidecar: sidecar.clone(), app };
        let watching = reload::watch(reloader, loaded, args.watch_interval, stopped.clone());
        tasks.push(tokio::spawn(watching));
    }
    sidecar.health.set_ready(true);
    let names: Vec<String> = sidecar.service.live().components().map(|c| c.name.clone()).collect();
    tracing::info!(?http_addrs, ?grpc_addrs, components = ?names, elapsed_ms = started.elapsed().as_millis() as u64, "parlance is ready");
    let grace = Duration::from_secs(args.dapr_graceful_shutdown_seconds);
    Ok(Running { http_addrs, grpc_addrs, metrics_addr, sidecar, stop, tasks, grace })
}

async fn bind(host: &str, port: u16) -> Result<TcpListener, StartError> {
    TcpListener::bind((host, port))
        .await
        .map_err(|e| StartError::Io(format!("cannot listen on {host}:{port}: {e}")))
}

/// The connection bounds the flags ask for (0 switches a bound off).
fn transport(args: &RunArgs) -> Transport {
    let bound = |d: Duration| (!d.is_zero()).then_some(d);
    Transport {
        http: Bounds {
            first: bound(args.http_read_header_timeout),
            idle: bound(args.http_idle_timeout),
        },
        grpc: Bounds {
            first: bound(args.grpc_handshake_timeout),
            idle: bound(args.grpc_max_connection_idle),
        },
        max_header_bytes: args.max_header_size,
        grpc_keepalive_time: bound(args.grpc_keepalive_time),
        grpc_keepalive_timeout: args.grpc_keepalive_timeout,
        grpc_max_connection_age: bound(args.grpc_max_connection_age),
    }
}

async fn serve_http(
    listener: TcpListener,
    app: App,
    transport: Arc<Transport>,
    mut stop: watch::Receiver<bool>,
) {
    let shutdown = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    parlance_api::conn::serve_http(listener, app, &transport, shutdown).await;
}

async fn serve_grpc(
    listener: TcpListener,
    sidecar: Sidecar,
    transport: Arc<Transport>,
    mut stop: watch::Receiver<bool>,
) {
    let shutdown = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    if let Err(e) = parlance_api::grpc::serve(listener, sidecar, &transport, shutdown).await {
        tracing::error!("gRPC server failed: {e}");
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
