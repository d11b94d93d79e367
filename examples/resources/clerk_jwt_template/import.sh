# Import with the template's ID (listed by GET /v1/jwt_templates) …
terraform import clerk_jwt_template.hasura jtmp_2abcDEFghiJKLmnoPQRstuVWXyz
# … or with its name.
terraform import clerk_jwt_template.api internal-api
