//! `clerk_blocklist_identifier`: one identifier blocked from the instance
//! (`/v1/blocklist_identifiers`). Clerk has no GET by id: refresh finds the
//! object in the shared listing.

use super::collection::model::{Field, Kind, Listing};
use super::collection::{rules, Collection, Lookup};

pub static BLOCKLIST_IDENTIFIER: Collection = Collection {
    type_name: "clerk_blocklist_identifier",
    subject: "block-list identifier",
    description: "One identifier on the instance's block-list: while the block-list restriction \
        is on (`clerk_instance_restrictions.blocklist`), listed identifiers cannot sign up or \
        sign in. Each resource is one object of Clerk's `/v1/blocklist_identifiers`; destroying \
        it removes the identifier from the list. Import with the object's ID or with the \
        identifier itself.",
    path: "/blocklist_identifiers",
    listing: Listing::DataObject,
    lookup: Lookup::InListing,
    natural_key: Some("identifier"),
    updatable: false,
    fields: &[
        Field::required(
            "identifier",
            Kind::String,
            "An email address, an email domain (`*@example.com`), a phone number in E.164 form \
             (`+15555550100`) or a web3 wallet (`0x` and 40 hexadecimal digits).",
        )
        .replaces()
        .validate(rules::blocklist_identifier),
        Field::computed(
            "identifier_type",
            Kind::String,
            "What the identifier is: `email_address` (also for an email domain), \
             `phone_number` or `web3_wallet`.",
        ),
    ],
};
