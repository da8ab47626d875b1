//! RTIR's lifecycles as part of the site's configuration.
//!
//! rt-core's lifecycle model stays the one source: RTIR's four lifecycles
//! and their status maps are written in `lifecycles.toml`, in the format a
//! site uses in its own configuration file, and [`configure`] adds them to
//! the [`Config`] a program opens its database with. Everything that reads
//! lifecycles (status checks, transitions and their rights, queue moves,
//! TicketSQL's `Lifecycle`) then knows them like any site lifecycle.

use std::collections::BTreeMap;

use rt_core::lifecycles::LifecycleDef;
use rt_core::{Config, Error, Result};
use serde::Deserialize;

/// RTIR's lifecycles and status maps, as shipped.
const LIFECYCLES: &str = include_str!("../lifecycles.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Shipped {
    lifecycles: BTreeMap<String, LifecycleDef>,
    lifecycle_maps: BTreeMap<String, BTreeMap<String, String>>,
}

/// Adds RTIR's lifecycles and status maps to `config` when `[rtir]
/// enabled` is on (it is by default); the ones a site defines itself are
/// kept. Call it before [`rt_core::Rt::open`]; every program that opens an
/// RTIR database does (`rt-server`, `rt-crontool`).
pub fn configure(config: &mut Config) -> Result<()> {
    if !config.rtir.enabled {
        return Ok(());
    }
    let shipped: Shipped = toml::from_str(LIFECYCLES)
        .map_err(|e| Error::Config { key: "rtir lifecycles".into(), message: e.message().to_string() })?;
    for (name, def) in shipped.lifecycles {
        config.lifecycles.entry(name).or_insert(def);
    }
    for (key, map) in shipped.lifecycle_maps {
        config.lifecycle_maps.entry(key).or_insert(map);
    }
    config.validate()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rt_core::lifecycles::{Lifecycles, StatusClass};

    #[test]
    fn rtir_lifecycles_join_the_site_ones() {
        let mut config = Config::default();
        configure(&mut config).expect("valid");
        let all = Lifecycles::from_config(&config.lifecycles, &config.lifecycle_maps).expect("valid");
        let cm = all.get("countermeasures").expect("countermeasures");
        assert_eq!(cm.on_create(), "pending activation");
        assert_eq!(cm.class_of("pending removal"), Some(StatusClass::Active));
        assert!(cm.is_transition("removed", "active") && !cm.is_transition("removed", "pending removal"));
        let ir = all.get("incident_reports").expect("incident_reports");
        let reject: Vec<_> = ir.actions_from("new").filter(|a| a.take_or_steal_first).map(|a| &a.label).collect();
        assert_eq!(reject, ["Reject", "Quick Reject"]);
        assert_eq!(all.map_status("incidents", "countermeasures", "abandoned").as_deref(), Some("removed"));
        assert_eq!(all.map_status("incidents", "incident_reports", "abandoned").as_deref(), Some("rejected"));
        assert_eq!(all.map_status("default", "countermeasures", "stalled").as_deref(), Some("pending activation"));
    }

    #[test]
    fn off_means_none_and_a_site_definition_wins() {
        let mut config = Config::default();
        config.rtir.enabled = false;
        configure(&mut config).expect("valid");
        assert!(config.lifecycles.is_empty());

        let site = "[lifecycles.incidents]\nactive = ['open']\ninactive = ['resolved', 'abandoned', 'duplicate']\n";
        let mut config = Config::from_toml(site).expect("toml");
        configure(&mut config).expect("valid");
        assert_eq!(config.lifecycles["incidents"].inactive, ["resolved", "abandoned", "duplicate"]);
        assert!(config.lifecycles.contains_key("investigations"));
    }
}
