# Read with the provider's own key; no write is ever sent to read it.
data "clerk_instance_communication" "this" {}

output "sms_blocked_countries" {
  value = data.clerk_instance_communication.this.blocked_country_codes
}
