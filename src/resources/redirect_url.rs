//! `clerk_redirect_url`: one of the instance's allowed redirect URLs
//! (`/v1/redirect_urls`). Clerk cannot update one: a new `url` replaces it.

use super::collection::model::{Field, Kind, Listing};
use super::collection::{rules, Collection, Lookup};

pub static REDIRECT_URL: Collection = Collection {
    type_name: "clerk_redirect_url",
    subject: "redirect URL",
    description: "One URL Clerk may redirect to after sign-in or sign-up, for example an OAuth \
        callback of a native application (`my-app://oauth-callback`). Each resource is one \
        object of Clerk's `/v1/redirect_urls`; destroying it deletes the URL from the instance. \
        Import with the object's ID or with the URL itself.",
    path: "/redirect_urls",
    listing: Listing::PagedArray,
    lookup: Lookup::ById,
    natural_key: Some("url"),
    updatable: false,
    fields: &[Field::required(
        "url",
        Kind::String,
        "The full URL, starting with `https://` or a custom scheme, e.g. \
         `https://my-app.com/oauth-callback` or `my-app://oauth-callback`.",
    )
    .replaces()
    .validate(rules::redirect_url)],
};
