//! The time an [`Rt`](crate::Rt) stamps on what it writes.
//!
//! A site runs on the system clock. Tests and simulations that need a
//! story to happen at a given time ("a report mailed on a Sunday at
//! 17:07, answered on Monday morning") open their database with a
//! [`Clock::fixed`] and move it with [`Clock::set`] or
//! [`Clock::advance`]: every DB transaction then starts at the clock's
//! time, so creation dates, SLA deadlines and history follow it. The
//! clock is chosen in code when the database is opened
//! ([`Rt::open_with_clock`](crate::Rt::open_with_clock)), never by
//! configuration or by anyone acting through an interface.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, SubsecRound, Utc};

/// Where the current time comes from: the system clock, or a settable
/// one shared by every clone.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that shows `at` until it is set or advanced.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock { fixed: Some(Arc::new(Mutex::new(at))) }
    }

    /// The current time, to the microsecond (what PostgreSQL keeps).
    pub fn now(&self) -> DateTime<Utc> {
        let now = match &self.fixed {
            Some(at) => *at.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
            None => Utc::now(),
        };
        now.trunc_subsecs(6)
    }

    /// Moves a fixed clock to `at`; the system clock cannot be set, and
    /// says so by returning `false`.
    pub fn set(&self, at: DateTime<Utc>) -> bool {
        match &self.fixed {
            Some(fixed) => {
                *fixed.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = at;
                true
            }
            None => false,
        }
    }

    /// Moves a fixed clock forward by `by`; `false` for the system clock.
    pub fn advance(&self, by: Duration) -> bool {
        self.fixed.is_some() && self.set(self.now() + by)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_fixed_clock_is_shared_by_its_clones_and_moves_only_when_told() {
        let sunday = Utc.with_ymd_and_hms(2026, 3, 1, 17, 7, 0).unwrap();
        let clock = Clock::fixed(sunday);
        let clone = clock.clone();
        assert_eq!(clone.now(), sunday);
        assert!(clock.advance(Duration::hours(16)));
        assert_eq!(clone.now(), Utc.with_ymd_and_hms(2026, 3, 2, 9, 7, 0).unwrap());
        assert!(clone.set(sunday));
        assert_eq!(clock.now(), sunday);
    }

    #[test]
    fn the_system_clock_cannot_be_set() {
        let clock = Clock::system();
        let before = Utc::now() - Duration::seconds(1);
        assert!(!clock.set(before - Duration::days(3)));
        assert!(!clock.advance(Duration::days(3)));
        assert!(clock.now() >= before && clock.now() <= Utc::now() + Duration::seconds(1));
    }
}
