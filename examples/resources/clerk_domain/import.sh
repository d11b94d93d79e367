# Import with the domain's ID (listed by GET /v1/domains) …
terraform import clerk_domain.docs dmn_2abcDEFghiJKLmnoPQRstuVWXyz
# … or with its name. The primary domain cannot be imported.
terraform import clerk_domain.docs docs.example.com
