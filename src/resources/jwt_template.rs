//! `clerk_jwt_template`: one JWT template of the instance
//! (`/v1/jwt_templates`), updated in place. Clerk's `PATCH` wants `name`
//! and `claims` every time; the other fields are sent only when they change.

use super::collection::model::{Field, Kind, Listing};
use super::collection::{checks, Collection, Lookup};

pub static JWT_TEMPLATE: Collection = Collection {
    type_name: "clerk_jwt_template",
    subject: "JWT template",
    description: "One JWT template: the claims, lifetime and signing of the tokens an application \
        gets with `getToken({ template: name })`, for example to call Hasura, Supabase or an API \
        of your own. Each resource is one object of Clerk's `/v1/jwt_templates`; changes are made \
        in place, and destroying it deletes the template. Import with the template's ID or with \
        its name.",
    path: "/jwt_templates",
    listing: Listing::PagedArray,
    lookup: Lookup::ById,
    natural_key: Some("name"),
    updatable: true,
    fields: &[
        Field::required(
            "name",
            Kind::String,
            "The template's name, unique in the instance; applications ask for tokens by it.",
        )
        .always_sent()
        .validate(checks::trimmed),
        Field::required(
            "claims",
            Kind::JsonObject,
            "The token's claims, as a JSON object string (use `jsonencode({...})`). Values may \
             use Clerk's shortcodes, e.g. `\"{{user.id}}\"`. Formatting and key order are not \
             changes. Claims Clerk sets itself (`sub`, `iss`, `exp`, …) are refused by Clerk.",
        )
        .always_sent(),
        Field::optional_computed(
            "lifetime",
            Kind::Int,
            "How long a token is valid, in seconds (30 to 315360000). Clerk's default is 60.",
        ),
        Field::optional_computed(
            "allowed_clock_skew",
            Kind::Int,
            "The leeway, in seconds, for clock differences when a token's times are checked \
             (0 to 300). Clerk's default is 5.",
        ),
        Field::optional_computed(
            "custom_signing_key",
            Kind::Bool,
            "Whether tokens are signed with `signing_key` instead of the instance's own key. \
             Defaults to `false`.",
        ),
        Field::optional_computed(
            "signing_algorithm",
            Kind::String,
            "The algorithm of the custom signing key, e.g. `HS256` or `RS256`. Set it only with \
             `custom_signing_key = true`; otherwise Clerk reports the instance key's algorithm.",
        )
        .reset_by("custom_signing_key")
        .sent_with("signing_key"),
        Field::optional(
            "signing_key",
            Kind::String,
            "The custom signing key (a shared secret, or a private key in PEM form), required \
             when `custom_signing_key` is `true`. Clerk never returns it: it is sent when set or \
             changed, and state keeps what was configured.",
        )
        .write_only()
        .sensitive()
        .required_when("custom_signing_key"),
    ],
};
