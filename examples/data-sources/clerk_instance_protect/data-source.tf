# Read with the provider's own key; no write is ever sent to read them.
data "clerk_instance_protect" "this" {}

output "protect" {
  value = {
    rules_enabled   = data.clerk_instance_protect.this.rules_enabled
    specter_enabled = data.clerk_instance_protect.this.specter_enabled
    checks_bypassed = data.clerk_instance_protect.this.checks_bypassed
  }
}
