# Import with the identifier's ID (listed by GET /v1/blocklist_identifiers) …
terraform import clerk_blocklist_identifier.wallet blid_2abcDEFghiJKLmnoPQRstuVWXyz
# … or with the identifier itself.
terraform import clerk_blocklist_identifier.spam_domain '*@spam.example'
