//! Hot reload of the resources folders: components, pools, Resiliency documents, API keys and
//! key groups take effect without a restart.
//!
//! **Watching by polling.** Every `--watch-interval` (500 ms) the watcher reads the files the
//! loader reads (`*.yaml`/`*.yml` of each folder, symlinks followed) and hashes their names
//! and contents. Polling content, rather than file-system events, is what works everywhere:
//! a Kubernetes ConfigMap volume changes by swapping its `..data` symlink (the files'
//! own paths never see an event), editors replace files by rename, and network or overlay
//! file systems often deliver no events at all. Reading a few small YAML files twice a second
//! costs microseconds. A change is applied once two polls in a row see the same content (a
//! file caught half-written is not loaded), so a change takes effect within two intervals
//! plus the load (about 1 s by default). `SIGHUP` reloads at once, changed or not.
//!
//! **Applying.** The folders are loaded and validated exactly as at start-up
//! ([`crate::server::load_plan`]). Any problem anywhere: the reload is refused as a whole,
//! every problem is logged, `parlance_config_reloads_total{result="error"}` counts it and
//! the last good configuration stays in force. Otherwise [`Builder::reload`] builds the new
//! configuration (keeping every unchanged component) and swaps it in at once, then the HTTP
//! app (whose routes check callers only when a token or keys are configured); requests in
//! flight, streams included, finish on the configuration they started with.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::time::Duration;

use parlance_api::Sidecar;
use parlance_api::conn::App;
use parlance_pipeline::Builder;
use tokio::sync::watch;

/// A digest of what the loader would read from `paths`: each resource file's path and
/// content, and each folder or file that cannot be read (not a security boundary, only
/// change detection).
pub fn fingerprint(paths: &[PathBuf]) -> u64 {
    let (files, problems) = parlance_config::read_resource_files(paths);
    let mut h = DefaultHasher::new();
    for (path, text) in &files {
        path.hash(&mut h);
        text.hash(&mut h);
    }
    for p in &problems {
        p.to_string().hash(&mut h);
    }
    h.finish()
}

/// What a reload needs: where to read, what to build with, and what to swap.
pub struct Reloader {
    /// The resources folders.
    pub paths: Vec<PathBuf>,
    /// The builder that built the configuration in force.
    pub builder: Builder,
    /// What the doors share; its service's configuration is swapped.
    pub sidecar: Sidecar,
    /// The HTTP app, rebuilt after a reload (its routes check callers only when a token or
    /// keys are configured).
    pub app: App,
}

impl Reloader {
    /// Loads, validates and (when all is well) swaps in the folders' configuration; returns
    /// whether it did.
    pub async fn reload(&mut self) -> bool {
        let paths = self.paths.clone();
        let loaded = tokio::task::spawn_blocking(move || crate::server::load_plan(&paths)).await;
        let telemetry = self.sidecar.service.telemetry().clone();
        let plan = match loaded {
            Ok(Ok(plan)) => plan,
            Ok(Err(problems)) => {
                tracing::error!(
                    problems = problems.len(),
                    "configuration reload refused; the last good configuration stays in force"
                );
                for p in &problems {
                    tracing::error!("{p}");
                }
                telemetry.config_loaded(true, false);
                return false;
            }
            Err(e) => {
                tracing::error!("configuration reload failed: {e}");
                telemetry.config_loaded(true, false);
                return false;
            }
        };
        for w in &plan.warnings {
            tracing::warn!("{w}");
        }
        // The first keys of a running app: the gates go in first (they let everything through
        // while nothing is configured), then the keys go live — no request passes between.
        if !plan.keys.is_empty() && !parlance_api::door::auth::checks(&self.sidecar) {
            let gated = parlance_api::sidecar::Sidecar { gates: true, ..self.sidecar.clone() };
            self.app.replace(parlance_api::router(gated).with_state(()));
        }
        let changes = self.builder.reload(&self.sidecar.service, plan);
        self.app.replace(parlance_api::router(self.sidecar.clone()).with_state(()));
        telemetry.config_loaded(true, true);
        tracing::info!(
            added = ?changes.added,
            changed = ?changes.changed,
            removed = ?changes.removed,
            kept = changes.kept,
            keys = changes.keys,
            "configuration reloaded"
        );
        true
    }
}

/// Polls the folders every `interval` and reloads on a settled change or on `SIGHUP`, until
/// `stop` turns true. `loaded` is the fingerprint of the configuration in force.
pub async fn watch(
    mut reloader: Reloader,
    mut loaded: u64,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut hangup = Hangup::new();
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen = loaded;
    loop {
        let forced = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = hangup.recv() => true,
            _ = tick.tick() => false,
        };
        let paths = reloader.paths.clone();
        let Ok(now) = tokio::task::spawn_blocking(move || fingerprint(&paths)).await else {
            continue;
        };
        if forced {
            tracing::info!("SIGHUP: reloading the resources");
        }
        // A change is applied once two polls agree on it; a refused one is not retried
        // until the files change again (or SIGHUP).
        if forced || (now != loaded && now == seen) {
            reloader.reload().await;
            loaded = now;
        }
        seen = now;
    }
}

/// `SIGHUP`, where there is one.
struct Hangup {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangup {
    fn new() -> Hangup {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signal = signal(SignalKind::hangup())
                .inspect_err(|e| tracing::warn!("cannot listen for SIGHUP: {e}"))
                .ok();
            Hangup { signal }
        }
        #[cfg(not(unix))]
        Hangup {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(s) = &mut self.signal {
            s.recv().await;
            return;
        }
        std::future::pending::<()>().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_follows_content_not_time() {
        let dir = tempfile::tempdir().unwrap();
        let paths = [dir.path().to_path_buf()];
        let empty = fingerprint(&paths);
        std::fs::write(dir.path().join("a.yaml"), "x: 1").unwrap();
        let one = fingerprint(&paths);
        assert_ne!(empty, one);
        std::fs::write(dir.path().join("a.yaml"), "x: 1").unwrap();
        assert_eq!(fingerprint(&paths), one, "rewriting the same content is no change");
        std::fs::write(dir.path().join("notes.txt"), "not a resource").unwrap();
        assert_eq!(fingerprint(&paths), one, "files the loader skips are ignored");
        std::fs::write(dir.path().join("a.yaml"), "x: 2").unwrap();
        assert_ne!(fingerprint(&paths), one);
    }

    #[cfg(unix)]
    #[test]
    fn a_configmap_style_symlink_swap_is_a_change() {
        // Kubernetes: a.yaml → ..data/a.yaml, ..data → ..v1; an update swaps ..data to ..v2.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (v, text) in [("..v1", "x: 1"), ("..v2", "x: 2")] {
            std::fs::create_dir(root.join(v)).unwrap();
            std::fs::write(root.join(v).join("a.yaml"), text).unwrap();
        }
        std::os::unix::fs::symlink("..v1", root.join("..data")).unwrap();
        std::os::unix::fs::symlink("..data/a.yaml", root.join("a.yaml")).unwrap();
        let paths = [root.to_path_buf()];
        let before = fingerprint(&paths);
        std::os::unix::fs::symlink("..v2", root.join("..data_tmp")).unwrap();
        std::fs::rename(root.join("..data_tmp"), root.join("..data")).unwrap();
        assert_ne!(fingerprint(&paths), before);
    }
}
