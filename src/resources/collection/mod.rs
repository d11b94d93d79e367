//! The collection engine: every resource that is one of many objects Clerk
//! creates, reads and deletes (`/v1/redirect_urls`, `/v1/allowlist_identifiers`,
//! …) is a [`Collection`] description run by this one engine.
//!
//! The rules every collection resource shares:
//! - Read: an object that is gone (404, or absent from the listing) is
//!   removed from state, so the next plan creates it again; any other error
//!   keeps state and is reported.
//! - Delete really deletes; a 404 counts as done.
//! - Creating an object that already exists fails with an error naming the
//!   existing object's id and the `terraform import` command for it, found
//!   with a GET (never a write).
//! - Import takes the object's id or its natural key (`url`, `identifier`).
//! - An object of the collection that is not one of this resource's (an
//!   attribute lacks its fixed value, such as the primary domain among
//!   `/v1/domains`) is refused by import, update and delete, with why.
//! - An attribute Clerk accepts on production instances only is refused at
//!   plan when private state records a development instance, and always
//!   before a write.
//! - A change of an attribute Clerk cannot update replaces the object; an
//!   update sends only what changed; a write's answer becomes state.
//! - Key ↔ instance: collections have no instance attribute, so the
//!   instance an object was created in (or imported from) is kept in private
//!   state. Every read and every write first checks that the secret key
//!   belongs to that instance, so a key of another instance can neither
//!   write there nor make the objects look deleted (which would plan to
//!   create them again in the wrong instance). Plans send nothing.
//! - Listings are read through all their pages once per provider process and
//!   shared by every resource of the type (single-flight, keyed by path and
//!   query); every write clears them.

pub mod model;
pub mod rules;
#[cfg(test)]
mod tests;

use futures_util::future::BoxFuture;
use serde_json::Value as Json;

use crate::clerk::{ApiError, Instance};
use crate::framework::{
    ApplyRequest, ApplyResponse, Attribute, AttributePath, Diagnostic, Diagnostics,
    ImportedResource, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Schema,
};
use crate::logging;
use crate::value::{Type, Value};

use super::context::{Configured, Context};
use super::errors::{api_error, api_error_at, shorten};
use super::Resource;
use model::{Field, Listing, Private, Role};

/// How refresh finds one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// `GET {path}/{id}`.
    ById,
    /// In the shared listing of `GET {path}`.
    InListing,
}

/// One collection resource, described.
pub struct Collection {
    pub type_name: &'static str,
    /// What one object is, in words: "redirect URL".
    pub subject: &'static str,
    /// Markdown description of the resource.
    pub description: &'static str,
    /// The list and create path under `/v1`; one object is `{path}/{id}`.
    pub path: &'static str,
    pub listing: Listing,
    pub lookup: Lookup,
    /// The attribute that identifies an object besides its id, for import
    /// and for finding the object a refused duplicate create collided with.
    pub natural_key: Option<&'static str>,
    /// Clerk's `PATCH {path}/{id}`, if it has one.
    pub updatable: bool,
    /// Every attribute but `id`.
    pub fields: &'static [Field],
}

impl Collection {
    fn object_path(&self, id: &str) -> String {
        format!("{}/{}", self.path, model::path_segment(id))
    }

    fn names(&self) -> Vec<&'static str> {
        self.fields.iter().map(|f| f.name).collect()
    }

    /// Every object of the listing, through all pages; each page is a
    /// shared read.
    pub async fn list_all(&self, cx: &Configured) -> Result<Vec<Json>, ApiError> {
        let invalid = |detail: String| ApiError::InvalidResponse {
            status: 200,
            detail: format!("listing {}: {detail}", self.path),
        };
        match self.listing {
            Listing::DataObject => {
                let answer = cx.get(self.path).await?;
                model::parse_list(self.listing, &answer).map_err(invalid)
            }
            Listing::PagedArray => {
                model::collect_pages(model::PAGE_SIZE, |offset| {
                    let path = model::page_path(self.path, model::PAGE_SIZE, offset);
                    async move {
                        let answer = cx.get(&path).await?;
                        model::parse_list(self.listing, &answer).map_err(invalid)
                    }
                })
                .await
            }
        }
    }

    /// The object with this id now, or `None` when Clerk has no such object.
    async fn find(&self, cx: &Configured, id: &str) -> Result<Option<Json>, ApiError> {
        match self.lookup {
            Lookup::ById => match cx.client.get_json(&self.object_path(id)).await {
                Ok(object) => Ok(Some(object)),
                Err(error) if error.status() == Some(404) => Ok(None),
                Err(error) => Err(error),
            },
            Lookup::InListing => {
                let all = self.list_all(cx).await?;
                Ok(model::find_by_id(&all, id).cloned())
            }
        }
    }

    /// The error for a key of another instance than the object's.
    fn other_instance(&self, cx: &Configured, recorded: &str, key: &Instance) -> Diagnostics {
        Diagnostic::error(
            "Secret key belongs to a different Clerk instance",
            format!(
                "This {subject} belongs to instance {recorded}, but the secret key configured in \
                 {source} belongs to instance {key_id} ({key_env}). Nothing was sent to Clerk and \
                 the state is unchanged.\n\nUse the key of instance {recorded} in {source}, or \
                 remove the resource from state (`terraform state rm`) and import the object \
                 from instance {key_id}.",
                subject = self.subject,
                recorded = shorten(recorded),
                source = cx.key_source,
                key_id = key.id,
                key_env = key.environment_type,
            ),
        )
        .into()
    }

    /// The key ↔ instance rule: the key's instance, which must be the one
    /// recorded for the object (if one is recorded).
    async fn check_instance(
        &self,
        cx: &Configured,
        private: &Private,
    ) -> Result<Instance, Diagnostics> {
        let instance = cx.confirm_instance(None, None).await?;
        match &private.instance_id {
            Some(recorded) if *recorded != instance.id => {
                Err(self.other_instance(cx, recorded, &instance))
            }
            _ => Ok(instance),
        }
    }

    fn decode_error(what: &str, problem: &str) -> Diagnostics {
        Diagnostic::error(
            format!("Invalid {what}"),
            format!("The {what} does not match the resource schema: {problem}."),
        )
        .into()
    }

    /// The error for an object that is not one of this resource's (see
    /// [`model::foreign`]): `action` is "import", "update" or "delete".
    fn foreign_error(&self, action: &str, state: &Value, field: &Field, why: &str) -> Diagnostics {
        let id = state.get("id").and_then(Value::as_str).unwrap_or("?");
        let key = self
            .natural_key
            .and_then(|key| Some((key, state.get(key)?.as_str()?)))
            .map(|(key, value)| format!(" ({key} = {:?})", shorten(value)))
            .unwrap_or_default();
        let value = state.get(field.name).map(model::show).unwrap_or_default();
        Diagnostic::error(
            format!("Cannot {action} this object as {}", self.type_name),
            format!(
                "Object {id}{key} has {name} = {value}: {why}\n\nNothing was sent to Clerk.{hint}",
                id = shorten(id),
                name = field.name,
                hint = if action == "import" {
                    ""
                } else {
                    " To stop managing it here without changing Clerk, remove it from state with \
                     `terraform state rm`."
                },
            ),
        )
        .into()
    }

    /// The error for production-only attributes on an instance that is not
    /// production; `sent` says whether this is a write being refused.
    fn production_only_error(
        &self,
        fields: &[&Field],
        instance: &str,
        environment: &str,
        writing: bool,
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        for field in fields {
            diags.push(
                Diagnostic::error(
                    format!("{} is for production instances only", field.name),
                    format!(
                        "Clerk accepts {name} only on production instances, and this {subject} \
                         belongs to instance {instance}, a {environment} instance. Remove {name} \
                         from this resource's configuration.{nothing}",
                        name = field.name,
                        subject = self.subject,
                        instance = shorten(instance),
                        nothing = if writing {
                            " Nothing was sent to Clerk."
                        } else {
                            ""
                        },
                    ),
                )
                .at(AttributePath::root(field.name)),
            );
        }
        diags
    }

    /// Refuses a body with production-only attributes for an instance that
    /// is not production.
    fn check_production_only(
        &self,
        instance: &Instance,
        body: &serde_json::Map<String, Json>,
    ) -> Result<(), Diagnostics> {
        let sent = model::production_only_sent(self.fields, body);
        if sent.is_empty() || instance.environment_type == "production" {
            return Ok(());
        }
        Err(self.production_only_error(&sent, &instance.id, &instance.environment_type, true))
    }

    fn import_hint(&self, id: &str) -> String {
        format!(
            "terraform import {type_name}.<name> {id}",
            type_name = self.type_name
        )
    }

    /// Checks known configured values; unknown ones are checked once known.
    pub fn validate_config(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        for field in self.fields {
            if let Some(flag) = field.required_when {
                let on = config.get(flag).and_then(Value::as_bool) == Some(true);
                if on && config.get(field.name).is_none_or(Value::is_null) {
                    diags.push(
                        Diagnostic::error(
                            format!("Missing {}", field.name),
                            format!("`{}` is required when `{flag}` is `true`.", field.name),
                        )
                        .at(AttributePath::root(field.name)),
                    );
                }
            }
            if field.kind == model::Kind::Int {
                if let Some(Value::Number(n)) = config.get(field.name).map(Value::without_dynamic) {
                    if n.as_i64().is_none() {
                        diags.push(
                            Diagnostic::error(
                                format!("Invalid {}", field.name),
                                "The value must be a whole number.",
                            )
                            .at(AttributePath::root(field.name)),
                        );
                    }
                }
            }
            if field.kind == model::Kind::JsonObject {
                if let Some(text) = config.get(field.name).and_then(Value::as_str) {
                    if let Err(problem) = model::parse_json_object(text) {
                        diags.push(
                            Diagnostic::error(format!("Invalid {}", field.name), problem)
                                .at(AttributePath::root(field.name)),
                        );
                    }
                }
            }
            let (Some(check), Some(text)) = (
                field.validate,
                config.get(field.name).and_then(Value::as_str),
            ) else {
                continue;
            };
            if let Err(problem) = check(text) {
                diags.push(
                    Diagnostic::error(format!("Invalid {}", field.name), problem)
                        .at(AttributePath::root(field.name)),
                );
            }
        }
        diags
    }

    fn plan_change(&self, request: &PlanRequest) -> PlanResponse {
        if request.proposed_new_state.is_null() {
            return PlanResponse {
                planned_state: Value::Null,
                planned_private: request.prior_private.clone(),
                ..Default::default()
            };
        }
        let prior = (!request.prior_state.is_null()).then_some(&request.prior_state);
        let planned = model::plan(self.fields, prior, &request.config);
        // The instance is known only once the object exists: on create the
        // same check runs at apply, before anything is sent.
        let private = Private::from_bytes(&request.prior_private);
        let mut diagnostics = Diagnostics::new();
        let configured = model::production_only_configured(self.fields, &request.config);
        if let (true, false, Some(instance), Some(environment)) = (
            private.not_production(),
            configured.is_empty(),
            &private.instance_id,
            &private.environment,
        ) {
            diagnostics = self.production_only_error(&configured, instance, environment, false);
        }
        PlanResponse {
            planned_state: planned.state,
            requires_replace: planned.replace,
            planned_private: request.prior_private.clone(),
            diagnostics,
        }
    }

    async fn apply_change(&self, cx: &Context, request: ApplyRequest) -> ApplyResponse {
        let failed = |diagnostics: Diagnostics| ApplyResponse {
            new_state: request.prior_state.clone(),
            private: request.planned_private.clone(),
            diagnostics,
        };
        let cx = match cx.configured() {
            Ok(cx) => cx,
            Err(diags) => return failed(diags),
        };
        let private = Private::from_bytes(&request.planned_private);
        if request.planned_state.is_null() {
            return self.delete(cx, &request.prior_state, &private).await;
        }
        if request.prior_state.is_null() {
            return self.create(cx, &request.planned_state).await;
        }
        if let Some((field, why)) = model::foreign(self.fields, &request.prior_state) {
            return failed(self.foreign_error("update", &request.prior_state, field, why));
        }
        // An in-place update.
        let body =
            match model::update_body(self.fields, &request.prior_state, &request.planned_state) {
                Ok(body) => body,
                Err(problem) => return failed(Self::decode_error("planned state", &problem)),
            };
        if body.is_empty() {
            // Only attributes Clerk never sees again (sent on create only)
            // changed: state takes them, nothing is sent.
            logging::debug("resource", "nothing Clerk can update changed", &[]);
            return ApplyResponse {
                new_state: model::settle(&request.planned_state, &request.prior_state),
                private: request.planned_private.clone(),
                diagnostics: Diagnostics::new(),
            };
        }
        let Some(id) = request.prior_state.get("id").and_then(Value::as_str) else {
            return failed(Self::decode_error("prior state", "it has no id"));
        };
        if !self.updatable {
            return failed(
                Diagnostic::error(
                    format!("A {} cannot be updated in place", self.subject),
                    "Clerk has no update for this object, and the plan did not replace it. This \
                     is a bug in the provider; please report it.",
                )
                .into(),
            );
        }
        let instance = match self.check_instance(cx, &private).await {
            Ok(instance) => instance,
            Err(diags) => return failed(diags),
        };
        if let Err(diags) = self.check_production_only(&instance, &body) {
            return failed(diags);
        }
        let result = cx.client.patch_json(&self.object_path(id), &body).await;
        cx.invalidate();
        match result {
            Ok(Some(answer)) => ApplyResponse {
                new_state: model::state_from_object(
                    self.fields,
                    &answer,
                    Some(&request.planned_state),
                ),
                private: request.planned_private.clone(),
                diagnostics: Diagnostics::new(),
            },
            Ok(None) => ApplyResponse {
                new_state: model::settle(&request.planned_state, &request.prior_state),
                private: request.planned_private.clone(),
                diagnostics: Diagnostics::new(),
            },
            Err(error) => failed(api_error_at(
                &format!("update the {}", self.subject),
                &error,
                &self.names(),
            )),
        }
    }

    async fn create(&self, cx: &Configured, planned: &Value) -> ApplyResponse {
        let failed = |diagnostics: Diagnostics| ApplyResponse {
            new_state: Value::Null,
            private: Vec::new(),
            diagnostics,
        };
        let body = match model::create_body(self.fields, planned) {
            Ok(body) => body,
            Err(problem) => return failed(Self::decode_error("planned state", &problem)),
        };
        // A new object joins the key's instance, which private state records.
        let instance = match self.check_instance(cx, &Private::default()).await {
            Ok(instance) => instance,
            Err(diags) => return failed(diags),
        };
        if let Err(diags) = self.check_production_only(&instance, &body) {
            return failed(diags);
        }
        logging::info(
            "resource",
            "creating object",
            &[("resource", &self.type_name)],
        );
        let result = cx.client.post_json(self.path, &body).await;
        cx.invalidate();
        let private = recorded(&instance);
        match result {
            Ok(answer) => {
                let state = model::state_from_object(self.fields, &answer, Some(planned));
                if state.get("id").is_none_or(Value::is_null) {
                    return failed(
                        Diagnostic::error(
                            format!("Clerk did not return the new {}", self.subject),
                            "Clerk's answer to the create request has no id, so the object \
                             cannot be tracked. Check the Clerk Dashboard and import it.",
                        )
                        .into(),
                    );
                }
                ApplyResponse {
                    new_state: state,
                    private: private.to_bytes(),
                    diagnostics: Diagnostics::new(),
                }
            }
            Err(error) => failed(self.create_failed(cx, planned, &error).await),
        }
    }

    /// A refused create: when an object with the same natural key exists,
    /// the error names it and the import command; otherwise Clerk's error.
    /// A create that may have reached Clerk (its answer lost) is not sent
    /// again; the error says whether the object is there now.
    async fn create_failed(
        &self,
        cx: &Configured,
        planned: &Value,
        error: &ApiError,
    ) -> Diagnostics {
        if error.maybe_applied() {
            return self.create_unconfirmed(cx, planned, error).await;
        }
        let refused = matches!(
            error,
            ApiError::Api {
                status: 400 | 409 | 422,
                ..
            }
        );
        let key = self
            .natural_key
            .and_then(|key| Some((key, planned.get(key)?.as_str()?)));
        if let (true, Some((key, value))) = (refused, key) {
            if let Ok(all) = self.list_all(cx).await {
                let existing = model::find_by_key(&all, key, value);
                let id = existing.and_then(|o| o.get("id")?.as_str());
                let state = existing.map(|o| model::state_from_object(self.fields, o, None));
                if let (Some(id), Some((field, why))) = (
                    id,
                    state
                        .as_ref()
                        .and_then(|state| model::foreign(self.fields, state)),
                ) {
                    return Diagnostic::error(
                        format!("The {key} is taken"),
                        format!(
                            "Clerk refused to create the {subject} with {key} = {value:?}: \
                             object {id} of the instance has it, and that object has {name} = \
                             {actual}: {why}\n\nNothing was created. Choose another {key}.",
                            subject = self.subject,
                            value = shorten(value),
                            name = field.name,
                            actual = state
                                .as_ref()
                                .and_then(|s| s.get(field.name))
                                .map(model::show)
                                .unwrap_or_default(),
                        ),
                    )
                    .at(AttributePath::root(key))
                    .into();
                }
                if let Some(id) = id {
                    return Diagnostic::error(
                        format!("This {} already exists", self.subject),
                        format!(
                            "Clerk refused to create the {subject} with {key} = {value:?}: the \
                             instance already has one, with id {id}. Nothing was created.\n\nTo \
                             manage the existing object with Terraform, import it (replace \
                             <name> with this resource's name):\n\n  {command}",
                            subject = self.subject,
                            value = shorten(value),
                            command = self.import_hint(id),
                        ),
                    )
                    .at(AttributePath::root(key))
                    .into();
                }
            }
        }
        api_error_at(
            &format!("create the {}", self.subject),
            error,
            &self.names(),
        )
    }

    async fn create_unconfirmed(
        &self,
        cx: &Configured,
        planned: &Value,
        error: &ApiError,
    ) -> Diagnostics {
        let found = match self
            .natural_key
            .and_then(|key| Some((key, planned.get(key)?.as_str()?)))
        {
            Some((key, value)) => match self.list_all(cx).await {
                Ok(all) => model::find_by_key(&all, key, value)
                    .and_then(|o| o.get("id")?.as_str())
                    .map(|id| {
                        format!(
                            "The instance now has a {subject} with {key} = {value:?}, id {id}: \
                             most likely this request created it. Import it (replace <name> \
                             with this resource's name):\n\n  {command}",
                            subject = self.subject,
                            value = shorten(value),
                            command = self.import_hint(id),
                        )
                    }),
                Err(_) => None,
            },
            None => None,
        };
        let next = found.unwrap_or_else(|| {
            format!(
                "Run `terraform apply` again: if the {subject} was created after all, Clerk \
                 refuses it as a duplicate and the error names its id and the import command.",
                subject = self.subject
            )
        });
        Diagnostic::error(
            format!("The {} may have been created", self.subject),
            format!(
                "{error}. The create request reached Clerk, but its answer was lost or was a \
                 server error, so the provider cannot tell whether the object exists. It was \
                 not sent again, since a second create could make a second object. Terraform \
                 state was not updated.\n\n{next}"
            ),
        )
        .into()
    }

    async fn delete(&self, cx: &Configured, prior: &Value, private: &Private) -> ApplyResponse {
        let failed = |diagnostics: Diagnostics| ApplyResponse {
            new_state: prior.clone(),
            private: private.to_bytes(),
            diagnostics,
        };
        let Some(id) = prior.get("id").and_then(Value::as_str) else {
            return failed(Self::decode_error("prior state", "it has no id"));
        };
        if let Some((field, why)) = model::foreign(self.fields, prior) {
            return failed(self.foreign_error("delete", prior, field, why));
        }
        if let Err(diags) = self.check_instance(cx, private).await {
            return failed(diags);
        }
        let result = cx.client.delete(&self.object_path(id)).await;
        cx.invalidate();
        match result {
            Ok(()) => {}
            Err(error) if error.status() == Some(404) => {
                logging::debug("resource", "object already gone", &[("id", &id)]);
            }
            Err(error) => {
                return failed(api_error(&format!("delete the {}", self.subject), &error))
            }
        }
        ApplyResponse {
            new_state: Value::Null,
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn read_state(&self, cx: &Context, request: ReadRequest) -> ReadResponse {
        let keep = |diagnostics: Diagnostics| ReadResponse {
            new_state: request.current_state.clone(),
            private: request.private.clone(),
            diagnostics,
        };
        let cx = match cx.configured() {
            Ok(cx) => cx,
            Err(diags) => return keep(diags),
        };
        let Some(id) = request.current_state.get("id").and_then(Value::as_str) else {
            return keep(Self::decode_error("state", "it has no id"));
        };
        let private = Private::from_bytes(&request.private);
        // A key of another instance would see the object as gone.
        let instance = match self.check_instance(cx, &private).await {
            Ok(instance) => instance,
            Err(diags) => return keep(diags),
        };
        let private = recorded(&instance);
        match self.find(cx, id).await {
            Ok(Some(object)) => ReadResponse {
                new_state: model::state_from_object(
                    self.fields,
                    &object,
                    Some(&request.current_state),
                ),
                private: private.to_bytes(),
                diagnostics: Diagnostics::new(),
            },
            Ok(None) => {
                logging::info(
                    "resource",
                    "object deleted outside Terraform",
                    &[("resource", &self.type_name), ("id", &id)],
                );
                ReadResponse {
                    new_state: Value::Null,
                    private: Vec::new(),
                    diagnostics: Diagnostics::new(),
                }
            }
            Err(error) => keep(api_error(&format!("read the {}", self.subject), &error)),
        }
    }

    async fn import_state(&self, cx: &Context, id: String) -> (Vec<ImportedResource>, Diagnostics) {
        let cx = match cx.configured() {
            Ok(cx) => cx,
            Err(diags) => return (Vec::new(), diags),
        };
        let instance = match cx.confirm_instance(None, None).await {
            Ok(instance) => instance,
            Err(diags) => return (Vec::new(), diags),
        };
        let all = match self.list_all(cx).await {
            Ok(all) => all,
            Err(error) => {
                return (
                    Vec::new(),
                    api_error(&format!("list the {}s", self.subject), &error),
                )
            }
        };
        let found = model::find_by_id(&all, &id).or_else(|| {
            self.natural_key
                .and_then(|key| model::find_by_key(&all, key, &id))
        });
        let Some(object) = found else {
            let key = self
                .natural_key
                .map(|k| format!(" or {k}"))
                .unwrap_or_default();
            return (
                Vec::new(),
                Diagnostic::error(
                    format!("No such {}", self.subject),
                    format!(
                        "Instance {instance} has no {subject} with the id{key} {id:?}. Import \
                         with the id of an existing object{key}.",
                        instance = instance.id,
                        subject = self.subject,
                        id = shorten(&id),
                    ),
                )
                .into(),
            );
        };
        let state = model::state_from_object(self.fields, object, None);
        if let Some((field, why)) = model::foreign(self.fields, &state) {
            return (Vec::new(), self.foreign_error("import", &state, field, why));
        }
        (
            vec![ImportedResource {
                type_name: self.type_name.to_string(),
                state,
                private: recorded(&instance).to_bytes(),
            }],
            Diagnostics::new(),
        )
    }
}

/// The private state of an object of `instance`.
fn recorded(instance: &Instance) -> Private {
    Private {
        instance_id: Some(instance.id.clone()),
        environment: Some(instance.environment_type.clone()),
    }
}

impl Resource for Collection {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn schema(&self) -> Schema {
        let mut attributes = vec![Attribute::computed(
            "id",
            Type::String,
            &format!("The {}'s ID, assigned by Clerk.", self.subject),
        )];
        for field in self.fields {
            let ty = field.kind.value_type();
            let mut description = field.description.to_string();
            if field.replaces {
                description.push_str(" Changing it replaces the object.");
            }
            if field.create_only {
                description.push_str(
                    " Sent only when the object is created, and never read back: changing it \
                     later changes only Terraform state.",
                );
            }
            let mut attribute = match field.role {
                Role::Required => Attribute::required(field.name, ty, &description),
                Role::Optional => Attribute::optional(field.name, ty, &description),
                Role::Computed => Attribute::computed(field.name, ty, &description),
                Role::OptionalComputed => {
                    Attribute::optional_computed(field.name, ty, &description)
                }
            };
            if field.sensitive {
                attribute = attribute.sensitive();
            }
            attributes.push(attribute);
        }
        super::resource_schema(self.description, attributes)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        self.validate_config(config)
    }

    fn plan(&self, request: &PlanRequest) -> PlanResponse {
        self.plan_change(request)
    }

    fn apply<'a>(&'a self, cx: &'a Context, request: ApplyRequest) -> BoxFuture<'a, ApplyResponse> {
        Box::pin(self.apply_change(cx, request))
    }

    fn read<'a>(&'a self, cx: &'a Context, request: ReadRequest) -> BoxFuture<'a, ReadResponse> {
        Box::pin(self.read_state(cx, request))
    }

    fn import<'a>(
        &'a self,
        cx: &'a Context,
        id: String,
    ) -> BoxFuture<'a, (Vec<ImportedResource>, Diagnostics)> {
        Box::pin(self.import_state(cx, id))
    }
}

/// Shared checks of configured values.
pub mod checks {
    /// A value with no surrounding whitespace and not empty.
    pub fn trimmed(text: &str) -> Result<(), String> {
        if text.is_empty() {
            return Err("The value must not be empty.".to_string());
        }
        if text.trim() != text {
            return Err(format!(
                "{text:?} has leading or trailing whitespace, which Clerk would keep or refuse."
            ));
        }
        Ok(())
    }
}
