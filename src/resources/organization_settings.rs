//! `clerk_organization_settings`: Clerk's `GET`/`PATCH
//! /v1/instance/organization_settings` as a singleton resource, and the
//! `clerk_organization_settings` data source reading the same table.
//!
//! Clerk's own `GET` is authoritative, so every readable setting is read
//! back on each refresh. Clerk takes the creator and domain roles as role
//! *ids* (`creator_role_id`, `domains_default_role_id`) but reports role
//! *keys* (`creator_role`, `domains_default_role`). The keys are computed
//! attributes; the ids are checked for drift by resolving the reported keys
//! through `GET /v1/organization_roles` (every page), only when an id is
//! managed. That is this singleton's `adjust` hook; [`resolve_role_ids`]
//! and [`read_roles`] are its pure and paging parts.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::Value as Json;

use super::context::Configured;
use super::singleton::model::SettingValue;
use super::singleton::setting::{Kind, Setting, Source};
use super::singleton::{Answer, DataSourceInfo, Refusal, Singleton};
use crate::clerk::ApiError;
use crate::framework::{AttributePath, Diagnostic, Diagnostics};

pub const TYPE_NAME: &str = "clerk_organization_settings";

/// Roles asked for per page of `GET /v1/organization_roles` (Clerk allows
/// up to 500).
pub const ROLES_PAGE: usize = 100;

/// Most pages read before giving up, so a listing that never ends cannot
/// hang a refresh.
const MAX_ROLE_PAGES: usize = 100;

/// Each role id Clerk takes, with the key it reports instead.
pub const ROLE_IDS: &[(&str, &str)] = &[
    ("creator_role_id", "creator_role"),
    ("domains_default_role_id", "domains_default_role"),
];

/// The enrollment modes Clerk reports (`OrganizationSettings` in the spec).
pub const ENROLLMENT_MODES: &[&str] = &[
    "automatic_invitation",
    "automatic_suggestion",
    "manual_invitation",
];

pub static ORGANIZATION_SETTINGS: Singleton = Singleton {
    type_name: TYPE_NAME,
    path: "/instance/organization_settings",
    answer: Answer::Object,
    subject: "organization settings",
    description: "Manages the organization settings of the Clerk instance that the provider's \
        secret key belongs to (whether organizations are enabled, membership limits, domains, \
        the creator's and domain members' roles), through Clerk's `PATCH \
        /v1/instance/organization_settings`. Only the settings written in the configuration are \
        managed: one left out is never sent and never planned as a change, and `terraform plan` \
        shows exactly what apply sends.\n\n\
        Clerk answers each update with the whole object, which becomes state, and reports the \
        settings with `GET /v1/instance/organization_settings`, so every refresh shows changes \
        made elsewhere (no `drift_detection` needed). Clerk takes roles by id but reports them \
        by key: `creator_role` and `domains_default_role` are the reported keys, and a managed \
        `creator_role_id` or `domains_default_role_id` is checked by looking the key up in \
        `GET /v1/organization_roles`.\n\n\
        Destroying this resource only removes it from Terraform state; the instance keeps its \
        organization settings.",
    settings: SETTINGS,
    data_source: Some(DataSourceInfo {
        type_name: TYPE_NAME,
        description: "Reads the organization settings of the Clerk instance that the provider's \
            secret key belongs to, from `GET /v1/instance/organization_settings`, with the role \
            ids resolved from the reported role keys through `GET /v1/organization_roles`. An id \
            is null when its role could not be found; a warning then says why.",
    }),
    payment_required: "The instance's Clerk plan does not include this organization feature \
        (for example more memberships per organization, or organization domains). Upgrade the \
        plan in the Clerk Dashboard, or remove the setting from the configuration.",
    refusals: &[
        Refusal {
            status: 403,
            meaning: "the instance may not use this organization setting",
            advice: "Clerk answers 403 when organizations are not enabled for the instance or a \
                value is beyond what its plan allows. Enable organizations in the Clerk Dashboard \
                (Configure → Organizations) or set `enabled = true`, check the plan's limits, \
                and run the command again.",
        },
        Refusal {
            status: 404,
            meaning: "the instance has no organization settings",
            advice: "Clerk answers 404 when organizations are not available for the instance. \
                Enable organizations in the Clerk Dashboard (Configure → Organizations), check \
                that the provider's secret key belongs to the instance you mean, and run the \
                command again.",
        },
    ],
    adjust: Some(adjust),
};

/// The settings, sorted by name.
pub const SETTINGS: &[Setting] = &[
    Setting::new(
        "admin_delete_enabled",
        Kind::Bool,
        "Whether organization admins may delete their organization through the Frontend API \
        (the default for new organizations).",
    )
    .read(Source::Own, "/admin_delete_enabled"),
    Setting::new(
        "creator_role",
        Kind::String,
        "The key of the role (such as `org:admin`) a user gets in an organization they create, \
        as Clerk reports it. Set it with `creator_role_id`.",
    )
    .computed_only()
    .read(Source::Own, "/creator_role"),
    Setting::new(
        "creator_role_id",
        Kind::String,
        "The ID of the organization role (`role_…`) a user gets in an organization they \
        create. Clerk reports the role's key (`creator_role`); refresh looks that key up in the \
        instance's organization roles to show a change made elsewhere.",
    )
    .validate(
        role_id,
        "Use the ID of one of the instance's organization roles (role_…), as listed by Clerk's GET /v1/organization_roles.",
    )
    .derived(
        Source::Own,
        "`creator_role` resolved to its ID through Backend API `GET /v1/organization_roles`",
    ),
    Setting::new(
        "domains_default_role",
        Kind::String,
        "The key of the role (such as `org:member`) given to users who join an organization \
        through a verified domain, as Clerk reports it. Set it with `domains_default_role_id`.",
    )
    .computed_only()
    .read(Source::Own, "/domains_default_role"),
    Setting::new(
        "domains_default_role_id",
        Kind::String,
        "The ID of the organization role (`role_…`) given to users who join an organization \
        through a verified domain (invitation or suggestion). Clerk reports the role's key \
        (`domains_default_role`); refresh looks that key up in the instance's organization \
        roles to show a change made elsewhere.",
    )
    .validate(
        role_id,
        "Use the ID of one of the instance's organization roles (role_…), as listed by Clerk's GET /v1/organization_roles.",
    )
    .derived(
        Source::Own,
        "`domains_default_role` resolved to its ID through Backend API `GET /v1/organization_roles`",
    ),
    Setting::new(
        "domains_enabled",
        Kind::Bool,
        "Whether organizations may verify email domains, so that users with a matching email \
        address are invited to or offered membership.",
    )
    .read(Source::Own, "/domains_enabled"),
    Setting::new(
        "domains_enrollment_modes",
        Kind::StringSet,
        "How users with an email address on a verified organization domain may join: \
        `automatic_invitation`, `automatic_suggestion` and `manual_invitation`. The whole set \
        replaces the instance's modes; `[]` empties it.",
    )
    .validate(
        enrollment_mode,
        "Use automatic_invitation, automatic_suggestion or manual_invitation.",
    )
    .read(Source::Own, "/domains_enrollment_modes"),
    Setting::new(
        "enabled",
        Kind::Bool,
        "Whether organizations are enabled for the instance.",
    )
    .read(Source::Own, "/enabled"),
    Setting::new(
        "max_allowed_domains",
        Kind::Int,
        "How many domains an organization may verify, as Clerk reports it (set by the plan).",
    )
    .computed_only()
    .read(Source::Own, "/max_allowed_domains"),
    Setting::new(
        "max_allowed_memberships",
        Kind::Int,
        "How many members an organization may have by default: a whole number of at least \
        `0`. Clerk's plans cap it.",
    )
    .min(0)
    .read(Source::Own, "/max_allowed_memberships"),
    Setting::new(
        "max_allowed_roles",
        Kind::Int,
        "How many organization roles the instance may have, as Clerk reports it (set by the \
        plan).",
    )
    .computed_only()
    .read(Source::Own, "/max_allowed_roles"),
    Setting::new(
        "slug_disabled",
        Kind::Bool,
        "Whether organizations go without slugs (URL-friendly names).",
    )
    .read(Source::Own, "/slug_disabled"),
];

fn role_id(text: &str) -> Result<(), String> {
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{text:?} is not an organization role ID: it must be non-empty, without spaces"
        ));
    }
    Ok(())
}

fn enrollment_mode(text: &str) -> Result<(), String> {
    if ENROLLMENT_MODES.contains(&text) {
        Ok(())
    } else {
        Err(format!(
            "{text:?} is not an organization domain enrollment mode"
        ))
    }
}

/// One page of `GET /v1/organization_roles`: each role's `(key, id)`, and
/// Clerk's `total_count`.
pub fn role_page(page: &Json) -> Result<(Vec<(String, String)>, usize), String> {
    let data = page
        .get("data")
        .and_then(Json::as_array)
        .ok_or("expected a list of organization roles (`data`)")?;
    let total = page
        .get("total_count")
        .and_then(Json::as_u64)
        .ok_or("expected `total_count` in the list of organization roles")?;
    let roles = data
        .iter()
        .map(|role| {
            let text = |name| role.get(name).and_then(Json::as_str).map(str::to_string);
            text("key")
                .zip(text("id"))
                .ok_or_else(|| "an organization role without `key` or `id`".to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((roles, usize::try_from(total).unwrap_or(usize::MAX)))
}

/// Every organization role's id, by key: reads pages of `ROLES_PAGE` from
/// offset 0 with `fetch(offset)` until `total_count` roles were seen or a
/// page comes back empty.
pub async fn read_roles<F, Fut>(fetch: F) -> Result<BTreeMap<String, String>, ApiError>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<Arc<Json>, ApiError>>,
{
    let mut roles = BTreeMap::new();
    let mut offset = 0;
    for _ in 0..MAX_ROLE_PAGES {
        let page = fetch(offset).await?;
        let (found, total) = role_page(&page).map_err(|detail| ApiError::InvalidResponse {
            status: 200,
            detail,
        })?;
        offset += found.len();
        let empty = found.is_empty();
        roles.extend(found);
        if empty || offset >= total {
            break;
        }
    }
    Ok(roles)
}

/// The role ids that need the roles listing: those `wanted` whose key
/// Clerk reported.
pub fn ids_to_resolve(
    wanted: &BTreeSet<&'static str>,
    observed: &BTreeMap<&'static str, SettingValue>,
) -> Vec<(&'static str, &'static str)> {
    ROLE_IDS
        .iter()
        .copied()
        .filter(|(id, key)| wanted.contains(id) && observed.contains_key(key))
        .collect()
}

/// Adds each id in `pairs` to `observed` by looking up the key Clerk
/// reported in `roles` (key → id). A key with no role (deleted, say) is a
/// warning and leaves the id out, so state keeps it.
pub fn resolve_role_ids(
    pairs: &[(&'static str, &'static str)],
    roles: &BTreeMap<String, String>,
    observed: &mut BTreeMap<&'static str, SettingValue>,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for (id_name, key_name) in pairs {
        let key = match observed.get(key_name) {
            Some(SettingValue::String(key)) => key.clone(),
            _ => continue,
        };
        match roles.get(&key) {
            Some(id) => {
                observed.insert(id_name, SettingValue::String(id.clone()));
            }
            None => diags.push(
                Diagnostic::warning(
                    format!("Could not check {id_name}"),
                    format!(
                        "Clerk reports {key_name} = {key:?}, but no organization role of the \
                         instance has that key (it may have been deleted), so the role's ID is \
                         unknown. {id_name} keeps the value in state for this run; set it to the \
                         ID of an existing role to change it."
                    ),
                )
                .at(AttributePath::root(id_name)),
            ),
        }
    }
    diags
}

/// The `adjust` hook: resolves the reported role keys into the ids a
/// caller wants, reading the roles (shared, single-flight) only then.
fn adjust<'a>(
    cx: &'a Configured,
    wanted: &'a BTreeSet<&'static str>,
    observed: &'a mut BTreeMap<&'static str, SettingValue>,
) -> BoxFuture<'a, Diagnostics> {
    Box::pin(async move {
        let pairs = ids_to_resolve(wanted, observed);
        if pairs.is_empty() {
            return Diagnostics::new();
        }
        let listing = read_roles(|offset| async move {
            cx.get(&format!(
                "/organization_roles?limit={ROLES_PAGE}&offset={offset}"
            ))
            .await
        })
        .await;
        match listing {
            Ok(roles) => resolve_role_ids(&pairs, &roles, observed),
            Err(error) => {
                let names: Vec<&str> = pairs.iter().map(|(id, _)| *id).collect();
                Diagnostic::warning(
                    "Could not read the organization roles",
                    format!(
                        "Reading GET /v1/organization_roles failed: {error}.\n\nThese settings keep \
                         the values in state for this run, so changes made outside Terraform may \
                         not show: {}. The next refresh tries again.",
                        names.join(", ")
                    ),
                )
                .into()
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Mutex;

    #[test]
    fn table_is_sorted_and_read_from_the_own_endpoint() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(SETTINGS.iter().all(|s| s.source() == Some(Source::Own)));
        for (id, key) in ROLE_IDS {
            assert!(!ORGANIZATION_SETTINGS.setting(id).unwrap().computed_only);
            assert!(ORGANIZATION_SETTINGS.setting(key).unwrap().computed_only);
        }
    }

    #[test]
    fn enrollment_modes_and_role_ids_are_checked() {
        assert!(enrollment_mode("automatic_invitation").is_ok());
        assert!(enrollment_mode("automatic").is_err());
        assert!(role_id("role_2abc").is_ok());
        assert!(role_id("").is_err());
        assert!(role_id("role 1").is_err());
    }

    fn observed(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, SettingValue> {
        pairs
            .iter()
            .map(|(k, v)| (*k, SettingValue::String(v.to_string())))
            .collect()
    }

    #[test]
    fn only_wanted_ids_with_a_reported_key_are_resolved() {
        let seen = observed(&[("creator_role", "org:admin")]);
        let none = BTreeSet::new();
        assert!(ids_to_resolve(&none, &seen).is_empty());
        let both: BTreeSet<&str> = ["creator_role_id", "domains_default_role_id"].into();
        assert_eq!(
            ids_to_resolve(&both, &seen),
            [("creator_role_id", "creator_role")]
        );
    }

    #[test]
    fn keys_become_ids_and_a_missing_role_is_a_warning() {
        let roles: BTreeMap<String, String> = [("org:admin".into(), "role_a".into())].into();
        let mut seen = observed(&[
            ("creator_role", "org:admin"),
            ("domains_default_role", "org:gone"),
        ]);
        let diags = resolve_role_ids(ROLE_IDS, &roles, &mut seen);
        assert_eq!(
            seen.get("creator_role_id"),
            Some(&SettingValue::String("role_a".into()))
        );
        assert!(!seen.contains_key("domains_default_role_id"));
        assert_eq!(diags.0.len(), 1);
        assert!(!diags.has_errors());
        assert!(diags.0[0].detail.contains("\"org:gone\""), "{:?}", diags.0);
    }

    #[tokio::test]
    async fn every_page_is_read_and_nothing_more() {
        let all: Vec<Json> = (0..7)
            .map(|i| json!({"key": format!("org:r{i}"), "id": format!("role_{i}")}))
            .collect();
        let asked = Mutex::new(Vec::new());
        let page = 3;
        let roles = read_roles(|offset| {
            asked.lock().unwrap().push(offset);
            let data: Vec<Json> = all.iter().skip(offset).take(page).cloned().collect();
            async move { Ok(Arc::new(json!({"data": data, "total_count": 7}))) }
        })
        .await
        .unwrap();
        assert_eq!(roles.len(), 7);
        assert_eq!(roles["org:r6"], "role_6");
        assert_eq!(*asked.lock().unwrap(), [0, 3, 6]);

        // A listing that ends early (total_count too high) stops at the
        // first empty page.
        let short = read_roles(|offset| async move {
            let data = if offset == 0 {
                json!([{"key": "org:a", "id": "role_a"}])
            } else {
                json!([])
            };
            Ok(Arc::new(json!({"data": data, "total_count": 50})))
        })
        .await
        .unwrap();
        assert_eq!(short.len(), 1);

        let broken = read_roles(|_| async { Ok(Arc::new(json!({"data": [{"id": "x"}]}))) }).await;
        assert!(matches!(broken, Err(ApiError::InvalidResponse { .. })));
    }
}
