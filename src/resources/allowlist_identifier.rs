//! `clerk_allowlist_identifier`: one identifier allowed to sign up to the
//! instance (`/v1/allowlist_identifiers`). Clerk has no GET by id: refresh
//! finds the object in the shared listing.

use super::collection::model::{Field, Kind, Listing};
use super::collection::{rules, Collection, Lookup};

pub static ALLOWLIST_IDENTIFIER: Collection = Collection {
    type_name: "clerk_allowlist_identifier",
    subject: "allow-list identifier",
    description: "One identifier on the instance's allow-list: while the allow-list restriction \
        is on (`clerk_instance_restrictions.allowlist`), only listed identifiers can sign up. \
        Each resource is one object of Clerk's `/v1/allowlist_identifiers`; destroying it \
        removes the identifier from the list. Import with the object's ID or with the \
        identifier itself.",
    path: "/allowlist_identifiers",
    listing: Listing::PagedArray,
    lookup: Lookup::InListing,
    natural_key: Some("identifier"),
    updatable: false,
    fields: &[
        Field::required(
            "identifier",
            Kind::String,
            "An email address, a phone number in E.164 form (`+15555550100`) or a web3 wallet \
             (`0x` and 40 hexadecimal digits).",
        )
        .replaces()
        .validate(rules::allowlist_identifier),
        Field::optional_computed(
            "notify",
            Kind::Bool,
            "Whether Clerk sends the identifier an invitation to join the application (email \
             addresses and phone numbers only). Unset means no invitation; left out of the \
             configuration later, state keeps what it has.",
        )
        .create_only(),
        Field::computed(
            "identifier_type",
            Kind::String,
            "What the identifier is: `email_address`, `phone_number` or `web3_wallet`.",
        ),
    ],
};
