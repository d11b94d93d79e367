# Read with the provider's own key; no write is ever sent to read them.
data "clerk_oauth_application_settings" "this" {}

output "oauth_default_scopes" {
  value = data.clerk_oauth_application_settings.this.default_scopes
}
