# A JWT template for Hasura: applications get a token with
# `getToken({ template: "hasura" })`. Claims are a JSON object string;
# `jsonencode` keeps them readable, and re-ordering them is no change.
resource "clerk_jwt_template" "hasura" {
  name = "hasura"
  claims = jsonencode({
    "https://hasura.io/jwt/claims" = {
      "x-hasura-default-role"  = "user"
      "x-hasura-allowed-roles" = ["user"]
      "x-hasura-user-id"       = "{{user.id}}"
    }
  })
  lifetime = 3600
}

resource "clerk_jwt_template" "api" {
  name               = "internal-api"
  claims             = jsonencode({ aud = "https://api.example.com", email = "{{user.primary_email_address}}" })
  allowed_clock_skew = 10
}
