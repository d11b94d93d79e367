//! `clerk_domain`: one satellite domain of the instance (`/v1/domains`).
//!
//! Clerk's listing holds the primary domain too, but the primary is not a
//! `clerk_domain`: its development origin belongs to
//! `clerk_instance_settings`, and Clerk cannot delete it. An object whose
//! `is_satellite` is not `true` is refused by import, update and delete.
//! `POST` always sends `is_satellite = true`, as Clerk requires. `name` and
//! `proxy_url` change in place (`PATCH`); `proxy_url` is production-only,
//! and removing it sends `null`, Clerk's way back to the DNS setup. There
//! is no `GET /v1/domains/{id}`: refresh finds the object in the listing.

use super::collection::model::{Field, Kind, Listing, Literal};
use super::collection::{rules, Collection, Lookup};

/// One entry of Clerk's `cname_targets` (the spec's `CNameTarget`).
const CNAME_TARGET: &[(&str, Kind)] = &[
    ("host", Kind::String),
    ("value", Kind::String),
    ("required", Kind::Bool),
];

/// Why the primary domain is refused, after the object is named.
const PRIMARY: &str = "it is the instance's primary domain, not a satellite, so it is not a \
    clerk_domain. The primary domain is managed through clerk_instance_settings (its \
    development_origin), and Clerk cannot delete it.";

pub static DOMAIN: Collection = Collection {
    type_name: "clerk_domain",
    subject: "satellite domain",
    description: "One satellite domain of a multi-domain instance: a domain whose users share \
        the sessions of the primary domain. Each resource is one satellite of Clerk's \
        `/v1/domains`; `name` and `proxy_url` change in place, and destroying it deletes the \
        satellite. Import with the domain's ID or with its name.\n\nThe primary domain is not \
        a `clerk_domain`: its `development_origin` is set with `clerk_instance_settings`, and \
        importing or deleting it here is refused.\n\n`proxy_url` is for production instances \
        only: Clerk refuses it on development instances. Once a domain exists, its instance is \
        known and the plan refuses `proxy_url` on a development one; a new domain's apply \
        refuses it before sending anything. Removing `proxy_url` sends `null`, Clerk's way back \
        to the DNS (CNAME) setup.",
    path: "/domains",
    listing: Listing::DataObject,
    lookup: Lookup::InListing,
    natural_key: Some("name"),
    updatable: true,
    fields: &[
        Field::required(
            "name",
            Kind::String,
            "The satellite's domain name, without scheme or path, e.g. `satellite.example.com`. \
             Development instances may add a port (`localhost:3001`). Clerk stores it in lower \
             case. Changing it renames the domain in place.",
        )
        .validate(rules::domain_name),
        Field::optional(
            "proxy_url",
            Kind::String,
            "The full `https://` URL of a proxy that forwards requests to Clerk's Frontend API \
             for this domain, e.g. `https://satellite.example.com/__clerk`. Production \
             instances only. Removing it switches the domain back to the DNS (CNAME) setup.",
        )
        .production_only(),
        Field::computed(
            "is_satellite",
            Kind::Bool,
            "Always `true`: a `clerk_domain` is a satellite, and is created as one.",
        )
        .fixed(Literal::Bool(true), PRIMARY),
        Field::computed(
            "frontend_api_url",
            Kind::String,
            "The URL of the Frontend API serving this domain.",
        ),
        Field::computed(
            "cname_targets",
            Kind::ObjectList(CNAME_TARGET),
            "The DNS records the domain needs, as Clerk reports them: each with `host`, `value` \
             (the CNAME target) and `required` (whether the domain counts as deployed only with \
             it). Null when Clerk reports none, as on development instances.",
        ),
    ],
};
