# Turn organizations on, with verified domains that suggest membership to
# users with a matching email address. Settings left out (slug_disabled,
# the roles, …) are not managed and stay as they are.
resource "clerk_organization_settings" "this" {
  enabled                  = true
  max_allowed_memberships  = 10
  admin_delete_enabled     = false
  domains_enabled          = true
  domains_enrollment_modes = ["automatic_suggestion"]

  # Roles are set by ID (role_…, from the Clerk Dashboard or
  # GET /v1/organization_roles); Clerk reports them back by key, in
  # creator_role and domains_default_role.
  # creator_role_id = "role_2abcDEFghiJKLmnoPQRstuVWXyz"
}
