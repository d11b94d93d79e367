# Turn on Clerk Protect's rules. Settings left out (specter_enabled) are not
# managed and stay as they are; checks_bypassed is read-only.
resource "clerk_instance_protect" "this" {
  rules_enabled = true
}
