# Import with the identifier's ID (listed by GET /v1/allowlist_identifiers) …
terraform import clerk_allowlist_identifier.colleague alid_2abcDEFghiJKLmnoPQRstuVWXyz
# … or with the identifier itself. Clerk never returns `notify`, so after an
# import the next plan shows a configured `notify` as a change; applying it
# only records it in state and sends nothing.
terraform import 'clerk_allowlist_identifier.phones["+15555550100"]' +15555550100
