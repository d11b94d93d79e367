# Read with the provider's own key; no write is ever sent to read them.
data "clerk_organization_settings" "this" {}

output "organizations" {
  value = {
    enabled         = data.clerk_organization_settings.this.enabled
    creator_role    = data.clerk_organization_settings.this.creator_role
    creator_role_id = data.clerk_organization_settings.this.creator_role_id
  }
}
