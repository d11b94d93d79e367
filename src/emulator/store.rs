//! Instances and their settings, the per-instance history that imitates
//! FAPI's edge cache, and the state file.
//!
//! Instances are keyed by key fingerprint, never by key, so the state file
//! can be committed or attached to a CI log without leaking anything, and a
//! key still finds its instance again after a restart.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::domains::Domains;
use super::jwt_templates::JwtTemplates;
use super::keys::{self, Environment, SecretKey};
use super::lists::Lists;
use super::organizations::Organizations;
use super::restrictions::Restrictions;
use super::singletons::{Communication, OAuthApplicationSettings, Protect};

/// Snapshots kept per instance for the environment lag. Older ones are
/// dropped; a lag reaching past them is answered with the oldest left.
const HISTORY_LIMIT: usize = 256;

/// Identifies the state file layout, so a future change can be detected.
const STATE_FORMAT: &str = "clerk-emulator-state/1";

/// The settings `PATCH /v1/instance` writes (besides `allowed_origins`).
/// `cookieless_dev` is not stored: like Clerk, it is the same column as
/// `url_based_session_syncing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub test_mode: bool,
    pub hibp: bool,
    pub support_email: Option<String>,
    pub clerk_js_version: Option<String>,
    pub development_origin: Option<String>,
    pub url_based_session_syncing: bool,
    pub enhanced_email_deliverability: bool,
    pub preferred_sign_in_strategy_when_password_required: Option<String>,
    /// `PATCH /v1/instance/restrictions`; absent from older state files.
    #[serde(default)]
    pub restrictions: Restrictions,
    /// `/v1/jwt_templates`; absent from older state files.
    #[serde(default)]
    pub jwt_templates: JwtTemplates,
    /// `/v1/domains` satellites and primary-domain changes; absent from
    /// older state files.
    #[serde(default)]
    pub domains: Domains,
    /// `/v1/instance/organization_settings` and the organization roles;
    /// absent from older state files.
    #[serde(default)]
    pub organizations: Organizations,
    /// Redirect URLs and allow-/block-list identifiers; absent from older
    /// state files.
    #[serde(default)]
    pub lists: Lists,
    /// `/v1/instance/protect`; absent from older state files.
    #[serde(default)]
    pub protect: Protect,
    /// `/v1/instance/communication`; absent from older state files.
    #[serde(default)]
    pub communication: Communication,
    /// `/v1/instance/oauth_application_settings`; absent from older state files.
    #[serde(default)]
    pub oauth_application_settings: OAuthApplicationSettings,
}

impl Settings {
    /// What a freshly created Clerk instance reports.
    pub fn defaults(environment: Environment) -> Settings {
        let development = environment == Environment::Development;
        Settings {
            test_mode: development,
            hibp: true,
            support_email: None,
            // Clerk pre-fills this at application creation (see clerk-readback.md).
            clerk_js_version: Some("5".to_string()),
            development_origin: None,
            url_based_session_syncing: development,
            enhanced_email_deliverability: false,
            preferred_sign_in_strategy_when_password_required: None,
            restrictions: Restrictions::default(),
            jwt_templates: JwtTemplates::default(),
            domains: Domains::default(),
            organizations: Organizations::default(),
            lists: Lists::default(),
            protect: Protect::default(),
            communication: Communication::default(),
            oauth_application_settings: OAuthApplicationSettings::default(),
        }
    }
}

/// One Clerk instance, addressed by one secret key.
#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub fingerprint: String,
    pub environment: Environment,
    /// Insertion order, deduplicated; responses scramble it on purpose.
    pub allowed_origins: Vec<String>,
    pub settings: Settings,
    /// Settings as they were at each change, oldest first.
    history: VecDeque<(Instant, Settings)>,
}

impl Instance {
    fn new(fingerprint: &str, environment: Environment, now: Instant) -> Instance {
        let settings = Settings::defaults(environment);
        Instance {
            id: keys::instance_id(fingerprint),
            fingerprint: fingerprint.to_string(),
            environment,
            allowed_origins: Vec::new(),
            history: VecDeque::from([(now, settings.clone())]),
            settings,
        }
    }

    /// Remembers the current settings as of `now`, for lagged reads.
    pub fn record(&mut self, now: Instant) {
        if self.history.back().map(|(_, s)| s) == Some(&self.settings) {
            return;
        }
        self.history.push_back((now, self.settings.clone()));
        while self.history.len() > HISTORY_LIMIT {
            self.history.pop_front();
        }
    }

    /// Settings as an edge cache `lag` behind would serve them: the newest
    /// snapshot taken at or before `now - lag`, else the oldest one kept.
    pub fn settings_as_of(&self, now: Instant, lag: Duration) -> &Settings {
        let cutoff = now.checked_sub(lag);
        let newest_old_enough = cutoff.and_then(|cutoff| {
            self.history
                .iter()
                .rev()
                .find(|(taken, _)| *taken <= cutoff)
                .map(|(_, settings)| settings)
        });
        newest_old_enough
            .or_else(|| self.history.front().map(|(_, settings)| settings))
            .unwrap_or(&self.settings)
    }

    /// The control API's view: everything stored, origins in stored order.
    pub fn to_control_json(&self) -> Value {
        let s = &self.settings;
        json!({
            "id": self.id,
            "key": self.fingerprint,
            "environment_type": self.environment.as_str(),
            "allowed_origins": self.allowed_origins,
            "test_mode": s.test_mode,
            "hibp": s.hibp,
            "support_email": s.support_email,
            "clerk_js_version": s.clerk_js_version,
            "development_origin": s.development_origin,
            "url_based_session_syncing": s.url_based_session_syncing,
            "cookieless_dev": s.url_based_session_syncing,
            "enhanced_email_deliverability": s.enhanced_email_deliverability,
            "preferred_sign_in_strategy_when_password_required":
                s.preferred_sign_in_strategy_when_password_required,
            "restrictions": s.restrictions.to_bapi_json(),
            "organization_settings": s.organizations.to_json(),
            "organization_roles": s.organizations.roles(&self.id).iter()
                .map(|r| json!({"id": r.id, "key": r.key, "name": r.name}))
                .collect::<Vec<_>>(),
            "lists": s.lists,
            "protect": s.protect.to_json(),
            "communication": s.communication.to_json(),
            "oauth_application_settings": s.oauth_application_settings.to_json(),
        })
    }
}

/// All instances, by key fingerprint.
#[derive(Debug, Default)]
pub struct Store {
    instances: BTreeMap<String, Instance>,
}

/// The state file's shape.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateData {
    format: String,
    instances: BTreeMap<String, PersistedInstance>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersistedInstance {
    id: String,
    environment_type: String,
    allowed_origins: Vec<String>,
    settings: Settings,
}

impl Store {
    /// The instance for `key`, created with defaults on first use; the flag
    /// says whether it was just created (and so needs saving).
    pub fn ensure(&mut self, key: &SecretKey, now: Instant) -> (&mut Instance, bool) {
        let fingerprint = key.fingerprint();
        let mut created = false;
        let instance = self
            .instances
            .entry(fingerprint)
            .or_insert_with_key(|fingerprint| {
                created = true;
                Instance::new(fingerprint, key.environment(), now)
            });
        (instance, created)
    }

    pub fn by_fingerprint(&self, fingerprint: &str) -> Option<&Instance> {
        self.instances.get(fingerprint)
    }

    pub fn by_fingerprint_mut(&mut self, fingerprint: &str) -> Option<&mut Instance> {
        self.instances.get_mut(fingerprint)
    }

    pub fn by_id(&self, id: &str) -> Option<&Instance> {
        self.instances.values().find(|instance| instance.id == id)
    }

    pub fn by_id_mut(&mut self, id: &str) -> Option<&mut Instance> {
        self.instances
            .values_mut()
            .find(|instance| instance.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Instance> {
        self.instances.values()
    }

    /// Parses a state file. Names must be key fingerprints, so a file that
    /// somehow holds a raw key is refused instead of being written back.
    pub fn from_state(text: &str, now: Instant) -> Result<Store, String> {
        // serde's messages can quote values; redact in case a file was hand-edited.
        let data: StateData = serde_json::from_str(text).map_err(|e| {
            format!(
                "state file is not valid: {}",
                keys::redact(&e.to_string(), None)
            )
        })?;
        if data.format != STATE_FORMAT {
            return Err(format!(
                "state file format {:?} is not {STATE_FORMAT:?}",
                data.format
            ));
        }
        let mut instances = BTreeMap::new();
        for (fingerprint, stored) in data.instances {
            if !keys::is_key_fingerprint(&fingerprint) {
                return Err(
                    "state file names an instance by something other than a key fingerprint".into(),
                );
            }
            let environment = Environment::parse(&stored.environment_type)
                .ok_or_else(|| format!("unknown environment_type {:?}", stored.environment_type))?;
            if environment != keys::fingerprint_environment(&fingerprint) {
                return Err(format!(
                    "instance {} has the wrong environment_type for its key",
                    stored.id
                ));
            }
            let instance = Instance {
                id: stored.id,
                fingerprint: fingerprint.clone(),
                environment,
                allowed_origins: stored.allowed_origins,
                history: VecDeque::from([(now, stored.settings.clone())]),
                settings: stored.settings,
            };
            instances.insert(fingerprint, instance);
        }
        Ok(Store { instances })
    }

    /// Serialises every instance for the state file.
    pub fn to_state(&self) -> Result<String, serde_json::Error> {
        let instances = self
            .instances
            .iter()
            .map(|(fingerprint, instance)| {
                let stored = PersistedInstance {
                    id: instance.id.clone(),
                    environment_type: instance.environment.as_str().to_string(),
                    allowed_origins: instance.allowed_origins.clone(),
                    settings: instance.settings.clone(),
                };
                (fingerprint.clone(), stored)
            })
            .collect();
        let data = StateData {
            format: STATE_FORMAT.to_string(),
            instances,
        };
        let mut text = serde_json::to_string_pretty(&data)?;
        text.push('\n');
        Ok(text)
    }
}

/// Where the state lives on disk; writes are serialised by a lock so the
/// last save always carries the newest state.
pub struct StateFile {
    path: PathBuf,
    pub lock: tokio::sync::Mutex<()>,
}

impl StateFile {
    pub fn new(path: PathBuf) -> StateFile {
        StateFile {
            path,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file, or `None` if it does not exist yet.
    pub async fn read(&self) -> io::Result<Option<String>> {
        match tokio::fs::read_to_string(&self.path).await {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes a temp file next to the target and renames it over, so a
    /// crash mid-write never leaves a truncated state file.
    pub async fn write(&self, contents: &str) -> io::Result<()> {
        let mut temp = self.path.clone().into_os_string();
        temp.push(format!(".tmp.{}", std::process::id()));
        let temp = PathBuf::from(temp);
        tokio::fs::write(&temp, contents).await?;
        if let Err(e) = tokio::fs::rename(&temp, &self.path).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(e);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::parse("sk_test_StoreTestKey123").expect("valid key")
    }

    #[test]
    fn defaults_follow_environment() {
        let dev = Settings::defaults(Environment::Development);
        assert!(dev.test_mode && dev.url_based_session_syncing && dev.hibp);
        let prod = Settings::defaults(Environment::Production);
        assert!(!prod.test_mode && !prod.url_based_session_syncing);
    }

    #[test]
    fn history_serves_lagged_settings() {
        let start = Instant::now();
        let mut store = Store::default();
        let (instance, created) = store.ensure(&key(), start);
        assert!(created);
        instance.settings.hibp = false;
        instance.record(start + Duration::from_millis(100));
        let lag = Duration::from_millis(300);
        // Before the change is 300 ms old, the old value is served.
        assert!(
            instance
                .settings_as_of(start + Duration::from_millis(150), lag)
                .hibp
        );
        assert!(
            instance
                .settings_as_of(start + Duration::from_millis(399), lag)
                .hibp
        );
        assert!(
            !instance
                .settings_as_of(start + Duration::from_millis(400), lag)
                .hibp
        );
        assert!(
            !instance
                .settings_as_of(start + Duration::from_millis(150), Duration::ZERO)
                .hibp
        );
        let (_, created) = store.ensure(&key(), start);
        assert!(!created);
    }

    #[test]
    fn state_round_trips_without_the_key() {
        let now = Instant::now();
        let mut store = Store::default();
        let (instance, _) = store.ensure(&key(), now);
        instance.allowed_origins = vec!["https://a.example".into()];
        instance.settings.support_email = Some("x@example.com".into());
        let id = instance.id.clone();
        let text = store.to_state().expect("serialises");
        assert!(!text.contains("StoreTestKey123"));
        let loaded = Store::from_state(&text, now).expect("loads");
        let instance = loaded
            .by_fingerprint(&key().fingerprint())
            .expect("found by fingerprint");
        assert_eq!(instance.id, id);
        assert_eq!(
            instance.allowed_origins,
            vec!["https://a.example".to_string()]
        );
        assert_eq!(
            instance.settings.support_email.as_deref(),
            Some("x@example.com")
        );
    }

    #[test]
    fn older_state_files_load_without_collections() {
        let fingerprint = key().fingerprint();
        let text = format!(
            r#"{{"format":"clerk-emulator-state/1","instances":{{"{fingerprint}":{{"id":"ins_x","environment_type":"development","allowed_origins":[],"settings":{{"test_mode":true,"hibp":true,"support_email":null,"clerk_js_version":null,"development_origin":null,"url_based_session_syncing":true,"enhanced_email_deliverability":false,"preferred_sign_in_strategy_when_password_required":null}}}}}}}}"#
        );
        let store = Store::from_state(&text, Instant::now()).expect("loads");
        let instance = store.by_fingerprint(&fingerprint).expect("found");
        assert!(instance.settings.jwt_templates.items.is_empty());
        assert!(instance.settings.domains.satellites.is_empty());
        // And the collections round-trip once present.
        let mut store = store;
        let instance = store.by_fingerprint_mut(&fingerprint).expect("found");
        instance.settings.domains.primary_name = Some("renamed.example".into());
        instance.settings.jwt_templates.next = 3;
        let again =
            Store::from_state(&store.to_state().expect("saves"), Instant::now()).expect("reloads");
        let instance = again.by_fingerprint(&fingerprint).expect("found");
        assert_eq!(instance.settings.jwt_templates.next, 3);
        assert_eq!(
            instance.settings.domains.primary_name.as_deref(),
            Some("renamed.example")
        );
    }

    #[test]
    fn state_refuses_raw_keys() {
        let text = r#"{"format":"clerk-emulator-state/1","instances":{"sk_test_RawKeyValue1":{"id":"ins_x","environment_type":"development","allowed_origins":[],"settings":{"test_mode":true,"hibp":true,"support_email":null,"clerk_js_version":null,"development_origin":null,"url_based_session_syncing":true,"enhanced_email_deliverability":false,"preferred_sign_in_strategy_when_password_required":null}}}}"#;
        let error = Store::from_state(text, Instant::now())
            .err()
            .unwrap_or_default();
        assert!(error.contains("fingerprint"), "{error}");
        assert!(!error.contains("RawKeyValue1"));
    }
}
