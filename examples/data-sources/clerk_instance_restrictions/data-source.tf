# Read with the provider's own key; no write is ever sent to read them.
data "clerk_instance_restrictions" "this" {}

output "sign_up_restrictions" {
  value = {
    allowlist                      = data.clerk_instance_restrictions.this.allowlist
    blocklist                      = data.clerk_instance_restrictions.this.blocklist
    block_disposable_email_domains = data.clerk_instance_restrictions.this.block_disposable_email_domains
  }
}
