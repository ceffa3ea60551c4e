//! One upstream call per burst of identical misses: the first caller for a key runs the work,
//! callers that arrive while it runs wait for its result (success or error) and share it.
//!
//! If the leader is cancelled before it answers (its client went away), a waiting caller takes
//! over and runs the work itself, so nobody waits forever.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

/// How a caller got its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<V> {
    /// This caller ran the work.
    Led(V),
    /// Another caller's in-flight work answered.
    Joined(V),
}

/// The in-flight calls, per key. Shared (`Arc`) so that a leader's [`Ticket`] can outlive the
/// call that took it (a stream that lands its value when it ends).
#[derive(Debug)]
pub struct Flights<K, V> {
    map: Mutex<HashMap<K, watch::Receiver<Option<V>>>>,
}

impl<K, V> Default for Flights<K, V> {
    fn default() -> Self {
        Flights { map: Mutex::new(HashMap::new()) }
    }
}

/// What a caller of [`Flights::begin`] is to do.
pub enum Begin<K: Hash + Eq, V> {
    /// Run the work and [`Ticket::land`] its value.
    Lead(Ticket<K, V>),
    /// Wait for the leader's value.
    Join(Waiter<V>),
}

/// The leader's right to answer a key; dropping it unlanded hands the work to a waiter.
pub struct Ticket<K: Hash + Eq, V> {
    flights: Arc<Flights<K, V>>,
    key: K,
    tx: watch::Sender<Option<V>>,
}

impl<K: Hash + Eq, V> Ticket<K, V> {
    /// Gives every waiter the value and ends the flight.
    pub fn land(self, value: V) {
        self.tx.send_replace(Some(value));
    }
}

impl<K: Hash + Eq, V> Drop for Ticket<K, V> {
    fn drop(&mut self) {
        let mut map = self.flights.lock();
        if map.get(&self.key).is_some_and(|rx| rx.same_channel(&self.tx.subscribe())) {
            map.remove(&self.key);
        }
    }
}

/// A follower's wait for the leader.
pub struct Waiter<V>(watch::Receiver<Option<V>>);

impl<V: Clone> Waiter<V> {
    /// The leader's value, or `None` when it went away without one (then begin again).
    pub async fn wait(mut self) -> Option<V> {
        self.0.wait_for(Option::is_some).await.ok().and_then(|v| v.clone())
    }
}

impl<K, V> Flights<K, V> {
    /// How many keys are in flight.
    pub fn in_flight(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, watch::Receiver<Option<V>>>> {
        self.map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Flights<K, V> {
    /// Runs `work` for `key`, or waits for the identical call already in flight.
    pub async fn run<F, Fut>(self: &Arc<Self>, key: K, work: F) -> Outcome<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        loop {
            match self.begin(&key) {
                Begin::Join(waiter) => {
                    if let Some(v) = waiter.wait().await {
                        return Outcome::Joined(v);
                    }
                }
                Begin::Lead(ticket) => {
                    let v = work().await;
                    ticket.land(v.clone());
                    return Outcome::Led(v);
                }
            }
        }
    }

    /// Leads the flight for `key`, or joins the one in progress.
    pub fn begin(self: &Arc<Self>, key: &K) -> Begin<K, V> {
        let mut map = self.lock();
        if let Some(rx) = map.get(key) {
            return Begin::Join(Waiter(rx.clone()));
        }
        let (tx, rx) = watch::channel(None);
        map.insert(key.clone(), rx);
        Begin::Lead(Ticket { flights: self.clone(), key: key.clone(), tx })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_callers_share_one_call() {
        let flights = Arc::new(Flights::<u32, Result<u32, String>>::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (flights, calls) = (flights.clone(), calls.clone());
                tokio::spawn(async move {
                    flights
                        .run(7, || async {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Err::<u32, String>("boom".into())
                        })
                        .await
                })
            })
            .collect();
        let mut joined = 0;
        for t in tasks {
            match t.await.unwrap() {
                Outcome::Joined(v) => {
                    joined += 1;
                    assert_eq!(v, Err("boom".into()));
                }
                Outcome::Led(v) => assert_eq!(v, Err("boom".into())),
            }
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(joined, 49);
        assert_eq!(flights.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_cancelled_leader_hands_over() {
        let flights = Arc::new(Flights::<u32, u32>::default());
        let f = flights.clone();
        let leader = tokio::spawn(async move {
            f.run(1, || async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                0
            })
            .await
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let f = flights.clone();
        let follower = tokio::spawn(async move { f.run(1, || async { 42 }).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        leader.abort();
        assert_eq!(follower.await.unwrap(), Outcome::Led(42));
        assert_eq!(flights.in_flight(), 0);
    }

    #[tokio::test]
    async fn different_keys_do_not_wait_for_each_other() {
        let flights = Arc::new(Flights::<u32, u32>::default());
        let (a, b) = tokio::join!(flights.run(1, || async { 1 }), flights.run(2, || async { 2 }));
        assert_eq!((a, b), (Outcome::Led(1), Outcome::Led(2)));
    }
}
