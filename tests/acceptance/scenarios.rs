//! The acceptance scenarios, written once for clerk-emulator and a real
//! Clerk development instance. Each resource is one entry of a table
//! ([`SINGLETONS`]); the scenarios are generated from it: create, update,
//! drift made out of band through the Backend API, a plan right after an
//! apply (the stale-read rule), import, the data source, destroy, and
//! emulator-only ones that need injected faults (skipped by name in live
//! mode).
//!
//! A resource that creates objects (redirect URLs, allowlist identifiers)
//! names each with [`Acc::object_name`] (the run prefix) and registers it
//! with [`Acc::created`] before anything can fail, so the end of the run
//! deletes it, and only it.

use serde_json::{json, Value as Json};
use terraform_provider_clerk::resources::instance_communication::INSTANCE_COMMUNICATION;
use terraform_provider_clerk::resources::instance_protect::INSTANCE_PROTECT;
use terraform_provider_clerk::resources::instance_restrictions::INSTANCE_RESTRICTIONS;
use terraform_provider_clerk::resources::instance_settings::INSTANCE_SETTINGS;
use terraform_provider_clerk::resources::oauth_application_settings::OAUTH_APPLICATION_SETTINGS;
use terraform_provider_clerk::resources::organization_settings::ORGANIZATION_SETTINGS;
use terraform_provider_clerk::resources::singleton::Singleton;

use super::{Acc, Fail, Scenario, Step};

/// One value a scenario writes (integers and lists are for the settings
/// of resources still to come).
#[derive(Debug, Clone, Copy)]
#[allow(dead_code)]
pub enum V {
    B(bool),
    I(i64),
    S(&'static str),
    /// A set of strings (compared in sorted order, as read back).
    L(&'static [&'static str]),
}

impl V {
    pub fn json(self) -> Json {
        match self {
            V::B(b) => Json::Bool(b),
            V::I(i) => Json::from(i),
            V::S(s) => Json::String(s.to_string()),
            V::L(items) => {
                let mut items = items.to_vec();
                items.sort_unstable();
                Json::from(items)
            }
        }
    }

    fn hcl(self) -> String {
        self.json().to_string()
    }
}

/// One singleton resource under test: the settings the scenarios write,
/// each with a first and a second value (they should differ). The first
/// setting is also the one changed out of band for the drift scenario, so
/// it must be readable.
pub struct SingletonCase {
    pub resource: &'static Singleton,
    pub values: &'static [(&'static str, V, V)],
}

/// Every singleton resource's scenarios. Adding a resource is one entry.
pub static SINGLETONS: &[SingletonCase] = &[
    SingletonCase {
        resource: &INSTANCE_SETTINGS,
        values: &[
            (
                "support_email",
                V::S("acc-first@example.com"),
                V::S("acc-second@example.com"),
            ),
            ("hibp", V::B(false), V::B(true)),
        ],
    },
    SingletonCase {
        resource: &INSTANCE_RESTRICTIONS,
        values: &[
            ("block_email_subaddresses", V::B(true), V::B(false)),
            ("block_disposable_email_domains", V::B(true), V::B(false)),
        ],
    },
    SingletonCase {
        resource: &ORGANIZATION_SETTINGS,
        values: &[
            ("max_allowed_memberships", V::I(7), V::I(9)),
            ("admin_delete_enabled", V::B(false), V::B(true)),
        ],
    },
    SingletonCase {
        resource: &INSTANCE_PROTECT,
        values: &[("rules_enabled", V::B(true), V::B(false))],
    },
    SingletonCase {
        resource: &INSTANCE_COMMUNICATION,
        values: &[("blocked_country_codes", V::L(&["KP"]), V::L(&["KP", "RU"]))],
    },
    SingletonCase {
        resource: &OAUTH_APPLICATION_SETTINGS,
        values: &[("oauth_jwt_access_tokens", V::B(true), V::B(false))],
    },
];

/// The provider block of every scenario: drift detection on, and no grace
/// period, because the scenarios wait until Clerk shows each write before
/// they plan.
const PROVIDER: &str =
    "provider \"clerk\" {\n  drift_detection     = true\n  drift_grace_seconds = 0\n}\n";

/// Drift detection with the default grace period, for the stale-read
/// scenario: a plan right after an apply.
const PROVIDER_DEFAULT_GRACE: &str = "provider \"clerk\" {\n  drift_detection = true\n}\n";

impl SingletonCase {
    fn type_name(&self) -> &'static str {
        self.resource.type_name
    }

    fn address(&self) -> String {
        format!("{}.this", self.type_name())
    }

    fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.values.iter().map(|(name, _, _)| *name)
    }

    fn pick(&self, second: bool) -> Vec<(&'static str, Json)> {
        self.values
            .iter()
            .map(|(name, a, b)| (*name, if second { b.json() } else { a.json() }))
            .collect()
    }

    fn config(&self, second: bool) -> String {
        self.config_with(PROVIDER, second)
    }

    fn config_with(&self, provider: &str, second: bool) -> String {
        let body: String = self
            .values
            .iter()
            .map(|(name, a, b)| format!("  {name} = {}\n", if second { b.hcl() } else { a.hcl() }))
            .collect();
        format!(
            "{provider}\nresource \"{}\" \"this\" {{\n{body}}}\n",
            self.type_name()
        )
    }

    /// What a scenario writes, for the dry run.
    pub fn describe(&self) -> String {
        let names: Vec<&str> = self.names().collect();
        format!("PATCH /v1{} {}", self.resource.path, names.join(", "))
    }
}

/// One collection resource: each scenario group creates one object, named
/// with the run's prefix so that the end of the run deletes it, and only it.
pub struct CollectionCase {
    pub type_name: &'static str,
    /// The Backend API collection, e.g. `/redirect_urls`.
    pub collection: &'static str,
    /// The attribute that names the object, which import also accepts.
    pub key: &'static str,
    /// The attribute's value for an object named `name`.
    pub value: fn(&str) -> String,
    /// Other attributes the resource requires, as HCL lines.
    pub extra: &'static str,
    /// How to look one object up: `GET <collection>/<id>` when Clerk has
    /// it, else the listing with this query.
    pub by_id: bool,
    pub list_query: &'static str,
}

/// Every collection resource and how to name an object of it.
pub static COLLECTIONS: &[CollectionCase] = &[
    CollectionCase {
        type_name: "clerk_redirect_url",
        collection: "/redirect_urls",
        key: "url",
        value: |name| format!("https://{name}.example.com/callback"),
        extra: "",
        by_id: true,
        list_query: "",
    },
    CollectionCase {
        type_name: "clerk_allowlist_identifier",
        collection: "/allowlist_identifiers",
        key: "identifier",
        value: |name| format!("{name}@example.com"),
        extra: "",
        by_id: false,
        list_query: "?limit=500",
    },
    CollectionCase {
        type_name: "clerk_blocklist_identifier",
        collection: "/blocklist_identifiers",
        key: "identifier",
        value: |name| format!("{name}@example.com"),
        extra: "",
        by_id: false,
        list_query: "",
    },
    CollectionCase {
        type_name: "clerk_jwt_template",
        collection: "/jwt_templates",
        key: "name",
        value: |name| name.to_string(),
        extra: "claims = jsonencode({ aud = \"acceptance\" })",
        by_id: true,
        list_query: "",
    },
    CollectionCase {
        type_name: "clerk_domain",
        collection: "/domains",
        key: "name",
        // A satellite: development instances take any host name.
        value: |name| format!("{name}.example.com"),
        extra: "",
        by_id: false,
        list_query: "",
    },
];

/// Every scenario in groups, one per resource: a group runs in order, in
/// its own Terraform working directories, and groups run side by side.
pub fn groups() -> Vec<Vec<Scenario>> {
    SINGLETONS
        .iter()
        .map(singleton)
        .chain(COLLECTIONS.iter().map(collection))
        .collect()
}

/// The scenarios of one collection resource, in one working directory:
/// create, an object deleted out of band is created again, import by the
/// natural key, destroy deletes.
fn collection(case: &'static CollectionCase) -> Vec<Scenario> {
    let t = case.type_name;
    vec![
        scenario(format!("{t}/create"), None, move |acc| {
            collection_create(acc, case)
        }),
        scenario(format!("{t}/deleted_out_of_band"), None, move |acc| {
            collection_recreate(acc, case)
        }),
        scenario(format!("{t}/import"), None, move |acc| {
            collection_import(acc, case)
        }),
        scenario(format!("{t}/destroy"), None, move |acc| {
            collection_destroy(acc, case)
        }),
    ]
}

impl CollectionCase {
    fn address(&self) -> String {
        format!("{}.this", self.type_name)
    }

    fn config(&self, value: &str) -> String {
        format!(
            "provider \"clerk\" {{}}\n\nresource \"{}\" \"this\" {{\n  {} = \"{value}\"\n  {}\n}}\n",
            self.type_name, self.key, self.extra
        )
    }

    /// What a scenario writes, for the dry run.
    pub fn describe(&self) -> String {
        format!(
            "POST/DELETE /v1{} one object named with the run prefix",
            self.collection
        )
    }
}

/// The object's id in state, registered for deletion at the end.
fn register(acc: &mut Acc, case: &'static CollectionCase, name: &str) -> Result<String, Fail> {
    let id = acc.state_values(case.type_name, &case.address())?["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if id.is_empty() {
        return Err(Fail::Failed("state holds no object id".into()));
    }
    acc.created(case.collection, &id, name);
    Ok(id)
}

fn collection_create(acc: &mut Acc, case: &'static CollectionCase) -> Step {
    let t = case.type_name;
    let name = acc.object_name(t.trim_start_matches("clerk_").replace('_', "-").as_str());
    let value = (case.value)(&name);
    acc.new_workspace(t, &case.config(&value))?;
    if let Err(fail) = acc.apply(t) {
        // A list the instance's Clerk plan does not include.
        return match fail {
            Fail::Failed(why) if why.contains("HTTP 402") => {
                acc.drop_workspace(t);
                Err(Fail::Skipped(
                    "the instance's Clerk plan does not include it".into(),
                ))
            }
            other => Err(other),
        };
    }
    let id = register(acc, case, &name)?;
    if !exists(acc, case, &id)? {
        return Err(Fail::Failed(format!("{id} is not in Clerk after apply")));
    }
    acc.plan_is_empty(t)?;
    acc.applied.insert(
        t,
        vec![(OBJECT_NAME, json!(name)), (KEY_VALUE, json!(value))],
    );
    Ok(())
}

/// Whether Clerk has the object `id`, asked with GETs only.
fn exists(acc: &Acc, case: &CollectionCase, id: &str) -> Result<bool, Fail> {
    if case.by_id {
        return match acc.http.get(&format!("{}/{id}", case.collection)) {
            Ok(_) => Ok(true),
            Err(why) if why.contains(": 404") => Ok(false),
            Err(why) => Err(Fail::Failed(why)),
        };
    }
    let listing = acc
        .http
        .get(&format!("{}{}", case.collection, case.list_query))
        .map_err(Fail::Failed)?;
    let items = listing
        .as_array()
        .or_else(|| listing["data"].as_array())
        .cloned()
        .unwrap_or_default();
    Ok(items.iter().any(|item| item["id"] == id))
}

/// What a collection's create scenario remembers: the object's run name,
/// and the value of its natural key (the same text for some resources, so
/// neither is stored under the attribute's name).
const OBJECT_NAME: &str = "(object name)";
const KEY_VALUE: &str = "(natural key)";

fn remembered(acc: &Acc, t: &str, what: &str) -> Result<String, Fail> {
    acc.applied
        .get(t)
        .and_then(|values| values.iter().find(|(k, _)| *k == what))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| Fail::Skipped(format!("{t} was not created by an earlier scenario")))
}

fn collection_recreate(acc: &mut Acc, case: &'static CollectionCase) -> Step {
    let t = case.type_name;
    acc.workspace(t)?;
    let name = remembered(acc, t, OBJECT_NAME)?;
    let id = acc.state_values(t, &case.address())?["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // As a dashboard user would: through the Backend API, same key.
    acc.http
        .delete_path(&format!("{}/{id}", case.collection))
        .map_err(Fail::Failed)?;
    let (code, plan) = acc.workspace(t)?.plan_exit_code();
    if code != 2 || !plan.flat().contains("will be created") {
        return Err(Fail::Failed(format!(
            "expected the plan to create the deleted object again (exit code 2), got {code}:\n{}",
            plan.combined()
        )));
    }
    acc.apply(t)?;
    let new_id = register(acc, case, &name)?;
    if new_id == id {
        return Err(Fail::Failed(format!("the object kept its deleted id {id}")));
    }
    acc.plan_is_empty(t)
}

fn collection_import(acc: &mut Acc, case: &'static CollectionCase) -> Step {
    let t = case.type_name;
    acc.workspace(t)?;
    let value = remembered(acc, t, KEY_VALUE)?;
    let address = case.address();
    let id = acc.state_values(t, &address)?["id"].clone();
    acc.terraform(t, &["state", "rm", &address])?;
    acc.terraform(
        t,
        &["import", "-input=false", "-no-color", &address, &value],
    )?;
    let imported = acc.state_values(t, &address)?;
    if imported["id"] != id {
        return Err(Fail::Failed(format!(
            "import by {value:?} found {}, expected {id}",
            imported["id"]
        )));
    }
    acc.plan_is_empty(t)
}

fn collection_destroy(acc: &mut Acc, case: &'static CollectionCase) -> Step {
    let t = case.type_name;
    acc.workspace(t)?;
    let id = acc.state_values(t, &case.address())?["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    acc.terraform(
        t,
        &["destroy", "-auto-approve", "-input=false", "-no-color"],
    )?;
    let still_there = exists(acc, case, &id)?;
    acc.drop_workspace(t);
    if still_there {
        return Err(Fail::Failed(format!("{id} still exists after destroy")));
    }
    Ok(())
}

fn scenario(
    name: String,
    emulator_only: Option<&'static str>,
    run: impl Fn(&mut Acc) -> Step + Send + Sync + 'static,
) -> Scenario {
    Scenario {
        name,
        emulator_only,
        run: Box::new(run),
    }
}

/// The scenarios of one singleton resource. They share one Terraform
/// working directory, in order.
fn singleton(case: &'static SingletonCase) -> Vec<Scenario> {
    let t = case.type_name();
    let mut list = vec![
        scenario(format!("{t}/create"), None, move |acc| {
            apply_values(acc, case, false, true)
        }),
        scenario(format!("{t}/update"), None, move |acc| {
            apply_values(acc, case, true, false)
        }),
        scenario(format!("{t}/drift"), None, move |acc| drift(acc, case)),
        scenario(format!("{t}/stale_read"), None, move |acc| {
            stale_read(acc, case)
        }),
        scenario(format!("{t}/import"), None, move |acc| import(acc, case)),
        scenario(
            format!("{t}/retry_after_429"),
            Some("needs an injected 429"),
            move |acc| retry_after_429(acc, case),
        ),
    ];
    if let Some(data) = &case.resource.data_source {
        list.push(scenario(
            format!("data.{}/read", data.type_name),
            None,
            move |acc| data_source(acc, case, data.type_name),
        ));
    }
    list.push(scenario(format!("{t}/destroy"), None, move |acc| {
        destroy(acc, case)
    }));
    list
}

/// Applies the first or second values: state and Clerk's read-back show
/// them, and the next plan is empty.
fn apply_values(
    acc: &mut Acc,
    case: &'static SingletonCase,
    second: bool,
    first_run: bool,
) -> Step {
    let t = case.type_name();
    if first_run {
        acc.new_workspace(t, &case.config(second))?;
    } else {
        acc.workspace(t)?.write_config(&case.config(second));
    }
    acc.touch(case.resource.path, case.names());
    match acc.apply(t) {
        // Clerk refused the whole write (the instance's plan lacks the
        // feature): nothing to put back, and the later scenarios of this
        // resource are skipped for want of a working directory.
        Err(Fail::Skipped(why)) if first_run => {
            acc.untouch(case.resource.path, case.names());
            acc.drop_workspace(t);
            return Err(Fail::Skipped(why));
        }
        other => other?,
    }
    let expected = case.pick(second);
    acc.check_state(t, &case.address(), &expected)?;
    acc.await_values(case.resource, &expected, "terraform apply")?;
    acc.plan_is_empty(t)?;
    acc.applied.insert(t, expected);
    Ok(())
}

/// A change made out of band through the Backend API, with the same key,
/// as a dashboard user would: the plan shows it and apply puts it back.
fn drift(acc: &mut Acc, case: &'static SingletonCase) -> Step {
    let t = case.type_name();
    acc.workspace(t)?;
    let (name, first, _) = case.values[0];
    acc.touch(case.resource.path, [name]);
    let body = json!({ name: first.json() });
    let started = std::time::Instant::now();
    acc.http
        .patch_json(case.resource.path, &body)
        .map_err(Fail::Failed)?;
    acc.await_values_since(
        case.resource,
        &[(name, first.json())],
        "out-of-band PATCH",
        started,
    )?;
    let plan = acc.workspace(t)?.plan_exit_code();
    if plan.0 != 2 || !plan.1.flat().contains(name) {
        return Err(Fail::Failed(format!(
            "expected the plan to show drift of {name} (exit code 2), got exit code {}:\n{}",
            plan.0,
            plan.1.combined()
        )));
    }
    acc.apply(t)?;
    let expected = acc.applied.get(t).cloned().unwrap_or_default();
    acc.await_values(case.resource, &expected, "terraform apply")?;
    acc.plan_is_empty(t)
}

/// With the default grace period, a plan right after an apply is empty,
/// even while the edge-cached read-back still shows the replaced values
/// (the stale-read rule), and they then show the applied ones.
fn stale_read(acc: &mut Acc, case: &'static SingletonCase) -> Step {
    let t = case.type_name();
    acc.workspace(t)?
        .write_config(&case.config_with(PROVIDER_DEFAULT_GRACE, false));
    acc.touch(case.resource.path, case.names());
    acc.apply(t)?;
    acc.plan_is_empty(t)?;
    let expected = case.pick(false);
    acc.await_values(case.resource, &expected, "terraform apply")?;
    acc.applied.insert(t, expected);
    acc.workspace(t)?.write_config(&case.config(false));
    Ok(())
}

/// Forget the resource and import it by the instance id: state shows the
/// instance's values and the plan is empty.
fn import(acc: &mut Acc, case: &'static SingletonCase) -> Step {
    let t = case.type_name();
    let address = case.address();
    let id = acc.state_values(t, &address)?["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if !id.starts_with("ins_") {
        return Err(Fail::Failed(format!("state holds no instance id: {id:?}")));
    }
    acc.terraform(t, &["state", "rm", &address])?;
    acc.terraform(t, &["import", "-input=false", "-no-color", &address, &id])?;
    let expected = acc.applied.get(t).cloned().unwrap_or_default();
    acc.check_state(t, &address, &expected)?;
    acc.plan_is_empty(t)
}

/// A 429 on the resource's PATCH is waited out and the apply succeeds.
fn retry_after_429(acc: &mut Acc, case: &'static SingletonCase) -> Step {
    let t = case.type_name();
    acc.workspace(t)?;
    let path = format!("/v1{}", case.resource.path);
    acc.emulator()?.fault(json!({
        "method": "PATCH", "path": path, "status": 429, "retry_after": "0", "times": 1
    }));
    apply_values(acc, case, true, false)?;
    let hit = acc
        .emulator()?
        .requests()
        .iter()
        .any(|r| r["method"] == "PATCH" && r["path"] == path.as_str() && r["status"] == 429);
    if !hit {
        return Err(Fail::Failed("the injected 429 was never answered".into()));
    }
    Ok(())
}

/// The data source shows what the resource applied.
fn data_source(acc: &mut Acc, case: &'static SingletonCase, data: &'static str) -> Step {
    let expected = acc
        .applied
        .get(case.type_name())
        .cloned()
        .unwrap_or_default();
    let key = "data";
    acc.new_workspace(
        "data",
        &format!("{PROVIDER}\ndata \"{data}\" \"this\" {{}}\n\noutput \"this\" {{\n  value = data.{data}.this\n}}\n"),
    )?;
    acc.apply(key)?;
    let output = acc.state_output(key, "this")?;
    for (name, want) in &expected {
        if &output[*name] != want {
            return Err(Fail::Failed(format!(
                "data.{data}: {name} = {}, expected {want}",
                output[*name]
            )));
        }
    }
    Ok(())
}

/// Destroy only forgets: Clerk keeps the applied values.
fn destroy(acc: &mut Acc, case: &'static SingletonCase) -> Step {
    let t = case.type_name();
    acc.workspace(t)?;
    acc.terraform(
        t,
        &["destroy", "-auto-approve", "-input=false", "-no-color"],
    )?;
    let expected = acc.applied.get(t).cloned().unwrap_or_default();
    acc.check_values(case.resource, &expected)?;
    acc.drop_workspace(t);
    Ok(())
}
