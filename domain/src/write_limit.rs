//! The per-user limit on the writes anyone signed in can repeat at will: new articles and new
//! comments, together. Checked in the domain functions that make them, so the REST API and the
//! UI share one budget per user.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::{Error, Result, UserId};

/// Writes per user and minute, and how many may come at once before the rate applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteRate {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

/// The budgets of every user who wrote lately; `None` when the limit is off.
#[derive(Clone, Default)]
pub struct WriteLimit(Option<Arc<Budgets>>);

struct Budgets {
    limiter: DefaultKeyedRateLimiter<i64>,
    checks: AtomicU64,
}

impl WriteLimit {
    pub fn new(rate: Option<WriteRate>) -> Self {
        WriteLimit(rate.map(|rate| {
            Arc::new(Budgets {
                limiter: RateLimiter::keyed(
                    Quota::per_minute(rate.per_minute).allow_burst(rate.burst),
                ),
                checks: AtomicU64::new(0),
            })
        }))
    }

    /// Takes one write from `user`'s budget, or refuses with how long to wait for the next.
    pub(crate) fn spend(&self, user: UserId) -> Result<()> {
        let Some(budgets) = &self.0 else {
            return Ok(());
        };
        // Forget users whose budget is full again, so the map holds only recent writers.
        if budgets.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            budgets.limiter.retain_recent();
            budgets.limiter.shrink_to_fit();
        }
        budgets.limiter.check_key(&user.0).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            tracing::warn!(user = user.0, "write rate limit reached");
            Error::TooManyWrites(wait.max(Duration::from_secs(1)))
        })
    }
}

impl std::fmt::Debug for WriteLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WriteLimit")
            .field(&if self.0.is_some() { "on" } else { "off" })
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(per_minute: u32, burst: u32) -> Option<WriteRate> {
        Some(WriteRate {
            per_minute: NonZeroU32::new(per_minute).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        })
    }

    #[test]
    fn each_user_has_a_burst_then_waits() {
        let limit = WriteLimit::new(rate(1, 3));
        for _ in 0..3 {
            limit.spend(UserId(1)).unwrap();
        }
        match limit.spend(UserId(1)) {
            Err(Error::TooManyWrites(wait)) => {
                assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_secs(60))
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Another user has a budget of their own.
        limit.spend(UserId(2)).unwrap();
    }

    #[test]
    fn off_means_unlimited() {
        let limit = WriteLimit::new(None);
        for _ in 0..1_000 {
            limit.spend(UserId(1)).unwrap();
        }
    }
}
